"""A consolidator's roster, read from a real workbook, drives one personalised template per agency."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from conftest import OTHER
from fills import CODE, correct_values, write_filled
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


def test_a_repeated_row_is_one_agency_and_said_with_both_rows(tmp_path, fmt):
    """The same code twice, or the same name where a row has no code: one agency (one template, one
    link), a finding naming both rows. The same name under two codes: two agencies, said too."""
    wb = Workbook()
    ws = wb.active
    ws.append([fmt.identity_field("name").label, fmt.identity_field("code").label])
    ws.append(["某街道办事处", CODE])  # row 2
    ws.append(["某街道办事处", OTHER])  # row 3: same name, another code — two agencies
    ws.append(["某街道办事处", None])  # row 4: no code to tell it apart — the agency of row 2
    ws.append(["某区科学技术局", CODE])  # row 5: row 2's code under another name
    path = tmp_path / "r.xlsx"
    wb.save(path)
    roster = read_roster(path)
    said = [(f.code, f.cell, f.message) for f in roster.findings]
    assert said == [
        ("F-ROSTER-DUPLICATE", "A3", "名录第 3 行与第 2 行的单位名称都是“某街道办事处”（代码不同，按两个单位处理）"),
        ("F-ROSTER-DUPLICATE", "A4", "名录第 4 行的“某街道办事处”与第 2 行重复，只按第 2 行计为一个单位"),
        ("F-ROSTER-DUPLICATE", "B5", f"名录第 5 行的“{CODE}”与第 2 行重复，只按第 2 行计为一个单位")]
    assert [a.row for a in roster.agencies] == [2, 3]
    result = write_personalised(roster, tmp_path / "out")
    assert sorted(p.name for _, p in result.written) == sorted(
        [f"某街道办事处_{CODE}.xlsx", f"某街道办事处_{OTHER}.xlsx"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for _, p in result.written)
    run = CliRunner().invoke(main, ["template", "--roster", str(path), "--outdir", str(tmp_path / "cli")])
    assert "已生成 2 份模板" in run.output and len(list((tmp_path / "cli").iterdir())) == 2


def test_roster_hints_point_to_the_roster_not_the_report_sheet(tmp_path, fmt):
    wb = Workbook()
    wb.active.title = "名录"
    wb.active.append([fmt.identity_field("name").label, fmt.identity_field("code").label,
                      fmt.identity_field("kind").label])
    wb.active.append(["某区教育局", None, "局"])
    wb.save(tmp_path / "r.xlsx")
    (finding,) = read_roster(tmp_path / "r.xlsx").findings
    assert finding.code == "I3" and "名录的“名录”表" in finding.hint and "基本信息" not in finding.hint


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


@pytest.mark.slow  # five CLI subprocesses
def test_every_command_that_reads_a_roster_says_its_problems_alike(tmp_path, fmt):
    """template, validate, merge, import and serve print the same roster findings."""
    import os
    import socket
    import subprocess
    import sys

    wb = Workbook()
    ws = wb.active
    ws.append([fmt.identity_field("name").label, fmt.identity_field("code").label])
    ws.append(["某区教育局", CODE])
    ws.append(["某区教育局", CODE])  # a repeated row
    ws.append(["某区财政局", "123"])  # a bad code: the row is dropped, and said
    roster = tmp_path / "名录.xlsx"
    wb.save(roster)
    (tmp_path / "收到").mkdir()
    book = write_filled(tmp_path / "收到" / "a.xlsx", correct_values())
    runs = {
        "template": ["template", "--roster", roster, "--outdir", tmp_path / "模板"],
        "validate": ["validate", book, "--roster", roster],
        "merge": ["merge", tmp_path / "收到", "-o", tmp_path / "汇总.xlsx", "--roster", roster],
        "import": ["import", tmp_path / "无.txt", "-o", tmp_path / "导入", "--roster", roster],
        "serve": ["serve", "--roster", roster, "--year", "2025", "--data", tmp_path / "收集", "--port", "{busy}"],
    }  # serve reads its roster, then stops at the busy port: it never starts here
    (tmp_path / "无.txt").write_text("不是年报", encoding="utf-8")
    said = {}
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    for name, args in runs.items():
        args = [str(busy.getsockname()[1]) if a == "{busy}" else str(a) for a in args]
        done = subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *args], capture_output=True,
                              text=True, timeout=300, env={**os.environ, "NIANBAO_BOARD_PASSWORD": "x" * 12})
        said[name] = sorted(line.strip() for line in (done.stdout + done.stderr).splitlines()
                            if line.strip().startswith(("[F-ROSTER-DUPLICATE]", "[I2]")))
    busy.close()
    assert said["template"] and all(lines == said["template"] for lines in said.values()), said


def test_a_repeated_roster_row_never_lists_an_included_agency_as_missing(tmp_path):
    from agencies import agency, write
    from batches import roster as write_roster

    from xlsx_tools.consolidate.merge import Options, consolidate

    path = write_roster(tmp_path / "名录.xlsx", [1, 1, 2])  # agency 1 listed twice
    write(tmp_path / "收到" / "1.xlsx", agency(1))
    result = consolidate([tmp_path / "收到"], Options(jobs=1), read_roster(path))
    assert [s.status for s in result.submissions] == ["included"]
    missing = [m.identity.get("name") for m in result.missing if m.situation == "on_roster"]
    assert missing == [agency(2)["id.name"]]  # not agency 1, whose file was included
    assert [f.code for f in result.findings].count("F-ROSTER-DUPLICATE") == 1
