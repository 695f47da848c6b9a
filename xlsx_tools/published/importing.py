"""``nianbao import`` as a library: published reports in, filled and checked workbooks out.

Each source is read (:mod:`published`), matched to the format (:mod:`importer`) and written into
the template with a record sheet (导入记录) listing every value with the line it came from and
every finding of the import. The written workbook then goes through the same validator as any
agency's, so a report's own errors (a 总计 that is not the sum, text that contradicts the tables)
are reported as they would be for a workbook. Sources are only read; each workbook is written
atomically; one source that fails costs that source only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..check.validate import collect, validate_paths
from ..consolidate.roster import Roster
from ..format.declaration import Field, Format, IdentityField, load
from ..format.findings import Finding, registered
from ..format.layout import workbook_layout
from ..read.reader import Report
from ..write import style, template
from ..write.cells import set_value
from ..write.output import OutputError, save_workbook
from .document import Unreadable, read_document
from .matcher import Imported, import_document

RECORD_TEXT = 120  # characters of a long text shown in the record (the whole text is in its sheet)


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
                 now: dt.datetime | None = None) -> list[Outcome]:
    """Import every source into a workbook under ``output`` and validate what was written."""
    fmt = fmt or load()
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
            raise OutputError(f"无法创建输出文件夹 {output}：{exc.strerror}") from exc
    outcomes = [Outcome(Path(r.file), findings=r.findings) for r in lock_files]
    outcomes += [import_one(f, plan[f], roster, max_mb, fmt, now) for f in files]
    written = [o for o in outcomes if o.target is not None]
    for o, report in zip(written, validate_paths([o.target for o in written]), strict=True):
        o.report = report
    return outcomes


def import_one(source: Path, target: Path, roster: Roster | None = None, max_mb: float | None = None,
               fmt: Format | None = None, now: dt.datetime | None = None) -> Outcome:
    """One source into ``target``; every failure of the source becomes a finding on the outcome."""
    fmt = fmt or load()
    spec = fmt.importer
    outcome = Outcome(source)
    try:
        doc = read_document(source, spec["suffixes"], max_mb or spec["max_mb"])
        outcome.imported = imported = import_document(doc, fmt, roster)
    except Unreadable as exc:
        outcome.findings.append(registered("IMP-UNREADABLE", file=source.name, detail=str(exc)))
        return outcome
    except Exception as exc:  # a source that breaks the importer costs that source only, never the batch
        outcome.findings.append(registered("IMP-CRASH", file=source.name, detail=f"{type(exc).__name__}: {exc}"[:200]))
        return outcome
    outcome.findings += imported.findings
    if imported.refused:
        return outcome
    book = workbook(imported, fmt, now or dt.datetime.now())
    try:
        outcome.target = save_workbook(book, target, verify=lambda p: template.verify(p, fmt, (fmt.importer["sheet"],)))
    except OutputError as exc:  # this target only (held open in Excel, say): the batch goes on
        outcome.findings.append(registered("IMP-WRITE", file=source.name, target=target.name, detail=str(exc)))
    return outcome


def workbook(imported: Imported, fmt: Format | None = None, now: dt.datetime | None = None) -> Workbook:
    """The template filled with the imported values, plus the record sheet."""
    fmt = fmt or load()
    wb = template.fill(template.build(fmt=fmt), imported.values, fmt)
    _record(wb.create_sheet(fmt.importer["sheet"]), imported, fmt, now or dt.datetime.now())
    return wb


def _labels(fmt: Format, key: str) -> str:
    f = fmt.field(key)
    if isinstance(f, Field):
        return f"{fmt.table(f.table).name} {f.row.label} / {f.column.label}"
    if isinstance(f, IdentityField):
        return f.label
    section = fmt.section(f.section)
    return section.title if len(section.parts) == 1 else f"{section.title} {f.label}"


def _record(ws, imported: Imported, fmt: Format, now: dt.datetime) -> None:
    spec = fmt.importer
    layout = workbook_layout(fmt)
    sev = fmt.severities
    rows: list[list[Any]] = [
        [spec["title"].format(source=imported.source, when=now.strftime("%Y-%m-%d %H:%M"))], [],
        [spec["findings_title"].format(count=len(imported.findings))], spec["findings_headers"],
    ]
    heads = [len(rows)]
    for n, f in enumerate(imported.findings, 1):
        rows.append([n, f.code, sev.get(f.severity, f.severity), f.extra.get("where", ""), f.sheet, f.cell,
                     f.message, f.hint])
    rows += [[], [spec["record_title"]], spec["record_headers"]]
    heads.append(len(rows))
    for n, p in enumerate(imported.placed, 1):
        sheet, span = layout.locate(p.key)
        value = p.value if not isinstance(p.value, str) or len(p.value) <= RECORD_TEXT else p.value[:RECORD_TEXT] + "…"
        rows.append([n, sheet, span.ref, _labels(fmt, p.key), value, p.line.where, p.line.text[:RECORD_TEXT], p.note])
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values, 1):
            cell = ws.cell(r, c)
            set_value(cell, value)
            cell.alignment = Alignment(vertical="top", wrap_text=c > 3)
    for r in (1, 3, heads[1] - 1):
        ws.cell(r, 1).font = Font(name=style.HEADING_FONT, bold=True)
    for r in heads:
        for c in range(1, 9):
            ws.cell(r, c).font = Font(bold=True)
            ws.cell(r, c).fill = style.fill(style.HEADER)
    for letter, width in zip("ABCDEFGH", (6, 10, 8, 36, 24, 16, 48, 28), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(2, 1)
