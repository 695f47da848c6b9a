"""The declaration's arithmetic identities (勾稽关系) as linear equations over table cells: a backend
of the one walker that keeps, of every check, only what must hold as an equality of sums.

``a + b == c + d`` becomes {a: 1, b: 1, c: -1, d: -1} = 0, ``row_total``/``column_total`` the
total minus its parts. A condition that is no such equality (an inequality, ``or``, ``not``, a
text test) gives none, so an equation always holds when the report is right — which lets the
importer ask which single cell a failing set of equations points at (:mod:`published.suspects`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ..format.declaration import Field, Format, IdentityField, TextField, load
from ..format.rules import TOTAL_PARTS, Check, checks
from ..format.walker import Walker

#: a linear form: coefficient per field key, and a constant
Form = tuple[dict[str, int], Decimal]


@dataclass(frozen=True)
class Equation:
    """``sum(coefficient × cell) + constant == 0``, from one check of the declaration."""

    check: Check
    terms: dict[str, int]
    constant: Decimal

    def residual(self, values: dict[str, Decimal]) -> Decimal:
        """How far the equation is from holding over ``values`` (every term's key must be in it)."""
        return sum((c * values[k] for k, c in self.terms.items()), self.constant)


class Linear(Walker):
    """Each condition as the equations it asserts (an empty list where it asserts none)."""

    def call(self, node: ast.Call) -> list[Equation] | None:
        name = node.func.id  # type: ignore[attr-defined]
        return super().call(node) if name in TOTAL_PARTS else []

    def all_of(self, parts: list) -> list:
        return [e for p in parts for e in p]

    def any_of(self, parts: list) -> list:
        return []

    def negate(self, part) -> list:
        return []

    def one_of(self, left, choices: list) -> list:
        return []

    def compare(self, left: Form | None, op: str, right: Form | None) -> list:
        difference = self.arithmetic(left, "-", right) if op == "=" else None
        if difference is None:
            return []
        terms, constant = difference
        return [({k: c for k, c in terms.items() if c}, constant)]

    def constant(self, value) -> Form | None:
        return ({}, Decimal(str(value))) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def minus(self, value: Form | None) -> Form | None:
        return None if value is None else ({k: -c for k, c in value[0].items()}, -value[1])

    def arithmetic(self, left: Form | None, op: str, right: Form | None) -> Form | None:
        if left is None or right is None:
            return None
        sign = 1 if op == "+" else -1
        terms = dict(left[0])
        for k, c in right[0].items():
            terms[k] = terms.get(k, 0) + sign * c
        return terms, left[1] + sign * right[1]

    def number(self, field: Field) -> Form:
        return {field.key: 1}, Decimal(0)

    def text(self, field: IdentityField | TextField) -> None:
        return None

    def call_row_total(self, total: Field, parts: list[str]) -> list:
        terms = {total.key: 1}
        for k in parts:
            terms[k] = terms.get(k, 0) - 1
        return [(terms, Decimal(0))]

    call_column_total = call_row_total


@cache
def equations(fmt: Format | None = None) -> tuple[Equation, ...]:
    """Every equation the declaration's checks assert, each with its check."""
    fmt = fmt or load()
    walker = Linear(fmt)
    return tuple(Equation(check, terms, constant) for check in checks(fmt)
                 for terms, constant in walker.condition(check.tree) if terms)
