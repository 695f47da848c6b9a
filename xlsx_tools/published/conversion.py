"""``nianbao import`` as a library: published reports in, filled and checked workbooks out.

Each source is read by its front end (:mod:`sources`), matched to the format (:mod:`matcher`) and
written into the template with a record sheet (导入记录, :mod:`record`) listing every value with the
line it came from and every finding of the import. The written workbook then goes through the
same validator as any agency's, so a report's own errors (a 总计 that is not the sum, text that
contradicts the tables) are reported as they would be for a workbook. Sources are only read; each
workbook is written atomically; one source that fails costs that source only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from ..check.validate import collect, read_one, validate_reports
from ..consolidate.roster import Roster
from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..format.layout import workbook_layout
from ..format.oserrors import describe
from ..read import pool
from ..read.reader import Report
from ..write import cached, template
from ..write.output import OutputError
from . import ocr, record
from .document import Unreadable
from .imported import Imported
from .matcher import import_document
from .sources import read_document

#: the address space an import worker may take when it may recognise scans (RLIMIT_AS counts the
#: recogniser's reservations, not only what it uses)
OCR_MEMORY_MB = 4096
#: the time one file may take by default when it may be recognised: about 4 s a scanned page on two
#: cores, so a 60-page scan fits (the general default of one minute would stop a 15-page one)
OCR_SECONDS = 300.0


def file_budget(budget: pool.Budget) -> pool.Budget:
    """What one file may cost: when it may be recognised, the recogniser's address space on top (it
    reserves about 1.5 GB of its own) and ``OCR_SECONDS`` unless another time was asked for."""
    if not ocr.available():
        return budget
    default = budget.seconds == pool.Budget().seconds  # a --timeout given is kept
    return dataclasses.replace(budget, memory_mb=max(budget.memory_mb, OCR_MEMORY_MB),
                               seconds=OCR_SECONDS if default else budget.seconds)


class ImportUsage(Exception):
    """The arguments cannot work (several sources into one .xlsx file)."""


@dataclass
class Outcome:
    """One source: the workbook written (if any), the import's findings and the validator's report."""

    source: Path
    target: Path | None = None
    imported: Imported | None = None
    findings: list[Finding] = field(default_factory=list)
    report: Report | None = None

    def as_report(self) -> Report:
        """Import and validation findings together, under the source's name, for rendering."""
        name = self.source.name + (f" → {self.target.name}" if self.target else "")
        checked = self.report.findings if self.report else []
        return Report(name, findings=self.findings + checked)


def targets(files: list[Path], output: Path) -> dict[Path, Path]:
    """Where each source's workbook goes: ``output`` itself for one source named ``*.xlsx``,
    else ``output/<source name>.xlsx`` (a clash of names adds the source's type, then a number)."""
    if output.suffix.lower() == ".xlsx":
        if len(files) != 1:
            raise ImportUsage(f"有 {len(files)} 个文件要导入，-o 须是一个文件夹，不能是 {output.name}。")
        return {files[0]: output}
    out: dict[Path, Path] = {}
    taken: set[str] = set()
    for f in files:
        name = f"{f.stem}.xlsx"
        if name.lower() in taken:
            name = f"{f.stem}（{f.suffix.lstrip('.')}）.xlsx"
        n = 2
        while name.lower() in taken:
            name, n = f"{f.stem}-{n}.xlsx", n + 1
        taken.add(name.lower())
        out[f] = output / name
    return out


