"""The one walker of the rule language and its three backends: the template's formulas
(Translator), the values those formulas show (Live) and the stacked checks of many reports
(Evaluator). Every backend covers every function the declaration uses; a backend that lacks one is
found; and the backends agree with the cases' hand-written expectations."""

from __future__ import annotations

import ast

import pytest
from fills import correct_values
from livecases import CASES, ERROR_CASES, case_values

from xlsx_tools.check import spreadsheet as ss
from xlsx_tools.check.formulas import Live
from xlsx_tools.check.schemas import Evaluator, report_schema
from xlsx_tools.format.declaration import load
from xlsx_tools.format.formula import Translator
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.format.rules import CELLWISE, FUNCTIONS, RuleError, cellwise, checks
from xlsx_tools.format.walker import Walker, implemented, used_functions

BACKENDS = [Translator, Live, Evaluator]


def _declared_functions() -> set[str]:
    return used_functions([c.tree for c in checks(load())])


def test_the_declaration_uses_functions_of_the_language_only():
    used = _declared_functions()
    assert used <= set(FUNCTIONS)
    assert {"row_total", "column_total", "mentions", "uscc", "valid_cells"} <= used  # the walk sees nested calls


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.__name__)
def test_every_backend_covers_every_function_the_declaration_uses(backend):
    missing = _declared_functions() - backend.elsewhere - implemented(backend)
    assert missing == set(), f"{backend.__name__} lacks call_{sorted(missing)}"


def test_only_the_stacked_checks_leave_functions_elsewhere_and_only_the_cellwise_ones():
    """The frame holds a number or NaN per cell, so the cell-wise functions are the reader's: the
    schema hands none of their checks to the Evaluator, and they only ever stand alone."""
    assert Translator.elsewhere == Live.elsewhere == frozenset()
    assert Evaluator.elsewhere == CELLWISE
    fmt = load()
    for check in checks(fmt):
        inner = used_functions([check.tree]) & CELLWISE
        assert not inner or cellwise(check), check.id  # never nested inside a larger condition
    handed = {c.name for c in report_schema(fmt).checks}
    assert not {c.id for c in checks(fmt) if cellwise(c)} & handed
    assert {c.id for c in checks(fmt) if not cellwise(c)} <= handed


def test_a_backend_lacking_a_function_is_found():
    class Partial(Translator):
        call_year = Walker.call_year

    assert "year" not in implemented(Partial)
    assert _declared_functions() - implemented(Partial) == {"year"}
    fmt = load()
    i4 = next(c for c in checks(fmt) if c.code == "I4")
    with pytest.raises(RuleError, match=r"Partial has no translation for year\(\)"):
        Partial(fmt, workbook_layout(fmt)).condition(i4.tree)


def test_the_walker_refuses_what_the_language_does_not_have():
    fmt = load()
    walker = Translator(fmt, workbook_layout(fmt))
    with pytest.raises(RuleError):
        walker.condition(ast.parse("t3.new.total * 2", mode="eval").body)
    with pytest.raises(RuleError):
        walker.call(ast.parse("eval(t3.new.total)", mode="eval").body)


def test_one_condition_through_the_three_backends():
    """R1 for the 自然人 column as a formula, as the value it shows and over a stacked frame."""
    import pandas as pd

    fmt = load()
    layout = workbook_layout(fmt)
    r1 = next(c for c in checks(fmt) if c.id == "R1:natural")
    formula = Translator(fmt, layout).condition(r1.tree)
    assert formula.startswith("(SUM(") and "=(SUM(" in formula
    values = {k: v for k, v in correct_values().items() if v is not None}
    assert Live(fmt, layout, {k: ss.content(v) for k, v in values.items()}).condition(r1.tree) is True
    frame = pd.DataFrame({k: [float(values.get(k, 0)), float(values.get(k, 0)) + 1]
                          for k in ("t3.new.natural", "t3.carried_in.natural", "t3.carry_over.natural")}
                         | {"t3.results_total.natural": [float(sum(values.get(k, 0) for k in
                            fmt.field("t3.results_total.natural").total_of))] * 2})
    assert Evaluator(fmt, frame).condition(r1.tree).tolist() == [True, False]


@pytest.mark.parametrize("case", list(CASES) + list(ERROR_CASES))
def test_the_live_values_fail_exactly_the_expected_checks(case):
    """What the 校验 sheet shows, computed in-process from a case's cells (LibreOffice and Gnumeric
    are held to the same sets in test_cached_values and test_live_checks)."""
    fmt = load()
    values = case_values(case)
    contents = {k: ss.content(v) for k, v in values.items() if v is not None}
    live = Live(fmt, workbook_layout(fmt), contents)
    failed = {c.id for c in checks(fmt) if live.status(c) == fmt.marks["fail"]}
    expected = {**CASES, **ERROR_CASES}[case][1]
    assert failed == expected


@pytest.mark.parametrize("case", list(CASES))
def test_the_stacked_checks_fail_exactly_the_expected_rule_checks(case):
    """The Evaluator over reports made straight from each case's values (totals summed from their
    parts, as the reader derives them) fails exactly the expected checks that are not cell-wise
    (those are the reader's: test_reader, test_corpus)."""
    from xlsx_tools.check.schemas import validate
    from xlsx_tools.read.reader import Report

    fmt = load()
    values = case_values(case)
    for f in fmt.table_fields:
        if f.is_total and f.key not in values:
            values[f.key] = sum(v for k in f.total_of if isinstance(v := values.get(k), (int, float)))
    report = validate([Report(f"{case}.xlsx", values=values)], fmt)[0]
    failed = {f.extra["check"] for f in report.findings if f.extra.get("check") in {c.id for c in checks(fmt)}}
    expected = {i for i in CASES[case][1] if not cellwise(next(c for c in checks(fmt) if c.id == i))}
    assert failed == expected
