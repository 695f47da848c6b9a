"""Every formula nianbao writes carries the value a spreadsheet computes.

Each live-check case, random balanced fills and random spoiled fills are written by nianbao (with
cached values), then recalculated by LibreOffice (OOXMLRecalcMode forcing recalculation) and by
Gnumeric (``ssconvert --recalc``); every formula cell's cached value must equal what both clients
computed. Gnumeric's ✔/✘ must equal the hand-written expectations (and so LibreOffice's and the
validator's, which test_live_checks holds to the same sets). The other outputs — template,
personalised templates, imported workbooks, annotated copies, the summary — are checked the same
way, and read with pandas and python-calamine as scripts and previewers read them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from fills import fill
from livecases import CASES, ERROR_CASES, case_values, failing_checks, random_fill
from openpyxl import load_workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import check_cells, workbook_layout
from xlsx_tools.format.rules import checks
from xlsx_tools.write import cached, template

ROOT = Path(__file__).resolve().parent.parent
RANDOM = [f"random-{n}" for n in range(6)] + [f"spoiled-{n}" for n in range(8)]
ALL = list(CASES) + list(ERROR_CASES) + RANDOM


def _values(name: str) -> dict[str, Any]:
    if name.startswith("random-"):
        return random_fill(int(name.split("-")[1]))
    if name.startswith("spoiled-"):
        return random_fill(100 + int(name.split("-")[1]), noisy=True)
    return case_values(name)


def formula_values(path: Path) -> dict[tuple[str, str], Any]:
    """(sheet, cell) → the cached value of every formula cell of a workbook."""
    formulas = load_workbook(path)
    values = load_workbook(path, data_only=True)
    out = {}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    out[(ws.title, c.coordinate)] = values[ws.title][c.coordinate].value
    return out


def _open(path: Path, **kwargs):
    with warnings.catch_warnings():  # Gnumeric's files have no default cell style
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(path, **kwargs)


def shown(path: Path, places) -> dict[tuple[str, str], Any]:
    wb = _open(path, data_only=True)
    return {(s, c): wb[s][c].value for s, c in places}


def differences(ours: dict, theirs: dict) -> dict:
    def same(a, b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return abs(a - b) <= 1e-9 * max(1, abs(b))
        return a == b

    return {k: (v, theirs.get(k)) for k, v in ours.items() if not same(v, theirs.get(k))}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Every case written by nianbao: the template filled, saved with its formulas' values."""
    folder = tmp_path_factory.mktemp("cached")
    return {name: cached.save(fill(template.build(), _values(name)), folder / f"{name}.xlsx") for name in ALL}


@pytest.fixture(scope="module")
def by_libreoffice(written, libreoffice, tmp_path_factory):
    out = libreoffice.convert(list(written.values()), tmp_path_factory.mktemp("cached-lo"))
    return dict(zip(written, out, strict=True))


@pytest.fixture(scope="module")
def by_gnumeric(written, gnumeric, tmp_path_factory):
    out = gnumeric.convert(list(written.values()), tmp_path_factory.mktemp("cached-gn"))
    return dict(zip(written, out, strict=True))


@pytest.mark.slow  # the corpus the clients are compared over
def test_every_formula_cell_carries_a_value(written):
    fmt = load()
    for name, path in written.items():
        values = formula_values(path)
        assert len(values) > len(checks(fmt)), name
        assert not [k for k, v in values.items() if v is None], name


@pytest.mark.parametrize("case", ALL)
def test_cached_values_equal_libreoffice(written, by_libreoffice, case):
    ours = formula_values(written[case])
    assert differences(ours, shown(by_libreoffice[case], ours)) == {}


@pytest.mark.parametrize("case", ALL)
def test_cached_values_equal_gnumeric(written, by_gnumeric, case):
    ours = formula_values(written[case])
    assert differences(ours, shown(by_gnumeric[case], ours)) == {}


def _failing(path: Path) -> set[str]:
    fmt = load()
    at = check_cells(fmt)
    ws = _open(path, data_only=True)[fmt.checks["sheet"]]
    return {c.id for n, c in enumerate(checks(fmt)) if ws.cell(at.first + n, at.status_col).value == fmt.marks["fail"]}


@pytest.mark.parametrize("case", list(CASES) + list(ERROR_CASES))
def test_gnumeric_fails_exactly_the_expected_checks(by_gnumeric, case):
    assert _failing(by_gnumeric[case]) == {**CASES, **ERROR_CASES}[case][1]


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_libreoffice_fails_exactly_the_expected_checks_on_error_values(by_libreoffice, case):
    assert _failing(by_libreoffice[case]) == ERROR_CASES[case][1]


@pytest.mark.slow  # the corpus the clients are compared over
def test_an_error_value_spreads_into_the_totals_as_the_client_shows_it(written):
    """Where an input holds an error, the totals that sum it are cached as that error, not a guess."""
    values = formula_values(written["S6-error-value"])
    sheet, span = workbook_layout().locate("t3.results_total.research")
    assert values[(sheet, span.ref)] == "#DIV/0!"
    sheet, span = workbook_layout().locate("t3.new.total")
    assert values[(sheet, span.ref)] == 23


