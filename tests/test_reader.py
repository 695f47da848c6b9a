"""The reader on real files: every refusal has its own code, structure problems are reported and not
read as shifted numbers, every kind of odd cell value is a located finding, inputs stay untouched."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import corpus
import pytest
from fills import correct_values, fill, write_filled
from openpyxl import load_workbook

from xlsx_tools.check.validate import collect, validate_paths
from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import added_sheets, workbook_layout
from xlsx_tools.read.container import Limits
from xlsx_tools.read.reader import read_bytes, read_path
from xlsx_tools.write import template


@pytest.mark.parametrize("c", [c for c in corpus.CASES if c.refusal], ids=lambda c: c.name)
def test_each_refused_file_gets_its_own_code(bad_corpus, c):
    """The reader alone, in this process: a refusal is one finding, with its text and fix."""
    path = bad_corpus.path(c)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    report = read_path(path)
    assert [f.code for f in report.findings] == [c.code]
    assert not report.readable and report.findings[0].severity == "error"
    assert report.findings[0].file == path.name and report.findings[0].message and report.findings[0].hint
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def _case(bad_corpus, name: str) -> Path:
    return bad_corpus.path(corpus.by_name(name))


@pytest.mark.parametrize("name, part, size", [("F-TOO-BIG__zip-bomb.xlsx", "xl/media/bomb.bin", "150.0"),
                                              ("F-TOO-BIG__sheet-part-bomb.xlsx", "xl/worksheets/sheet", "400.0")])
def test_zip_bomb_names_member_size_limit_and_flag(bad_corpus, name, part, size):
    (finding,) = read_path(_case(bad_corpus, name)).findings
    assert part in finding.message and f"{size} MB" in finding.message and "上限 100" in finding.message
    assert "--max-uncompressed-mb" in finding.hint


def test_part_flood_names_count_limit_and_flag(bad_corpus):
    (finding,) = read_path(_case(bad_corpus, "F-TOO-MANY-PARTS__part-flood.xlsx")).findings
    assert "上限 2000" in finding.message and "--max-parts" in finding.hint
    assert read_path(_case(bad_corpus, "F-TOO-MANY-PARTS__part-flood.xlsx"), Limits(max_parts=5000)).readable


def test_the_flag_really_raises_the_limit(bad_corpus):
    raised = read_path(_case(bad_corpus, "F-TOO-BIG__zip-bomb.xlsx"), Limits(max_uncompressed_mb=500))
    assert raised.readable and not [f for f in raised.findings if f.severity == "error"]


def test_xxe_target_never_appears(bad_corpus):
    report = read_path(_case(bad_corpus, "F-UNSAFE-XML__xxe-in-sheet.xlsx"))
    target = Path("/etc/hostname")
    secret = target.read_text(encoding="utf-8").strip() if target.exists() else "no-hostname-file"
    assert secret and secret not in repr(report)


def test_lock_files_are_noted_not_read(tmp_path):
    (tmp_path / "~$科技局.xlsx").write_bytes(b"\x00" * 161)
    (tmp_path / "科技局.xlsx").write_bytes(corpus.good_bytes())
    (tmp_path / "Thumbs.db").write_bytes(b"x")
    (tmp_path / ".hidden.xlsx").write_bytes(b"x")
    files, notes = collect([tmp_path])
    assert [p.name for p in files] == ["科技局.xlsx"]
    assert [(n.findings[0].code, n.findings[0].severity) for n in notes] == [("F-LOCKFILE", "info")]


def _codes(report) -> list[tuple[str, str, str]]:
    return [(f.code, f.sheet, f.cell) for f in report.findings]


def test_correct_fill_reads_clean_with_typed_values(tmp_path):
    report = read_path(write_filled(tmp_path / "ok.xlsx", correct_values()))
    assert report.readable and report.findings == []
    assert report.values["t3.new.total"] == 23  # re-derived: openpyxl saved no cached value
    assert report.values["t2.fees.amount"] == pytest.approx(9116.36)
    assert report.values["id.year"] == 2025 and str(report.values["id.filled_on"]) == "2026-01-20"


def test_renamed_sheet_is_known_by_its_labels_and_read():
    report = validate_paths_bytes(corpus.bytes_of("S3__sheet-renamed.xlsx"))  # 表三 → 表三 (2)
    s3 = [f for f in report.findings if f.code == "S3"]
    assert [(f.severity, f.sheet) for f in s3] == [("warning", "表三 (2)")] and "改名为“表三 (2)”" in s3[0].message
    assert "t3" not in report.unread_tables and report.values["t3.new.natural"] is not None
    assert not [f for f in report.findings if f.severity == "error" or f.code == "S-EXTRA-SHEET"]


def test_the_issues_renamed_sheets_give_one_answer_at_the_sheets_the_user_sees():
    """表三 renamed 表3 and 表四 renamed 表四（复议诉讼）, with an error in 表三: one warning per sheet, the
    error at 表3's cell, no S-EXTRA-SHEET for the sheets holding the data, no narrative noise."""
    values = correct_values()
    values["t3.new.natural"] += 5  # R1 on 表三's 自然人 column
    wb = fill(template.build(), values)
    wb["表三"].title = "表3"
    wb["表四"].title = "表四（复议诉讼）"
    report = validate_paths_bytes(corpus.save(wb))
    said = sorted((f.code, f.severity, f.sheet) for f in report.findings)
    assert ("S3", "warning", "表3") in said and ("S4", "warning", "表四（复议诉讼）") in said
    assert {(c, sh) for c, sev, sh in said if sev == "error"} == {("R1", "表3")}
    assert not [f for f in report.findings if f.code == "S-EXTRA-SHEET" or f.sheet in ("表三", "表四")]


