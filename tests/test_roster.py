"""A consolidator's roster, read from a real workbook, drives one personalised template per agency."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner
from conftest import OTHER
from fills import CODE
from openpyxl import Workbook, load_workbook

from xlsx_tools.cli import main
from xlsx_tools.consolidate.roster import read_roster, safe_filename, write_personalised


def test_read_roster_locates_each_problem(roster_file):
    roster = read_roster(roster_file)
    assert roster.sheet == "名录"
    assert [a.values["name"] for a in roster.agencies] == ["某区科学技术局", "某区某街道办事处", "某区/某局:分局"]
    found = {(f.code, f.cell) for f in roster.findings}
    assert found == {("I1", "B7"), ("I2", "C8"), ("I3", "D9")}
    assert all(f.file == "名录.xlsx" and f.sheet == "名录" for f in roster.findings)


def test_personalised_templates_carry_exact_identity(roster_file, tmp_path, fmt, layout):
    outdir = tmp_path / "各单位模板"
    result = write_personalised(read_roster(roster_file), outdir, year=2025)
    names = sorted(p.name for _, p in result.written)
    assert names == sorted(["某区科学技术局.xlsx", "某区某街道办事处.xlsx", "某区_某局_分局.xlsx"])
    wb = load_workbook(outdir / "某区科学技术局.xlsx")
    for key, expected in (("id.name", "某区科学技术局"), ("id.code", CODE), ("id.kind", "部门"), ("id.year", 2025)):
        sheet, span = layout.locate(key)
        cell = wb[sheet].cell(span.row, span.col)
        assert cell.value == expected and cell.protection.locked
    sheet, span = layout.locate("id.filler")
    assert not wb[sheet].cell(span.row, span.col).protection.locked  # the agency still fills this
    # one workbook is stamped for every agency: an earlier agency's code must not leak into the
    # next template, which has none in the roster
    later = load_workbook(outdir / "某区_某局_分局.xlsx")
    sheet, span = layout.locate("id.code")
    cell = later[sheet].cell(span.row, span.col)
    assert cell.value is None and not cell.protection.locked
    sheet, span = layout.locate("id.name")
    assert later[sheet].cell(span.row, span.col).value == "某区/某局:分局"


def test_duplicate_names_get_distinct_files(tmp_path, fmt):
    wb = Workbook()
    ws = wb.active
    ws.append([fmt.identity_field("name").label, fmt.identity_field("code").label])
    ws.append(["某街道办事处", CODE])
    ws.append(["某街道办事处", OTHER])
    ws.append(["某街道办事处", None])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    roster = read_roster(path)
    assert [f.code for f in roster.findings] == ["F-ROSTER-DUPLICATE", "F-ROSTER-DUPLICATE"]
    result = write_personalised(roster, tmp_path / "out")
    assert sorted(p.name for _, p in result.written) == sorted(
        [f"某街道办事处_{CODE}.xlsx", f"某街道办事处_{OTHER}.xlsx", "某街道办事处_第4行.xlsx"])


def test_roster_without_header_or_unreadable(tmp_path):
    wb = Workbook()
    wb.active.append(["名字", "代码"])
    wb.save(tmp_path / "no-header.xlsx")
    assert [f.code for f in read_roster(tmp_path / "no-header.xlsx").findings] == ["F-ROSTER-HEADER"]
    (tmp_path / "text.xlsx").write_text("单位名称,统一社会信用代码\n", encoding="utf-8")
    assert [f.code for f in read_roster(tmp_path / "text.xlsx").findings] == ["F-UNREADABLE"]


def test_cli_roster_run_reports_bad_rows_and_keeps_going(roster_file, tmp_path):
    before = hashlib.sha256(roster_file.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["template", "--roster", str(roster_file), "--outdir",
                                       str(tmp_path / "out"), "--year", "2025"])
    assert result.exit_code == 1  # some rows were rejected
    assert "名录!B7" in result.output and "[I2]" in result.output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 3
    assert hashlib.sha256(roster_file.read_bytes()).hexdigest() == before  # the input is never written


def test_safe_filename_keeps_chinese_and_drops_what_windows_refuses():
    assert safe_filename('某区/某局:分局*?"<>|. ') == "某区_某局_分局______"
    assert safe_filename("...") == "_"
