"""The sheets staff fill: labels where the statute puts them, input cells with their data
validation and hints, and the totals as formulas.

Positions come from :mod:`format.layout`, total formulas from :mod:`format.formula`; the 校验
sheet's rows and the marks are :mod:`checksheet`'s.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..format.address import cell_ref
from ..format.declaration import Field, Format
from ..format.formula import Translator, text
from ..format.layout import SheetLayout, Span, WorkbookLayout, identity_fields
from . import style
from .cells import set_text

NARRATIVE_ROW_HEIGHT = 120  # points: a visible writing box; staff may heighten it further


class Form:
    """Builds every declared sheet into an empty workbook: labels, input cells and totals."""

    def __init__(self, fmt: Format, layout: WorkbookLayout, wb: Workbook, tr: Translator):
        self.fmt, self.layout, self.wb, self.tr = fmt, layout, wb, tr
        self.validations: dict[tuple[str, str], DataValidation] = {}

    def build(self) -> None:
        for sheet in self.layout.sheets:
            ws = self.wb.create_sheet(sheet.name)
            self._labels(ws, sheet)
        self._identity()
        self._narratives()
        for table in self.fmt.tables:
            self._table(table)

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
            ws.column_dimensions[get_column_letter(col)].width = width

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