def test_a_wrong_cached_value_is_recalculated_away(tmp_path, libreoffice, gnumeric):
    """The comparison can fail: a planted wrong cached value is not what either client shows."""
    wb = fill(template.build(), case_values("correct"))
    sheet, span = workbook_layout().locate("t3.new.total")
    at = check_cells(load())
    planted = {(sheet, span.row, span.col): 999, (load().checks["sheet"], *at.banner): "planted"}
    path = tmp_path / "planted.xlsx"
    path.write_bytes(cached.with_values(_plain(wb), {**cached.computed_values(wb), **planted}))
    ours = formula_values(path)
    assert ours[(sheet, span.ref)] == 999
    for client in (libreoffice, gnumeric):
        (out,) = client.convert([path], tmp_path / type(client).__name__)
        diff = differences(ours, shown(out, ours))
        assert set(diff) == {(sheet, span.ref), (load().checks["sheet"], "A3")}
        assert diff[(sheet, span.ref)] == (999, 23)


def _plain(wb) -> bytes:
    """A workbook as openpyxl alone writes it (no cached values)."""
    import io

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_pandas_and_calamine_read_the_totals_the_client_shows(written, by_libreoffice):
    """Scripts and previewers take cached values only; they see what LibreOffice computed."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    layout = workbook_layout()
    path = written["correct"]
    client = load_workbook(by_libreoffice["correct"], data_only=True)
    frames = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
    book = CalamineWorkbook.from_path(str(path))
    totals = [f for f in load().table_fields if f.is_total]
    assert len(totals) > 20
    for f in totals:
        sheet, span = layout.locate(f.key)
        expected = client[sheet].cell(span.row, span.col).value
        assert expected is not None
        assert frames[sheet].iat[span.row - 1, span.col - 1] == pytest.approx(expected), f.key
        grid = book.get_sheet_by_name(sheet).to_python()
        assert grid[span.row - 1][span.col - 1] == pytest.approx(expected), f.key
    at = check_cells(load())
    banner = frames[load().checks["sheet"]].iat[at.banner[0] - 1, at.banner[1] - 1]
    assert banner == load().checks["ready"]


# -- every other workbook nianbao writes ------------------------------------------------------------
@pytest.fixture(scope="module")
def outputs(tmp_path_factory, every_error_module):
    """The template, a personalised template, an imported workbook, an annotated copy and a
    summary, each written by the nianbao command."""
    work = tmp_path_factory.mktemp("outputs")

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *args], capture_output=True, text=True,
                              cwd=work, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode in (0, 1), proc.stderr
        return proc

    run("template", "-o", str(work / "模板.xlsx"), "--year", "2025")
    run("template", "-o", str(work / "个性化.xlsx"), "--year", "2025", "--agency", "某区科学技术局", "--kind", "部门")
    seed = sorted((ROOT / "samples" / "原文").iterdir())[0]
    run("import", str(seed), "-o", str(work / "导入"))
    run("validate", str(every_error_module), "--annotate", str(work / "标注"))
    run("merge", str(ROOT / "samples" / "报表" / "2024"), "-o", str(work / "汇总.xlsx"),
        "--roster", str(ROOT / "samples" / "名录.xlsx"))
    files = [work / "模板.xlsx", work / "个性化.xlsx", *sorted((work / "导入").glob("*.xlsx")),
             *sorted((work / "标注").glob("*.xlsx")), work / "汇总.xlsx"]
    assert all(f.exists() for f in files) and len(files) == 5
    return files


@pytest.fixture(scope="module")
def every_error_module(tmp_path_factory):
    from conftest import write_every_error

    return write_every_error(tmp_path_factory.mktemp("every-error"))[0]


@pytest.mark.parametrize("client", ["libreoffice", "gnumeric"])
def test_every_output_carries_the_values_the_clients_compute(outputs, client, request, tmp_path):
    converted = request.getfixturevalue(client).convert(outputs, tmp_path / client)
    for ours_path, theirs_path in zip(outputs, converted, strict=True):
        ours = formula_values(ours_path)
        assert ours, ours_path.name
        assert not [k for k, v in ours.items() if v is None], ours_path.name
        assert differences(ours, shown(theirs_path, ours)) == {}, ours_path.name
        assert differences(calamine_values(ours_path, ours), shown(theirs_path, ours)) == {}, ours_path.name


def calamine_values(path: Path, places) -> dict[tuple[str, str], Any]:
    """What python-calamine (as previewers and Power Query: cached values only) reads at ``places``."""
    from openpyxl.utils import coordinate_to_tuple
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    grids: dict[str, list] = {}
    out = {}
    for sheet, ref in places:
        grid = grids.setdefault(sheet, book.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
        row, col = coordinate_to_tuple(ref)
        value = grid[row - 1][col - 1] if row <= len(grid) and col <= len(grid[row - 1]) else None
        out[(sheet, ref)] = None if value == "" else value
    return out


# What only the 校验 sheet shows: a total over an error value is itself that error, so every check
# reading it fails there; the validator reports the cause once, at the cell (S6), and sums the rest.
LIVE_ONLY = {"S6-error-value": ERROR_CASES["S6-error-value"][1] - {"S6:t3"}}


@pytest.mark.parametrize("saved_by", ["nianbao", "libreoffice", "gnumeric"])
@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_validator_names_the_error_value_the_clients_trace_through_the_totals(written, by_libreoffice, by_gnumeric,
                                                                              case, saved_by):
    """Whoever saved the file, the validator reports the error value once, at its cell, and agrees
    with the clients on every other check."""
    from xlsx_tools.check.validate import validate_paths

    path = {"nianbao": written, "libreoffice": by_libreoffice, "gnumeric": by_gnumeric}[saved_by][case]
    (report,) = validate_paths([path])
    assert failing_checks(report) == _failing(by_gnumeric[case]) - LIVE_ONLY[case]
    cell = workbook_layout().locate("t3.denied_law.research")[1].ref
    assert [f.cell for f in report.findings if f.code == "S6-EXCEL-ERROR"] == [cell]
