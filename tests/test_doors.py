"""One answer at every door: a workbook judged in its context (the year collected, the roster) gets
the same verdict and the same error codes from ``nianbao validate --year --roster``, from the upload
page of ``nianbao serve`` and from ``nianbao merge`` (and ``archive add`` stores, ``report`` writes
a report for, exactly the files that pass); the board's 已通过 count is what its 下载汇总表
includes. Hypothesis draws the workbooks (agency, year, an error, a renamed agency, one off the
roster) and the context (the year); each door is the real command or route, in-process."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from agencies import agency, write
from batches import roster
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from starlette.testclient import TestClient

from xlsx_tools.cli import main
from xlsx_tools.collect.app import create_app
from xlsx_tools.collect.checking import Checker
from xlsx_tools.collect.security import hash_password
from xlsx_tools.collect.service import Collection
from xlsx_tools.collect.state import Store
from xlsx_tools.collect.web import Settings
from xlsx_tools.consolidate.roster import read_roster
from xlsx_tools.format.declaration import load
from xlsx_tools.read import pool

FMT = load()
MEMBERS = [1, 2, 3]  # on the roster; agency 6 is not
PASSWORD = "doors-password"
ORIGIN = {"Origin": "http://testserver"}
#: what only a batch can say of a file (its rejection note) is not a verdict on the file itself
BATCH_ONLY = {"C2"}


def variant(n: int, year: int, broken: bool, renamed: bool) -> dict:
    v = agency(n, {"id.year": year})
    if broken:
        v["t3.new.natural"] += 5  # R1 at its cell
    if renamed:
        v["id.name"] += "（新）"  # the code still matches the roster: C5 warning, not an error
    return v


@pytest.fixture(scope="module")
def pool_of_files(tmp_path_factory):
    """Every workbook the examples draw from, written once."""
    folder = tmp_path_factory.mktemp("doors")
    files = {}
    for n in (*MEMBERS, 6):
        for year in (2024, 2025):
            for broken in (False, True):
                for renamed in (False, True):
                    v = variant(n, year, broken, renamed)
                    files[n, year, broken, renamed] = write(
                        folder / "pool" / f"{n}_{year}_{int(broken)}_{int(renamed)}" / f"{v['id.name']}.xlsx", v)
    return folder, files, roster(folder / "名录.xlsx", MEMBERS)


@pytest.fixture(scope="module")
def forkserver():
    with pytest.MonkeyPatch.context() as mp:  # the Checker starts workers by a fork server, as a server does
        mp.setitem(pool._START, "method", pool._START["method"])
        yield


def by_validate(files: list[Path], year: int, roster_file: Path) -> dict[str, tuple[bool, set[str]]]:
    got = CliRunner().invoke(main, ["validate", *map(str, files), "--year", str(year), "--roster", str(roster_file),
                                    "--format", "json", "--jobs", "1"])
    assert got.exit_code in (0, 1), got.output
    doc = json.loads(got.stdout)
    out = {}
    for entry in doc["files"]:
        errors = {f["code"] for f in entry["findings"] if f["severity"] == "error"}
        out[Path(entry["file"]).name] = (not errors, errors)
    return out


def by_merge(files: list[Path], year: int, roster_file: Path, folder: Path) -> dict[str, tuple[bool, set[str]]]:
    report = folder / "merge.json"
    got = CliRunner().invoke(main, ["merge", *map(str, files), "-o", str(folder / "汇总.xlsx"), "--year", str(year),
                                    "--roster", str(roster_file), "--report", str(report), "--jobs", "1"])
    assert got.exit_code in (0, 1), got.output
    doc = json.loads(report.read_text(encoding="utf-8"))
    out = {}
    for entry in doc["files"]:
        errors = {f["code"] for f in doc["findings"] if f.get("file") == entry["file"]
                  and f["severity"] == "error"} - BATCH_ONLY
        out[Path(entry["file"]).name] = (entry["status"] == "included", errors)
    return out


def by_archive(files: list[Path], year: int, roster_file: Path, folder: Path) -> set[str]:
    """The files ``nianbao archive add --year --roster`` stores (the others it lists, not stores)."""
    from xlsx_tools.archive.store import Archive

    db = folder / "年报库.sqlite"
    got = CliRunner().invoke(main, ["archive", "add", *map(str, files), "--db", str(db), "--year", str(year),
                                    "--roster", str(roster_file), "--jobs", "1"])
    assert got.exit_code in (0, 1), got.output
    store = Archive(db)
    try:
        return {Path(r.file).name for r in store.listing()}
    finally:
        store.close()


def by_report(files: list[Path], year: int, roster_file: Path, folder: Path) -> set[str]:
    """The files ``nianbao report --year --roster`` writes a report for (the others it refuses)."""
    out = folder / "文稿"
    got = CliRunner().invoke(main, ["report", *map(str, files), "-o", str(out), "--format", "html", "--year",
                                    str(year), "--roster", str(roster_file), "--jobs", "1"])
    assert got.exit_code in (0, 1), got.output
    return {p.stem + ".xlsx" for p in out.glob("*.html")}


def by_upload(files: list[Path], year: int, roster_file: Path, folder: Path):
    """Each file uploaded on the link of the office it names; the board's count and its summary."""
    store = Store(folder / "data")
    try:
        collection = Collection(store, read_roster(roster_file), year, checker=Checker(jobs=1))
        app = create_app(collection, Settings(hash_password(PASSWORD), store.secret(), 10 * 1024 * 1024))
        c = TestClient(app, follow_redirects=False)
        out = {}
        for path in files:
            office = next((o for o in collection.offices if o.code == read_code(path)), None)
            if office is None:
                continue  # a file off the roster has no link to be uploaded on
            link = f"/o/{office.token}"
            token = _token(c.get(link).text)
            sent = c.post(f"{link}/upload", data={"csrf": token}, files={"file": (path.name, path.read_bytes())},
                          headers=ORIGIN)
            assert sent.status_code == 303, sent.text
            (upload,) = store.uploads(office.id)[-1:]
            errors = {f.code for f in upload.findings if f.severity == "error"}
            out[path.name] = (not errors, errors)
        token = _token(c.get("/login").text)
        assert c.post("/login", data={"csrf": token, "password": PASSWORD}, headers=ORIGIN).status_code == 303
        board = c.get("/board").text
        passed = sum(int(re.search(f">{name} (\\d+)<", board)[1]) for name in ("已通过", "已通过（有警告）"))
        summary = c.get("/board/summary.xlsx")
        assert summary.status_code == 200
        included = detail_names(summary.content)
        return out, passed, included
    finally:
        store.close()


