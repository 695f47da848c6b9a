"""The published report's content, composed from a checked workbook: its title, the six statutory
sections in order, the narrative as the agency wrote it and the three tables as grids laid out
exactly as the template lays them out (merged header cells, labels verbatim from the declaration).

The writers (:mod:`docxfile`, :mod:`htmlfile`) only decide how each block looks; what the
report says is decided here, once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..format.declaration import Format, Section
from ..format.findings import Finding
from ..format.layout import SheetLayout, workbook_layout
from ..read.reader import Report
from ..read.values import CONTROL

#: label kinds of a table sheet that belong to the table itself (titles and notes do not)
_TABLE_LABELS = ("header", "caption", "stub")


@dataclass(frozen=True)
class GridCell:
    """One cell of a table as printed: its text, how far it spans, and whether it is a heading."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # header | caption | stub | value
    key: str | None = None  # the field a value cell shows


@dataclass
class Grid:
    """A statutory table: ``rows[r][c]`` is the cell anchored there, or None where a merge covers it."""

    rows: list[list[GridCell | None]]
    widths: list[float]  # relative column widths
    header_rows: int  # how many rows at the top are the table's heading (repeated on a new page)


@dataclass(frozen=True)
class Block:
    """A piece of the report in reading order."""

    kind: str  # heading1 | heading2 | paragraph | table
    text: str = ""
    grid: Grid | None = None


@dataclass
class Composition:
    title: str
    blocks: list[Block]
    title_lines: tuple[str, ...] = ()  # where a long title breaks: after the unit's name, never inside it
    signature: tuple[str, str] | None = None  # (unit name, date) for the 落款
    draft: bool = False
    errors: list[Finding] = field(default_factory=list)  # listed in a draft's appendix
    agency: str = ""  # who publishes it: the documents' author


def number_text(value: Any) -> str:
    """A table value as printed: counts as integers, 万元 at the precision entered, blank as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return clean_text(str(value))


def clean_text(text: str) -> str:
    """Agency text without control characters (line breaks kept)."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def paragraphs(value: Any, fmt: Format) -> list[str]:
    """A narrative cell as its paragraphs: one per line, blank lines dropped, text kept as text."""
    if value is None:
        return []
    text = clean_text(str(value)).strip()
    if text in ("无", "无。"):
        return [fmt.report["empty"]]
    out = [line.strip() for line in text.split("\n")]
    return [line for line in out if line]


def grid(sheet: SheetLayout, values: dict[str, Any]) -> Grid:
    """A table sheet's labels and value cells as a grid (its title row and notes left out)."""
    labels = [lb for lb in sheet.labels if lb.kind in _TABLE_LABELS]
    spans = [lb.span for lb in labels] + list(sheet.cells.values())
    top = min(s.row for s in spans)
    bottom = max(s.last_row for s in spans)
    width = max(s.last_col for s in spans)
    rows: list[list[GridCell | None]] = [[None] * width for _ in range(bottom - top + 1)]
    placed: list[tuple[Any, GridCell]] = [(lb.span, GridCell(lb.text, lb.span.last_row - lb.span.row + 1,
                                                             lb.span.last_col - lb.span.col + 1, lb.kind))
                                          for lb in labels]
    placed += [(span, GridCell(number_text(values.get(key)), span.last_row - span.row + 1,
                               span.last_col - span.col + 1, "value", key)) for key, span in sheet.cells.items()]
    for span, cell in placed:
        rows[span.row - top][span.col - 1] = cell
    header = [lb.span.last_row for lb in labels if lb.kind == "header" and lb.span.row == top]
    header_rows = (max(header) - top + 1) if header else 0
    widths = [sheet.column_widths.get(c, 10.0) for c in range(1, width + 1)]
    return Grid(rows, widths, header_rows)


def title(report: Report, fmt: Format) -> str:
    v = report.values
    if report.level:  # a district summary: its region and the 汇总 wording
        return fmt.summary["title"].format(region=v.get("id.region") or "", year=v.get("id.year") or "")
    return fmt.meta["report_title"].format(name=v.get("id.name") or "", year=v.get("id.year") or "")


def compose(report: Report, fmt: Format, draft: bool = False, signature: bool = False) -> Composition:
    """The report of one checked workbook."""
    layout = workbook_layout(fmt, bool(report.level))
    blocks: list[Block] = []
    for section in fmt.sections:
        blocks.append(Block("heading1", section.title))
        if section.table:
            table = fmt.table(section.table)
            blocks.append(Block("table", grid=grid(layout.sheet(table.sheet), report.values)))
        else:
            blocks += _narrative(section, report.values, fmt)
    heading = title(report, fmt)
    composed = Composition(heading, blocks, _title_lines(heading, report, fmt), draft=draft,
                           errors=[f for f in report.findings if f.severity == "error"] if draft else [],
                           agency=str(report.values.get("id.name") or ""))
    if signature:
        composed.signature = (str(report.values.get("id.name") or ""), _date(report.values.get("id.filled_on"), fmt))
    return composed


def _title_lines(heading: str, report: Report, fmt: Format) -> tuple[str, ...]:
    """The title on one line if it fits the text block, else the unit's name and the rest."""
    name = str(report.values.get("id.region" if report.level else "id.name") or "")
    if len(heading) <= fmt.report["title_chars"] or not name or not heading.startswith(name):
        return (heading,)
    return (name, heading[len(name):])


def _narrative(section: Section, values: dict[str, Any], fmt: Format) -> list[Block]:
    """A section's parts: each under its heading （一）…, unless the agency ran the heading into a
    sentence of its own (「（一）主动公开。2024年…」), which is then kept as written."""
    blocks = []
    several = len(section.parts) > 1
    lead = re.compile(fmt.importer["part_pattern"])
    for part in section.parts:
        texts = paragraphs(values.get(part.key), fmt)
        own = lead.match(part.label)
        run_in = own and any((m := lead.match(t)) and m.group("n") == own.group("n") for t in texts)
        if several and not run_in:
            blocks.append(Block("heading2", part.label))
        blocks += [Block("paragraph", text) for text in texts]
    return blocks


def _date(value: Any, fmt: Format) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return fmt.report["date"].format(year=value.year, month=value.month, day=value.day)
    return "" if value is None else str(value)
