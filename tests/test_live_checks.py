"""The template's live checks as a user sees them: LibreOffice recalculates every filled workbook and
the saved 校验 sheet must show ✔ everywhere for the correct fill and ✘ on exactly the expected rows
for each broken one. Expected sets are written by hand from the arithmetic of each case."""

from __future__ import annotations

import pytest
from fills import correct_values, write_filled
from livecases import CASES, failing_checks
from openpyxl import load_workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.format.rules import checks


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Every case written by openpyxl (formulas without cached values, as scripts produce)."""
    src = tmp_path_factory.mktemp("filled")
    files = []
    for name, (mutate, _) in CASES.items():
        values = correct_values()
        mutate(values)
        files.append(write_filled(src / f"{name}.xlsx", values))
    return files


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory, libreoffice, filled):
    """The same files opened, recalculated and saved by LibreOffice, as a user's client saves them."""
    return libreoffice.convert(filled, tmp_path_factory.mktemp("recalculated"))


@pytest.fixture(scope="module")
def recalculated(saved_by_libreoffice):
    """name → the 校验 sheet's statuses as LibreOffice computed them."""
    return {f.stem: _statuses(f) for f in saved_by_libreoffice}


def _statuses(path) -> dict[str, object]:
    fmt = load()
    first = fmt.layout["check_sheet_first_row"]
    headers = fmt.checks["headers"]
    wb = load_workbook(path, data_only=True)
    ws = wb[fmt.checks["sheet"]]
    header_row = [c.value for c in ws[first - 1]]
    status_col = header_row.index(headers[2])
    out = {}  # the rows are the checks in their order (the sheet shows rule codes, not check ids)
    for check, row in zip(checks(fmt), ws.iter_rows(min_row=first, values_only=True), strict=False):
        out[check.id] = row[status_col]
    out["__banner__"] = ws.cell(fmt.layout["title_row"] + 2, fmt.layout["first_col"]).value
    wb.close()
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_live_checks_after_libreoffice_recalculation(recalculated, case):
    fmt = load()
    statuses = recalculated[case]
    ids = {c.id for c in checks()}
    assert ids <= set(statuses), "every check has a row on the 校验 sheet"
    assert set(statuses[i] for i in ids) <= {fmt.marks["ok"], fmt.marks["fail"]}, "no formula errors"
    failing = {i for i in ids if statuses[i] == fmt.marks["fail"]}
    assert failing == CASES[case][1]


def test_banner_tells_whether_the_report_can_be_sent(recalculated):
    fmt = load()
    assert recalculated["correct"]["__banner__"] == fmt.checks["ready"]
    assert recalculated["F4-problems-just-none"]["__banner__"] == fmt.checks["ready"]  # warnings only
    assert recalculated["R1-new-plus-one"]["__banner__"] == fmt.checks["not_ready"]


def test_totals_are_computed_by_the_client(recalculated, tmp_path, libreoffice):
    """The 总计 formulas give the sums a person expects (read from LibreOffice's saved values)."""
    values = correct_values()
    src = write_filled(tmp_path / "totals.xlsx", values)
    (out,) = libreoffice.convert([src], tmp_path / "out")
    wb = load_workbook(out, data_only=True)
    layout = workbook_layout()

    def shown(key):
        sheet, span = layout.locate(key)
        return wb[sheet].cell(span.row, span.col).value

    assert shown("t3.new.total") == 23
    assert shown("t3.results_total.natural") == 17
    assert shown("t3.results_total.total") == 22
    assert shown("t3.carry_over.total") == 3
    assert shown("t4.review.total") == 2
    assert shown("t4.suit_after_review.total") == 1
    assert shown("t2.fees.amount") == pytest.approx(9116.36)


# What only the validator can see: numbers stated in the narrative (the text says 新收 23 件, the
# table now says 24).
VALIDATOR_ALSO = {"R1-new-plus-one": {"T1:said2"}}


@pytest.mark.slow  # a workbook per case, read back (tests/test_walker.py holds the rules to the cases in-process)
@pytest.mark.parametrize("source", ["filled", "saved_by_libreoffice"])
def test_validator_agrees_with_the_live_checks(source, request):
    """nianbao validate finds exactly what the template's 校验 sheet shows, for every case, both on
    the script-written file (totals re-derived) and on LibreOffice's saved copy (cached values)."""
    from xlsx_tools.check.validate import validate_paths

    files = request.getfixturevalue(source)
    reports = validate_paths(files)
    mismatches = {}
    for path, report in zip(files, reports, strict=True):
        expected = CASES[path.stem][1] | VALIDATOR_ALSO.get(path.stem, set())
        found = failing_checks(report)
        if found != expected:
            mismatches[path.stem] = (sorted(found), sorted(expected))
    assert not mismatches
