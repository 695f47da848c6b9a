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
    places: dict[str, int] = field(default_factory=dict)  # column key → its column number (shared by the sheet's rows)

    def ref(self, key: str) -> str:
        """The row's cell in that column (C7)."""
        return cell_ref(self.row, self.places[key])

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
    placed = [(col, place[col.key]) for col in columns if place[col.key]]
    places = {col.key: c for col, c in placed}
    rows = []
    for r in sorted(k for k in grid if k > header):
        line = grid[r]
        stored = [(col, line.get(c)) for col, c in placed]
        stored = [(col, raw, cellvalues.stored(raw, strings)[0] if raw is not None else None) for col, raw in stored]
        if all(value in (None, "") for _, _, value in stored):
            continue  # an empty row (the register has room for thousands)
        row = Row(sheet, r, places=places)
        for col, raw, value in stored:
            row.values[col.key] = _value(raw, value, col, row, package, layout, out, fmt)
        rows.append(row)
    return rows


def _value(raw, value, col: Column, row: Row, package, layout: RegisterLayout, out: Register, fmt: Format) -> Any:
    """The cell's value for counting (``value`` is what it stores); None with a finding when it cannot be
    counted."""
    if value in (None, ""):
        if col.required:
            out.findings.append(registered("REG-EMPTY", label=col.label, **_where(out, row, col)))
        return None
    strings = package.shared_strings
    if col.kind == "date":
        serial = cellvalues.serial_date(value, package.date1904)
        if serial is not None:
            return serial
        cell = cellvalues.date(raw, strings, package.date1904)
        if isinstance(cell.value, dt.date):
            return cell.value
        m = _DATE.match(str(value))
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        return _unreadable(out, row, col, "REG-DATE", raw=str(value)[:30])
    if col.kind in ("applicant", "result", "case_type", "case_result"):
        text = str(value).strip()
        found = layout.keyed(col.kind).get(label_key(text))
        if found is None:
            return _unreadable(out, row, col, "REG-LABEL", raw=text[:40],
                               suggestion=_closest(text, list(layout.entries(col.kind))))
        return found
    if col.kind == "yesno":
        return str(value).strip() in fmt.register["yes"] or value is True
    if col.kind == "count":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        return _unreadable(out, row, col, "REG-COUNT", raw=str(value)[:20])
    return str(value).strip()


def _where(out: Register, row: Row, col: Column) -> dict:
    return {"file": out.file, "sheet": row.sheet, "cell": row.ref(col.key), "labels": (col.label,)}


def _unreadable(out: Register, row: Row, col: Column, code: str, **facts) -> None:
    """A typed cell that cannot be counted: its finding, and its place remembered so that the row's other
    checks do not call it empty."""
    out.unreadable.add((row.sheet, row.ref(col.key)))
    out.findings.append(registered(code, label=col.label, **facts, **_where(out, row, col)))
    return None


def _closest(text: str, labels: list[str]) -> str:
    """The label to suggest for ``text``: among those containing what was typed (“部分” → “部分公开”)
    the most similar, else the most similar of all."""
    from rapidfuzz import fuzz, process

    typed = label_key(text)
    keys = {label: label_key(label) for label in labels}
    containing = {label: key for label, key in keys.items() if typed and typed in key}
    best = process.extractOne(typed, containing or keys, scorer=fuzz.ratio)
    return best[2] if best else labels[0]


def _consistency(out: Register, fmt: Format, today: dt.date) -> None:
    """Across the cells of a row, and across rows: 编号 used once, no date after today, dates in
    order, result and reply together."""
    layout = register_layout(fmt)
    for rows, columns in ((out.applications, layout.columns), (out.cases, layout.case_columns)):
        dated = [col for col in columns if col.kind == "date"]
        for row in rows:
            for col in dated:
                value = row.values.get(col.key)
                if value is not None and value > today:
                    out.findings.append(registered("REG-FUTURE", file=out.file, sheet=row.sheet,
                                                   cell=row.ref(col.key), label=col.label, date=value.isoformat(),
                                                   today=today.isoformat()))
    seen: dict[str, Row] = {}
    for row in out.applications + out.cases:
        if row.id:
            key = f"{row.sheet}|{row.id}"
            if key in seen:
                out.findings.append(registered("REG-DUPLICATE-ID", file=out.file, sheet=row.sheet,
                                               cell=row.ref("id"), id=row.id, first=seen[key].row))
            else:
                seen[key] = row
    label = {col.key: col.label for col in layout.columns}  # the declared names, in the messages
    for row in out.applications:
        v = row.values
        received, replied = v.get("received"), v.get("replied")
        if received and replied and replied < received:
            out.findings.append(registered("REG-ORDER", file=out.file, sheet=row.sheet, cell=row.ref("replied"),
                                           later=label["replied"], earlier=label["received"],
                                           replied=replied.isoformat(), received=received.isoformat()))
        pair = {"choice": label["result"], "date": label["replied"]}
        if v.get("result") and not replied and _left_empty(out, row, "replied"):
            out.findings.append(registered("REG-NO-REPLY", file=out.file, sheet=row.sheet,
                                           cell=row.ref("replied"), **pair))
        if replied and not v.get("result") and _left_empty(out, row, "result"):
            out.findings.append(registered("REG-NO-RESULT", file=out.file, sheet=row.sheet, cell=row.ref("result"),
                                           **pair))
    case_label = {col.key: col.label for col in layout.case_columns}
    for row in out.cases:
        received, closed = row.values.get("received"), row.values.get("closed")
        if received and closed and closed < received:
            out.findings.append(registered("REG-ORDER", file=out.file, sheet=row.sheet, cell=row.ref("closed"),
                                           later=case_label["closed"], earlier=case_label["received"],
                                           replied=closed.isoformat(), received=received.isoformat()))


def _left_empty(out: Register, row: Row, key: str) -> bool:
    """The cell is there and was left empty (not typed with something unreadable: that has its own finding)."""
    return key in row.places and (row.sheet, row.ref(key)) not in out.unreadable
