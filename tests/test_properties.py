"""Property-based tests (hypothesis) of the format's arithmetic, from a fill to a city summary.

1. A random valid fill (every identity R1–R6 of docs/RULES.md holds, totals left to the template's
   formulas) validates without errors, and the reader's derived totals equal the sums of the drawn
   parts; on a sample, LibreOffice recalculates the same totals and 校验 shows the "ready" line.
2. The summary of 2–4 random valid agency reports validates without errors and its table cells are
   the exact (decimal) sums of the inputs.
3. Merging district summaries gives the same tables as merging all their agencies at once.
4. One random perturbation of a valid fill (an input shifted, a total overwritten, a count cell made
   negative, fractional, text or blank) is reported by the rule meant to catch it, at its cell, and
   no other error is reported beyond what the format's identities imply.

Expected totals and broken identities are computed here from the drawn numbers, independently of
the reader and the rules.
"""

from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from agencies import agency
from batches import summed, table_values
from fills import correct_values, fill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from xlsx_tools.check.validate import validate_paths, validate_reports
from xlsx_tools.consolidate import merge, submissions, summary
from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.read.reader import read_bytes, read_path
from xlsx_tools.write import template

pytestmark = pytest.mark.slow  # hypothesis runs: generated corpora of workbooks (and LibreOffice)

FMT = load()
LAYOUT = workbook_layout()
INPUT_KEYS = [f.key for f in FMT.table_fields if not f.is_total]
TOTAL_KEYS = [f.key for f in FMT.table_fields if f.is_total]
FEE = "t2.fees.amount"

T3, T4 = FMT.table("t3"), FMT.table("t4")
T3_COLUMNS = [c.key for c in T3.leaf_columns if not c.is_total]  # 自然人 … 其他
T3_ROWS = [r.key for r in T3.leaf_rows]
NEW, CARRIED_IN, RESULTS_TOTAL, CARRY_OVER = "new", "carried_in", "results_total", "carry_over"
RESULT_ROWS = [r for r in T3_ROWS if r not in (NEW, CARRIED_IN, RESULTS_TOTAL, CARRY_OVER)]  # （一）…（六）3
T4_ROWS = [r.key for r in T4.leaf_rows]
T4_OUTCOMES = [c.key for c in T4.leaf_columns if not c.is_total]
T2_COUNTS = [f.key for f in FMT.table("t2").fields if FMT.types[f.type].integer]
COUNT_KEYS = [k for k in INPUT_KEYS if k != FEE]

# the format: 表三 has 6 applicant columns (+ 总计) and 21 result rows; 表四 three bands of 4 (+ 总计)
assert (len(T3_COLUMNS), len(RESULT_ROWS), len(T4_ROWS), len(T4_OUTCOMES)) == (6, 21, 3, 4)
assert set(INPUT_KEYS) == set(T2_COUNTS) | {FEE} | {
    f"t3.{r}.{c}" for r in T3_ROWS if r != RESULTS_TOTAL for c in T3_COLUMNS} | {
    f"t4.{r}.{c}" for r in T4_ROWS for c in T4_OUTCOMES}

_names = itertools.count()


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def where(key: str) -> tuple[str, str]:
    sheet, span = LAYOUT.locate(key)
    return sheet, span.ref


# -- writing workbooks ---------------------------------------------------------------------------
@functools.cache
def template_bytes() -> bytes:
    """The template, built once: each example re-opens it instead of building it again (~0.5 s)."""
    buffer = io.BytesIO()
    template.build().save(buffer)
    return buffer.getvalue()


def workbook_bytes(values: dict[str, Any]) -> bytes:
    wb = fill(load_workbook(io.BytesIO(template_bytes())), values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write(path: Path, values: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(values))
    return path


def errors(report) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in report.findings if f.severity == "error"}


# -- random valid fills ---------------------------------------------------------------------------
def on_request(new_total: int) -> str:
    """(二)依申请公开 stating the number of new requests, as T1 wants it."""
    return f"本年度新收政府信息公开申请 {new_total} 件，均在法定期限内答复。"


@dataclass
class Fill:
    """The input cells of a valid fill (field key → value) and the totals they imply."""

    tables: dict[str, Any]
    totals: dict[str, int] = field(compare=False)

    def values(self, base: dict[str, Any] | None = None) -> dict[str, Any]:
        """A whole report: ``base`` (identity and narrative; a correct one by default) with these tables."""
        v = dict(correct_values() if base is None else base)
        v.update(self.tables)
        v["s1.on_request"] = on_request(self.totals[f"t3.{NEW}.total"])
        return v

    def __repr__(self) -> str:  # the nonzero cells only: a falsifying example stays readable
        return "Fill(" + ", ".join(f"{k}={v!r}" for k, v in self.tables.items() if v) + ")"


