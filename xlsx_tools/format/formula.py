"""Rule conditions as worksheet formulas, for the template's live checks.

Only functions that Excel 2010+, WPS and LibreOffice all evaluate are emitted (SUM, LEN, TRIM,
ISNUMBER, SEARCH, MID, FIND, UPPER, MOD, INT, COUNT, COUNTA, COUNTIF, COUNTIFS,
COUNTBLANK, IFERROR, IF, AND, OR, NOT, DATE), Gnumeric evaluates them too, and no array formula
needs Ctrl+Shift+Enter. Nothing relies on array evaluation, which Gnumeric does not do for a
function over a range inside SUMPRODUCT, nor on array constants (``MID(x,{1,2},1)``): such sums are
written out one term per cell. :mod:`check.formulas` computes what each formula gives.
"""

from __future__ import annotations

import ast

from . import uscc
from .address import cell_ref, parse_ref, sheet_ref
from .declaration import Field, Format, IdentityField, Table, TextField
from .layout import Span, WorkbookLayout, input_ranges
from .rules import TOTAL_PARTS, RuleError, resolve, text_keys

_COMPARE = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def text(value: str) -> str:
    """A string literal for a formula."""
    return '"' + value.replace('"', '""') + '"'


def status(condition: str, ok: str, fail: str) -> str:
    """The ✔/✘ cell of a check: an error inside the condition counts as a failure."""
    return f"IFERROR(IF({condition},{text(ok)},{text(fail)}),{text(fail)})"


