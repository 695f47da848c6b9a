"""Validating agency workbooks: collect the inputs, read each one, run the schemas over all at once.

The same functions serve ``nianbao validate``, the merge and the Excel add-in.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..format.address import parse_ref
from ..format.declaration import Format, load
from ..format.findings import registered
from ..format.layout import workbook_layout
from ..read import pool
from ..read.container import Limits
from ..read.live import Grid, read_live
from ..read.reader import Report, read_path
from . import schemas

#: extensions a folder scan picks up: workbooks, and the wrong formats people send instead
#: (reported with their own codes rather than silently skipped)
SCANNED = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"}
IGNORED_NAMES = {"desktop.ini", "thumbs.db", ".ds_store"}
# Files a worker reads before validating them together: each schema run costs about 0.2 s whatever
# its size (256 reports: 0.34 s), so chunks are large; two per worker keep both cores busy.
MIN_CHUNK, MAX_CHUNK = 32, 256


def collect(inputs: Iterable[Path], report_ignored: bool = False,
            suffixes: Iterable[str] = SCANNED) -> tuple[list[Path], list[Report]]:
    """Files to read from files and folders (searched recursively, in sorted order).

    Office lock files (``~$name.xlsx``, ``~$name.docx``) become an INFO report; hidden and system
    files, and files whose suffix is not in ``suffixes`` (workbooks by default), are skipped (with
    ``report_ignored``, as INFO reports, so a merge accounts for every file it saw); symbolic links
    are not followed out of their folder.
    """
    suffixes = set(suffixes)
    files: list[Path] = []
    notes: list[Report] = []
    for item in inputs:
        item = Path(item)
        if not item.is_dir():
            _add(item, files, notes)
            continue
        root = item.resolve()
        for path in sorted(item.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(item)
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                why = "符号链接指向输入文件夹以外"
            elif any(part.startswith(".") for part in rel.parts) or path.name.lower() in IGNORED_NAMES:
                why = "隐藏文件或系统文件"
            elif not path.is_file():
                continue
            elif path.suffix.lower() not in suffixes:
                why = "不是工作簿文件"
            else:
                _add(path, files, notes)
                continue
            if report_ignored:
                notes.append(Report(str(path), readable=False,
                                    findings=[registered("F-IGNORED", file=str(path), why=why)]))
    return files, notes


def _add(path: Path, files: list[Path], notes: list[Report]) -> None:
    if path.name.startswith("~$"):
        notes.append(Report(str(path), readable=False, findings=[registered("F-LOCKFILE", file=str(path))]))
    else:
        files.append(path)


def read_one(item: tuple[str, str], limits: Limits | None) -> Report:
    """Read one file (its path, and the name findings give it); whatever goes wrong costs this file
    only (F-CRASH), never the batch."""
    path, name = item
    try:
        return read_path(Path(path), limits, display=name)
    except Exception as exc:  # a bug or an exhausted resource: reported for this file, batch goes on
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return Report(name, readable=False, findings=[registered("F-CRASH", file=name, detail=detail)])


def _read_chunk(paths, beat, limits: Limits | None, convert: Callable[[Report], Any] | None) -> list:
    """The workers' task: read each file, then validate the chunk in one stacked run."""
    reports = []
    for i, item in enumerate(paths):
        beat(i)
        reports.append(read_one(item, limits))
    beat(pool.WHOLE_CHUNK)
    validate_reports(reports)
    return [convert(r) for r in reports] if convert else reports


def _lost(item: tuple[str, str], reason: str, budget: pool.Budget, convert: Callable[[Report], Any] | None):
    report = lost_report(item[1], reason, budget)
    return convert(report) if convert else report


def lost_report(name: str, reason: str, budget: pool.Budget) -> Report:
    """The report of a file whose worker hung (F-TIMEOUT) or died (F-CRASH)."""
    if reason == "timeout":
        finding = registered("F-TIMEOUT", file=name, seconds=f"{budget.seconds:g}")
    else:
        finding = registered("F-CRASH", file=name, detail="读取进程异常退出")
    return Report(name, readable=False, findings=[finding])


def check_one(path: str, name: str, limits: Limits | None = None) -> Report:
    """Read and validate one file here (a server's worker runs this for each upload)."""
    return _read_chunk([(path, name)], lambda i: None, limits, None)[0]


def read_all(files: list[Path], limits: Limits | None = None, jobs: int | None = None,
             budget: pool.Budget | None = None, convert: Callable[[Report], Any] | None = None,
             done: Callable[[int], None] | None = None, names: list[str] | None = None) -> list:
    """Read and validate every file in worker processes, each file under ``budget``.

    Results come in the files' order; ``convert`` (a module-level function, run in the workers)
    turns each report into what the caller keeps, so a large batch need not hold every text.
    ``names`` are what the reports call the files (their paths when not given).
    """
    budget = budget or pool.Budget()
    items = list(zip(map(str, files), names or map(str, files), strict=False))
    if pool.in_worker():  # already in a worker under its limits (the server's summary): read here
        results = _read_chunk(items, lambda i: pool.heartbeat(), limits, convert)
        if done is not None:
            done(len(results))
        return results
    jobs = max(1, min(jobs or pool.default_jobs(), len(files)))
    # build the caches before forking, so that every worker inherits them
    load(), workbook_layout(), workbook_layout(load(), True), schemas.cell_schema(), schemas.report_schema()
    chunk = min(MAX_CHUNK, max(MIN_CHUNK, -(-len(files) // (2 * jobs))))
    return pool.run(items, functools.partial(_read_chunk, limits=limits, convert=convert),
                    functools.partial(_lost, budget=budget, convert=convert), jobs, budget, chunk, done)


_CELL_CODES = {"S6", "S6-EXCEL-ERROR", "S7"}  # what the reader says of a single table cell (read.values)


def validate_reports(reports: list[Report], fmt: Format | None = None) -> list[Report]:
    """Run the schemas over reports already read (one stacked validation) and order the findings."""
    fmt = fmt or load()
    schemas.validate(reports, fmt)
    order = {s.name: n for n, s in enumerate(workbook_layout(fmt).sheets)}
    for r in reports:
        r.findings.sort(key=lambda f: (order.get(f.sheet, -1), *parse_ref(f.cell), f.code))
        unread = {t.sheet for t in fmt.tables if t.key in r.unread_tables}
        if unread:  # a table not read has no cells to blame: its blanks are not the report's
            r.findings = [f for f in r.findings if not (f.sheet in unread and f.code in _CELL_CODES)]
        for table in (t for t in fmt.tables if t.key in r.unread_tables):  # said once, not as "应为 0"
            r.findings.append(registered("STRUCT/held", code=table.structure_rule, file=r.file,
                                         sheet=table.sheet, table=table.name))
        if r.renamed:  # a finding names the sheet as the user sees it
            r.findings = [dataclasses.replace(f, sheet=r.renamed.get(f.sheet, f.sheet)) for f in r.findings]
    return reports


def validate_paths(inputs: Iterable[Path], limits: Limits | None = None, jobs: int | None = None,
                   budget: pool.Budget | None = None) -> list[Report]:
    """Validate files and folders: one report per file found, in sorted path order."""
    files, notes = collect(inputs)
    return notes + read_all(files, limits, jobs, budget)


def validate_live(name: str, grids: Mapping[str, Grid], fmt: Format | None = None) -> Report:
    """Read and validate live grids: exactly what ``nianbao validate`` does for a file."""
    fmt = fmt or load()
    return validate_reports([read_live(name, grids, fmt)], fmt)[0]