def test_a_deleted_table_is_said_once_and_its_checks_held_back():
    report = validate_paths_bytes(corpus.bytes_of("S3__sheet-deleted.xlsx"))
    assert [(f.code, f.severity) for f in report.findings if f.code == "S3"] == [("S3", "error"), ("S3", "info")]
    held = next(f for f in report.findings if f.severity == "info" and f.code == "S3")
    assert "表三未能读取" in held.message
    assert not [f for f in report.findings if f.code.startswith(("T", "R")) and "应为 0" in f.message]
    assert not [f for f in report.findings if f.code.startswith("T")]


def test_inserted_row_is_structure_not_shifted_numbers():
    report = validate_paths_bytes(corpus.bytes_of("S3__row-inserted.xlsx"))  # a row inserted at 表三 row 7
    s3 = [f for f in report.findings if f.code == "S3"]
    assert s3 and s3[0].sheet == "表三" and s3[0].cell == "A7"
    assert "A8" in s3[0].message  # where the label went
    assert not any(f.code in ("R1", "R2", "R3", "S6", "S7") and f.sheet == "表三" for f in report.findings)
    assert not any(f.code.startswith("T") for f in report.findings)  # the text is not checked against it
    assert [f.message for f in report.findings if f.severity == "info" and f.code == "S3"] == [
        "表三未能读取，与它有关的核对（勾稽关系、正文所述数字）暂不进行"]


def test_edited_label_is_reported_expected_versus_found():
    report = read_bytes(corpus.bytes_of("S2__label-edited.xlsx"), "edited.xlsx")  # 表二!A5 规章 → 规章制度
    assert _codes(report) == [("S2", "表二", "A5")]
    assert report.findings[0].expected == "规章" and report.findings[0].actual == "规章制度"


