"""`nianbao validate` end to end: exit codes, text and JSON, annotated copies read back."""

from __future__ import annotations

import json
import subprocess
import sys

import corpus
from click.testing import CliRunner
from fills import correct_values, write_filled
from openpyxl import load_workbook

from xlsx_tools.cli import main
from xlsx_tools.format.declaration import load


def run(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_correct_workbook_exits_0(tmp_path):
    result = run(write_filled(tmp_path / "ok.xlsx", correct_values()))
    assert result.exit_code == 0, result.output
    assert "错误 0" in result.output


def test_every_kind_of_error_is_reported_at_its_cell_and_exits_1(every_error):
    path, expected = every_error
    result = run(path, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    found = {(f["code"], f["sheet"], f["cell"]) for f in doc["files"][0]["findings"]}
    assert found == expected
    for f in doc["files"][0]["findings"]:
        assert f["message"] and f["hint"] and f["severity"] in ("error", "warning", "info")


def test_warnings_alone_exit_0(tmp_path):
    v = correct_values()
    v["t4.suit_direct.pending"] = None
    assert run(write_filled(tmp_path / "w.xlsx", v)).exit_code == 0


def test_text_output_groups_by_file_and_summarises(tmp_path, every_error):
    ok = write_filled(tmp_path / "ok.xlsx", correct_values())
    result = run(ok, every_error[0])
    lines = result.output.splitlines()
    fmt = load()
    assert lines[0].startswith(fmt.marks["ok"]) and lines[1].startswith(fmt.marks["fail"])
    assert "表三!D6" in result.output and "修改提示" in result.output
    assert lines[-1].startswith("共 2 个文件：1 个无错误，1 个有错误")


def test_limits_are_flags(tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(corpus.bytes_of("F-TOO-BIG__zip-bomb.xlsx"))
    assert "--max-uncompressed-mb" in run(path).output
    assert run(path, "--max-uncompressed-mb", "500").exit_code == 0


def test_usage_errors_exit_2(tmp_path):
    assert run().exit_code == 2
    assert run(tmp_path / "missing.xlsx").exit_code == 2
    assert run(tmp_path, "--format", "xml").exit_code == 2


def test_annotate_marks_and_lists_every_finding(every_error, tmp_path):
    path, expected = every_error
    out = tmp_path / "标注"
    result = run(path, "--annotate", out)
    assert result.exit_code == 1
    copy = out / path.name
    wb = load_workbook(copy)
    spec = load().annotate
    assert wb.sheetnames[-1] == spec["sheet"]
    for code, sheet, cell in expected:
        c = wb[sheet][cell]
        assert c.comment is not None and f"[{code}]" in c.comment.text, (code, sheet, cell)
        assert c.fill.fgColor.rgb.endswith(("FFC7CE", "FFCC99", "DDEBF7")), (code, sheet, cell)
    listed = wb[spec["sheet"]]
    rows = [r for r in listed.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(rows) == len(expected)
    links = [listed.cell(4 + n, 4).hyperlink.location for n in range(len(rows))]
    assert all(link and "!" in link for link in links)


def test_annotate_marks_a_merged_cell_on_its_top_left(tmp_path):
    """Findings of a cell a merge covers (S7 on G11 under F11:G11) are marked on the merge's top-left
    cell with the merge's own finding; the copy used to be a traceback that stopped the batch."""
    merged = tmp_path / "合并.xlsx"
    merged.write_bytes(corpus.bytes_of("S-MERGED-CELLS__merged-value-cells.xlsx"))
    good = write_filled(tmp_path / "正确.xlsx", correct_values())
    result = run(merged, good, "--annotate", tmp_path / "标注")
    assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "标注" / merged.name)
    ws = wb["表三"]
    (merge,) = [str(r) for r in ws.merged_cells.ranges if "G11" in r]
    assert merge == "F11:G11"
    assert "[S-MERGED-CELLS]" in ws["F11"].comment.text and "[S7]" in ws["F11"].comment.text
    assert ws["F11"].fill.fgColor.rgb.endswith("FFCC99")  # warning
    listed = [r for r in wb[load().annotate["sheet"]].iter_rows(min_row=4, values_only=True) if r[0]]
    on_table = {(r[1], r[3]) for r in listed if str(r[3]).startswith("表三")}  # (the case's agency may be a 街道: R10)
    assert on_table == {("S-MERGED-CELLS", "表三!F11"), ("S7", "表三!G11")}
    assert (tmp_path / "标注" / good.name).is_file()


def test_a_copy_the_annotator_cannot_make_costs_that_copy_only(tmp_path, monkeypatch):
    from xlsx_tools.check.validate import validate_paths
    from xlsx_tools.write import annotate

    paths = [write_filled(tmp_path / f"{n}.xlsx", correct_values()) for n in ("甲", "乙")]
    real = annotate.annotate_file

    def breaks_on_jia(data, report, target, fmt=None):
        if target.name == "甲.xlsx":
            raise KeyError("planted")
        return real(data, report, target, fmt)

    monkeypatch.setattr(annotate, "annotate_file", breaks_on_jia)
    done = annotate.annotate_reports(validate_paths(paths, jobs=1), tmp_path / "标注")
    assert [p.name for p in done.written] == ["乙.xlsx"]
    assert [file for file, _ in done.skipped] == [str(paths[0])]
    (why,) = [why for _, why in done.skipped]
    assert why.startswith("生成标注副本时出错（") and "KeyError" not in why and "planted" not in why  # said in Chinese


def test_annotated_copy_opens_in_libreoffice_with_its_marks(every_error, tmp_path, libreoffice):
    path, expected = every_error
    run(path, "--annotate", tmp_path / "a")
    (saved,) = libreoffice.convert([tmp_path / "a" / path.name], tmp_path / "lo")
    wb = load_workbook(saved)
    for code, sheet, cell in expected:
        assert wb[sheet][cell].comment is not None, (code, sheet, cell)
        assert wb[sheet][cell].fill.fgColor.rgb not in (None, "00000000"), (code, sheet, cell)
    assert load().annotate["sheet"] in wb.sheetnames


def test_installed_command_validates(tmp_path):
    exe = [sys.executable, "-m", "xlsx_tools.cli"]
    ok = write_filled(tmp_path / "ok.xlsx", correct_values())
    done = subprocess.run([*exe, "validate", str(ok)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_crash_on_one_file_costs_that_file_only(tmp_path, monkeypatch):
    """An unexpected failure while reading one workbook is F-CRASH for it; the others are validated."""
    from xlsx_tools.check import validate as validate_mod

    good = write_filled(tmp_path / "ok.xlsx", correct_values())
    bad = write_filled(tmp_path / "boom.xlsx", correct_values())
    real = validate_mod.read_path

    def flaky(path, *args, **kwargs):
        if path.name == "boom.xlsx":
            raise MemoryError("injected")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validate_mod, "read_path", flaky)
    reports = validate_mod.validate_paths([bad, good], jobs=1)
    by_name = {r.file.rsplit("/", 1)[-1]: r for r in reports}
    assert [f.code for f in by_name["boom.xlsx"].findings] == ["F-CRASH"]
    assert by_name["ok.xlsx"].readable and by_name["ok.xlsx"].findings == []


def test_a_worker_killed_mid_batch_costs_one_file(tmp_path, monkeypatch):
    """A worker process that dies (as a native crash would) loses only the file that kills it."""
    import os

    from xlsx_tools.check import validate as validate_mod

    files = [write_filled(tmp_path / f"{n}.xlsx", correct_values()) for n in range(4)]
    real = validate_mod.read_path

    def dies_on_2(path, *args, **kwargs):
        if path.name == "2.xlsx":
            os._exit(134)  # what an abort() in native code looks like to the pool
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validate_mod, "read_path", dies_on_2)
    reports = validate_mod.validate_paths(files, jobs=2)
    codes = {r.file.rsplit("/", 1)[-1]: [f.code for f in r.findings] for r in reports}
    assert codes == {"0.xlsx": [], "1.xlsx": [], "2.xlsx": ["F-CRASH"], "3.xlsx": []}


def test_a_hanging_file_costs_that_file_only(tmp_path, hang_on):
    """A file that makes its reader hang is stopped at the time limit (F-TIMEOUT); the rest is read."""
    import time

    from xlsx_tools.check import validate as validate_mod
    from xlsx_tools.read import pool

    files = [write_filled(tmp_path / f"{n}.xlsx", correct_values()) for n in range(3)]
    hang_on("1.xlsx")
    started = time.monotonic()
    reports = validate_mod.validate_paths(files, jobs=1, budget=pool.Budget(seconds=5))
    assert time.monotonic() - started < 30
    codes = {r.file.rsplit("/", 1)[-1]: [f.code for f in r.findings] for r in reports}
    assert codes == {"0.xlsx": [], "1.xlsx": ["F-TIMEOUT"], "2.xlsx": []}
    assert "5" in reports[1].findings[0].message and "--timeout" in reports[1].findings[0].hint


def test_text_output_lists_findings_of_one_code_on_one_table_as_one_entry(tmp_path):
    """24 blank cells of 表三 are one S7 entry listing them; JSON keeps every finding separate."""
    v = correct_values()
    blanks = [f.key for f in load().table("t3").fields if not f.is_total and f.column.key == "research"][:20]
    blanks += [f.key for f in load().table("t3").fields if not f.is_total and f.column.key == "other"][:4]
    for key in blanks:
        v[key] = None
    v["t2.penalty.decisions"] = "十二"  # two different texts in 表二: one S6 entry, a line per cell
    v["t2.licensing.decisions"] = "5件"
    path = write_filled(tmp_path / "blanks.xlsx", v)
    text = run(path).output
    entries = [line for line in text.splitlines() if line.startswith("  [")]
    s7 = [line for line in entries if line.startswith("  [S7]")]
    assert len(s7) == 1 and "表三!" in s7[0] and "（24 个单元格）" in s7[0], text
    assert "F6:F25" in s7[0] or ":" in s7[0]  # consecutive cells down a column as a range
    s6 = [line for line in entries if line.startswith("  [S6]") and "表二!" in line]
    assert len(s6) == 1 and "（2 个单元格）" in s6[0], text
    assert "十二" in text and "5件" in text  # each cell's own message is kept
    doc = json.loads(run(path, "--format", "json").output)
    found = doc["files"][0]["findings"]
    assert sum(1 for f in found if f["code"] == "S7" and f["sheet"] == "表三") == 24
    assert sum(1 for f in found if f["code"] == "S6" and f["sheet"] == "表二") == 2


def test_a_single_finding_keeps_its_own_line_with_labels(tmp_path):
    v = correct_values()
    v["t4.suit_direct.pending"] = None
    text = run(write_filled(tmp_path / "one.xlsx", v)).output
    s7 = [line for line in text.splitlines() if line.startswith("  [S7]")]
    assert len(s7) == 1 and "表四!I6" in s7[0] and "个单元格" not in s7[0]


def test_validate_in_context_judges_as_the_upload_page_and_merge_do(tmp_path):
    """--year and --roster: the wrong year is the error merge and the upload page give (C5); the
    right year and an agency on the roster are clean; the roster's own problems are printed."""
    from agencies import agency, write
    from batches import roster

    names = roster(tmp_path / "名录.xlsx", [1, 3])
    last_year = write(tmp_path / "a" / "上年.xlsx", agency(1, {"id.year": 2024}))
    this_year = write(tmp_path / "b" / "本年.xlsx", agency(3, {"id.year": 2025}))
    off_roster = write(tmp_path / "c" / "名录外.xlsx", agency(5, {"id.year": 2025}))
    result = run(last_year, this_year, off_roster, "--year", 2025, "--roster", names, "--format", "json")
    assert result.exit_code == 1, result.output
    found = {entry["file"].split("/")[-1]: {(f["code"], f["severity"]) for f in entry["findings"]}
             for entry in json.loads(result.stdout)["files"]}
    assert found["上年.xlsx"] == {("C5", "error")}
    assert found["本年.xlsx"] == set()
    assert found["名录外.xlsx"] == {("C5", "warning")}
    assert run(this_year, "--year", 2025, "--roster", names).exit_code == 0
    assert run(last_year).exit_code == 0  # without a context, a workbook is judged on its own


def test_merge_with_nothing_readable_names_each_files_own_reason(tmp_path):
    (tmp_path / "收到").mkdir()
    (tmp_path / "收到" / "科技局.xls").write_bytes(corpus.legacy_xls())
    (tmp_path / "收到" / "教育局.xlsx").write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "收到"), "-o", str(tmp_path / "汇总.xlsx")])
    assert result.exit_code == 1, result.output
    assert "没有一份报表可以汇总" in result.output and "科技局.xls：" in result.output
    assert ".xls" in result.output.split("科技局.xls：")[1].splitlines()[0]  # the legacy format named
    assert "教育局.xlsx：" in result.output and "没有一份报表能读出报告年度" not in result.output
    assert not (tmp_path / "汇总.xlsx").exists()
