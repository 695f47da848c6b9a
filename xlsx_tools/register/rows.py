"""A register workbook read as untrusted input (the same container and limits as any workbook):
its 申请登记 and 复议诉讼 rows, and a finding located to the cell for every value that cannot be
counted — a date that is no date, a label that is not one of the declared entries (the closest one
suggested), a required cell left empty, a 编号 used twice, a reply before its receipt, a result
without a reply date or a reply date without a result.

Columns are found by their header labels, so a register whose columns were moved still reads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..format.address import cell_ref
from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..read import values as cellvalues
from ..read.container import Limits, Refused, open_package
from ..read.reader import label_key
from ..read.xmlparts import read_cells
from .layout import Column, RegisterLayout, register_layout

MAX_ROWS = 1_048_576
MAX_COLUMNS = 64
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@dataclass
class Row:
    """One register row: its number on the sheet and its values by column key (dates as dates,
    choices as the table key they name)."""

    sheet: str
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # column key → its cell (C7)

    @property
    def id(self) -> str:
        return str(self.values.get("id") or "")

    @property
    def where(self) -> str:
        return f"{self.id}（{self.sheet}第{self.row}行）" if self.id else f"{self.sheet}第{self.row}行"


@dataclass
class Register:
    file: str
    applications: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    unreadable: set[tuple[str, str]] = field(default_factory=set)  # (sheet, cell) typed but not understood

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def is_register(sheet_names: list[str], fmt: Format | None = None) -> bool:
    fmt = fmt or load()
    return fmt.register["applications"] in sheet_names


def read_register(data: bytes, name: str, limits: Limits | None = None, fmt: Format | None = None,
                  today: dt.date | None = None) -> Register:
    """Read a register's rows; what cannot be counted is a finding at its cell."""
    fmt = fmt or load()
    spec, layout = fmt.register, register_layout(fmt)
    out = Register(name)
    try:
        package = open_package(data, name, limits)
    except Refused as exc:
        out.findings.append(exc.finding)
        out.readable = False
        return out
    if spec["applications"] not in package.sheets:
        out.findings.append(registered("REG-NOT-REGISTER", file=name, sheet=spec["applications"]))
        out.readable = False
        return out
    for sheet, columns, rows in ((spec["applications"], layout.columns, out.applications),
                                 (spec["cases"], layout.case_columns, out.cases)):
        if sheet in package.sheets:
            cells = read_cells(package.read(package.sheets[sheet]), MAX_ROWS, MAX_COLUMNS)
            rows += _rows(cells, package, sheet, columns, layout, out, fmt)
    _consistency(out, fmt, today or dt.date.today())
    return out


def _rows(cells, package, sheet: str, columns: tuple[Column, ...], layout: RegisterLayout, out: Register,
          fmt: Format) -> list[Row]:
    grid: dict[int, dict[int, Any]] = {}
    for (r, c), raw in cells.cells.items():
        grid.setdefault(r, {})[c] = raw
    strings = package.shared_strings
    first = label_key(fmt.register["header_label"])
    header = next((r for r in sorted(grid)[:20] if label_key(cellvalues.stored(grid[r].get(1), strings)[0]) == first),
                  None)
    if header is None:
        out.findings.append(registered("REG-NO-HEADER", file=out.file, sheet=sheet, label=fmt.register["header_label"]))
        return []
    labels = {label_key(cellvalues.stored(raw, strings)[0]): c for c, raw in grid[header].items()}
    place = {col.key: labels.get(label_key(col.label)) for col in columns}
    for col in columns:
        if place[col.key] is None and col.required:
            out.findings.append(registered("REG-NO-COLUMN", file=out.file, sheet=sheet, cell=cell_ref(header, 1),
                                           label=col.label))
    rows = []
    for r in sorted(k for k in grid if k > header):
        raws = {col.key: grid[r].get(place[col.key]) for col in columns if place[col.key]}
        if all(cellvalues.stored(raw, strings)[0] in (None, "") for raw in raws.values()):
            continue  # an empty row (the register has room for thousands)
        row = Row(sheet, r, refs={k: cell_ref(r, place[k]) for k in raws})
        for col in columns:
            if place[col.key]:
                row.values[col.key] = _value(raws[col.key], col, row, package, layout, out, fmt)
        rows.append(row)
    return rows


