"""The one walker of the rule language: a parsed condition dispatched, node by node, to methods.

The declaration's conditions (:mod:`rules`) are turned into three things: the template's worksheet
formulas (:class:`format.formula.Translator`), the values those formulas show
(:class:`check.formulas.Live`) and vectorised checks over many reports
(:class:`check.schemas.Evaluator`). Each is a subclass of :class:`Walker`. The walker owns the
grammar (which node is a condition, a value, a reference or a call, and what a call's arguments
are); a backend owns only what each operator and each function becomes, one method each:

- conditions: :meth:`all_of`, :meth:`any_of`, :meth:`negate`, :meth:`compare`, :meth:`one_of`;
- values: :meth:`constant`, :meth:`minus`, :meth:`arithmetic`, :meth:`number`, :meth:`text`;
- functions: ``call_<name>`` for each name of :data:`rules.FUNCTIONS`.

A new worksheet function in the language is therefore one ``call_`` method per backend;
``tests/test_walker.py`` fails while any backend lacks one the declaration uses.
"""

from __future__ import annotations

import ast
from typing import Any

from .declaration import Field, Format, IdentityField, Table, TextField
from .rules import FUNCTIONS, TOTAL_PARTS, RuleError, resolve, text_keys

#: comparison operators by node type, spelt as a worksheet formula spells them
OPERATORS = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


class Walker:
    """A backend of the rule language: subclasses say what each operator and function becomes.

    ``elsewhere`` names functions a backend leaves, by design, to another part of the pipeline
    (the stacked checks leave the cell-wise functions to the reader, which types each cell).
    """

    elsewhere: frozenset[str] = frozenset()

    def __init__(self, fmt: Format):
        self.fmt = fmt

    # -- the grammar ----------------------------------------------------------------------------
    def condition(self, node: ast.expr) -> Any:
        """What a condition becomes in this backend."""
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v) for v in node.values]
            return self.all_of(parts) if isinstance(node.op, ast.And) else self.any_of(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.negate(self.condition(node.operand))
        if isinstance(node, ast.Compare):
            op, right = node.ops[0], node.comparators[0]
            left = self.value(node.left)
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, ast.Tuple):
                    raise RuleError(f"'in' needs a tuple: {ast.unparse(node)}")
                hit = self.one_of(left, [self.value(e) for e in right.elts])
                return hit if isinstance(op, ast.In) else self.negate(hit)
            return self.compare(left, OPERATORS[type(op)], self.value(right))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise RuleError(f"not a condition: {ast.unparse(node)}")

    def value(self, node: ast.expr) -> Any:
        """What a value (a constant, a sum or difference, a field) becomes in this backend."""
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.minus(self.value(node.operand))
        if isinstance(node, ast.BinOp):
            return self.arithmetic(self.value(node.left), "+" if isinstance(node.op, ast.Add) else "-",
                                   self.value(node.right))
        target = resolve(self.fmt, node)
        if isinstance(target, Field):
            return self.number(target)
        if isinstance(target, (IdentityField, TextField)):
            return self.text(target)
        raise RuleError(f"not a value: {ast.unparse(node)}")

    def call(self, node: ast.Call) -> Any:
        """A function call, its arguments resolved as the function's kind says."""
        fn = node.func.id  # type: ignore[attr-defined]
        if fn not in FUNCTIONS:
            raise RuleError(f"unknown function {fn}()")
        method = getattr(self, f"call_{fn}")
        if fn == "mentions":
            first = node.args[0]
            targets = first.elts if isinstance(first, ast.Tuple) else [first]
            keys = [k for t in targets for k in text_keys(resolve(self.fmt, t))]
            return method(keys, [a.value for a in node.args[1:]])  # type: ignore[attr-defined]
        target = resolve(self.fmt, node.args[0])
        if fn == "present":
            return method(text_keys(target))
        if fn in TOTAL_PARTS:
            return method(target, list(getattr(target, TOTAL_PARTS[fn])))
        return method(target)

    # -- conditions -----------------------------------------------------------------------------
    def all_of(self, parts: list) -> Any:
        """``a and b …``: an error in any part fails the whole."""
        raise self._missing("and")

    def any_of(self, parts: list) -> Any:
        """``a or b …``: one part holding is enough, even where another cannot be computed."""
        raise self._missing("or")

    def negate(self, part: Any) -> Any:
        """``not a`` (and ``x not in (…)``)."""
        raise self._missing("not")

    def compare(self, left: Any, op: str, right: Any) -> Any:
        """``left op right``, ``op`` as a worksheet spells it (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``)."""
        raise self._missing("comparison")

    def one_of(self, left: Any, choices: list) -> Any:
        """``left in (a, b, …)``."""
        raise self._missing("in")

    # -- values ---------------------------------------------------------------------------------
    def constant(self, value: Any) -> Any:
        raise self._missing("a constant")

    def minus(self, value: Any) -> Any:
        raise self._missing("unary minus")

    def arithmetic(self, left: Any, op: str, right: Any) -> Any:
        """``left + right`` or ``left - right``."""
        raise self._missing(op)

    def number(self, field: Field) -> Any:
        """A table cell as a number (text in it counts 0, as SUM counts it)."""
        raise self._missing("a number field")

    def text(self, field: IdentityField | TextField) -> Any:
        """An identity or text field as trimmed text."""
        raise self._missing("a text field")

    # -- the declared functions -----------------------------------------------------------------
    def call_present(self, keys: list[str]) -> Any:
        """Every one of ``keys`` (a field, or a section's parts) is filled."""
        raise self._missing("present()")

    def call_uscc(self, field: IdentityField) -> Any:
        """A 统一社会信用代码 of 18 characters whose check character is right."""
        raise self._missing("uscc()")

    def call_choice(self, field: IdentityField) -> Any:
        """One of the field's declared choices."""
        raise self._missing("choice()")

    def call_year(self, field: IdentityField) -> Any:
        """A four-digit year from the format's first year on."""
        raise self._missing("year()")

    def call_date(self, field: IdentityField) -> Any:
        """A date from the format's first year on."""
        raise self._missing("date()")

    def call_mentions(self, keys: list[str], phrases: list[str]) -> Any:
        """Any of the text ``keys`` contains any of ``phrases``."""
        raise self._missing("mentions()")

    def call_valid_cells(self, table: Table) -> Any:
        """Every input cell of the table holds a well-typed value (or is blank)."""
        raise self._missing("valid_cells()")

    def call_no_blanks(self, table: Table) -> Any:
        """No input cell of the table is blank."""
        raise self._missing("no_blanks()")

    def call_no_placeholders(self, table: Table) -> Any:
        """No number cell holds a placeholder ("—", "/", "无") instead of 0."""
        raise self._missing("no_placeholders()")

    def call_row_total(self, total: Field, parts: list[str]) -> Any:
        """A total row's cell equals the sum of ``parts`` down its column."""
        raise self._missing("row_total()")

    def call_column_total(self, total: Field, parts: list[str]) -> Any:
        """A total column's cell equals the sum of ``parts`` across its row."""
        raise self._missing("column_total()")

    def _missing(self, what: str) -> RuleError:
        return RuleError(f"{type(self).__name__} has no translation for {what}")


def implemented(backend: type[Walker]) -> set[str]:
    """The declared functions a backend class gives a method of its own."""
    return {fn for fn in FUNCTIONS if getattr(backend, f"call_{fn}") is not getattr(Walker, f"call_{fn}")}


def used_functions(trees: list[ast.expr]) -> set[str]:
    """The functions called anywhere in ``trees``."""
    return {n.func.id for t in trees for n in ast.walk(t)  # type: ignore[attr-defined]
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