def read_code(path: Path) -> str:
    from xlsx_tools.read.reader import read_path

    return str(read_path(path).values.get("id.code") or "")


def detail_names(content: bytes) -> list[str]:
    ws = load_workbook(io.BytesIO(content), read_only=True)[FMT.summary["detail"]["sheet"]]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "id.name")
    return [r[0] for r in rows[header + 1:] if r and r[0] not in (None, FMT.summary["detail"]["total_label"])]


def _token(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]


drawn = st.fixed_dictionaries({
    "year": st.sampled_from([2024, 2025]),
    "files": st.lists(st.tuples(st.sampled_from([*MEMBERS, 6]), st.sampled_from([2024, 2025]), st.booleans(),
                                st.booleans()),
                      min_size=1, max_size=4, unique_by=lambda t: t[0]),  # one file per agency
})


@pytest.mark.slow  # three doors read every drawn batch
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(example=drawn)
def test_every_door_gives_the_same_verdict_and_codes(pool_of_files, forkserver, tmp_path_factory, example):
    folder, pool_files, roster_file = pool_of_files
    work = tmp_path_factory.mktemp("example")
    files = [pool_files[key] for key in example["files"]]
    year = example["year"]
    validated = by_validate(files, year, roster_file)
    merged = by_merge(files, year, roster_file, work)
    uploaded, passed, included = by_upload(files, year, roster_file, work)
    archived = by_archive(files, year, roster_file, work)
    reported = by_report(files, year, roster_file, work)
    assert validated == merged, (validated, merged)
    assert archived == reported == {name for name, (ok, _) in validated.items() if ok}
    for name, verdict in uploaded.items():
        assert verdict == validated[name], (name, verdict, validated[name])
    # the board counts what its summary includes, neither more nor less
    assert passed == len(included) == sum(ok for ok, _ in uploaded.values())
    # and a wrong year is an error at every door (never 已通过 on the page, rejected by the summary)
    for key, path in zip(example["files"], files, strict=True):
        if key[1] != year:
            assert "C5" in validated[path.name][1]
