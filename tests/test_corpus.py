"""Every case of the bad-input corpus (tests/corpus.py, docs/BAD-INPUTS.md) through the real
commands, and the merge invariants that "nothing lost" means.

`nianbao validate` and `nianbao merge` each run once over the whole corpus, as subprocesses, under
the corpus's per-file time limit; one parametrised test then checks each file: its code, its
severity, its status in the merge, and that nothing crashed.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import corpus
import pytest
from agencies import agency, write
from batches import FMT, detail_row_xml, fingerprint, nianbao, rows_of, sheet_contents, summed, table_values
from click.testing import CliRunner

from xlsx_tools.format.layout import detail_column
from xlsx_tools.read.xmlparts import unescape


@pytest.fixture(scope="module")
def runs(bad_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus-out")
    folder = bad_corpus.folder
    before = fingerprint(folder)
    validate = nianbao("validate", folder, "--format", "json", "--timeout", corpus.TIMEOUT)
    summary, report = out / "汇总.xlsx", out / "report.json"
    merge = nianbao("merge", folder, "-o", summary, "--roster", bad_corpus.roster, "--report", report,
                    "--timeout", corpus.TIMEOUT)
    return dict(validate=validate, merge=merge, summary=summary, report=report, before=before,
                checked=json.loads(validate.stdout), merged=json.loads(report.read_text(encoding="utf-8")))


def _findings(runs, bad_corpus, c: corpus.Case) -> tuple[list | None, list, str]:
    """(validate's findings or None when validate skipped the file, merge's findings, merge status)."""
    path = str(bad_corpus.path(c))
    checked = next((f["findings"] for f in runs["checked"]["files"] if f["file"] == path), None)
    merged = [f for f in runs["merged"]["findings"] if f["file"] == path]
    status = next(f["status"] for f in runs["merged"]["files"] if f["file"] == path)
    return checked, merged, status


def _meets(c: corpus.Case, findings: list[dict]) -> bool:
    codes = {(f["code"], f["severity"]) for f in findings}
    if c.code == "OK":
        return not any(severity in ("error", "warning") for _, severity in codes)
    return (c.code, c.severity) in codes


@pytest.mark.parametrize("c", corpus.CASES, ids=lambda c: c.path.rsplit("/", 1)[-1][:60])
def test_each_case_gets_its_code_and_nothing_crashes(runs, bad_corpus, c):
    checked, merged, status = _findings(runs, bad_corpus, c)
    crash = {"F-CRASH", "IMP-CRASH"}
    if c.validate:
        assert checked is not None, "validate must report this file"
        assert _meets(c, checked), checked
    elif checked is not None:  # read, but the case is a merge matter (roster, resubmission, duplicate)
        assert not any(f["severity"] == "error" for f in checked), checked
    assert not {f["code"] for f in (checked or []) + merged} & crash
    assert _meets(c, merged), merged
    assert status == c.status
    for f in (checked or []) + merged:
        assert f["message"] and f["severity"] in ("error", "warning", "info")


def test_every_row_of_reliability_md_is_covered():
    """Rows 1–46 are corpus files; 47–61 (order, batches, output side, the button, the scans and
    pictures of imported reports) are tested where they happen, named in corpus.ELSEWHERE."""
    made = {c.number for c in corpus.CASES}
    assert made | set(corpus.ELSEWHERE) == set(range(1, 62)) and not made & set(corpus.ELSEWHERE)
    here = Path(__file__).parent
    for where in corpus.ELSEWHERE.values():
        for module, test in re.findall(r"(test_\w+\.py)::(\w+)", where):
            assert f"def {test}(" in (here / module).read_text(encoding="utf-8"), (module, test)


def test_the_runs_end_as_they_should(runs, bad_corpus):
    for run in (runs["validate"], runs["merge"]):
        assert run.returncode == 1, run.stderr[-2000:]  # errors found: 1, not a crash (2 or a traceback)
        assert "Traceback" not in run.stderr
    assert fingerprint(bad_corpus.folder) == runs["before"]  # inputs keep their sha256 and mtime
    counts = runs["merged"]["summary"]
    statuses = [c.status for c in corpus.CASES]
    assert counts["files"] == len(corpus.CASES)
    assert (counts["included"], counts["rejected"], counts["duplicate"], counts["skipped"]) == tuple(
        statuses.count(s) for s in ("included", "rejected", "duplicate", "skipped"))


def test_every_refusal_is_decided_before_parsing(bad_corpus, monkeypatch):
    """Refused files never reach the worksheet parser: the decision comes from the first bytes, the
    zip directory and the workbook's own small parts."""
    from xlsx_tools.read import container
    from xlsx_tools.read.reader import read_path

    def parser_reached(*_args):
        raise AssertionError("a refused file reached the worksheet parser")

    monkeypatch.setattr(container, "read_cells", parser_reached)
    decided_early = {"F-EMPTY", "F-NOT-XLSX", "F-ENCRYPTED", "F-LEGACY-XLS", "F-FORMAT", "F-STRICT-OOXML",
                     "F-TOO-BIG", "F-TOO-MANY-PARTS"}
    # (a directory that lies about a part's size is found out only while that part inflates: 18)
    cases = [c for c in corpus.CASES if c.code in decided_early and c.number != 18]
    assert len(cases) >= 14
    for c in cases:
        report = read_path(bad_corpus.path(c))
        assert [f.code for f in report.findings] == [c.code], c.path


