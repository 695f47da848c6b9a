"""What every formula of the template computes, evaluated in Python from the declaration.

:mod:`format.formula` turns each parsed rule condition into worksheet formula text; here the same
parsed conditions are walked over a workbook's cell contents with the spreadsheet's own rules
(:mod:`spreadsheet`: ``SUM`` of a cell reads text as 0, an error spreads
until ``IFERROR`` catches it), so the value written as a formula's cached value is the value a
spreadsheet shows after it recalculates. The live-check tests hold these values against
LibreOffice and Gnumeric, cell by cell.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from ..format import uscc
from ..format.declaration import Field, Format, IdentityField, Table, TextField
from ..format.layout import WorkbookLayout, check_cells, input_ranges
from ..format.rules import Check, checks
from ..format.walker import Walker
from . import spreadsheet as ss

#: a field's content when its cell holds the template's own total formula
COMPUTED = object()


class Live(Walker):
    """The template's formulas over one workbook's contents.

    ``contents`` maps field keys to cell contents (see :func:`spreadsheet.content`); a key that is
    missing is a blank cell, except a total, which then holds the template's own formula. A total
    mapped to a value holds that value instead (a number typed over the formula).
    """

    def __init__(self, fmt: Format, layout: WorkbookLayout, contents: Mapping[str, Any]):
        super().__init__(fmt)
        self.layout, self.contents = layout, contents
        self._totals: dict[str, Any] = {}
        self._at = {(sheet, span.row, span.col): key for key, (sheet, span) in layout.cells.items()}

    # -- cells ------------------------------------------------------------------------------------
    def cell(self, key: str) -> Any:
        """What a field's cell shows: its content, or the sum its total formula computes."""
        f = self.fmt.field(key)
        value = self.contents.get(key, COMPUTED if isinstance(f, Field) and f.is_total else None)
        if value is not COMPUTED:
            return value
        if key not in self._totals:
            self._totals[key] = ss.range_sum([self.cell(k) for k in f.total_of])  # type: ignore[union-attr]
        return self._totals[key]

    def _ranges(self, table: Table) -> list[tuple[list[Any], str]]:
        """The contents of each input rectangle of a table, with the rectangle's type."""
        out = []
        for span, kind in input_ranges(table, self.layout):
            cells = [self.cell(self._at[(table.sheet, r, c)])
                     for r in range(span.row, span.last_row + 1) for c in range(span.col, span.last_col + 1)]
            out.append((cells, kind))
        return out

    # -- conditions, as format.formula.Translator writes them ---------------------------------------
    def all_of(self, parts: list) -> Any:
        return ss.both(parts)

    def any_of(self, parts: list) -> Any:
        return any(_caught(p) for p in parts)  # OR(IFERROR(part,FALSE),…)

    def negate(self, part: Any) -> Any:
        return ss.negate(part)

    def compare(self, left: Any, op: str, right: Any) -> Any:
        return ss.compare(left, op, right)

    def one_of(self, left: Any, choices: list) -> Any:
        return ss.either([ss.compare(left, "=", c) for c in choices])

    # -- values -------------------------------------------------------------------------------------
    def constant(self, value: Any) -> Any:
        return value

    def minus(self, value: Any) -> Any:
        return ss.add(0, value, -1)

    def arithmetic(self, left: Any, op: str, right: Any) -> Any:
        return ss.add(left, right, 1 if op == "+" else -1)

    def number(self, field: Field) -> Any:
        return ss.range_sum([self.cell(field.key)])

    def text(self, field: IdentityField | TextField) -> Any:
        return ss.trim(self.cell(field.key))

    # -- functions ----------------------------------------------------------------------------------
    def call_present(self, keys: list[str]) -> Any:
        parts = [ss.compare(ss.length(ss.trim(self.cell(k))), ">", 0) for k in keys]
        return parts[0] if len(parts) == 1 else ss.both(parts)

    def call_uscc(self, field: IdentityField) -> Any:
        return _uscc(self.cell(field.key))

    def call_choice(self, field: IdentityField) -> Any:
        return ss.either([ss.compare(self.cell(field.key), "=", c) for c in field.choices])

    def call_year(self, field: IdentityField) -> Any:
        return self._year(self.cell(field.key))

    def call_date(self, field: IdentityField) -> Any:
        value, since = self.cell(field.key), ss.date_serial(self.fmt.meta["first_year"], 1, 1)
        return ss.both([ss.is_number(value), ss.compare(value, ">=", since)])

    def call_mentions(self, keys: list[str], phrases: list[str]) -> Any:
        return any(ss.search(p, self.cell(k)) for k in keys for p in phrases)

    def call_valid_cells(self, table: Table) -> Any:
        return ss.compare(self.bad_cell_count(table), "=", 0)

    def call_no_blanks(self, table: Table) -> Any:
        return sum(ss.count_blank(cells) for cells, _ in self._ranges(table)) == 0

    def call_no_placeholders(self, table: Table) -> Any:
        return self._placeholder_count(table) == 0

    def call_row_total(self, total: Field, parts: list[str]) -> Any:
        summed = ss.range_sum([self.cell(k) for k in parts])
        return ss.compare(ss.range_sum([self.cell(total.key)]), "=", summed)

    call_column_total = call_row_total

    def _year(self, value: Any) -> Any:
        """``AND(LEN(TRIM(x))=4, y=INT(y), y>=first, y<=9999)`` with ``y = --TRIM(x)``."""
        trimmed = ss.trim(value)
        y = ss.to_number(trimmed)
        whole = y if ss.is_error(y) else ss.compare(y, "=", int(y // 1))
        return ss.both([ss.compare(ss.length(trimmed), "=", 4), whole,
                        ss.compare(y, ">=", self.fmt.meta["first_year"]), ss.compare(y, "<=", 9999)])

    def _placeholder_count(self, table: Table) -> int:
        return sum(ss.count_equal_text(cells, p) for cells, _ in self._ranges(table) for p in self.fmt.placeholders)

    def bad_cell_count(self, table: Table) -> Any:
        """How many input cells hold text (placeholders aside), errors, negatives or fractions."""
        total = -self._placeholder_count(table)
        for cells, kind in self._ranges(table):
            total += ss.count_filled(cells) - ss.count_numbers(cells) + ss.count_below_zero(cells)
            if self.fmt.types[kind].integer:
                fractions = ss.fractions(cells)
                total += 0 if ss.is_error(fractions) else fractions  # IFERROR(…,0)
        return total

    # -- the 校验 sheet ---------------------------------------------------------------------------
    def status(self, check: Check) -> str:
        """``IFERROR(IF(condition, ✔, ✘), ✘)``."""
        return self.fmt.marks["ok"] if _caught(self.condition(check.tree)) is True else self.fmt.marks["fail"]

    def values(self) -> dict[tuple[str, int, int], Any]:
        """(sheet, row, column) → value of every formula cell the template writes: the totals,
        each check's ✔/✘, the summary line and the banner."""
        fmt = self.fmt
        out: dict[tuple[str, int, int], Any] = {}
        for f in fmt.table_fields:
            if f.is_total and self.contents.get(f.key, COMPUTED) is COMPUTED:
                sheet, span = self.layout.locate(f.key)
                out[(sheet, span.row, span.col)] = self.cell(f.key)
        at, sheet = check_cells(fmt), fmt.checks["sheet"]
        failed = {s: 0 for s in fmt.severities}
        for n, check in enumerate(checks(fmt)):
            shown = self.status(check)
            out[(sheet, at.first + n, at.status_col)] = shown
            failed[check.severity] += shown == fmt.marks["fail"]
        counts = {name: failed[name] for _, name, _, _ in string.Formatter().parse(fmt.checks["summary"]) if name}
        out[(sheet, *at.summary)] = fmt.checks["summary"].format(**counts)
        out[(sheet, *at.banner)] = fmt.checks["ready" if failed["error"] == 0 else "not_ready"]
        return out


def _caught(value: Any) -> Any:
    """``IFERROR(value, FALSE)``."""
    return False if ss.is_error(value) else value


def _uscc(value: Any) -> Any:
    """:func:`format.formula.uscc_formula`: length 18 and the check character right; a character
    outside the alphabet is FIND's error."""
    code = ss.trim(value)
    if ss.is_error(code):
        return code
    code = code.upper()
    total = 0
    for i, weight in enumerate(uscc.WEIGHTS, 1):
        at = ss.find_position(ss.mid(code, i, 1), uscc.ALPHABET)
        if ss.is_error(at):
            return at
        total += (at - 1) * weight
    check = ss.mid(uscc.ALPHABET, (31 - total % 31) % 31 + 1, 1)
    return ss.both([len(code) == 18, ss.compare(check, "=", ss.mid(code, 18, 1))])
