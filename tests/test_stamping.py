"""Personalised templates stamped into one saved package (issue 21): each copy is the copy openpyxl
would have saved — the same cells, formulas, looks and cached values — and is verified after writing.
(LibreOffice and Gnumeric recalculate such copies in test_cached_values.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from batches import sheet_contents
from openpyxl import load_workbook

from xlsx_tools.format.uscc import complete
from xlsx_tools.write import template
from xlsx_tools.write.output import OutputError
from xlsx_tools.write.stamping import Stamper

PREFILLS = [
    {"name": "某区科学技术局", "code": complete("11410300MB0000001"), "kind": "部门", "region": "某省某市某区",
     "year": 2025},
    {"name": "只有名称"},
    {},
    {"name": "=HYPERLINK(\"x\") <&> \"引号\"", "code": "  ", "year": 2026},
    {"name": "某街道", "filled_on": dt.date(2026, 1, 20), "phone": "0379-12345678", "filler": "张三"},
]


def look(cell) -> tuple:
    return (cell.fill.fgColor.rgb, cell.protection.locked, cell.number_format, cell.font.b, cell.font.name,
            cell.alignment.horizontal, cell.alignment.wrap_text, cell.border.left.style)


@pytest.fixture(scope="module")
def stamper():
    return Stamper()


@pytest.mark.parametrize("prefill", PREFILLS, ids=range(len(PREFILLS)))
def test_a_stamped_copy_is_the_copy_openpyxl_would_save(stamper, prefill, tmp_path):
    new = stamper.write(tmp_path / "stamped.xlsx", prefill)
    old = template.write(tmp_path / "saved.xlsx", prefill, workbook=template.build())
    assert sheet_contents(new) == sheet_contents(old)  # values and formulas
    for data_only in (False, True):  # and with data_only: every formula's cached value
        a, b = load_workbook(new, data_only=data_only), load_workbook(old, data_only=data_only)
        assert a.sheetnames == b.sheetnames
        for ws in a:
            for row in ws.iter_rows():
                for cell in row:
                    other = b[ws.title][cell.coordinate]
                    assert cell.value == other.value, (ws.title, cell.coordinate)
                    assert look(cell) == look(other), (ws.title, cell.coordinate)


def test_one_stamper_writes_agency_after_agency_without_carrying_anything_over(stamper, tmp_path):
    first = stamper.write(tmp_path / "1.xlsx", PREFILLS[0])
    second = stamper.write(tmp_path / "2.xlsx", PREFILLS[1])
    again = stamper.write(tmp_path / "3.xlsx", PREFILLS[0])
    assert sheet_contents(first) == sheet_contents(again)
    ident = load_workbook(second)[template.load().identity_sheet["sheet"]]
    values = [c.value for row in ident.iter_rows() for c in row]
    assert "只有名称" in values and PREFILLS[0]["code"] not in values and "部门" not in values


def test_a_copy_is_verified_against_what_was_stamped(stamper, tmp_path):
    path = stamper.write(tmp_path / "x.xlsx", PREFILLS[0])
    stamper.verify(path, PREFILLS[0])  # quiet on the copy as written
    with pytest.raises(OutputError):
        stamper.verify(path, {**PREFILLS[0], "name": "另一个单位"})
    with pytest.raises(OutputError):
        stamper.verify(path, {**PREFILLS[0], "kind": None})


def test_text_that_looks_like_an_escape_stays_as_typed(stamper, tmp_path):
    """OOXML reads _xHHHH_ in text as an escaped character, so a name with it literally must be written
    with its underscore escaped (_x005F_), as Excel does; openpyxl's own save does not, and Excel would
    show such a name as "A"."""
    from xlsx_tools.read.reader import read_path

    path = stamper.write(tmp_path / "x.xlsx", {"name": "某局_x0041_"})
    assert read_path(path).values["id.name"] == "某局_x0041_"
