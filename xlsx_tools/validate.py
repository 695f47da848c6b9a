"""Validating agency workbooks: collect the inputs, read each one, run the schemas over all at once.

The same functions serve ``nianbao validate``, the merge and the Excel add-in.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from . import schemas
from .container import Limits
from .declaration import Format, load
from .findings import registered
from .layout import parse_ref, workbook_layout
from .reader import Report, read_bytes, read_path

#: extensions a folder scan picks up: workbooks, and the wrong formats people send instead
#: (reported with their own codes rather than silently skipped)
SCANNED = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et"}
IGNORED_NAMES = {"desktop.ini", "thumbs.db", ".ds_store"}
PARALLEL_FROM = 16  # below this many files, worker start-up costs more than it saves


def collect(inputs: Iterable[Path]) -> tuple[list[Path], list[Report]]:
    """Files to read from files and folders (searched recursively, in sorted order).

    Excel/WPS lock files (``~$name.xlsx``) become an INFO report; hidden and system files are
    skipped; symbolic links are not followed out of the folder they were found in.
    """
    files: list[Path] = []
    notes: list[Report] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            root = item.resolve()
            for path in sorted(item.rglob("*")):
                rel = path.relative_to(item)
                if any(part.startswith(".") for part in rel.parts) or path.name.lower() in IGNORED_NAMES:
                    continue
                if path.is_symlink() and not path.resolve().is_relative_to(root):
                    continue
                if path.is_file() and path.suffix.lower() in SCANNED:
                    _add(path, files, notes)
        else:
            _add(item, files, notes)
    return files, notes


def _add(path: Path, files: list[Path], notes: list[Report]) -> None:
    if path.name.startswith("~$"):
        notes.append(Report(str(path), readable=False, findings=[registered("F-LOCKFILE", file=str(path))]))
    else:
        files.append(path)


def _read_one(args: tuple[str, Limits | None]) -> Report:
    """Read one file; whatever goes wrong costs this file only (F-CRASH), never the batch."""
    path, limits = args
    try:
        return read_path(Path(path), limits, display=path)
    except Exception as exc:  # a bug or an exhausted resource: reported for this file, batch goes on
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return Report(path, readable=False, findings=[registered("F-CRASH", file=path, detail=detail)])


def read_all(files: list[Path], limits: Limits | None = None, jobs: int | None = None) -> list[Report]:
    """Read every file; many files are spread over worker processes."""
    jobs = jobs or os.cpu_count() or 1
    work = [(str(p), limits) for p in files]
    if jobs <= 1 or len(files) < PARALLEL_FROM:
        return [_read_one(w) for w in work]
    load(), workbook_layout()  # build the caches before forking, so workers inherit them
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(_read_one, work, chunksize=max(1, len(work) // (jobs * 4))))
    except BrokenProcessPool:
        # a worker died (a native crash, the OOM killer): read each file in a process of its own,
        # so that only the file that kills its process is lost, as F-CRASH
        return [_isolated(w) for w in work]


def _isolated(work: tuple[str, Limits | None]) -> Report:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(_read_one, work).result()
    except BrokenProcessPool:
        path = work[0]
        return Report(path, readable=False,
                      findings=[registered("F-CRASH", file=path, detail="读取进程异常退出")])


def validate_reports(reports: list[Report], fmt: Format | None = None) -> list[Report]:
    """Run the schemas over reports already read (one stacked validation) and order the findings."""
    fmt = fmt or load()
    schemas.validate(reports, fmt)
    order = {s.name: n for n, s in enumerate(workbook_layout(fmt).sheets)}
    for r in reports:
        r.findings.sort(key=lambda f: (order.get(f.sheet, -1), *parse_ref(f.cell), f.code))
    return reports


def validate_paths(inputs: Iterable[Path], limits: Limits | None = None, jobs: int | None = None) -> list[Report]:
    """Validate files and folders: one report per file found, in sorted path order."""
    files, notes = collect(inputs)
    return notes + validate_reports(read_all(files, limits, jobs))


def validate_bytes(data: bytes, name: str, limits: Limits | None = None) -> Report:
    """Validate one workbook held in memory (the add-in's route)."""
    return validate_reports([read_bytes(data, name, limits)])[0]
