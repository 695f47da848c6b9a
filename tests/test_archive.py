"""`nianbao archive` (issue 18): reports kept by agency and year, revision after revision, in an
SQLite file and on a real PostgreSQL server alike; the export is the merge of the same files;
`merge --archive` takes last year from it; the schema upgrades itself; a batch is all or nothing;
two writers at once do not corrupt it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from batches import nianbao
from conftest import ROOT
from fills import correct_values, write_filled
from openpyxl import load_workbook

from xlsx_tools.archive import records, schema
from xlsx_tools.archive.store import Archive
from xlsx_tools.consolidate.merge import consolidate
from xlsx_tools.consolidate.summary import write_summary
from xlsx_tools.format.uscc import complete

SAMPLES = ROOT / "samples" / "报表"


def chained(before: int = 2024, after: int = 2025, shift: int = 0) -> tuple[dict, dict]:
    """Two years of one agency whose 上年结转 follows from last year's 结转下年度 (X1 quiet), and
    whose 现行有效 chain holds (X2 quiet); ``shift`` moves this year's 上年结转 (X1 fires)."""
    now, last = correct_values(), correct_values()
    now["id.year"], last["id.year"] = after, before
    for c in ("natural", "business", "research", "nonprofit", "legal", "other"):
        delta = now[f"t3.carried_in.{c}"] - last[f"t3.carry_over.{c}"]
        last[f"t3.carry_over.{c}"] += delta
        last[f"t3.new.{c}"] += delta  # 新收 + 上年结转 = 办结 + 结转 still holds
    now["t3.carried_in.natural"] += shift
    now["t3.new.natural"] -= shift
    for row in ("regulations", "normative_docs"):
        last[f"t2.{row}.in_force"] = (now[f"t2.{row}.in_force"] - now[f"t2.{row}.issued"]
                                      + now[f"t2.{row}.repealed"])
    return last, now


def sheets(path: Path) -> dict:
    book = load_workbook(path)
    return {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}


# -- adding -----------------------------------------------------------------------------------------------
def test_accepted_reports_are_stored_once_rejected_ones_listed(db, tmp_path):
    folder = tmp_path / "收到"
    shutil.copytree(SAMPLES / "2024", folder)
    bad = correct_values()
    bad["t3.new.natural"] += 5  # R1 breaks: an error
    write_filled(folder / "有错误.xlsx", bad)
    (folder / "说明.txt").write_text("不是报表", encoding="utf-8")
    archive = Archive(db)
    added = archive.add([folder])
    assert (len(added.stored), len(added.rejected), len(added.skipped)) == (4, 1, 1)
    assert added.rejected[0].file.endswith("有错误.xlsx")
    again = archive.add([folder, SAMPLES / "2024"])  # the same bytes, twice over
    assert (len(again.stored), len(again.same)) == (0, 8)
    rows = archive.listing(2024)
    assert len(rows) == 4 and all(r.revision == 1 and r.current for r in rows)
    stored = archive.current(2024)[0]
    values = records.decode(stored.field_values)
    assert values["s1.proactive"] and isinstance(values["id.year"], int)  # the texts are kept too
    assert len(stored.sha256) == 64 and records.decode_findings(stored.findings)
    archive.close()


def test_another_file_for_the_same_agency_and_year_is_a_new_revision(db, tmp_path):
    first = write_filled(tmp_path / "一稿.xlsx", correct_values())
    changed = correct_values()
    changed["s5.text"] = "改正后的第五部分。" + changed["s5.text"]
    second = write_filled(tmp_path / "二稿.xlsx", changed)
    archive = Archive(db)
    archive.add([first])
    added = archive.add([second])
    assert [s.file for s in added.stored] == [str(second)] and added.superseded == [(str(first), str(second))]
    both = archive.listing(2025, every=True)
    assert [(r.revision, r.current, r.superseded_at is not None) for r in both] == [(1, False, True), (2, True, False)]
    (current,) = archive.current(2025)
    assert records.decode(current.field_values)["s5.text"].startswith("改正后")  # the old one kept, not overwritten
    assert len(archive.listing(2025)) == 1
    archive.close()