def test_spaces_and_half_width_in_labels_are_not_differences():
    # 表三!E5 with ideographic and no-break spaces, B8 half-width with a zero-width space
    report = read_bytes(corpus.bytes_of("S-LABEL-NORMALISED__spaces-in-labels.xlsx"), "spaces.xlsx")
    assert [(f.code, f.severity, f.sheet, f.cell) for f in report.findings] == [
        ("S-LABEL-NORMALISED", "info", "表三", "E5")]  # one note per sheet, naming how many
    assert "2 个标签" in report.findings[0].message and report.values["t3.new.business"] == 3


def test_2019_layout_is_refused_as_such():
    report = read_bytes(corpus.bytes_of("S5__layout-2019.xlsx"), "old.xlsx")  # 表二!B4 本年新制作数量
    assert [(f.code, f.cell) for f in report.findings] == [("S5", "B4")]


def validate_paths_bytes(data: bytes, name: str = "x.xlsx"):
    from xlsx_tools.check.validate import validate_reports

    return validate_reports([read_bytes(data, name)])[0]


@pytest.mark.parametrize("raw, code, severity", [
    ("１２", "S6", "error"),  # full-width digits typed as text
    ("1,234", "S6", "error"),
    ("12件", "S6", "error"),
    ("12O", "S6", "error"),  # the letter O
    ("—", "S6", "warning"),
    ("/", "S6", "warning"),
    ("无", "S6", "warning"),
    ("不详", "S6", "error"),
    ("#REF!", "S6-EXCEL-ERROR", "error"),
    (-3, "S6", "error"),
    (2.5, "S6", "error"),
    (None, "S7", "warning"),
    ("=1+2", "F-UNCALCULATED", "error"),  # a formula a script wrote, never calculated
])
def test_each_odd_cell_is_a_located_finding(raw, code, severity):
    values = correct_values()
    values["t3.denied_law.research"] = 0  # a cell whose correct value is 0, so sums are unchanged
    wb = fill(template.build(), values)
    wb["表三"]["F11"] = raw
    report = validate_paths_bytes(corpus.save(wb))
    cell_findings = [(f.code, f.severity, f.sheet, f.cell) for f in report.findings]
    expected = (code, severity, "表三", "F11")
    assert expected in cell_findings
    located = [f for f in report.findings if f.cell == "F11"][0]
    assert located.labels == ("2.其他法律行政法规禁止公开", "科研机构")
    if isinstance(raw, (int, float)):  # a real number in the sums: R1 notices it too, as Excel does
        assert {f.code for f in report.findings} == {"S6", "R1"}
    else:
        assert [f for f in report.findings if f.cell != "F11"] == []


@pytest.mark.parametrize("typed, meant", [("3000元", "0.3"), ("251000元", "25.1"), ("1,500 元", "0.15"),
                                          ("0.3万元", None), ("25.1", None)])
def test_the_fee_cell_gets_one_hint_with_the_figure_to_type(typed, meant):
    """One finding on the cell, its hint the 万元 figure: following it gives the right amount (a
    "3000元" hint of 3000 would make the fee ten thousand times too large)."""
    values = correct_values() | {"t2.fees.amount": typed}
    report = validate_paths_bytes(corpus.save(fill(template.build(), values)))
    sheet, span = workbook_layout().locate("t2.fees.amount")
    on_cell = [f for f in report.findings if (f.sheet, f.cell) == (sheet, span.ref)]
    if meant is None:
        assert all(f.code != "S9" for f in on_cell) and len(on_cell) <= 1
        if typed == "0.3万元":  # a unit typed after the right figure: delete the unit
            assert on_cell[0].code == "S6" and "0.3" in on_cell[0].hint
        return
    assert [(f.code, f.severity) for f in on_cell] == [("S6", "error")], on_cell
    assert f"改为数字 {meant}" in on_cell[0].hint and "万元" in on_cell[0].hint
    numbers = re.findall(r"\d+(?:\.\d+)?", on_cell[0].hint)
    assert meant in numbers and typed.replace("元", "").replace(",", "").strip() not in numbers


