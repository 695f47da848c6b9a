"""Rule conditions as worksheet formulas, for the template's live checks.

Only functions that Excel 2010+, WPS and LibreOffice all evaluate are emitted (SUM, LEN, TRIM,
ISNUMBER, SEARCH, MID, FIND, UPPER, MOD, INT, COUNT, COUNTA, COUNTIF, COUNTIFS,
COUNTBLANK, IFERROR, IF, AND, OR, NOT, DATE), Gnumeric evaluates them too, and no array formula
needs Ctrl+Shift+Enter. Nothing relies on array evaluation, which Gnumeric does not do for a
function over a range inside SUMPRODUCT, nor on array constants (``MID(x,{1,2},1)``): such sums are
written out one term per cell. :mod:`check.formulas` computes what each formula gives.
"""

from __future__ import annotations

from . import uscc
from .address import cell_ref, parse_ref, sheet_ref
from .declaration import Field, Format, IdentityField, Table, TextField
from .layout import Span, WorkbookLayout, input_ranges
from .walker import Walker


def text(value: str) -> str:
    """A string literal for a formula."""
    return '"' + value.replace('"', '""') + '"'


def status(condition: str, ok: str, fail: str) -> str:
    """The ✔/✘ cell of a check: an error inside the condition counts as a failure."""
    return f"IFERROR(IF({condition},{text(ok)},{text(fail)}),{text(fail)})"


class Translator(Walker):
    """Turns parsed rule conditions into formula text against one workbook layout.

    Every condition is a boolean formula expression and every value a scalar one, both without
    the leading '='.
    """

    def __init__(self, fmt: Format, layout: WorkbookLayout):
        super().__init__(fmt)
        self.layout = layout

    # -- references ---------------------------------------------------------------------------
    def ref(self, key: str) -> str:
        return self.layout.address(key)

    def _sheet_ranges(self, table: Table) -> list[tuple[str, str]]:
        """(absolute sheet-qualified range, type) for a table's input rectangles."""
        return [(f"{sheet_ref(table.sheet)}!{_abs_range(span)}", kind)
                for span, kind in input_ranges(table, self.layout)]

    # -- conditions ---------------------------------------------------------------------------
    def all_of(self, parts: list[str]) -> str:
        return f"AND({','.join(parts)})"  # an error in any part fails the check as a whole

    def any_of(self, parts: list[str]) -> str:
        # one part holding is enough, even where another cannot be computed (a blank code)
        return f"OR({','.join(f'IFERROR({p},FALSE)' for p in parts)})"

    def negate(self, part: str) -> str:
        return f"NOT({part})"

    def compare(self, left: str, op: str, right: str) -> str:
        return f"{left}{op}{right}"

    def one_of(self, left: str, choices: list[str]) -> str:
        return f"OR({','.join(f'{left}={c}' for c in choices)})"

    # -- values -------------------------------------------------------------------------------
    def constant(self, value) -> str:
        return text(value) if isinstance(value, str) else repr(value)

    def minus(self, value: str) -> str:
        return f"-{value}"

    def arithmetic(self, left: str, op: str, right: str) -> str:
        return f"({left}{op}{right})"

    def number(self, field: Field) -> str:
        """A number cell is read with SUM(), so text counts as 0 here (text in a number cell is
        S6's finding, not every identity's). Not N(): Gnumeric gives #NUM! for N() of an empty cell."""
        return f"SUM({self.ref(field.key)})"

    def text(self, field: IdentityField | TextField) -> str:
        return f"TRIM({self.ref(field.key)})"

    # -- functions ----------------------------------------------------------------------------
    def call_present(self, keys: list[str]) -> str:
        parts = [f"LEN(TRIM({self.ref(k)}))>0" for k in keys]
        return parts[0] if len(parts) == 1 else self.all_of(parts)

    def call_uscc(self, field: IdentityField) -> str:
        return uscc_formula(self.ref(field.key))

    def call_choice(self, field: IdentityField) -> str:
        ref = self.ref(field.key)
        return "OR(" + ",".join(f"{ref}={text(c)}" for c in field.choices) + ")"

    def call_year(self, field: IdentityField) -> str:
        """A number, or digits typed as text; "2025年" fails (the error → ✘)."""
        ref, first = self.ref(field.key), self.fmt.meta["first_year"]
        y = f"(--TRIM({ref}))"
        return f"AND(LEN(TRIM({ref}))=4,{y}=INT({y}),{y}>={first},{y}<=9999)"

    def call_date(self, field: IdentityField) -> str:
        ref = self.ref(field.key)
        return f"AND(ISNUMBER({ref}),{ref}>=DATE({self.fmt.meta['first_year']},1,1))"

    def call_mentions(self, keys: list[str], phrases: list[str]) -> str:
        return "OR(" + ",".join(f"ISNUMBER(SEARCH({text(p)},{self.ref(k)}))" for k in keys for p in phrases) + ")"

    def call_valid_cells(self, table: Table) -> str:
        return f"{self.bad_cell_count(table)}=0"

    def call_no_blanks(self, table: Table) -> str:
        return "+".join(f"COUNTBLANK({r})" for r, _ in self._sheet_ranges(table)) + "=0"

    def call_no_placeholders(self, table: Table) -> str:
        return f"{self._placeholder_count(table)}=0"

    def call_row_total(self, total: Field, parts: list[str]) -> str:
        sheet = sheet_ref(self.layout.locate(total.key)[0])
        spans = [self.layout.locate(k)[1] for k in parts]  # parts share the sheet
        return f"SUM({self.ref(total.key)})=SUM({','.join(f'{sheet}!{r}' for r in self.compact(spans))})"

    call_column_total = call_row_total

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