def test_an_interrupted_add_leaves_the_archive_as_it_was(db, tmp_path, monkeypatch):
    archive = Archive(db)
    archive.add([SAMPLES / "2023"])
    before = [tuple(r) for r in archive.listing(every=True)]
    real = records.encode_findings
    calls = []

    def failing(findings):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the person pressed Ctrl+C half way through the batch
        return real(findings)

    monkeypatch.setattr("xlsx_tools.archive.store.encode_findings", failing)
    with pytest.raises(KeyboardInterrupt):
        archive.add([SAMPLES / "2024"])
    assert [tuple(r) for r in archive.listing(every=True)] == before
    monkeypatch.setattr("xlsx_tools.archive.store.encode_findings", real)
    assert len(archive.add([SAMPLES / "2024"]).stored) == 4
    archive.close()


# -- export and merge ----------------------------------------------------------------------------------------
def test_the_export_is_the_merge_of_the_same_files(db, tmp_path):
    import datetime as dt

    today = dt.date(2026, 2, 1)
    archive = Archive(db)
    archive.add([SAMPLES])
    exported = write_summary(archive.export(2024, today=today), tmp_path / "导出.xlsx")
    from xlsx_tools.consolidate.merge import Options

    merged = write_summary(consolidate([SAMPLES / "2024"], Options(today=today)), tmp_path / "汇总.xlsx")
    assert sheets(exported) == sheets(merged)
    assert sheets(exported)["明细"][-1][0] == "合计"
    archive.close()


