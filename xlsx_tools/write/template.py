"""The master template workbook that agencies fill, built from the declaration.

Sheets, labels and positions come from :mod:`layout`, live checks from :mod:`rules` through
:mod:`formula`. The result works in Excel, WPS and LibreOffice with no macros: totals are
formulas, the 校验 sheet recalculates as staff type, and conditional formats mark offending cells.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import Rule as FormatRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..format.address import cell_ref, sheet_ref
from ..format.declaration import Field, Format, Section, load
from ..format.formula import Translator, status, text
from ..format.layout import SheetLayout, Span, WorkbookLayout, identity_fields, workbook_layout
from ..format.rules import CELLWISE, Check, checks, marked_keys, resolve, top_call
from . import style
from .output import OutputError, save_workbook

SEVERITY_ORDER = ("error", "warning", "info")
NARRATIVE_ROW_HEIGHT = 120  # points: a visible writing box; staff may heighten it further
LINE_HEIGHT = 14.5  # points per wrapped line of 10–11 pt CJK text


def set_text(cell, value: str) -> None:
    """Write agency text as a string cell, never as a formula, whatever it starts with."""
    cell.value = value
    cell.data_type = "s"


def set_value(cell, value: Any) -> None:
    """Write a value as it is: text as a string cell (see :func:`set_text`), anything else as such."""
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value


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
    wb = _Builder(fmt, workbook_layout(fmt, summary)).build()
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
    summary = any(f.label == ws.cell(*_label_cell(fmt, f)).value for f in fmt.summary_identity)
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


def _label_cell(fmt: Format, f) -> tuple[int, int]:
    """Where a summary identity field's label stands (it is absent from an agency's template)."""
    span = workbook_layout(fmt, True).sheet(fmt.identity_sheet["sheet"]).cells[f.key]
    return span.row, span.col - 1


def write(target: Path, prefill: Mapping[str, Any] | None = None, fmt: Format | None = None,
          workbook: Workbook | None = None) -> Path:
    """Save the template atomically to ``target`` (verified before it is moved in).

    Pass an already built ``workbook`` to stamp and save it again (a roster's many agencies).
    """
    fmt = fmt or load()
    wb = build(prefill, fmt) if workbook is None else stamp(workbook, prefill or {}, fmt)
    return save_workbook(wb, Path(target), verify=lambda p: verify(p, fmt))


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


class _Builder:
    def __init__(self, fmt: Format, layout: WorkbookLayout):
        self.fmt, self.layout = fmt, layout
        self.tr = Translator(fmt, layout)
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.validations: dict[tuple[str, str], DataValidation] = {}

    def build(self) -> Workbook:
        for sheet in self.layout.sheets:
            ws = self.wb.create_sheet(sheet.name)
            self._labels(ws, sheet)
        self._identity()
        self._narratives()
        for table in self.fmt.tables:
            self._table(table)
        self._checks()
        for sheet in self.layout.sheets:
            self._page(self.wb[sheet.name], sheet)
            fit_rows(self.wb[sheet.name])
        self.wb.security = WorkbookProtection(lockStructure=True)
        self._properties()
        return self.wb

    # -- fixed labels ---------------------------------------------------------------------------
    def _labels(self, ws: Worksheet, sheet: SheetLayout) -> None:
        legend = {
            "legend_input": style.INPUT, "legend_formula": style.FORMULA,
            "legend_prefilled": style.PREFILLED, "legend_error": style.SEVERITY_COLOURS["error"][0],
            "legend_warning": style.SEVERITY_COLOURS["warning"][0],
        }
        boxed = sheet.kind in ("table", "identity", "checks")
        for label in sheet.labels:
            span = label.span
            cell = ws.cell(span.row, span.col)
            set_text(cell, label.text)
            if span.merged:
                ws.merge_cells(start_row=span.row, start_column=span.col,
                               end_row=span.last_row, end_column=span.last_col)
            if label.kind == "title":
                cell.font = style.font(16, bold=True, heading=True)
                cell.alignment = style.align()
                ws.row_dimensions[span.row].height = 32
            elif label.kind in ("header", "caption"):
                cell.font = style.font(11, bold=True)
                cell.alignment = style.align("left" if label.kind == "caption" else "center")
                self._box(ws, span, style.HEADER if boxed else None)
            elif label.kind == "stub":
                cell.font = style.font(11, bold=sheet.kind != "table")
                cell.alignment = style.align("left")
                self._box(ws, span, None if sheet.kind == "table" else style.HEADER)
            else:  # notes and legends
                cell.font = style.font(10, colour="595959" if label.kind == "note" else None)
                cell.alignment = style.align("left", "top")
                if label.kind in legend:
                    cell.fill = style.fill(legend[label.kind])
        for col, width in sheet.column_widths.items():
            ws.column_dimensions[_letter(col)].width = width

    @staticmethod
    def _box(ws: Worksheet, span: Span, colour: str | None) -> None:
        for row in ws.iter_rows(min_row=span.row, max_row=span.last_row,
                                min_col=span.col, max_col=span.last_col):
            for c in row:
                c.border = style.BORDER
                if colour:
                    c.fill = style.fill(colour)

    # -- input cells ----------------------------------------------------------------------------
    def _input(self, ws: Worksheet, span: Span, type_name: str, horizontal: str = "center",
               choices: tuple[str, ...] = ()) -> None:
        self._box(ws, span, style.INPUT)
        cell = ws.cell(span.row, span.col)
        cell.protection = Protection(locked=False)
        cell.font = style.font(11)
        cell.alignment = style.align(horizontal, "top" if horizontal == "left" else "center")
        self._validate(ws, span, type_name, choices)

    def _validate(self, ws: Worksheet, span: Span, type_name: str, choices: tuple[str, ...] = ()) -> None:
        key = (ws.title, type_name)
        dv = self.validations.get(key)
        if dv is None:
            dv = self._validation(type_name, choices)
            ws.add_data_validation(dv)
            self.validations[key] = dv
        dv.add(cell_ref(span.row, span.col))

    def _validation(self, type_name: str, choices: tuple[str, ...]) -> DataValidation:
        vt = self.fmt.types[type_name]
        first = self.fmt.meta["first_year"]
        if type_name == "count":
            args = dict(type="whole", operator="greaterThanOrEqual", formula1="0")
        elif type_name == "amount_wan":
            args = dict(type="decimal", operator="greaterThanOrEqual", formula1="0")
        elif type_name == "choice":
            args = dict(type="list", formula1=text(",".join(choices)))
        elif type_name == "year":
            args = dict(type="whole", operator="between", formula1=str(first), formula2="9999")
        elif type_name == "date":
            since = int(to_excel(dt.datetime(first, 1, 1)))
            args = dict(type="date", operator="greaterThanOrEqual", formula1=str(since))
        elif type_name == "uscc":
            args = dict(type="textLength", operator="equal", formula1=str(vt.length))
        else:  # free text with a length limit
            args = dict(type="textLength", operator="lessThanOrEqual", formula1=str(vt.max_length))
        return DataValidation(
            allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop",
            promptTitle=vt.prompt_title, prompt=vt.prompt, errorTitle=vt.error_title, error=vt.error,
            **args,
        )

    def _identity(self) -> None:
        ws = self.wb[self.fmt.identity_sheet["sheet"]]
        sheet = self.layout.sheet(ws.title)
        formats = {"year": "0", "date": "yyyy-mm-dd", "uscc": "@", "phone": "@"}
        for f in (f for f in identity_fields(self.fmt, summary=True) if f.key in sheet.cells):
            span = sheet.cells[f.key]
            cell = ws.cell(span.row, span.col)
            self._input(ws, span, f.type, "left", f.choices)
            cell.number_format = formats.get(f.type, "General")

    def _narratives(self) -> None:
        for section in self.fmt.narrative_sections:
            ws = self.wb[section.sheet]
            sheet = self.layout.sheet(section.sheet)
            for part in section.parts:
                span = sheet.cells[part.key]
                self._input(ws, span, "text", "left")
                ws.row_dimensions[span.row].height = NARRATIVE_ROW_HEIGHT

    def _table(self, table) -> None:
        ws = self.wb[table.sheet]
        sheet = self.layout.sheet(table.sheet)
        for f in table.fields:
            span = sheet.cells[f.key]
            if f.is_total:
                self._total(ws, sheet, f, span)
            else:
                self._input(ws, span, f.type)
                if span.merged:
                    ws.merge_cells(start_row=span.row, start_column=span.col,
                                   end_row=span.last_row, end_column=span.last_col)

    def _total(self, ws: Worksheet, sheet: SheetLayout, f: Field, span: Span) -> None:
        cell = ws.cell(span.row, span.col)
        cell.value = "=" + self.tr.total_formula(f)
        cell.font = style.font(11, bold=True)
        cell.alignment = style.align()
        self._box(ws, span, style.FORMULA)

    # -- the 校验 sheet and the marks --------------------------------------------------------------
    def _checks(self) -> None:
        chk = self.fmt.checks
        ws = self.wb[chk["sheet"]]
        first = self.fmt.layout["check_sheet_first_row"]
        left = self.fmt.layout["first_col"]
        ok, fail = self.fmt.marks["ok"], self.fmt.marks["fail"]
        all_checks = checks(self.fmt)
        last = first + len(all_checks) - 1
        sev_col = _letter(left + 1)
        status_col = _letter(left + 2)
        rows: dict[str, int] = {}
        for n, check in enumerate(all_checks):
            row = first + n
            rows[check.id] = row
            values = [
                check.code, self.fmt.severities[check.severity],
                "=" + status(self.tr.condition(check.tree), ok, fail),
                check.title, None, check.rule.hint, check.id,
            ]
            for i, value in enumerate(values):
                cell = ws.cell(row, left + i)
                if isinstance(value, str) and not value.startswith("="):
                    set_text(cell, value)
                else:
                    cell.value = value
                cell.border = style.BORDER
                cell.font = style.font(10, colour="808080" if i == 6 else None)
                cell.alignment = style.align("center" if i in (0, 1, 2) else "left")
            self._concerned(ws.cell(row, left + 4), check)

        def counted(sev: str) -> str:
            label = text(self.fmt.severities[sev])
            return (f"COUNTIFS(${sev_col}${first}:${sev_col}${last},{label},"
                    f"${status_col}${first}:${status_col}${last},{text(fail)})")

        pieces = []  # the declared summary sentence with a live count for each {severity}
        for literal, severity, _, _ in string.Formatter().parse(chk["summary"]):
            pieces += [text(literal)] if literal else []
            pieces += [counted(severity)] if severity else []
        title_row = self.fmt.layout["title_row"]
        width = len(chk["headers"])
        for offset, formula in ((1, "&".join(pieces)),
                                (2, f"IF({counted('error')}=0,{text(chk['ready'])},{text(chk['not_ready'])})")):
            row = title_row + offset
            cell = ws.cell(row, left)
            cell.value = "=" + formula
            cell.font = style.font(12, bold=True)
            cell.alignment = style.align("left")
            ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + width - 1)
        ws.auto_filter.ref = f"{_letter(left)}{first - 1}:{_letter(left + width - 1)}{last}"
        self._status_formats(ws, f"{status_col}{first}:{status_col}{last}", sev_col, status_col, first)
        self._marks(all_checks, rows)

    def _concerned(self, cell, check: Check) -> None:
        """List the cells a check concerns and link to the first of them."""
        spans = self._mark_spans(check)
        by_sheet: dict[str, list[str]] = {}
        for sheet_name, span, _ in spans:
            by_sheet.setdefault(sheet_name, []).append(span.range_ref)
        listed = "；".join(f"{s}!{'、'.join(refs)}" for s, refs in by_sheet.items())
        if len(listed) > 120:
            listed = listed[:118] + "…"
        set_text(cell, listed)
        if spans:
            sheet_name, span, _ = spans[0]
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{sheet_ref(sheet_name)}!{span.ref}",
                                       display=listed)
            cell.font = style.font(10, colour="0563C1")

    def _mark_spans(self, check: Check) -> list[tuple[str, Span, str | None]]:
        """(sheet, range, per-cell formula or None) for the cells a failing check marks."""
        fn = top_call(check.tree)
        if fn is not None:
            target = resolve(self.fmt, check.tree.args[0])  # type: ignore[attr-defined]
            if fn in CELLWISE:
                return [(target.sheet, span, formula) for span, formula in self.tr.cell_rule(fn, target)]
            if fn == "present" and isinstance(target, Section):
                out = []
                for part in target.parts:
                    sheet_name, span = self.layout.locate(part.key)
                    out.append((sheet_name, span, f"LEN(TRIM({span.ref}))=0"))
                return out
        return [(*self.layout.locate(k), None) for k in marked_keys(self.fmt, check)]

    def _marks(self, all_checks: tuple[Check, ...], rows: dict[str, int]) -> None:
        """Conditional formats that colour the cells of failing checks, errors taking precedence."""
        check_sheet = sheet_ref(self.fmt.checks["sheet"])
        status_col = _letter(self.fmt.layout["first_col"] + 2)
        fail = text(self.fmt.marks["fail"])
        for severity in SEVERITY_ORDER:
            for check in all_checks:
                if check.severity != severity:
                    continue
                by_sheet: dict[str, list[str]] = {}
                for sheet_name, span, formula in self._mark_spans(check):
                    ws = self.wb[sheet_name]
                    if formula is not None:
                        ws.conditional_formatting.add(span.range_ref, FormatRule(
                            type="expression", formula=[formula], dxf=style.mark(severity), stopIfTrue=True))
                    else:
                        by_sheet.setdefault(sheet_name, []).append(span.range_ref)
                condition = f"{check_sheet}!${status_col}${rows[check.id]}={fail}"
                for sheet_name, refs in by_sheet.items():
                    self.wb[sheet_name].conditional_formatting.add(" ".join(refs), FormatRule(
                        type="expression", formula=[condition], dxf=style.mark(severity), stopIfTrue=True))

    def _status_formats(self, ws: Worksheet, rng: str, sev_col: str, status_col: str, first: int) -> None:
        fail = text(self.fmt.marks["fail"])
        for severity in SEVERITY_ORDER:
            label = text(self.fmt.severities[severity])
            ws.conditional_formatting.add(rng, FormatRule(
                type="expression", dxf=style.mark(severity), stopIfTrue=True,
                formula=[f"AND(${status_col}{first}={fail},${sev_col}{first}={label})"]))
        ws.conditional_formatting.add(rng, FormatRule(
            type="expression", formula=[f"${status_col}{first}={text(self.fmt.marks['ok'])}"],
            dxf=style.DifferentialStyle(font=style.Font(color=style.OK_FONT_COLOUR, bold=True))))

    # -- print, protection, properties ------------------------------------------------------------
    def _page(self, ws: Worksheet, sheet: SheetLayout) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = self.fmt.guide["footer"]
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

    def _properties(self) -> None:
        props = self.wb.properties
        props.title = self.fmt.meta["name"]
        props.creator = f"nianbao {__version__}"
        self.wb.custom_doc_props.append(StringProperty(name=self.fmt.meta["version_property"],
                                                       value=self.fmt.meta["template_version"]))


_letter = get_column_letter


def display_width(value: str) -> int:
    """Width in Excel column units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def fit_rows(ws: Worksheet) -> None:
    """Heighten rows whose wrapped text needs more than one line.

    Neither openpyxl nor LibreOffice sizes rows on load, so without this long labels overlap.
    Cells merged over several rows are left alone: the rows they span give them room.
    """
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1)} - set(spans)
    need: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or value.startswith("=") or (cell.row, cell.column) in covered:
                continue
            m = spans.get((cell.row, cell.column))
            if m is not None and m.max_row > m.min_row:
                continue
            last = m.max_col if m is not None else cell.column
            width = sum(ws.column_dimensions[_letter(c)].width or 8.43 for c in range(cell.column, last + 1))
            size = (cell.font.sz or 11) / 11
            lines = sum(-(-int(display_width(part) * size * 0.85) // max(int(width) - 1, 1)) or 1
                        for part in cell.value.split("\n"))
            if lines > 1:
                need[cell.row] = max(need.get(cell.row, 0), lines * LINE_HEIGHT + 3)
    for r, height in need.items():
        current = ws.row_dimensions[r].height
        if current is None or current < height:
            ws.row_dimensions[r].height = height