@pytest.mark.parametrize("sheet", sorted(added_sheets(load())) + ["我的备注"])
def test_the_sheets_nianbao_adds_are_not_extra(sheet):
    wb = fill(template.build(), correct_values())
    wb.create_sheet(sheet)["A1"] = "x"
    report = validate_paths_bytes(corpus.save(wb))
    extra = [(f.code, f.sheet) for f in report.findings if f.code == "S-EXTRA-SHEET"]
    assert extra == ([] if sheet in added_sheets(load()) else [("S-EXTRA-SHEET", "我的备注")])


def test_all_bad_cells_of_a_column_are_reported_in_one_run():
    values = correct_values()
    wb = fill(template.build(), values)
    for row in (11, 12, 13, 14):
        wb["表三"][f"F{row}"] = "x"
    report = validate_paths_bytes(corpus.save(wb))
    assert sorted(f.cell for f in report.findings if f.code == "S6") == ["F11", "F12", "F13", "F14"]


def test_values_saved_by_a_real_client_are_read_from_cached_results(tmp_path, libreoffice):
    src = write_filled(tmp_path / "filled.xlsx", correct_values())
    (saved,) = libreoffice.convert([src], tmp_path / "saved")
    report = read_path(saved)
    assert report.findings == []  # LibreOffice keeps the version property and every value
    assert report.values["t3.results_total.total"] == 22
    wb = load_workbook(saved)
    assert wb["表三"]["J29"].value.startswith("=SUM(")  # still the template's formula, now with a value


def test_inputs_never_change_after_validate_and_annotate(tmp_path):
    from xlsx_tools.write.annotate import annotate_reports

    values = correct_values()
    values["t3.new.natural"] = 99
    files = [write_filled(tmp_path / "a.xlsx", values), write_filled(tmp_path / "b.xlsx", correct_values())]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    reports = validate_paths(files)
    annotate_reports(reports, tmp_path / "annotated")
    assert {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files} == before


@pytest.mark.parametrize("data, said", [
    (b"PK\x03\x04" + b"\x00" * 40, "不是完整的压缩包"),  # a zip's signature, nothing after it
])
def test_a_broken_file_is_said_in_chinese_and_the_system_text_kept_for_json(tmp_path, data, said):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(data)
    (report,) = validate_paths([path])
    (finding,) = report.findings
    assert said in finding.message and not re.search(r"[A-Za-z]{3,}", finding.message), finding.message
    assert finding.extra["detail"] and re.search(r"[A-Za-z]", finding.extra["detail"])  # the original, for JSON


def test_plain_detail_keeps_chinese_and_translates_what_libraries_say():
    from xlsx_tools.format.findings import plain_detail

    assert plain_detail("缺少部件 xl/workbook.xml") == "缺少部件 xl/workbook.xml"
    assert plain_detail("File is not a zip file") == "不是完整的压缩包"
    assert plain_detail("Error -3 while decompressing data: invalid distance too far back") == "压缩数据已损坏"
    assert plain_detail("There is no item named 'xl/workbook.xml' in the archive") == "缺少必要的组成部分"
    assert plain_detail("something nobody foresaw") == "内部错误"


def test_the_text_is_not_checked_against_a_table_that_could_not_be_read_in_a_batch_either(tmp_path):
    """With a good workbook beside it (the batch has 表三's columns), a workbook without 表三 gets no
    "正文写 23，应为 0": its narrative statements about 表三 are held back."""
    good = write_filled(tmp_path / "好.xlsx", correct_values())
    wb = fill(template.build(), correct_values())
    del wb["表三"]
    broken = tmp_path / "缺表三.xlsx"
    broken.write_bytes(corpus.save(wb))
    reports = {Path(r.file).name: r for r in validate_paths([good, broken])}
    assert not [f for f in reports["缺表三.xlsx"].findings if f.code.startswith("T")]
    assert not [f for f in reports["好.xlsx"].findings if f.severity != "info"]
