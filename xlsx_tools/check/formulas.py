"""What every formula of the template computes, evaluated in Python from the declaration.

:mod:`format.formula` turns each parsed rule condition into worksheet formula text; here the same
parsed conditions are walked over a workbook's cell contents with the spreadsheet's own rules
(:mod:`spreadsheet`: ``SUM`` of a cell reads text as 0, an error spreads
until ``IFERROR`` catches it), so the value written as a formula's cached value is the value a
spreadsheet shows after it recalculates. The live-check tests hold these values against
LibreOffice and Gnumeric, cell by cell.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Mapping
from typing import Any

from ..format import uscc
from ..format.declaration import Field, Format, IdentityField, Table, TextField
from ..format.layout import WorkbookLayout, check_cells, input_ranges
from ..format.rules import TOTAL_PARTS, Check, RuleError, checks, resolve, text_keys
from . import spreadsheet as ss

_COMPARE = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
#: a field's content when its cell holds the template's own total formula
COMPUTED = object()


class Live:
    """The template's formulas over one workbook's contents.

    ``contents`` maps field keys to cell contents (see :func:`spreadsheet.content`); a key that is
    missing is a blank cell, except a total, which then holds the template's own formula. A total
    mapped to a value holds that value instead (a number typed over the formula).
    """

    def __init__(self, fmt: Format, layout: WorkbookLayout, contents: Mapping[str, Any]):
        self.fmt, self.layout, self.contents = fmt, layout, contents
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

    # -- conditions (mirroring format.formula.Translator) ----------------------------------------------
    def condition(self, node: ast.expr) -> Any:
        """True, False or an :class:`spreadsheet.Error`, as the condition's formula gives."""
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return ss.both([self.condition(v) for v in node.values])
            return any(_caught(self.condition(v)) for v in node.values)  # OR(IFERROR(part,FALSE),…)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ss.negate(self.condition(node.operand))
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise RuleError(f"not a condition: {ast.unparse(node)}")

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return ss.add(0, self.value(node.operand), -1)
        if isinstance(node, ast.BinOp):
            return ss.add(self.value(node.left), self.value(node.right), 1 if isinstance(node.op, ast.Add) else -1)
        target = resolve(self.fmt, node)
        if isinstance(target, Field):
            return ss.range_sum([self.cell(target.key)])
        if isinstance(target, (IdentityField, TextField)):
            return ss.trim(self.cell(target.key))
        raise RuleError(f"not a value: {ast.unparse(node)}")

    def _compare(self, node: ast.Compare) -> Any:
        op, right = node.ops[0], node.comparators[0]
        left = self.value(node.left)
        if isinstance(op, (ast.In, ast.NotIn)):
            hit = ss.either([ss.compare(left, "=", self.value(e)) for e in right.elts])  # type: ignore[attr-defined]
            return hit if isinstance(op, ast.In) else ss.negate(hit)
        return ss.compare(left, _COMPARE[type(op)], self.value(right))

    def _call(self, node: ast.Call) -> Any:
        fn = node.func.id  # type: ignore[attr-defined]
        if fn == "mentions":
            first = node.args[0]
            targets = first.elts if isinstance(first, ast.Tuple) else [first]
            cells = [self.cell(k) for t in targets for k in text_keys(resolve(self.fmt, t))]
            phrases = [a.value for a in node.args[1:]]  # type: ignore[attr-defined]
            return any(ss.search(p, c) for c in cells for p in phrases)
        target = resolve(self.fmt, node.args[0])
        if fn == "present":
            parts = [ss.compare(ss.length(ss.trim(self.cell(k))), ">", 0) for k in text_keys(target)]
            return parts[0] if len(parts) == 1 else ss.both(parts)
        if fn == "valid_cells":
            return ss.compare(self.bad_cell_count(target), "=", 0)
        if fn == "no_blanks":
            return sum(ss.count_blank(cells) for cells, _ in self._ranges(target)) == 0
        if fn == "no_placeholders":
            return self._placeholder_count(target) == 0
        if fn in TOTAL_PARTS:
            parts = ss.range_sum([self.cell(k) for k in getattr(target, TOTAL_PARTS[fn])])
            return ss.compare(ss.range_sum([self.cell(target.key)]), "=", parts)
        value = self.cell(target.key)
        if fn == "uscc":
            return _uscc(value)
        if fn == "choice":
            return ss.either([ss.compare(value, "=", c) for c in target.choices])
        if fn == "year":
            return self._year(value)
        if fn == "date":
            since = ss.date_serial(self.fmt.meta["first_year"], 1, 1)
            return ss.both([ss.is_number(value), ss.compare(value, ">=", since)])
        raise RuleError(f"no evaluation for {fn}()")

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
