"""Annotated copies: every offending cell coloured and commented, and a sheet listing the findings
with links to their cells — the route for WPS and LibreOffice users, who have no add-in.

The input is never written: the copy is built in memory and saved atomically in another folder.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from ..format.address import cell_ref, parse_ref, sheet_ref
from ..format.declaration import Format, load
from ..format.findings import plain_detail
from ..format.oserrors import describe
from ..read.reader import Report
from . import cached, marking, style
from .cells import fit_rows, set_text, set_value
from .output import OutputError, unique_name

#: beyond this, cells outside the template area make a full load too costly to risk
FAR_ROW, FAR_COL = 5000, 200


@dataclass
class Annotated:
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def annotate_reports(reports: list[Report], outdir: Path, fmt: Format | None = None) -> Annotated:
    """Write one annotated copy per readable report into ``outdir`` (created if missing)."""
    fmt = fmt or load()
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建目录 {outdir}：{describe(exc)}") from exc
    result = Annotated()
    used: set[str] = set()
    for report in reports:
        source = Path(report.file)
        if not report.readable or not source.is_file():
            continue
        reason = _too_far(report)
        if reason:
            result.skipped.append((report.file, reason))
            continue
        name = unique_name(source.name, used)
        target = outdir / name
        if target.resolve() == source.resolve():
            raise OutputError(f"标注副本不能覆盖原文件：{source}")
        try:
            result.written.append(annotate_file(source.read_bytes(), report, target, fmt))
        except OutputError:
            raise
        except Exception as exc:  # a workbook the annotator cannot handle costs its copy only
            reason = plain_detail(f"{type(exc).__name__}: {exc}")
            result.skipped.append((report.file, f"生成标注副本时出错（{reason}）"))
    return result


def _too_far(report: Report) -> str:
    for f in report.findings:
        if f.code == "S-DATA-OUTSIDE-TABLE" and f.cell:
            row, col = parse_ref(f.cell)
            if row > FAR_ROW or col > FAR_COL:
                return f"表格区域外很远处（{f.sheet}!{f.cell}）有内容，为避免占用过多内存未生成标注副本"
    return ""


def annotate_file(data: bytes, report: Report, target: Path, fmt: Format | None = None) -> Path:
    """Mark ``report``'s findings on a copy of the workbook ``data`` and save it to ``target``."""
    fmt = fmt or load()
    with warnings.catch_warnings():  # features openpyxl does not keep (x14 extensions) are dropped
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), keep_vba=False)
    spec = fmt.annotate
    if spec["sheet"] in wb.sheetnames:  # re-annotating an annotated copy: undo its marks, replace its list
        old = wb[spec["sheet"]]
        for m in marking.read_record([list(r) for r in old.iter_rows(values_only=True)], fmt):
            if m.sheet in wb.sheetnames:
                c = wb[m.sheet][m.cell]
                c.fill = style.fill(m.fill) if m.fill else PatternFill(fill_type=None)
                if m.noted:
                    c.comment = None
        del wb[spec["sheet"]]
    marked = []
    for m in marking.marks(report, wb.sheetnames, lambda sheet, cell: _anchor(wb[sheet], cell)):
        c = wb[m.sheet][m.cell]
        marked.append(marking.Marked(m.sheet, m.cell, _solid_fill(c), c.comment is None))
        c.fill = style.fill(m.fill)
        if c.comment is None:  # a note staff wrote stays as it is; the list has everything
            comment = Comment(m.note, spec["author"])
            comment.width, comment.height = 320, min(60 + 18 * m.note.count("\n") + len(m.note) // 3, 400)
            c.comment = comment
    _list_sheet(wb, report, fmt, marked)
    wb.active = wb.sheetnames.index(spec["sheet"])
    return cached.save(wb, target, fmt, source=lambda: cached.cached_source_values(data))


def _anchor(ws, ref: str) -> str:
    """The cell that carries the marks of ``ref``: itself, or the top-left cell of a merged range
    covering it (a covered cell holds no value, format or note of its own)."""
    if isinstance(ws[ref], MergedCell):
        for merged in ws.merged_cells.ranges:
            if ref in merged:
                return merged.start_cell.coordinate
    return ref


def _solid_fill(cell) -> str | None:
    """A cell's solid fill as RRGGBB, None for none (theme and indexed colours count as none)."""
    colour = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
    return colour[-6:].upper() if isinstance(colour, str) and len(colour) in (6, 8) else None


def _list_sheet(wb, report: Report, fmt: Format, marked: list[marking.Marked]) -> None:
    spec = fmt.annotate
    ws = wb.create_sheet(spec["sheet"])
    ws.protection.sheet = False
    set_text(ws.cell(1, 1), spec["title"])
    ws.cell(1, 1).font = style.font(14, bold=True, heading=True)
    for i, header in enumerate(spec["headers"], start=1):
        cell = ws.cell(3, i)
        set_text(cell, header)
        cell.font = style.font(11, bold=True)
        cell.fill = style.fill(style.HEADER)
        cell.border = style.BORDER
    if not report.findings:
        set_text(ws.cell(4, 1), spec["clean"])
    for n, f in enumerate(report.findings, start=1):
        row = 3 + n
        values = marking.finding_row(n, f, fmt)
        place = values[3]
        for i, value in enumerate(values, start=1):
            cell = ws.cell(row, i)
            set_value(cell, value)
            cell.border = style.BORDER
            cell.alignment = style.align("left", "top")
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            link = ws.cell(row, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{sheet_ref(f.sheet)}!{f.cell}", display=place)
            link.font = style.font(11, colour="0563C1")
        background, colour = style.SEVERITY_COLOURS.get(f.severity, ("FFFFFF", "000000"))
        ws.cell(row, 3).fill = style.fill(background)
    widths = marking.LIST_WIDTHS
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    first = marking.record_column(fmt)
    set_text(ws.cell(2, first), spec["record_note"])
    for r, row in enumerate([spec["record_headers"], *marking.record_rows(marked)], start=3):
        for i, value in enumerate(row):
            set_text(ws.cell(r, first + i), value)
    for i in range(len(spec["record_headers"])):
        ws.column_dimensions[get_column_letter(first + i)].hidden = True
    ws.freeze_panes = ws.cell(4, 1)
    style.a4(ws, True)
    ws.print_title_rows = "3:3"
    fit_rows(ws)
    ws.auto_filter.ref = f"{cell_ref(3, 1)}:{cell_ref(max(4, 3 + len(report.findings)), len(widths))}"
