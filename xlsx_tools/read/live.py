"""A workbook's live values, read by the very same reader as a saved file (and validated by the
same schemas: :func:`check.validate.validate_live`).

The add-in's 校验 button sees what Excel shows, unsaved edits included: one grid of values per
sheet (as xlwings returns them: numbers as float, text as str, dates as datetime, error values as
``#DIV/0!`` text). Each value becomes the cell a saved file would hold, so ``nianbao validate`` and
the button cannot disagree about the same workbook.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..format.declaration import Format, load
from .container import Refused
from .reader import Report, read_package
from .xmlparts import RawCell, SheetCells

#: the error values Excel shows in a cell; xlwings hands them over as text (``err_to_str``)
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
#: the most of a sheet the button reads: a used range formatted down to row 1,048,576 is not
#: worth a minute of COM transfer, and nothing the format declares lies that far out
MAX_ROWS, MAX_COLS = 2000, 200
_EPOCH = dt.datetime(1899, 12, 30)

Grid = Sequence[Sequence[Any]]


def raw_cell(value: Any) -> RawCell | None:
    """The cell a saved file would hold for a live value (None for an empty cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return RawCell("1" if value else "0", "b")
    if isinstance(value, int):
        return RawCell(str(value), "n")
    if isinstance(value, float):
        return RawCell(repr(value), "n") if math.isfinite(value) else RawCell(str(value), "inlineStr")
    if isinstance(value, dt.datetime | dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1)
        return RawCell(repr(serial), "n")
    text = str(value)
    return RawCell(text, "e" if text in EXCEL_ERRORS else "inlineStr")


@dataclass
class LivePackage:
    """The add-in's stand-in for an opened file: the same questions answered from live grids."""

    name: str
    grids: Mapping[str, Grid]  # sheet name → rows of values, starting at A1
    properties: dict[str, str] = field(default_factory=dict)
    date1904: bool = False  # xlwings hands over dates as datetime, whatever the book's date system
    shared_strings: list[str] = field(default_factory=list)

    @property
    def sheets(self) -> dict[str, str]:
        return {name: name for name in self.grids}

    def cells(self, sheet: str, max_row: int, max_col: int) -> SheetCells:
        out = SheetCells()
        for r, row in enumerate(self.grids[sheet][:MAX_ROWS], start=1):
            for c, value in enumerate(row[:MAX_COLS], start=1):
                cell = raw_cell(value)
                if cell is None:
                    continue
                if r <= max_row and c <= max_col:
                    out.cells[(r, c)] = cell
                else:
                    out.outside += 1
                    out.first_outside = out.first_outside or (r, c)
        return out


def read_live(name: str, grids: Mapping[str, Grid], fmt: Format | None = None) -> Report:
    """Read live grids as :func:`reader.read_bytes` reads a file; a refusal is a finding."""
    report = Report(name)
    try:
        return read_package(LivePackage(name, grids), report, fmt or load())
    except Refused as exc:
        report.readable, report.values, report.findings = False, {}, [exc.finding]
        return report
