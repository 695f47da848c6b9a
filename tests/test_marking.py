"""What marks a check leaves, and the record that lets the next check take them off again."""

from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from xlsx_tools.cli import main
from xlsx_tools.format.declaration import load
from xlsx_tools.format.findings import registered
from xlsx_tools.read.reader import Report
from xlsx_tools.write import marking, style

FMT = load()


def test_the_record_reads_back_what_was_written_and_skips_what_staff_changed():
    marked = [marking.Marked("表二", "B12", style.INPUT, True), marking.Marked("基本信息", "B4", None, False)]
    report = Report("a.xlsx", findings=[registered("S7", sheet="表二", cell="B12")])
    rows = marking.list_rows(report, marked, FMT, "标题")
    assert marking.read_record(rows, FMT) == marked
    col = marking.record_column(FMT) - 1
    rows[3][col + 1] = "黄色"  # a fill no one can restore: the cell is still cleared, fill left to none
    rows[4][col] = "B4"  # no sheet: the record ends there
    assert marking.read_record(rows, FMT) == [marking.Marked("表二", "B12", None, True)]
    assert marking.read_record([["别的表"]], FMT) == []


def test_counts_name_every_severity_found_most_severe_first():
    report = Report("a.xlsx", findings=[registered("S7", sheet="表二", cell="B12"),
                                        registered("S-EXTRA-SHEET", sheet="x"),
                                        registered("S7", sheet="表二", cell="B13")])
    assert marking.counts(report, FMT) == "2 个警告、1 个提示"
    assert FMT.addin["no_errors"] in marking.summary(report, FMT)
    assert marking.summary(Report("a.xlsx"), FMT) == FMT.addin["clean"]


def test_the_template_fill_is_the_fallback_for_clients_that_cannot_read_fills():
    assert marking.template_fill(FMT, "表二", "B12") == style.INPUT
    assert marking.template_fill(FMT, "表三", "J6") == style.FORMULA  # 总计
    assert marking.template_fill(FMT, "表二", "A1") is None
    assert marking.template_fill(FMT, "别的表", "A1") is None


def test_annotating_an_annotated_copy_takes_the_old_marks_off_first(every_error, tmp_path):
    path, _ = every_error
    runner = CliRunner()
    runner.invoke(main, ["validate", str(path), "--annotate", str(tmp_path / "一")])
    first = tmp_path / "一" / path.name
    wb = load_workbook(first)
    assert wb["表二"]["B12"].comment is not None
    assert wb["表二"]["B12"].fill.fgColor.rgb.endswith(style.SEVERITY_COLOURS["error"][0])
    wb["表二"]["B12"].value = 12  # fixed in the annotated copy
    wb.save(first)
    runner.invoke(main, ["validate", str(first), "--annotate", str(tmp_path / "二")])
    again = load_workbook(tmp_path / "二" / path.name)
    assert again["表二"]["B12"].comment is None
    assert again["表二"]["B12"].fill.fgColor.rgb.endswith(style.INPUT)
    assert again["基本信息"]["B4"].comment is not None  # still wrong: still marked
