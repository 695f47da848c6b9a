"""The imported workbook: the template filled with the imported values, and its 导入记录 sheet — the
import's findings, then every value placed with its cell, its labels and the source line it came
from, so a reader can check each number against the published report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..format.declaration import Field, Format, IdentityField, load
from ..format.formula import Translator
from ..format.layout import workbook_layout
from ..write import style, template
from ..write.cells import set_value
from .imported import Imported

RECORD_TEXT = 120  # characters of a long text shown in the record (the whole text is in its sheet)


def workbook(imported: Imported, fmt: Format | None = None, now: dt.datetime | None = None,
             base: Workbook | None = None) -> Workbook:
    """The template filled with the imported values, plus the record sheet.

    ``base`` is a built template to reuse (a batch builds one, about 0.2 s, instead of one per
    report): it is first reset to the blank template — every value cell emptied, every total given
    its formula back, the previous record sheet removed — and then filled.
    """
    fmt = fmt or load()
    wb = template.build(fmt=fmt) if base is None else reset(base, fmt)
    template.fill(wb, imported.values, fmt)
    _record(wb.create_sheet(fmt.importer["sheet"]), imported, fmt, now or dt.datetime.now())
    return wb


def reset(wb: Workbook, fmt: Format) -> Workbook:
    """A built template, used for one report, made blank again."""
    layout = workbook_layout(fmt)
    translator = Translator(fmt, layout)
    for key, (sheet, span) in layout.cells.items():
        f = fmt.field(key)
        cell = wb[sheet].cell(span.row, span.col)
        cell.value = "=" + translator.total_formula(f) if isinstance(f, Field) and f.is_total else None
    if fmt.importer["sheet"] in wb.sheetnames:
        del wb[fmt.importer["sheet"]]
    return wb


def labels_of(fmt: Format, key: str) -> str:
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
        seen = p.seen
        recognised = spec["ocr_note"].format(confidence=seen.confidence, box=seen.box) if seen else ""
        note = "；".join(filter(None, [p.note, recognised]))
        rows.append([n, sheet, span.ref, labels_of(fmt, p.key), value, p.line.where, p.line.text[:RECORD_TEXT], note])
    if imported.facts:  # the publication date, 索引号 … (for whether it was published on time)
        rows += [[], [spec["facts_title"]], [None] * 3 + spec["facts_headers"]]  # under 项目/导入值/原文位置/原文/说明
        heads.append(len(rows))
        names = spec["metadata_facts"]
        rows += [[None] * 3 + [names[f.name], f.value.isoformat() if hasattr(f.value, "isoformat") else f.value,
                               f.line.where, f.line.text[:RECORD_TEXT], f.source] for f in imported.facts]
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values, 1):
            cell = ws.cell(r, c)
            set_value(cell, value)
            cell.alignment = Alignment(vertical="top", wrap_text=c > 3)
    for r in (1, 3, *(h - 1 for h in heads[1:])):
        ws.cell(r, 1).font = Font(name=style.HEADING_FONT, bold=True)
    for r in heads:
        for c in range(1, 9):
            ws.cell(r, c).font = Font(bold=True)
            ws.cell(r, c).fill = style.fill(style.HEADER)
    for letter, width in zip("ABCDEFGH", (6, 10, 8, 36, 24, 16, 48, 28), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(2, 1)