def test_summary_holds_exactly_the_included_files(runs, bad_corpus):
    included = [p for p, c in bad_corpus.cases.items() if c.status == "included"]
    assert table_values(runs["summary"]) == summed([bad_corpus.values[p] for p in included])
    detail = rows_of(runs["summary"], FMT.summary["detail"]["sheet"], 4)
    column = detail_column(FMT)["file"] - 1
    files = {Path(r[column]).relative_to(bad_corpus.folder).as_posix() for r in detail if r[column]}
    assert files == set(included)


def test_the_manifest_accounts_for_every_file(runs, bad_corpus):
    rows = rows_of(runs["summary"], FMT.summary["files"]["sheet"], 4)
    found = sorted(str(p) for p in bad_corpus.folder.rglob("*") if p.is_file() or p.is_symlink())
    assert sorted(r[1] for r in rows) == found
    labels = FMT.summary["status"]
    by_file = {r[1]: r[7] for r in rows}
    for c in corpus.CASES:
        assert by_file[str(bad_corpus.path(c))] == labels[c.status], c.path


def test_missing_agency_on_the_roster_is_listed(runs):
    missing = rows_of(runs["summary"], FMT.summary["missing"]["sheet"], 3)
    name = agency(corpus.MISSING)["id.name"]
    assert any(r[2] == name and r[6] == "没有收到文件" for r in missing)


def test_the_xxe_target_appears_nowhere(runs):
    target = Path(corpus.XXE_TARGET)
    secret = target.read_text(encoding="utf-8").strip() if target.exists() else ""
    if not secret:
        pytest.skip(f"{target} is empty here")
    seen = runs["validate"].stdout + runs["validate"].stderr + runs["merge"].stdout + runs["merge"].stderr
    seen += runs["report"].read_text(encoding="utf-8")
    with zipfile.ZipFile(runs["summary"]) as z:
        seen += "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    assert secret not in seen


def test_the_summary_carries_no_macros(runs):
    with zipfile.ZipFile(runs["summary"]) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
    assert not any("vba" in n.lower() for n in names) and "macroEnabled" not in types


def _detail_row(runs, bad_corpus, path: str) -> list:
    name = agency(bad_corpus.agency[path])["id.name"]
    return next(r for r in rows_of(runs["summary"], FMT.summary["detail"]["sheet"], 4) if r[0] == name)


def test_agency_text_reaches_the_summary_exactly_and_as_text(runs, bad_corpus):
    columns = FMT.summary["detail"]["identity"]
    filler = columns.index("filler")
    exotic = _detail_row(runs, bad_corpus, "43/OK__emoji-rare-cjk-rtl.xlsx")
    assert exotic[filler] == corpus.EXOTIC  # emoji, extension B, combining mark and RTL, unchanged
    controls = _detail_row(runs, bad_corpus, "41/T-CONTROL-CHAR__control-characters.xlsx")
    assert unescape(controls[filler]) == "张\x07三"  # kept, escaped as OOXML says, no write error
    like = _detail_row(runs, bad_corpus, "40/T-FORMULA-LIKE__text-like-formulas.xlsx")
    assert like[filler] == corpus.FORMULA_TEXT["id.filler"]
    assert like[columns.index("phone")] == corpus.FORMULA_TEXT["id.phone"]
    assert "<f>" not in detail_row_xml(runs["summary"], "@SUM(A1)")


