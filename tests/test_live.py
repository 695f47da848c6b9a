"""Live values (what the add-in reads from Excel) give exactly the findings of the saved file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import CLEAN_SAMPLE, CONTACT
from openpyxl import load_workbook

from xlsx_tools.check.validate import validate_live, validate_paths
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.read.live import LivePackage, raw_cell

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "报表").rglob("*.xlsx"))


def grids(path: Path) -> dict:
    """The values a client shows for each sheet (cached results of formulas, not the formulas)."""
    wb = load_workbook(path, data_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def located(report) -> list[tuple]:
    return [(f.code, f.sheet, f.cell, f.message) for f in report.findings]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_live_values_of_a_sample_match_the_file(sample):
    assert located(validate_live(sample.name, grids(sample))) == located(validate_paths([sample])[0])


def test_live_values_with_errors_match_the_file(saved_every_error):
    saved, _ = saved_every_error
    live, disk = validate_live(saved.name, grids(saved)), validate_paths([saved])[0]
    assert {(f.code, f.sheet, f.cell) for f in disk.findings} >= saved_every_error[1]
    assert located(live) == located(disk)


def test_an_unsaved_edit_is_seen():
    sample = CLEAN_SAMPLE
    values = grids(sample)
    layout = workbook_layout()
    for key, value in CONTACT.items():
        sheet, span = layout.locate(key)
        values[sheet][span.row - 1][span.col - 1] = value
    assert validate_live(sample.name, values).findings == []
    values["表二"][11][1] = -3  # 表二!B12, typed but not saved
    codes = {(f.code, f.sheet, f.cell) for f in validate_live(sample.name, values).findings}
    assert ("S6", "表二", "B12") in codes


def test_not_the_template_is_a_finding_not_an_exception():
    report = validate_live("随便.xlsx", {"Sheet1": [["姓名", "电话"], ["张三", 123]]})
    assert not report.readable and [f.code for f in report.findings] == ["F-NOT-TEMPLATE"]


def test_live_values_become_the_cells_a_file_holds():
    assert raw_cell(None) is None and raw_cell("") is None
    assert (raw_cell(3.0).kind, raw_cell(3.0).value) == ("n", "3.0")
    assert (raw_cell(True).kind, raw_cell(True).value) == ("b", "1")
    assert (raw_cell("#DIV/0!").kind, raw_cell("12件").kind) == ("e", "inlineStr")
    assert raw_cell(dt.datetime(2026, 1, 20)).value == "46042.0"  # Excel's serial for that day
    assert raw_cell(float("nan")).kind == "inlineStr"


def test_data_beyond_the_declared_area_is_counted_and_far_data_ignored():
    far = [[None] * 3 for _ in range(2500)]
    far[2][2], far[2400][0] = "备注", "很远"
    cells = LivePackage("x", {"s": far}).cells("s", 2, 2)
    assert cells.outside == 1 and cells.first_outside == (3, 3)  # row 2401 is past what is read