@pytest.mark.slow  # a scenario: two years merged through the archive
def test_merge_takes_last_year_from_the_archive(db, tmp_path):
    last, now = chained()
    (tmp_path / "2024").mkdir()
    (tmp_path / "2025").mkdir()
    write_filled(tmp_path / "2024" / "科技局.xlsx", last)
    quiet = write_filled(tmp_path / "2025" / "科技局.xlsx", now)
    assert nianbao("archive", "add", tmp_path / "2024", "--db", db).returncode == 0
    proc = nianbao("merge", tmp_path / "2025", "-o", tmp_path / "汇总.xlsx", "--archive", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = sheets(tmp_path / "汇总.xlsx")["问题清单"]
    findings = [r for r in listed if any(isinstance(c, str) and c[:2] in ("X1", "X2", "C4") for c in r)]
    assert findings == []  # last year found, and it agrees
    _, broken = chained(shift=3)
    write_filled(quiet, broken)
    proc = nianbao("merge", tmp_path / "2025", "-o", tmp_path / "汇总2.xlsx", "--archive", db)
    codes = {c for r in sheets(tmp_path / "汇总2.xlsx")["问题清单"] for c in r if isinstance(c, str)}
    assert {"X1", "C4"} <= codes, proc.stdout  # no --previous given: the archive's 2024 was used
    listing = nianbao("archive", "list", "--db", db, "--all")
    assert "2025" in listing.stdout and "2024" in listing.stdout  # the merged reports were recorded


# -- the schema ---------------------------------------------------------------------------------------------------
def test_the_schema_is_created_and_upgraded_by_the_tool(db):
    engine = schema.connect(db, upgrade_to=1)  # a database made by the first release
    with engine.connect() as conn:
        assert schema.version(conn) == 1 and not conn.dialect.has_table(conn, "reviews")
    engine.dispose()
    archive = Archive(db)  # opened by this release: brought up to date, nothing lost
    with archive.engine.connect() as conn:
        assert schema.version(conn) == schema.LATEST and conn.dialect.has_table(conn, "reviews")
    archive.add([SAMPLES / "2023"])
    archive.close()
    engine = schema.connect(db)
    with engine.begin() as conn:
        conn.execute(schema.schema_version.update().values(version=schema.LATEST + 1))
    engine.dispose()
    with pytest.raises(schema.ArchiveError, match="升级 nianbao"):
        Archive(db)


@pytest.mark.slow  # two writer processes at once
def test_two_writers_at_once_do_not_corrupt_an_sqlite_archive(tmp_path):
    path = tmp_path / "年报库.sqlite"
    folders = []
    for n in range(2):
        folder = tmp_path / f"批{n}"
        folder.mkdir()
        for k in range(6):
            values = correct_values()
            values["id.name"] = f"某市某区第{n}{k}局"
            values["id.code"] = complete(f"1141030{n}MB00000{k:02d}")  # each file its own agency
            values["s5.text"] += f"（{n}{k}）"
            write_filled(folder / f"{k}.xlsx", values)
        folders.append(folder)
    exe = [sys.executable, "-m", "xlsx_tools.cli", "archive", "add", "--db", str(path), "--jobs", "1"]
    procs = [subprocess.Popen([*exe, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in folders]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode in (0, 1) for p in procs), outs
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        stored = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        runs = conn.execute("SELECT count(*), sum(stored) FROM runs").fetchone()
    assert runs == (2, stored) and stored == 12  # both batches recorded, each whole


# -- the command ------------------------------------------------------------------------------------------------
@pytest.mark.slow  # a scenario: every archive command in turn
def test_cli_add_list_export(tmp_path):
    path = tmp_path / "年报库.sqlite"
    proc = nianbao("archive", "add", SAMPLES, "--db", path)
    assert proc.returncode == 0 and "入库 5 份" in proc.stdout, proc.stdout + proc.stderr
    listed = nianbao("archive", "list", "--db", path, "--year", "2024")
    assert listed.returncode == 0 and "共 4 份" in listed.stdout and "凤泉区科学技术局" in listed.stdout
    out = tmp_path / "2024汇总.xlsx"
    exported = nianbao("archive", "export", "--db", path, "--year", "2024", "-o", out)
    assert exported.returncode == 0 and out.exists()
    missing = nianbao("archive", "export", "--db", path, "--year", "2019", "-o", tmp_path / "x.xlsx")
    assert missing.returncode == 1 and "没有 2019 年度" in missing.stderr
    nothing = nianbao("archive", "list", "--db", tmp_path / "无.sqlite")
    assert nothing.returncode == 2 and "不存在" in nothing.stderr


# -- decisions on findings ------------------------------------------------------------------------------------------
def _review(summary: Path, target: Path, how_many: int) -> list[tuple]:
    """A reviewer marks the first warnings of 问题清单 已核实 with a note; returns (rule, cell, note)."""
    book = load_workbook(summary)
    ws = book["问题清单"]
    header = [c.value for c in ws[2]]
    verdict, note = header.index("核实结果"), header.index("核实说明")
    marked = []
    for row in ws.iter_rows(min_row=3):
        if row[4].value == "警告" and len(marked) < how_many:
            row[verdict].value, row[note].value = "已核实", f"经电话核实，情况属实（{len(marked)}）"
            marked.append((row[3].value, row[6].value, row[note].value))
    book.save(target)
    return marked


def _decided(summary: Path) -> list[tuple]:
    ws = load_workbook(summary)["问题清单"]
    return [(r[3], r[6], r[12]) for r in ws.iter_rows(min_row=3, values_only=True) if r[11] == "已核实"]


@pytest.mark.slow  # a scenario: several merges over one archive
def test_decisions_on_findings_stick_from_run_to_run(db, tmp_path):
    folder = tmp_path / "收到"
    shutil.copytree(SAMPLES / "2024", folder)
    first = tmp_path / "第一次.xlsx"
    assert nianbao("merge", folder, "-o", first, "--archive", db).returncode == 0
    book = load_workbook(first)
    choice = book["问题清单"].data_validations.dataValidation[0]
    assert choice.type == "list" and "已核实" in choice.formula1 and "需修改" in choice.formula1
    assert _decided(first) == []  # nothing decided yet: every finding open
    marked = _review(first, tmp_path / "第一次-核实.xlsx", 3)
    second = tmp_path / "第二次.xlsx"
    proc = nianbao("merge", folder, "-o", second, "--archive", db, "--reviewed", tmp_path / "第一次-核实.xlsx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(_decided(second)) == sorted(marked)
    third = tmp_path / "第三次.xlsx"  # no --reviewed: the archive remembers
    assert nianbao("merge", folder, "-o", third, "--archive", db).returncode == 0
    assert sorted(_decided(third)) == sorted(marked)
    # a new file from the same agency is not the file that was checked: its findings are open again
    target = next(p for p in folder.iterdir() if p.name.startswith("偃师"))
    values = correct_values()
    book = load_workbook(target)
    book["五、问题及改进"]["B3"] = "更正后重新报送的第五部分。" + str(values["s5.text"])
    book.save(target)
    fourth = tmp_path / "第四次.xlsx"
    assert nianbao("merge", folder, "-o", fourth, "--archive", db).returncode == 0
    reviewed_files = {r[1] for r in load_workbook(fourth)["问题清单"].iter_rows(min_row=3, values_only=True)
                      if r[11] == "已核实"}
    assert not any(str(f).endswith(target.name) for f in reviewed_files)


@pytest.mark.slow  # a scenario: several merges
def test_decisions_carry_over_without_an_archive(tmp_path):
    first = tmp_path / "第一次.xlsx"
    assert nianbao("merge", SAMPLES / "2024", "-o", first).returncode == 0
    marked = _review(first, tmp_path / "核实.xlsx", 2)
    second = tmp_path / "第二次.xlsx"
    assert nianbao("merge", SAMPLES / "2024", "-o", second, "--reviewed", tmp_path / "核实.xlsx").returncode == 0
    assert sorted(_decided(second)) == sorted(marked)
    bad = nianbao("merge", SAMPLES / "2024", "-o", tmp_path / "x.xlsx", "--reviewed", SAMPLES / "2023" / next(
        iter(p.name for p in (SAMPLES / "2023").iterdir())))
    assert bad.returncode == 2 and "不是 nianbao 写出的汇总表" in bad.stderr


def test_the_lookups_of_every_add_go_by_an_index(tmp_path):
    """Adding a report looks up its bytes and its agency's earlier revisions; both by an index, never
    a scan of the year (a scan made adding 20,000 reports quadratic: see bench/archive_bench.py)."""
    from sqlalchemy import text

    from xlsx_tools.archive.store import revisions, stored_bytes

    archive = Archive(tmp_path / "年报库.sqlite")
    archive.add([SAMPLES / "2024"])
    with archive.engine.connect() as conn:
        for query, key in ((stored_bytes("x"), "(sha256=?)"), (revisions("code:x", 2024), "(agency=? AND year=?)")):
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            # searched by the index that leads with what is looked up (not, say, by year: every report of it)
            assert "SCAN" not in plan and "INDEX" in plan and plan.endswith(key), plan
    archive.close()


def test_archive_add_lists_a_refused_file_without_a_stray_place(tmp_path):
    """A finding with no cell (C5: the wrong year) is listed as [C5] and its message, not "[C5] ! …"."""
    from click.testing import CliRunner

    from xlsx_tools.cli import main

    (tmp_path / "收到").mkdir()
    book = write_filled(tmp_path / "收到" / "上年.xlsx", {**correct_values(), "id.year": 2024})
    got = CliRunner().invoke(main, ["archive", "add", str(book), "--db", str(tmp_path / "库.sqlite"), "--year", "2025"])
    assert got.exit_code == 1
    (line,) = [x for x in got.output.splitlines() if x.strip().startswith("未入库")]
    assert "[C5] 报告年度为 2024" in line and "!" not in line, got.output