def test_worst_of_the_corpus_costs_only_itself(bad_corpus, tmp_path, monkeypatch):
    """docs/BAD-INPUTS.md 48: one good file with a hanging one, a native abort and an encrypted one.

    Python readers here cannot abort natively (calamine is not used), so the abort is simulated at
    the boundary where it would happen: the worker reading that file calls ``os.abort()``.
    """
    from xlsx_tools.check import validate as validate_mod
    from xlsx_tools.consolidate import merge, summary
    from xlsx_tools.read import pool

    folder = tmp_path / "in"
    good = write(folder / "好.xlsx", agency(3))
    for name, source in (("超时.xlsx", "21/F-TIMEOUT__huge-xml-comment.xlsx"),
                         ("加密.xlsx", "05/F-ENCRYPTED__password.xlsx"), ("崩溃.xlsx", "03/F-CORRUPT__torn-part.xlsx")):
        (folder / name).write_bytes(bad_corpus.path(bad_corpus.cases[source]).read_bytes())
    real = validate_mod.read_path

    def aborts(path, *args, **kwargs):
        if path.name == "崩溃.xlsx":
            import faulthandler

            faulthandler.disable()  # pytest's dump of every thread would only be noise here
            os.abort()  # what a native reader does on a cell at XFD1048576 (exit 134)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validate_mod, "read_path", aborts)
    before = fingerprint(folder)
    result = merge.consolidate([folder], merge.Options(jobs=2, budget=pool.Budget(seconds=corpus.TIMEOUT)))
    status = {Path(s.file).name: (s.status, [f.code for f in s.findings if f.severity == "error"][:1])
              for s in result.submissions}
    assert status == {"好.xlsx": ("included", []), "超时.xlsx": ("rejected", ["F-TIMEOUT"]),
                      "加密.xlsx": ("rejected", ["F-ENCRYPTED"]), "崩溃.xlsx": ("rejected", ["F-CRASH"])}
    assert [s.file for s in result.included] == [str(good)]
    out = summary.write_summary(result, tmp_path / "汇总.xlsx")
    assert table_values(out) == summed([agency(3)])
    assert len(rows_of(out, FMT.summary["files"]["sheet"], 4)) == 4
    assert fingerprint(folder) == before


def test_shuffled_batches_with_bad_files_give_identical_content(bad_corpus, tmp_path):
    import random

    folder = tmp_path / "in"
    files = [write(folder / f"{n}.xlsx", agency(n)) for n in (3, 0, 5)]
    for source in ("05/F-ENCRYPTED__password.xlsx", "30/S6__count-with-unit.xlsx",
                   "24/S-EXTRA-SHEET__agency-notes.xlsx", "17/F-TOO-BIG__zip-bomb.xlsx"):
        target = folder / Path(source).name
        target.write_bytes(bad_corpus.path(bad_corpus.cases[source]).read_bytes())
        files.append(target)
    contents = []
    for seed in (1, 2, 3):
        order = files[:]
        random.Random(seed).shuffle(order)
        out = tmp_path / f"out{seed}.xlsx"
        assert nianbao("merge", *order, "-o", out, "--jobs", "2").returncode == 1
        contents.append(sheet_contents(out))
    assert contents[0] == contents[1] == contents[2]


def test_replace_refused_keeps_the_verified_file(tmp_path, monkeypatch):
    """docs/BAD-INPUTS.md 49: the summary is open in Excel on Windows, so the final replace is refused
    (simulated: os.replace raises PermissionError). The old summary stays, the new one is kept
    beside it under a name the message gives, and the exit code says it failed."""
    from xlsx_tools.cli import main

    folder = tmp_path / "in"
    write(folder / "a.xlsx", agency(0))
    out = tmp_path / "汇总.xlsx"
    assert CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "--jobs", "1"]).exit_code == 0
    earlier = out.read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "The process cannot access the file because it is being used")

    monkeypatch.setattr(os, "replace", refuse)
    result = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert out.read_bytes() == earlier
    kept = [p for p in tmp_path.iterdir() if p.name not in ("in", out.name)]
    assert len(kept) == 1 and str(kept[0]) in result.output
    assert table_values(kept[0]) == summed([agency(0)])


def test_an_unwritable_output_folder_is_refused_before_reading(tmp_path, monkeypatch):
    """docs/BAD-INPUTS.md 51: root ignores folder permissions here, so "not writable" is simulated where it
    is decided (os.access on the output folder)."""
    from xlsx_tools.check import validate as validate_mod
    from xlsx_tools.cli import main

    folder = tmp_path / "in"
    write(folder / "a.xlsx", agency(0))
    (tmp_path / "只读").mkdir()
    real = os.access

    def read_nothing(*_args, **_kwargs):
        raise AssertionError("inputs were read before the output was known to be writable")

    monkeypatch.setattr(validate_mod, "read_all", read_nothing)
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p).name == "只读" else real(p, mode, **kw))
    result = CliRunner().invoke(main, ["merge", str(folder), "-o", str(tmp_path / "只读" / "x.xlsx")])
    assert result.exit_code == 2 and "输出目录不可写入" in result.output
    assert list((tmp_path / "只读").iterdir()) == []
