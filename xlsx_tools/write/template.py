"""The master template workbook that agencies fill, built from the declaration.

Sheets, labels and positions come from :mod:`format.layout`, live checks from :mod:`format.rules`
through :mod:`format.formula`. :mod:`form` builds the sheets staff fill and :mod:`checksheet` the
校验 sheet and its marks; here they are put together, set up for print and protected, stamped with
an agency's identity, saved and verified. The result works in Excel, WPS and LibreOffice with no
macros: totals are formulas, the 校验 sheet recalculates as staff type, and conditional formats
mark offending cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..format.address import cell_ref
from ..format.declaration import Format, load
from ..format.formula import Translator
from ..format.layout import SheetLayout, identity_fields, workbook_layout
from . import cached, style
from .cells import fit_rows, set_value
from .checksheet import CheckSheet
from .form import Form
from .output import OutputError


def fill(wb: Workbook, values: Mapping[str, Any], fmt: Format | None = None, summary: bool = False) -> Workbook:
    """Write values at their declared cells by field key (``None`` blanks the cell; text is text).

    A value written into a total cell replaces the template's formula with that number.
    """
    layout = workbook_layout(fmt or load(), summary)
    for key, value in values.items():
        sheet, span = layout.locate(key)
        set_value(wb[sheet].cell(span.row, span.col), value)
    return wb


def build(prefill: Mapping[str, Any] | None = None, fmt: Format | None = None, summary: bool = False) -> Workbook:
    """The template as an openpyxl workbook.

    ``prefill`` maps identity field names (``name``, ``code``, ``kind``, ``region``, ``year`` …) to
    values written into 基本信息 and locked, so a consolidator can hand out personalised copies.
    ``summary`` builds the layout of a consolidated summary (extra 基本信息 rows).
    """
    fmt = fmt or load()
    layout = workbook_layout(fmt, summary)
    wb = Workbook()
    wb.remove(wb.active)
    translator = Translator(fmt, layout)
    Form(fmt, layout, wb, translator).build()
    CheckSheet(fmt, layout, wb, translator).build()
    for sheet in layout.sheets:
        _page(wb[sheet.name], sheet, fmt)
        fit_rows(wb[sheet.name])
    wb.security = WorkbookProtection(lockStructure=True)
    _properties(wb, fmt)
    if prefill:
        stamp(wb, prefill, fmt)
    return wb


def stamp(wb: Workbook, prefill: Mapping[str, Any], fmt: Format | None = None) -> Workbook:
    """Write an agency's identity into a built template, replacing any earlier stamp.

    Given values are locked and shaded as prefilled; the other identity cells are blank inputs
    again, so one built workbook can be stamped and saved for every agency of a roster.
    """
    fmt = fmt or load()
    ws = wb[fmt.identity_sheet["sheet"]]
    summary = cached.is_summary(wb, fmt)
    sheet = workbook_layout(fmt, summary).sheet(ws.title)
    for f in identity_fields(fmt, summary):
        span = sheet.cells[f.key]
        cell = ws.cell(span.row, span.col)
        value = prefill.get(f.name)
        given = value not in (None, "")
        set_value(cell, value if given else None)
        cell.protection = Protection(locked=given)
        cell.fill = style.fill(style.PREFILLED if given else style.INPUT)
    return wb


def write(target: Path, prefill: Mapping[str, Any] | None = None, fmt: Format | None = None,
          workbook: Workbook | None = None) -> Path:
    """Save the template atomically to ``target`` (verified before it is moved in), each formula
    carrying the value it computes.

    Pass an already built ``workbook`` to stamp and save it again (a roster's many agencies).
    """
    fmt = fmt or load()
    wb = build(prefill, fmt) if workbook is None else stamp(workbook, prefill or {}, fmt)
    return cached.save(wb, Path(target), fmt, verify=lambda p: verify(p, fmt))


def verify(path: Path, fmt: Format | None = None, extra: tuple[str, ...] = ()) -> None:
    """Re-open a written template and check it carries the declared sheets in order (then
    ``extra`` sheets added after them, such as an import's record)."""
    fmt = fmt or load()
    wb = load_workbook(path, read_only=True)
    try:
        expected = [s.name for s in workbook_layout(fmt).sheets] + list(extra)
        if wb.sheetnames != expected:
            raise OutputError(f"写出的模板工作表不完整：{wb.sheetnames}")
    finally:
        wb.close()


def _page(ws: Worksheet, sheet: SheetLayout, fmt: Format) -> None:
    """A4, one page wide, header rows repeated; the sheet protected, its columns and rows resizable."""
    style.a4(ws, sheet.landscape, fmt.guide["footer"], top_bottom=0.6)
    ws.print_options.horizontalCentered = True
    if sheet.header_rows:
        ws.print_title_rows = f"{sheet.header_rows[0]}:{sheet.header_rows[1]}"
    if sheet.freeze:
        ws.freeze_panes = cell_ref(*sheet.freeze)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # staff may widen columns and heighten rows
    ws.protection.formatRows = False
    if sheet.kind == "checks":
        ws.protection.autoFilter = False
        ws.protection.sort = False


def _properties(wb: Workbook, fmt: Format) -> None:
    props = wb.properties
    props.title = fmt.meta["name"]
    props.creator = f"nianbao {__version__}"
    wb.custom_doc_props.append(StringProperty(name=fmt.meta["version_property"], value=fmt.meta["template_version"]))
