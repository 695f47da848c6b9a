"""pandera schemas built from the declaration, validating many reports in one stacked frame.

Ranges (S6: no negatives, whole counts) are checked on a long frame of every input number (one row
per report and cell). The declared rules and narrative statements are dataframe checks on the wide
frame (one row per report, one column per field key), each a vectorised evaluation of the same
parsed condition the template turns into a worksheet formula. Failures come back as findings
located at the rule's cell of each failing report.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import math
import operator
import re
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..format import uscc
from ..format.declaration import Field, Format, load
from ..format.findings import Finding, registered, rule_message
from ..format.layout import workbook_layout
from ..format.rules import CELLWISE, TOTAL_PARTS, Check, cellwise, checks, marked_keys, resolve, top_call
from ..format.walker import Walker
from ..read.reader import Report
from . import narrative

_OPS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
TOLERANCE = 1e-6  # integer identities are exact; 万元 sums compare well inside 0.0001
_EVALUATOR: dict[str, Evaluator] = {}


class Evaluator(Walker):
    """Rule conditions over a stacked frame: each node becomes one numpy array (a value per report,
    in the frame's row order). Plain arrays, not Series: a chunk's few hundred reports make every
    pandas operation cost more in overhead than in arithmetic, and the rules take thousands of them.

    The cell-wise functions (:data:`format.rules.CELLWISE`: S6's and S7's checks of single cells)
    are decided where each cell is typed, by the reader (:mod:`read.values`) and :func:`cell_schema`:
    the frame holds a number or NaN, and a NaN may have been a blank, a text or an error value.
    """

    elsewhere = CELLWISE

    def __init__(self, fmt: Format, df: pd.DataFrame):
        super().__init__(fmt)
        self.df = df
        self._numbers: dict[str, np.ndarray] = {}
        self._texts: dict[str, np.ndarray] = {}
        self._said: dict[str, dict] = {}

    @classmethod
    def of(cls, fmt: Format, df: pd.DataFrame) -> Evaluator:
        """One evaluator per frame, so the many rule checks share their column conversions."""
        cached = _EVALUATOR.get("last")
        if cached is None or cached.df is not df:
            cached = _EVALUATOR["last"] = cls(fmt, df)
        return cached

    def disagreements(self, statement: narrative.Statement) -> dict:
        """A narrative statement's disagreements with this frame (the check and its findings share them)."""
        if statement.id not in self._said:
            self._said[statement.id] = narrative.disagreements(statement, self.df, self)
        return self._said[statement.id]

    def series(self, values: np.ndarray) -> pd.Series:
        """An evaluated node as a Series on the frame's index (the reports' positions)."""
        return pd.Series(values, index=self.df.index)

    def _column(self, key: str) -> np.ndarray:
        if key in self.df:
            return self.df[key].to_numpy(dtype=object)
        return np.full(len(self.df), None, dtype=object)

    def numbers(self, key: str) -> np.ndarray:
        """A field's column as floats, a blank (or text) as 0."""
        if key not in self._numbers:
            column = self.df[key] if key in self.df else None
            if column is not None and column.dtype == np.float64:  # the table fields, as stacked
                values = column.to_numpy(copy=True)
            else:
                values = pd.to_numeric(pd.Series(self._column(key)), errors="coerce").to_numpy(dtype=float)
            values[np.isnan(values)] = 0.0
            self._numbers[key] = values
        return self._numbers[key]

    def texts(self, key: str) -> np.ndarray:
        """A field's column as trimmed text, a blank as ""."""
        if key not in self._texts:
            self._texts[key] = np.array(["" if v is None or v != v else str(v).strip() for v in self._column(key)],
                                        dtype=object)
        return self._texts[key]

    # -- conditions -----------------------------------------------------------------------------
    def all_of(self, parts: list[np.ndarray]) -> np.ndarray:
        return functools.reduce(operator.and_, parts)

    def any_of(self, parts: list[np.ndarray]) -> np.ndarray:
        return functools.reduce(operator.or_, parts)

    def negate(self, part: np.ndarray) -> np.ndarray:
        return ~part

    def compare(self, left, op: str, right) -> np.ndarray:
        """Numbers compare within :data:`TOLERANCE` (万元 sums); text exactly."""
        if isinstance(left, np.ndarray) and left.dtype.kind == "f" and not isinstance(right, str):
            diff = left - right
            if op in ("=", "<>"):
                close = np.abs(diff) <= TOLERANCE
                return close if op == "=" else ~close
            return {"<": diff < -TOLERANCE, "<=": diff <= TOLERANCE,
                    ">": diff > TOLERANCE, ">=": diff >= -TOLERANCE}[op]
        return np.asarray(getattr(left, f"__{_OPS[op]}__")(right), dtype=bool)

    def one_of(self, left, choices: list) -> np.ndarray:
        return _isin(left, choices)

    # -- values ---------------------------------------------------------------------------------
    def constant(self, value):
        return value

    def minus(self, value):
        return -value

    def arithmetic(self, left, op: str, right):
        return left + right if op == "+" else left - right

    def number(self, field: Field) -> np.ndarray:
        return self.numbers(field.key)

    def text(self, field) -> np.ndarray:
        return self.texts(field.key)

    # -- functions ------------------------------------------------------------------------------
    def call_present(self, keys: list[str]) -> np.ndarray:
        ok = np.ones(len(self.df), dtype=bool)
        for key in keys:
            ok &= self.texts(key) != ""
        return ok

    def call_uscc(self, field) -> np.ndarray:
        return np.fromiter((isinstance(v, str) and uscc.is_valid(v) for v in self._column(field.key)), bool,
                           len(self.df))

    def call_choice(self, field) -> np.ndarray:
        return _isin(self.texts(field.key), field.choices)

    def call_year(self, field) -> np.ndarray:
        first = self.fmt.meta["first_year"]
        return np.fromiter((isinstance(v, int) and not isinstance(v, bool) and first <= v <= 9999
                            for v in self._column(field.key)), bool, len(self.df))

    def call_date(self, field) -> np.ndarray:
        since = dt.date(self.fmt.meta["first_year"], 1, 1)
        return np.fromiter((isinstance(v, dt.date) and v >= since for v in self._column(field.key)), bool,
                           len(self.df))

    def call_mentions(self, keys: list[str], phrases: list[str]) -> np.ndarray:
        pattern = re.compile("|".join(re.escape(p) for p in phrases))
        hit = np.zeros(len(self.df), dtype=bool)
        for key in keys:
            hit |= np.fromiter((pattern.search(v) is not None for v in self.texts(key)), bool, len(self.df))
        return hit

    def call_row_total(self, total: Field, parts: list[str]) -> np.ndarray:
        shown, summed = self.total_sides(total, parts)
        return np.abs(shown - summed) <= TOLERANCE

    call_column_total = call_row_total

    def total_sides(self, total: Field, parts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """A total as shown, and the sum of its parts."""
        summed = np.zeros(len(self.df))
        for k in parts:
            summed = summed + self.numbers(k)
        return self.numbers(total.key), summed

    def sides(self, check: Check) -> tuple[pd.Series, pd.Series] | None:
        """The two numbers a failing check compares, for its message (None when not numeric), as
        Series on the frame's index."""
        tree = check.tree
        fn = top_call(tree)
        if fn in TOTAL_PARTS:
            target = resolve(self.fmt, tree.args[0])  # type: ignore[attr-defined]
            total, parts = self.total_sides(target, getattr(target, TOTAL_PARTS[fn]))
            return self.series(total), self.series(parts)
        if isinstance(tree, ast.Compare) and not isinstance(tree.ops[0], (ast.In, ast.NotIn)):
            left, right = self.value(tree.left), self.value(tree.comparators[0])
            if isinstance(left, np.ndarray) and left.dtype.kind == "f":
                right = right if isinstance(right, np.ndarray) else np.full(len(left), right, dtype=float)
                return self.series(left), self.series(right)
        return None


def _isin(values: np.ndarray | float | str, choices: list) -> np.ndarray:
    """Which of ``values`` are among ``choices`` (exact, as pandas' isin compares)."""
    wanted = set()
    for c in choices:
        wanted.update(c.tolist() if isinstance(c, np.ndarray) else [c])
    values = values if isinstance(values, np.ndarray) else np.array([values])
    return np.fromiter((v in wanted for v in values.tolist()), bool, len(values))


def _rule_check(fmt: Format, check: Check) -> pa.Check:
    def evaluate(df: pd.DataFrame) -> pd.Series:
        evaluator = Evaluator.of(fmt, df)
        return evaluator.series(evaluator.condition(check.tree).astype(bool))

    # pandera keeps whole failing rows of a dataframe check (every column); one case tells that
    # the check failed, and the same function lists the failing reports (see validate). The checks
    # treat blanks themselves (a blank number counts 0): pandera's own NA handling (ignore_na) only
    # scanned the whole frame once more for every check
    return pa.Check(evaluate, name=check.id, error=check.id, n_failure_cases=1, ignore_na=False)


@cache
def cell_schema() -> pa.DataFrameSchema:
    """Types and ranges of every input number, on the long frame (one row per report and cell)."""
    return pa.DataFrameSchema(
        {
            "value": pa.Column(float, nullable=True, checks=[
                pa.Check(lambda s: s.isna() | (s >= 0), name="S6/negative", error="S6/negative")]),
            "integer": pa.Column(bool),
        },
        checks=[pa.Check(lambda d: ~d["integer"] | d["value"].isna() | (d["value"] % 1 == 0),
                         name="S6/fraction", error="S6/fraction")],
        strict=True, coerce=False,
    )


def _statement_check(fmt: Format, statement: narrative.Statement) -> pa.Check:
    def evaluate(df: pd.DataFrame) -> pd.Series:
        bad = Evaluator.of(fmt, df).disagreements(statement)
        return pd.Series([i not in bad for i in df.index], index=df.index)

    return pa.Check(evaluate, name=statement.id, error=statement.id, n_failure_cases=1, ignore_na=False)


@cache
def report_schema(fmt: Format | None = None) -> pa.DataFrameSchema:
    """The schema of the stacked frame (one row per report, one column per field): one check per
    declared rule and one per declared narrative statement."""
    fmt = fmt or load()
    rule_checks = [_rule_check(fmt, c) for c in checks(fmt) if not cellwise(c)]
    rule_checks += [_statement_check(fmt, s) for s in narrative.statements(fmt)]
    return pa.DataFrameSchema(checks=rule_checks, strict=False, coerce=False)


def cells(df: pd.DataFrame, fmt: Format) -> pd.DataFrame:
    """The long frame of input numbers (totals are R2/R3/R6's business): report, key, value; one row
    per report and cell, key by key (as ``melt`` lays it out)."""
    inputs = [f for f in fmt.table_fields if not f.is_total and f.key in df]
    keys = [f.key for f in inputs]
    rows = len(df)
    return pd.DataFrame({
        "key": np.repeat(np.array(keys, dtype=object), rows),
        "value": df[keys].to_numpy(dtype="float64").T.ravel(),
        "integer": np.repeat(np.array([fmt.types[f.type].integer for f in inputs], dtype=bool), rows),
        "report": np.tile(df.index.to_numpy(), len(keys)),
    })


def stack(reports: list[Report], fmt: Format) -> pd.DataFrame:
    """One row per readable report (index = position in ``reports``), one column per field met;
    the tables' numbers as float64 (NaN where a cell gave no number), every other field as the
    objects read (a year stays an int even where another report's year is blank)."""
    rows = [(i, r.values) for i, r in enumerate(reports) if r.readable]
    numeric = _numeric_keys(fmt)
    columns: dict[str, object] = {}
    for key in dict.fromkeys(k for _, values in rows for k in values):
        found = [values.get(key) for _, values in rows]
        if key in numeric:
            columns[key] = np.array([_float(v) for v in found], dtype="float64")
        else:  # kept as the Python values read: a blank year in one report must not turn the
            columns[key] = _objects(found)  # others' years into floats that the year rule refuses
    return pd.DataFrame(columns, index=pd.Index([i for i, _ in rows], dtype="int64"))


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@cache
def _numeric_keys(fmt: Format) -> frozenset[str]:
    return frozenset(f.key for f in fmt.table_fields)


def _float(value) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def validate(reports: list[Report], fmt: Format | None = None) -> list[Report]:
    """Run the schemas over all readable reports at once and add the findings to each report."""
    fmt = fmt or load()
    df = stack(reports, fmt)
    if df.empty:
        return reports
    layout = workbook_layout(fmt)
    long = cells(df, fmt)
    try:
        cell_schema().validate(long[["value", "integer"]], lazy=True)
    except pa.errors.SchemaErrors as exc:
        failed = exc.failure_cases[["check", "index"]].dropna().drop_duplicates()
        for name, index in failed.itertuples(index=False):
            row = long.loc[int(index)]
            _cell_finding(fmt, layout, str(name), str(row["key"]), int(row["report"]), reports)
    try:
        report_schema(fmt).validate(df, lazy=True)
        return reports
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["check", "index"]].dropna().drop_duplicates()
    by_id = {c.id: c for c in checks(fmt)}
    said = {s.id: s for s in narrative.statements(fmt)}
    evaluator = Evaluator.of(fmt, df)
    for name in dict.fromkeys(str(c) for c in cases["check"]):
        if name in by_id:
            check = by_id[name]
            passed = evaluator.condition(check.tree).astype(bool)
            _rule_findings(fmt, layout, evaluator, check, [int(i) for i in df.index[~passed]], reports)
        elif name in said:
            _statement_findings(fmt, layout, evaluator, said[name], reports)
    return reports


def _total_label(fmt: Format, check: Check) -> str:
    """The heading of the total a total check is about: the row's for row_total, else the column's."""
    target = resolve(fmt, check.tree.args[0])  # type: ignore[attr-defined]
    return target.row.label if top_call(check.tree) == "row_total" else target.column.label


def _statement_tables(fmt: Format, statement: narrative.Statement) -> set[str]:
    """The tables a narrative statement is compared with (the ``t3`` of ``t3.new.total``)."""
    tables = {t.key for t in fmt.tables}
    return {node.id for tree in statement.values for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in tables}


def _tables_of(fmt: Format, check: Check) -> set[str]:
    return {fmt.field(k).table for k in marked_keys(fmt, check) if isinstance(fmt.field(k), Field)}


def _rule_findings(fmt, layout, evaluator: Evaluator, check: Check, indexes: list[int],
                   reports: list[Report]) -> None:
    keys = marked_keys(fmt, check)
    sheet, span = layout.locate(keys[0])
    f = fmt.field(keys[0])
    labels = f.labels if isinstance(f, Field) else (getattr(f, "label", ""),)
    sides = evaluator.sides(check)
    tables = _tables_of(fmt, check)
    for i in indexes:
        report = reports[i]
        if tables & report.unread_tables:  # a table not read cannot break or satisfy a rule
            continue
        actual = expected = None
        message = f"未通过：{check.title}"
        if sides is not None:
            actual, expected = _plain(sides[0].loc[i]), _plain(sides[1].loc[i])
            names = (_total_label(fmt, check), "各项之和") if top_call(check.tree) in TOTAL_PARTS else ("左边", "右边")
            message += f"（{names[0]} {_num(actual)}，{names[1]} {_num(expected)}）"
        elif not isinstance(f, Field):
            actual = report.values.get(keys[0])
            message = rule_message(check.rule, check.title, "" if actual is None else actual)
        report.findings.append(Finding(
            check.code, check.severity, message, check.rule.hint, file=report.file, sheet=sheet,
            cell=span.ref, labels=tuple(labels), actual=actual, expected=expected,
            extra={"check": check.id, "cells": [layout.a1(k) for k in keys]}))


def _statement_findings(fmt, layout, evaluator: Evaluator, statement, reports) -> None:
    rule = next(r for r in fmt.rules if r.code == statement.code and not r.expr)
    tables = _statement_tables(fmt, statement)
    for index, found in evaluator.disagreements(statement).items():
        report = reports[index]
        if tables & report.unread_tables:  # a table not read says nothing of the text
            continue
        for s in found:
            sheet, span = layout.locate(s.key)
            table = " 或 ".join(_num(_plain(v)) for v in dict.fromkeys(s.table) if v == v)
            quote = s.sentence if len(s.sentence) <= 80 else s.sentence[:78] + "…"
            report.findings.append(Finding(
                rule.code, rule.severity, f"未通过：{rule.title}：正文“{quote}”写 {s.number}，应为 {table}",
                rule.hint, file=report.file, sheet=sheet, cell=span.ref,
                labels=(fmt.field(s.key).label,), actual=s.number, expected=_plain(s.table[0]),
                extra={"check": statement.id, "sentence": s.sentence}))


def _cell_finding(fmt, layout, key: str, column: str, index: int, reports: list[Report]) -> None:
    report = reports[index]
    f = fmt.field(column)
    sheet, span = layout.locate(column)
    raw = report.values.get(column)
    report.findings.append(registered(key, file=report.file, sheet=sheet, cell=span.ref, labels=f.labels,
                                      actual=raw, raw=_num(raw)))


def _plain(value):
    value = float(value)
    return int(value) if value.is_integer() else value


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)

