"""The template's structure, read back from a real saved .xlsx file."""

from __future__ import annotations

import re
import zipfile

import pytest
from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from xlsx_tools.format.layout import input_ranges
from xlsx_tools.format.rules import checks
from xlsx_tools.write import template

# Functions that Excel 2010+, WPS, LibreOffice and Gnumeric all evaluate (the template may use no
# others). Not SUMPRODUCT: Gnumeric does not evaluate a function over a range inside it as an array,
# so sums over cells are written out term by term. Not N(): Gnumeric gives #NUM! for an empty cell.
PORTABLE = {"SUM", "LEN", "TRIM", "ISNUMBER", "SEARCH", "MID", "FIND", "UPPER", "MOD", "INT",
            "COUNT", "COUNTA", "COUNTIF", "COUNTIFS", "COUNTBLANK", "IFERROR", "IF", "AND",
            "OR", "NOT", "DATE"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "模板.xlsx"
    template.write(path, {"name": "某区某局", "code": None, "year": 2025})
    return path


@pytest.fixture(scope="module")
def wb(saved):
    return load_workbook(saved)


def _covers(sqref, coordinate: str) -> bool:
    return any(coordinate in rng for rng in sqref.ranges) if hasattr(sqref, "ranges") else False


def test_sheets_in_report_order(wb, layout):
    assert wb.sheetnames == [s.name for s in layout.sheets]


def test_labels_and_merges_as_declared(wb, layout):
    for sheet in layout.sheets:
        ws = wb[sheet.name]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for label in sheet.labels:
            assert ws.cell(label.span.row, label.span.col).value == label.text
            if label.span.merged:
                assert label.span.range_ref in merged, (sheet.name, label.text)


def test_every_input_cell_is_unlocked_shaded_and_validated(wb, fmt, layout):
    for key, (sheet, span) in layout.cells.items():
        ws = wb[sheet]
        cell = ws.cell(span.row, span.col)
        f = fmt.field(key)
        if getattr(f, "is_total", False):
            continue
        if key in ("id.name", "id.year"):  # prefilled: locked for the agency
            assert cell.protection.locked
            continue
        assert not cell.protection.locked, key
        assert cell.fill.fgColor.rgb.endswith("FFF2CC"), key
        rules = [dv for dv in ws.data_validations.dataValidation if _covers(dv.sqref, cell.coordinate)]
        assert len(rules) == 1, key
        dv = rules[0]
        assert dv.showErrorMessage and dv.showInputMessage and dv.prompt and dv.error, key


def test_validation_texts_fit_excels_limits(wb):
    """Excel shows a repair prompt for longer titles or messages."""
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 225
            for f in (dv.formula1, dv.formula2):
                assert f is None or len(f) <= 255


def test_count_cells_accept_only_whole_numbers(wb, fmt, layout):
    sheet, span = layout.locate("t3.granted.natural")
    ws = wb[sheet]
    (dv,) = [d for d in ws.data_validations.dataValidation if _covers(d.sqref, span.ref)]
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    sheet, span = layout.locate("t2.fees.amount")
    (dv,) = [d for d in wb[sheet].data_validations.dataValidation if _covers(d.sqref, span.ref)]
    assert dv.type == "decimal"
    sheet, span = layout.locate("id.kind")
    (dv,) = [d for d in wb[sheet].data_validations.dataValidation if _covers(d.sqref, span.ref)]
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(fmt.identity_field("kind").choices) + '"'


def test_totals_are_locked_sum_formulas(wb, fmt, layout):
    totals = [f for f in fmt.table_fields if f.is_total]
    assert len(totals) == 25 + 6 + 3  # every row's 总计, （七）总计 per column, 表四's three
    for f in totals:
        sheet, span = layout.locate(f.key)
        cell = wb[sheet].cell(span.row, span.col)
        assert isinstance(cell.value, str) and cell.value.startswith("=SUM("), f.key
        assert cell.protection.locked


def test_every_sheet_is_protected_without_password(wb):
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    assert wb.security.lockStructure and not wb.security.workbookPassword


def test_print_ready(wb, layout):
    for sheet in layout.sheets:
        ws = wb[sheet.name]
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        if sheet.header_rows:
            assert ws.print_title_rows.replace("$", "") == f"{sheet.header_rows[0]}:{sheet.header_rows[1]}"
        if sheet.freeze:
            assert ws.freeze_panes is not None
    t3 = wb["表三"]
    assert t3.page_setup.orientation == "landscape"
    assert all(ws.column_dimensions[c].width for c in "ABCDEFGHIJ" for ws in [t3])
    assert t3.cell(6, 1).font.name in ("宋体", "黑体")


def test_check_sheet_has_one_row_per_check(wb, fmt):
    ws = wb[fmt.checks["sheet"]]
    first = fmt.layout["check_sheet_first_row"]
    shown = [(row[0], row[3]) for row in ws.iter_rows(min_row=first, values_only=True) if row[0]]
    assert shown == [(c.code, c.title) for c in checks(fmt)]  # rule codes and what they check, in order
    assert not any(":" in str(v) for row in ws.iter_rows(min_row=first, values_only=True) for v in row[:2])
    assert ws.max_column == fmt.layout["first_col"] + len(fmt.checks["headers"]) - 1  # no column of internal ids
    for row in ws.iter_rows(min_row=first, max_row=first + len(shown) - 1):
        code, severity, status = row[0].value, row[1].value, row[2].value
        assert code and severity in fmt.severities.values()
        assert status.startswith("=IFERROR(IF(")
        assert row[4].hyperlink is not None and row[4].hyperlink.location  # link to the cells concerned


def test_formulas_use_only_portable_functions(saved):
    used = set()
    with zipfile.ZipFile(saved) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                root = ElementTree.fromstring(z.read(name))
                for el in root.iter():
                    if el.tag.endswith("}f") or el.tag.endswith("}formula") or el.tag.endswith("formula1"):
                        used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", el.text or ""))
                        # no array constant: Gnumeric reads MID(x,{1,2},1) differently
                        assert not re.search(r"\{[0-9,;]+\}", re.sub(r'"[^"]*"', "", el.text or "")), el.text
    assert used and used <= PORTABLE, used - PORTABLE


def test_every_check_marks_its_cells_with_conditional_formatting(wb, fmt, layout):
    """Each input cell carries the cell-wise rules, and each check's cells reference its ✘."""
    formats = {ws.title: ws.conditional_formatting for ws in wb.worksheets}
    for table in fmt.tables:
        for span, _ in input_ranges(table, layout):
            rules = [r for cf in formats[table.sheet] if str(cf.sqref) == span.range_ref for r in cf.rules]
            assert len(rules) == 3, span.range_ref  # S6 bad value, S6 placeholder, S7 blank
    check_sheet = fmt.checks["sheet"]
    first = fmt.layout["check_sheet_first_row"]
    referenced = set()
    for cfs in formats.values():
        for cf in cfs:
            for rule in cf.rules:
                m = re.search(rf"'{check_sheet}'!\$C\$(\d+)", rule.formula[0])
                if m:
                    referenced.add(int(m.group(1)))
    cellwise = {c.id for c in checks(fmt) if c.id.startswith(("S6:", "S7:", "F5:parts"))}
    expected = {first + n for n, c in enumerate(checks(fmt)) if c.id not in cellwise}
    assert expected <= referenced


def test_input_cells_cover_every_declared_field(fmt, layout):
    inputs = {(t.sheet, r, c)
              for t in fmt.tables for span, _ in input_ranges(t, layout)
              for r in range(span.row, span.last_row + 1) for c in range(span.col, span.last_col + 1)}
    for f in fmt.table_fields:
        sheet, span = layout.locate(f.key)
        assert ((sheet, span.row, span.col) in inputs) != f.is_total, f.key


def test_template_version_is_recorded(wb, fmt):
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[fmt.meta["version_property"]] == fmt.meta["template_version"]
    guide = wb[fmt.guide["sheet"]]
    assert fmt.meta["template_version"] in [c.value for row in guide.iter_rows() for c in row]


def test_prefilled_identity_is_written_as_text_and_locked(tmp_path, fmt, layout):
    path = tmp_path / "p.xlsx"
    template.write(path, {"name": "=HYPERLINK(\"http://x\",\"点击\")", "code": "9144030071526726XG"})
    with zipfile.ZipFile(path) as z:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        identity_part = f"xl/worksheets/sheet{[s.name for s in layout.sheets].index('基本信息') + 1}.xml"
        assert identity_part in sheet_xml
        xml = z.read(identity_part).decode()
    sheet, span = layout.locate("id.name")
    cell_xml = re.search(rf'<c r="{span.ref}"[^>]*>.*?</c>', xml).group(0)
    assert "<f>" not in cell_xml  # agency text is data, never a formula
    wb = load_workbook(path)
    assert wb[sheet][span.ref].value.startswith("=HYPERLINK")
    assert wb[sheet][span.ref].protection.locked


def test_range_boundaries_of_inputs_are_inside_the_printed_table(wb, layout):
    for sheet in layout.sheets:
        if sheet.kind != "table":
            continue
        for span in sheet.cells.values():
            assert span.last_col <= sheet.width
            min_col, min_row, max_col, max_row = range_boundaries(span.range_ref)
            assert min_row > sheet.header_rows[1]