def totals_of(tables: dict[str, Any]) -> dict[str, int]:
    """Every total of the format, summed here from the parts (R2, R3, R6)."""
    out = {}
    for r in T3_ROWS:
        if r != RESULTS_TOTAL:
            out[f"t3.{r}.total"] = sum(tables[f"t3.{r}.{c}"] for c in T3_COLUMNS)
    for c in T3_COLUMNS:
        out[f"t3.{RESULTS_TOTAL}.{c}"] = sum(tables[f"t3.{r}.{c}"] for r in RESULT_ROWS)
    out[f"t3.{RESULTS_TOTAL}.total"] = sum(out[f"t3.{r}.total"] for r in RESULT_ROWS)
    for r in T4_ROWS:
        out[f"t4.{r}.total"] = sum(tables[f"t4.{r}.{c}"] for c in T4_OUTCOMES)
    return out


def counts(draw, n: int) -> list[int]:
    """n counts on one scale: all zero (a column nobody used), small, or large."""
    top = draw(st.sampled_from([0, 3, 40, 10**6]))
    return [draw(st.integers(0, top)) for _ in range(n)]


@st.composite
def valid_fills(draw) -> Fill:
    tables: dict[str, Any] = {}
    for c in T3_COLUMNS:
        results = counts(draw, len(RESULT_ROWS))
        (carry_over,) = counts(draw, 1)
        out = sum(results) + carry_over
        carried_in = draw(st.integers(0, out))
        tables.update({f"t3.{r}.{c}": n for r, n in zip(RESULT_ROWS, results, strict=True)})
        # R1 per column: 一 + 二 = （七）总计 + 四, with 一 derived and every count ≥ 0
        tables.update({f"t3.{NEW}.{c}": out - carried_in, f"t3.{CARRIED_IN}.{c}": carried_in,
                       f"t3.{CARRY_OVER}.{c}": carry_over})
    for r in T4_ROWS:
        tables.update(zip([f"t4.{r}.{c}" for c in T4_OUTCOMES], counts(draw, len(T4_OUTCOMES)), strict=True))
    tables.update(zip(T2_COUNTS, counts(draw, len(T2_COUNTS)), strict=True))
    cents = draw(st.sampled_from([0, 100, 10**4, 10**9]))
    amount = Decimal(draw(st.integers(0, cents))) / 100  # 万元 with at most two decimals
    tables[FEE] = int(amount) if amount == int(amount) else float(amount)
    assert set(tables) == set(INPUT_KEYS)
    return Fill(tables, totals_of(tables))


# -- 1. random valid fills -----------------------------------------------------------------------
def test_a_reloaded_template_fills_like_a_freshly_built_one():
    """The premise of the cache above: filling the re-opened template reads as filling a new one."""
    values = correct_values()
    buffer = io.BytesIO()
    fill(template.build(), values).save(buffer)
    fresh = validate_reports([read_bytes(buffer.getvalue(), "fresh.xlsx")])[0]
    reloaded = validate_reports([read_bytes(workbook_bytes(values), "reloaded.xlsx")])[0]
    assert fresh.findings == [] and reloaded.findings == []
    assert reloaded.values == fresh.values


def check_reads_clean(path: Path, f: Fill):
    report = read_path(path)
    assert report.readable and not errors(report), report.findings  # the reader's own cell checks
    validate_reports([report])
    assert not errors(report), [x for x in report.findings if x.severity == "error"]
    for key in INPUT_KEYS:
        assert report.values[key] == f.tables[key], key
    assert sorted(f.totals) == sorted(TOTAL_KEYS)
    for key in TOTAL_KEYS:
        assert report.values[key] == f.totals[key], key
    return report