def import_paths(inputs: Iterable[Path], output: Path, roster: Roster | None = None,
                 max_mb: float | None = None, fmt: Format | None = None,
                 now: dt.datetime | None = None, max_pages: int | None = None, jobs: int | None = None,
                 budget: pool.Budget | None = None, deadline: dt.date | None = None,
                 check: bool = True) -> list[Outcome]:
    """Import every source into a workbook under ``output`` and validate what was written (unless
    not ``check``); publication dates are held to ``deadline`` (default: 31 January after each
    report's year)."""
    fmt = fmt or load()
    budget = file_budget(budget or pool.Budget())
    # found as `nianbao validate` finds workbooks: recursively; hidden and system files skipped,
    # an Office lock file (~$年报.docx) reported as such
    files, lock_files = collect(inputs, suffixes=fmt.importer["suffixes"])
    files = list(dict.fromkeys(files))
    if not files:
        raise ImportUsage(f"没有找到可导入的年报（{'、'.join(fmt.importer['suffixes'])}）。")
    plan = targets(files, Path(output))
    if Path(output).suffix.lower() != ".xlsx":
        try:
            Path(output).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"无法创建输出文件夹 {output}：{describe(exc)}") from exc
    outcomes = [Outcome(Path(r.file), findings=r.findings) for r in lock_files]
    # worker processes, each file under a time limit (a PDF's table finder can take long), each
    # worker building the template once and resetting it between its reports
    load(), workbook_layout(fmt), _base()  # built before the workers fork: each inherits them
    task = functools.partial(_import_chunk, roster=roster, max_mb=max_mb, now=now, max_pages=max_pages,
                             deadline=deadline)
    items = [(str(f), str(plan[f])) for f in files]
    outcomes += pool.run(items, task, functools.partial(_lost, budget=budget), jobs or pool.default_jobs(), budget,
                         chunk_size=4)
    written = [o for o in outcomes if o.target is not None]
    if not check:
        return outcomes
    reports = [read_one((str(o.target), str(o.target)), None) for o in written]  # our own workbooks: read here
    for o, report in zip(written, reports, strict=True):
        report.unread_tables |= o.imported.unread if o.imported else set()  # nothing read: no "应为 0"
        o.report = report
    validate_reports(reports)  # one stacked run, as nianbao validate does
    return outcomes


@functools.cache
def _base():
    """This process's template, built once and reset for each report it imports."""
    return template.build(fmt=load())


def _import_chunk(items, beat, roster, max_mb, now, max_pages, deadline) -> list[Outcome]:  # runs in a worker
    out = []
    for i, (source, target) in enumerate(items):
        beat(i)
        out.append(import_one(Path(source), Path(target), roster, max_mb, load(), now, max_pages, _base(), deadline))
    return out


def _lost(item, reason: str, budget: pool.Budget) -> Outcome:
    """The outcome of a source whose import ran out of time or took its worker down."""
    source = Path(item[0])
    if reason == "timeout":
        finding = registered("IMP-TIMEOUT", file=source.name, seconds=budget.seconds)
    else:
        finding = registered("IMP-CRASH", file=source.name, detail="导入进程意外退出（可能是内存不足）")
    return Outcome(source, findings=[finding])


def import_one(source: Path, target: Path, roster: Roster | None = None, max_mb: float | None = None,
               fmt: Format | None = None, now: dt.datetime | None = None, max_pages: int | None = None,
               base: Workbook | None = None, deadline: dt.date | None = None) -> Outcome:
    """One source into ``target``; every failure of the source becomes a finding on the outcome."""
    fmt = fmt or load()
    spec = fmt.importer
    outcome = Outcome(source)
    try:
        doc = read_document(source, spec["suffixes"], max_mb or spec["max_mb"], max_pages or spec["max_pages"])
        outcome.imported = imported = import_document(doc, fmt, roster, deadline)
    except Unreadable as exc:
        outcome.findings.append(registered(exc.key, file=source.name, detail=str(exc)))
        return outcome
    except Exception as exc:  # a source that breaks the importer costs that source only, never the batch
        outcome.findings.append(registered("IMP-CRASH", file=source.name, detail=f"{type(exc).__name__}: {exc}"[:200]))
        return outcome
    outcome.findings += imported.findings
    if imported.refused:
        return outcome
    book = record.workbook(imported, fmt, now or dt.datetime.now(), base)
    try:
        outcome.target = cached.save(book, target, fmt,
                                     verify=lambda p: template.verify(p, fmt, (fmt.importer["sheet"],)))
    except OutputError as exc:  # this target only (held open in Excel, say): the batch goes on
        outcome.findings.append(registered("IMP-WRITE", file=source.name, target=target.name, detail=str(exc)))
    return outcome
