"""``nianbao report`` as a library: workbooks checked, then their published reports written.

Each workbook goes through exactly the validation of ``nianbao validate``. One with an error-level
finding is refused (its findings listed) unless a draft is asked for, which is then marked as one
on every page with the errors as an appendix; warnings never block. The .docx and .html are
written atomically beside each other in the output folder; the PDFs are made from the .docx files
by LibreOffice in one batch at the end, and a machine without it is told how to get them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..check.validate import validate_paths
from ..consolidate.context import Context, judge_reports
from ..consolidate.roster import safe_filename
from ..format.declaration import load
from ..format.findings import Finding
from ..format.oserrors import describe
from ..read import pool
from ..read.container import Limits
from ..read.reader import Report
from ..write.output import OutputError, unique_name, write_atomic
from . import pdffile
from .composition import compose
from .docxfile import docx_bytes
from .htmlfile import html_text

FORMATS = ("docx", "html", "pdf")


@dataclass
class Outcome:
    """What became of one workbook."""

    file: str
    status: str  # written | drafted | refused | unreadable | failed
    targets: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    note: str = ""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass
class Run:
    outcomes: list[Outcome]
    pdf_missing: bool = False  # PDF was asked for and LibreOffice is not installed

    @property
    def exit_code(self) -> int:
        return 0 if all(o.status == "written" for o in self.outcomes) else 1


def make_reports(inputs: Iterable[Path], outdir: Path, formats: Iterable[str] = FORMATS, draft: bool = False,
                 signature: bool = False, jobs: int | None = None, limits: Limits | None = None,
                 budget: pool.Budget | None = None, context: Context | None = None) -> Run:
    """Check each workbook and write its report in ``formats`` into ``outdir`` (created if missing);
    each workbook is read as ``nianbao validate`` reads it, under ``limits`` and ``budget``, and
    judged in ``context`` (the year, the roster …) as the upload page and the merge judge it."""
    fmt = load()
    formats = tuple(f for f in FORMATS if f in set(formats))
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建目录 {outdir}：{describe(exc)}") from exc
    reports = validate_paths(list(inputs), limits, jobs, budget)
    if context is not None:
        judge_reports(reports, context, fmt)
    used: set[str] = set()
    # a file name any system accepts (the sources may come from another), the same stem for .docx and .html
    tasks = [(report, Path(unique_name(f"{safe_filename(Path(report.file).stem, 200)}.docx", used)).stem)
             for report in reports]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if jobs == 1:
        outcomes = [_one(report, stem, outdir, formats, draft, signature) for report, stem in tasks]
    else:  # python-docx takes about 0.15 s a report: the cores share the batch
        with ProcessPoolExecutor(jobs, initializer=pool.die_with_parent) as executor:
            fixed = (itertools.repeat(x) for x in (outdir, formats, draft, signature))
            outcomes = list(executor.map(_one, *zip(*tasks, strict=True), *fixed))
    run = Run(outcomes)
    if "pdf" in formats:
        run.pdf_missing = pdffile.add_pdfs(outcomes, outdir, fmt, keep_docx="docx" in formats)
    return run


def _one(report: Report, stem: str, outdir: Path, formats: tuple[str, ...], draft: bool,
         signature: bool) -> Outcome:
    """One workbook's outcome: refused, or its report written as ``stem``.docx/.html."""
    fmt = load()
    outcome = Outcome(report.file, "written", findings=list(report.findings))
    if not report.readable:
        outcome.status = "unreadable"
        return outcome
    if outcome.errors and not draft:
        outcome.status = "refused"
        return outcome
    outcome.status = "drafted" if outcome.errors else "written"
    doc = compose(report, fmt, draft=bool(outcome.errors), signature=signature)
    try:
        if "docx" in formats or "pdf" in formats:
            outcome.targets.append(write_atomic(outdir / f"{stem}.docx",
                                                lambda tmp: tmp.write_bytes(docx_bytes(doc, fmt)), _verify_docx))
        if "html" in formats:
            outcome.targets.append(write_atomic(outdir / f"{stem}.html",
                                                lambda tmp: tmp.write_text(html_text(doc, fmt), encoding="utf-8")))
    except OutputError as exc:
        outcome.status, outcome.note = "failed", str(exc)
    return outcome


def _verify_docx(path: Path) -> None:
    import docx

    docx.Document(str(path))