def test_random_valid_fills_read_clean_and_recalculate_to_the_totals_of_their_parts(tmp_path, request):
    """Every example reads and validates clean with the totals of its parts; a sample of them is then
    recalculated by one LibreOffice run: its cached values are the reader's, and 校验 says "ready"."""
    sample = []

    @examples(15)
    @given(f=valid_fills())
    def run(f):
        path = write(tmp_path / "filled" / f"{next(_names)}.xlsx", f.values())
        report = check_reads_clean(path, f)
        if len(sample) < 6:
            sample.append((path, f, report))

    run()
    libreoffice = request.getfixturevalue("libreoffice")  # (a) above holds even where it is missing
    saved = libreoffice.convert([path for path, _, _ in sample], tmp_path / "saved")
    for (_, f, report), shown in zip(sample, saved, strict=True):
        wb = load_workbook(shown, data_only=True)
        for key in INPUT_KEYS + TOTAL_KEYS:
            sheet, span = LAYOUT.locate(key)
            cached = wb[sheet].cell(span.row, span.col).value
            assert Decimal(str(cached)) == Decimal(str(report.values[key])), (f, key, cached)
        texts = [c for row in wb[FMT.checks["sheet"]].iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert FMT.checks["ready"] in texts, f


# -- 2. and 3. merges -----------------------------------------------------------------------------
@st.composite
def agencies(draw, least: int, most: int) -> dict[int, Fill]:
    """Agency number (a distinct name and code, see agencies.agency) → its random fill."""
    numbers = draw(st.lists(st.integers(0, 15), min_size=least, max_size=most, unique=True))
    return {n: draw(valid_fills()) for n in numbers}


def write_agencies(folder: Path, fills: dict[int, Fill]) -> None:
    for n, f in fills.items():
        write(folder / f"{n}.xlsx", f.values(agency(n)))


def merged(folders: list[Path], out: Path, region: str) -> submissions.Consolidation:
    """Merge in-process; every file must be included. The summary checks itself as it is written
    (it validates without errors at its level and holds the sums: C1)."""
    result = merge.consolidate(folders, merge.Options(jobs=1, region=region))
    assert [s.status for s in result.submissions] == [submissions.INCLUDED] * len(result.submissions)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary.write_summary(result, out)
    return result


def test_summary_of_random_valid_reports_validates_clean_with_exact_sums(tmp_path):
    @examples(4)
    @given(fills=agencies(2, 4))
    def run(fills):
        root = tmp_path / f"{next(_names)}"
        write_agencies(root / "in", fills)
        out = root / "汇总.xlsx"
        merged([root / "in"], out, "某市某区")
        (report,) = validate_paths([out])
        assert report.readable and report.level == 1 and not errors(report), report.findings
        assert report.values["id.agencies"] == len(fills)
        assert table_values(out) == summed([f.tables for f in fills.values()])
        for key in TOTAL_KEYS:  # the summary's own totals, as the reader derives them
            assert report.values[key] == sum(f.totals[key] for f in fills.values()), key

    run()


@st.composite
def districts(draw) -> list[dict[int, Fill]]:
    """Agencies with their fills, randomly partitioned into 2–3 non-empty districts."""
    fills = draw(agencies(2, 4))
    order = draw(st.permutations(sorted(fills)))
    parts = draw(st.integers(2, min(3, len(order))))
    cuts = sorted(draw(st.lists(st.integers(1, len(order) - 1), min_size=parts - 1, max_size=parts - 1,
                                unique=True)))
    return [{n: fills[n] for n in order[a:b]} for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]


def test_merging_district_summaries_equals_merging_all_agencies_at_once(tmp_path):
    @examples(4)
    @given(groups=districts())
    def run(groups):
        root = tmp_path / f"{next(_names)}"
        folders = [root / f"区{d}" for d in range(len(groups))]
        for d, (folder, fills) in enumerate(zip(folders, groups, strict=True)):
            write_agencies(folder, fills)
            merged([folder], root / "各区汇总" / f"区{d}.xlsx", f"某市第{d}区")
        city, at_once = root / "全市.xlsx", root / "一次汇总.xlsx"
        up = merged([root / "各区汇总"], city, "某市")
        merged(folders, at_once, "某市")  # the same agency files, all in one merge
        every = [f for fills in groups for f in fills.values()]
        assert table_values(city) == table_values(at_once) == summed([f.tables for f in every])
        assert (up.level, up.agencies, len(up.included)) == (2, len(every), len(groups))

    run()


# -- 4. one-cell perturbations --------------------------------------------------------------------
@dataclass(frozen=True)
class Perturbation:
    key: str  # the cell written
    value: Any  # what is written there (None blanks it)
    code: str  # the finding it must cause …
    at: str  # … at this field's cell
    severity: str = "error"


def number(value: Any) -> Decimal:
    """A cell's value in the sums, as Excel's SUM takes it: text and blanks count 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Decimal(0)
    return Decimal(str(value))


def broken_identities(values: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, field key) of every identity R1–R3, R6 that fails once ``values`` are in the workbook,
    located where the rules report them: R1 at 一 of its column, R2 at （七）总计 of its column,
    R3 and R6 at the row's 总计. Totals not given in ``values`` are the template's formulas."""
    @functools.cache
    def n(key: str) -> Decimal:
        f = FMT.field(key)
        if f.is_total and key not in values:
            return sum((n(k) for k in f.total_of), Decimal(0))
        return number(values.get(key))

    out = set()
    for c in [*T3_COLUMNS, "total"]:
        if n(f"t3.{NEW}.{c}") + n(f"t3.{CARRIED_IN}.{c}") != n(f"t3.{RESULTS_TOTAL}.{c}") + n(f"t3.{CARRY_OVER}.{c}"):
            out.add(("R1", f"t3.{NEW}.{c}"))
        if n(f"t3.{RESULTS_TOTAL}.{c}") != sum(n(f"t3.{r}.{c}") for r in RESULT_ROWS):
            out.add(("R2", f"t3.{RESULTS_TOTAL}.{c}"))
    for r in T3_ROWS:
        if n(f"t3.{r}.total") != sum(n(f"t3.{r}.{c}") for c in T3_COLUMNS):
            out.add(("R3", f"t3.{r}.total"))
    for r in T4_ROWS:
        if n(f"t4.{r}.total") != sum(n(f"t4.{r}.{c}") for c in T4_OUTCOMES):
            out.add(("R6", f"t4.{r}.total"))
    return out


def wrong(draw, right: int) -> int:
    return draw(st.integers(0, right + 100).filter(lambda x: x != right))


@st.composite
def perturbed(draw, kind: str) -> tuple[Fill, Perturbation]:
    """A valid fill and one perturbation of the given kind."""
    f = draw(valid_fills())
    if kind == "t3-input":  # an input of 表三 shifted (staying ≥ 0): R1 of its column (and of 总计)
        key = draw(st.sampled_from([k for k in INPUT_KEYS if k.startswith("t3.")]))
        d = draw(st.integers(-f.tables[key], 100).filter(bool))
        return f, Perturbation(key, f.tables[key] + d, "R1", f"t3.{NEW}.{FMT.field(key).column.key}")
    if kind in ("row-total", "results-total", "t4-total"):  # a total typed over its formula
        key, code = {
            "row-total": (f"t3.{draw(st.sampled_from(T3_ROWS))}.total", "R3"),
            "results-total": (f"t3.{RESULTS_TOTAL}.{draw(st.sampled_from(T3_COLUMNS))}", "R2"),
            "t4-total": (f"t4.{draw(st.sampled_from(T4_ROWS))}.total", "R6"),
        }[kind]
        return f, Perturbation(key, wrong(draw, f.totals[key]), code, key)
    if kind == "negative":  # S6 (a fee may not be negative either)
        key = draw(st.sampled_from(INPUT_KEYS))
        return f, Perturbation(key, -draw(st.integers(1, 1000)) / (100 if key == FEE else 1), "S6", key)
    if kind == "fraction":  # S6: counts are whole
        key = draw(st.sampled_from(COUNT_KEYS))
        value = draw(st.integers(0, 1000)) + draw(st.sampled_from([0.25, 0.5, 0.75]))
        return f, Perturbation(key, value, "S6", key)
    if kind == "text":  # S6: a number typed with its unit is text (summed as 0, as Excel does)
        key = draw(st.sampled_from(INPUT_KEYS))
        unit = "万元" if key == FEE else draw(st.sampled_from(["件", "个", " 件"]))
        return f, Perturbation(key, f"{draw(st.integers(0, 1000))}{unit}", "S6", key)
    assert kind == "blank"  # S7, a warning (the blank counts as 0)
    key = draw(st.sampled_from(INPUT_KEYS))
    return f, Perturbation(key, None, "S7", key, "warning")


KINDS = ["t3-input", "row-total", "results-total", "t4-total", "negative", "fraction", "text", "blank"]


@pytest.mark.parametrize("kind", KINDS)
def test_one_cell_perturbation_is_caught_by_its_rule_at_its_cell(kind):
    """The perturbation's own finding is there; the errors are exactly those it implies: the
    identities it breaks (computed here) and S6 at the cell itself."""
    @examples(3)
    @given(case=perturbed(kind))
    def run(case):
        f, p = case
        values = f.values() | {p.key: p.value}
        report = validate_reports([read_bytes(workbook_bytes(values), "perturbed.xlsx")])[0]
        assert report.readable
        found = {(x.code, x.severity, x.sheet, x.cell) for x in report.findings}
        assert (p.code, p.severity, *where(p.at)) in found, report.findings
        expected = {(code, *where(key)) for code, key in broken_identities({k: values[k] for k in INPUT_KEYS}
                                                                           | {p.key: p.value})}
        if p.code == "S6":
            expected.add(("S6", *where(p.key)))
        assert errors(report) == expected, report.findings
        # the cell checks (S6, S7) speak of the perturbed cell only, and only when it holds a bad value
        cell_checks = {where(p.key)} if p.code in ("S6", "S7") else set()
        assert {(x.sheet, x.cell) for x in report.findings if x.code in ("S6", "S7")} == cell_checks

    run()