class Translator:
    """Turns parsed rule conditions into formula text against one workbook layout."""

    def __init__(self, fmt: Format, layout: WorkbookLayout):
        self.fmt = fmt
        self.layout = layout

    # -- references ---------------------------------------------------------------------------
    def ref(self, key: str) -> str:
        return self.layout.address(key)

    def _sheet_ranges(self, table: Table) -> list[tuple[str, str]]:
        """(absolute sheet-qualified range, type) for a table's input rectangles."""
        return [(f"{sheet_ref(table.sheet)}!{_abs_range(span)}", kind)
                for span, kind in input_ranges(table, self.layout)]

    # -- expressions --------------------------------------------------------------------------
    def condition(self, node: ast.expr) -> str:
        """A boolean formula expression (without the leading '=')."""
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):  # an error in any part fails the check as a whole
                return f"AND({','.join(self.condition(v) for v in node.values)})"
            # one part holding is enough, even where another cannot be computed (a blank code)
            return f"OR({','.join(f'IFERROR({self.condition(v)},FALSE)' for v in node.values)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"NOT({self.condition(node.operand)})"
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise RuleError(f"not a condition: {ast.unparse(node)}")

    def value(self, node: ast.expr) -> str:
        """A scalar formula expression: a number cell is read with SUM(), so text counts as 0 here
        (text in a number cell is S6's finding, not every identity's). Not N(): Gnumeric gives
        #NUM! for N() of an empty cell."""
        if isinstance(node, ast.Constant):
            return text(node.value) if isinstance(node.value, str) else repr(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return f"-{self.value(node.operand)}"
        if isinstance(node, ast.BinOp):
            op = "+" if isinstance(node.op, ast.Add) else "-"
            return f"({self.value(node.left)}{op}{self.value(node.right)})"
        target = resolve(self.fmt, node)
        if isinstance(target, Field):
            return f"SUM({self.ref(target.key)})"
        if isinstance(target, (IdentityField, TextField)):
            return f"TRIM({self.ref(target.key)})"
        raise RuleError(f"not a value: {ast.unparse(node)}")

    def _compare(self, node: ast.Compare) -> str:
        op, right = node.ops[0], node.comparators[0]
        left = self.value(node.left)
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(right, ast.Tuple):
                raise RuleError(f"'in' needs a tuple: {ast.unparse(node)}")
            any_of = f"OR({','.join(f'{left}={self.value(e)}' for e in right.elts)})"
            return any_of if isinstance(op, ast.In) else f"NOT({any_of})"
        return f"{left}{_COMPARE[type(op)]}{self.value(right)}"

    def _call(self, node: ast.Call) -> str:
        fn = node.func.id  # type: ignore[attr-defined]
        if fn == "mentions":
            first = node.args[0]
            targets = first.elts if isinstance(first, ast.Tuple) else [first]
            cells = [self.ref(k) for t in targets for k in text_keys(resolve(self.fmt, t))]
            phrases = [a.value for a in node.args[1:]]  # type: ignore[attr-defined]
            return "OR(" + ",".join(
                f"ISNUMBER(SEARCH({text(p)},{c}))" for c in cells for p in phrases
            ) + ")"
        target = resolve(self.fmt, node.args[0])
        if fn == "present":
            refs = [self.ref(k) for k in text_keys(target)]
            parts = [f"LEN(TRIM({r}))>0" for r in refs]
            return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"
        if fn == "valid_cells":
            return f"{self.bad_cell_count(target)}=0"
        if fn == "no_blanks":
            return "+".join(f"COUNTBLANK({r})" for r, _ in self._sheet_ranges(target)) + "=0"
        if fn == "no_placeholders":
            return f"{self._placeholder_count(target)}=0"
        if fn in TOTAL_PARTS:
            sheet = sheet_ref(self.layout.locate(target.key)[0])
            parts = getattr(target, TOTAL_PARTS[fn])
            spans = [self.layout.locate(k)[1] for k in parts]  # parts share the sheet
            parts = ",".join(f"{sheet}!{r}" for r in self.compact(spans))
            return f"SUM({self.ref(target.key)})=SUM({parts})"
        ref = self.ref(target.key)
        if fn == "uscc":
            return uscc_formula(ref)
        if fn == "choice":
            return "OR(" + ",".join(f"{ref}={text(c)}" for c in target.choices) + ")"
        if fn == "year":  # a number, or digits typed as text; "2025年" fails (the error → ✘)
            first = self.fmt.meta["first_year"]
            y = f"(--TRIM({ref}))"
            return f"AND(LEN(TRIM({ref}))=4,{y}=INT({y}),{y}>={first},{y}<=9999)"
        if fn == "date":
            return f"AND(ISNUMBER({ref}),{ref}>=DATE({self.fmt.meta['first_year']},1,1))"
        raise RuleError(f"no formula for {fn}()")

    def _placeholder_count(self, table: Table) -> str:
        return "(" + "+".join(f"COUNTIF({r},{text(p)})" for r, _ in self._sheet_ranges(table)
                              for p in self.fmt.placeholders) + ")"

    def total_formula(self, f: Field) -> str:
        """The template's own formula for a total cell (without '='), e.g. ``SUM($D$6:$I$6)``."""
        sheet = self.layout.sheet(self.fmt.table(f.table).sheet)
        return f"SUM({','.join(self.compact([sheet.cells[k] for k in f.total_of]))})"

    def bad_cell_count(self, table: Table) -> str:
        """How many input cells hold text (placeholders aside), errors, negatives or fractions."""
        terms = [f"-{self._placeholder_count(table)}"]
        for r, kind in self._sheet_ranges(table):
            terms.append(f"COUNTA({r})-COUNT({r})+COUNTIF({r},\"<0\")")
            if self.fmt.types[kind].integer:
                terms.append(f"IFERROR({self._fractions(r)},0)")
        return "(" + "+".join(terms) + ")"

    def _fractions(self, sheet_range: str) -> str:
        """How many cells of a range hold a fraction, one explicit term per cell: MOD over a range
        inside SUMPRODUCT is an array operation in Excel and LibreOffice but not in Gnumeric. Text
        counts as 0 here (SUM of a cell skips it; it is counted as text); an error value fails the
        sum, which the caller's IFERROR turns into 0 (the error is counted by COUNTA-COUNT)."""
        sheet, _, rng = sheet_range.partition("!")
        first, _, last = rng.replace("$", "").partition(":")
        (r0, c0), (r1, c1) = parse_ref(first), parse_ref(last or first)
        return "(" + "+".join(f"(MOD(SUM({sheet}!{cell_ref(r, c, True)}),1)<>0)"
                              for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)) + ")"

    @staticmethod
    def compact(spans: list[Span]) -> list[str]:
        """Cell ranges of one sheet, consecutive cells down a column or along a row joined."""
        runs: list[list] = []  # first span, last span, step
        for span in spans:
            if runs:
                first, last, step = runs[-1]
                d = (span.row - last.row, span.col - last.col)
                if d in ((1, 0), (0, 1)) and step in (None, d):
                    runs[-1] = [first, span, d]
                    continue
            runs.append([span, span, None])
        return [_abs_range(Span(a.row, a.col, b.row, b.col)) for a, b, _ in runs]

    # -- per-cell marks -----------------------------------------------------------------------
    def cell_rule(self, fn: str, table: Table) -> list[tuple[Span, str]]:
        """Conditional-format formulas (relative to each range's top-left cell) for cell-wise
        rules: ``valid_cells`` marks each bad cell, ``no_blanks`` each blank cell once the table
        has been started (so a fresh template is not all orange)."""
        out = []
        ranges = input_ranges(table, self.layout)
        started = "COUNTA(" + ",".join(_abs_range(s) for s, _ in ranges) + ")>0"
        for span, kind in ranges:
            x = cell_ref(span.row, span.col)
            placeholder = "OR(" + ",".join(f"{x}={text(p)}" for p in self.fmt.placeholders) + ")"
            if fn == "valid_cells":
                bad = f"OR({x}<0,{x}<>INT({x}))" if self.fmt.types[kind].integer else f"{x}<0"
                out.append((span, f"IF(ISNUMBER({x}),{bad},AND(LEN({x})>0,NOT({placeholder})))"))
            elif fn == "no_placeholders":
                out.append((span, f"AND(NOT(ISNUMBER({x})),{placeholder})"))
            else:
                out.append((span, f"AND(LEN({x})=0,{started})"))
        return out


def _abs_range(span: Span) -> str:
    first = cell_ref(span.row, span.col, True)
    if (span.row, span.col) == (span.last_row, span.last_col):
        return first
    return f"{first}:{cell_ref(span.last_row, span.last_col, True)}"


def uscc_formula(ref: str) -> str:
    """GB 32100-2015 in one worksheet formula: 18 characters whose check character matches.

    The weighted sum is written as seventeen explicit terms: an array constant inside SUMPRODUCT
    (``MID(code,{1,…,17},1)``) is evaluated differently by Gnumeric. A character outside the
    alphabet makes FIND fail, which the caller's IFERROR turns into ✘.
    """
    alphabet = text(uscc.ALPHABET)
    code = f"UPPER(TRIM({ref}))"
    total = "+".join(f"(FIND(MID({code},{i},1),{alphabet})-1)*{w}" for i, w in enumerate(uscc.WEIGHTS, 1))
    return (
        f"AND(LEN({code})=18,"
        f"MID({alphabet},MOD(31-MOD({total},31),31)+1,1)=MID({code},18,1))"
    )
