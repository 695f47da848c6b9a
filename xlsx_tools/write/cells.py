"""Writing cells as agencies' text deserves: text always as a string cell (never a formula,
whatever it starts with), and rows tall enough for their wrapped text.

Every workbook nianbao writes goes through these: the template, the summary, imported workbooks
and annotated copies.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

LINE_HEIGHT = 14.5  # points per wrapped line of 10–11 pt CJK text


def set_text(cell, value: str) -> None:
    """Write agency text as a string cell, never as a formula, whatever it starts with."""
    cell.value = value
    cell.data_type = "s"


def set_value(cell, value: Any) -> None:
    """Write a value as it is: text as a string cell (see :func:`set_text`), anything else as such."""
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value


def display_width(value: str) -> int:
    """Width in Excel column units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def fit_rows(ws: Worksheet) -> None:
    """Heighten rows whose wrapped text needs more than one line.

    Neither openpyxl nor LibreOffice sizes rows on load, so without this long labels overlap.
    Cells merged over several rows are left alone: the rows they span give them room.
    """
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1)} - set(spans)
    need: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or value.startswith("=") or (cell.row, cell.column) in covered:
                continue
            m = spans.get((cell.row, cell.column))
            if m is not None and m.max_row > m.min_row:
                continue
            last = m.max_col if m is not None else cell.column
            width = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(cell.column, last + 1))
            size = (cell.font.sz or 11) / 11
            lines = sum(-(-int(display_width(part) * size * 0.85) // max(int(width) - 1, 1)) or 1
                        for part in cell.value.split("\n"))
            if lines > 1:
                need[cell.row] = max(need.get(cell.row, 0), lines * LINE_HEIGHT + 3)
    for r, height in need.items():
        current = ws.row_dimensions[r].height
        if current is None or current < height:
            ws.row_dimensions[r].height = height