def _value(raw, col: Column, row: Row, package, layout: RegisterLayout, out: Register, fmt: Format) -> Any:
    strings = package.shared_strings
    value, _ = cellvalues.stored(raw, strings)
    where = {"file": out.file, "sheet": row.sheet, "cell": row.refs[col.key], "labels": (col.label,)}
    if value not in (None, ""):
        out.unreadable.add((row.sheet, row.refs[col.key]))  # until it is understood below
    if value in (None, ""):
        if col.required:
            out.findings.append(registered("REG-EMPTY", label=col.label, **where))
        return None
    if col.kind == "date":
        cell = cellvalues.date(raw, strings, package.date1904)
        if isinstance(cell.value, dt.date):
            return _understood(out, row, col, cell.value)
        m = _DATE.match(str(value))
        if m:
            try:
                return _understood(out, row, col, dt.date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                pass
        out.findings.append(registered("REG-DATE", label=col.label, raw=str(value)[:30], **where))
        return None
    if col.kind in ("applicant", "result", "case_type", "case_result"):
        text = str(value).strip()
        found = layout.keyed(col.kind).get(label_key(text))
        if found is None:
            out.findings.append(registered("REG-LABEL", label=col.label, raw=text[:40],
                                           suggestion=_closest(text, list(layout.entries(col.kind))), **where))
            return None
        return _understood(out, row, col, found)
    if col.kind == "yesno":
        return _understood(out, row, col, str(value).strip() in fmt.register["yes"] or value is True)
    if col.kind == "count":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return _understood(out, row, col, value)
        out.findings.append(registered("REG-COUNT", label=col.label, raw=str(value)[:20], **where))
        return None
    return _understood(out, row, col, str(value).strip())


def _understood(out: Register, row: Row, col: Column, value: Any) -> Any:
    out.unreadable.discard((row.sheet, row.refs[col.key]))
    return value


def _closest(text: str, labels: list[str]) -> str:
    from rapidfuzz import fuzz, process

    best = process.extractOne(label_key(text), {label: label_key(label) for label in labels}, scorer=fuzz.ratio)
    return best[2] if best else labels[0]


def _consistency(out: Register, fmt: Format, today: dt.date) -> None:
    """Across the cells of a row, and across rows: 编号 used once, no date after today, dates in
    order, result and reply together."""
    layout = register_layout(fmt)
    dated = [(row, col) for rows, columns in ((out.applications, layout.columns), (out.cases, layout.case_columns))
             for row in rows for col in columns if col.kind == "date"]
    for row, col in dated:
        value = row.values.get(col.key)
        if isinstance(value, dt.date) and value > today:
            out.findings.append(registered("REG-FUTURE", file=out.file, sheet=row.sheet, cell=row.refs[col.key],
                                           label=col.label, date=value.isoformat(), today=today.isoformat()))
    seen: dict[str, Row] = {}
    for row in out.applications + out.cases:
        if row.id:
            key = f"{row.sheet}|{row.id}"
            if key in seen:
                out.findings.append(registered("REG-DUPLICATE-ID", file=out.file, sheet=row.sheet,
                                               cell=row.refs["id"], id=row.id, first=seen[key].row))
            else:
                seen[key] = row
    for row in out.applications:
        v = row.values
        received, replied = v.get("received"), v.get("replied")
        if received and replied and replied < received:
            out.findings.append(registered("REG-ORDER", file=out.file, sheet=row.sheet, cell=row.refs["replied"],
                                           replied=replied.isoformat(), received=received.isoformat()))
        if v.get("result") and not replied and _left_empty(out, row, "replied"):
            out.findings.append(registered("REG-NO-REPLY", file=out.file, sheet=row.sheet,
                                           cell=row.refs["replied"]))
        if replied and not v.get("result") and _left_empty(out, row, "result"):
            out.findings.append(registered("REG-NO-RESULT", file=out.file, sheet=row.sheet, cell=row.refs["result"]))
    for row in out.cases:
        received, closed = row.values.get("received"), row.values.get("closed")
        if received and closed and closed < received:
            out.findings.append(registered("REG-ORDER", file=out.file, sheet=row.sheet, cell=row.refs["closed"],
                                           replied=closed.isoformat(), received=received.isoformat()))


def _left_empty(out: Register, row: Row, key: str) -> bool:
    """The cell is there and was left empty (not typed with something unreadable: that has its own finding)."""
    return key in row.refs and (row.sheet, row.refs[key]) not in out.unreadable
