"""The 校验 sheet: one row per declared check with a live ✔/✘, the summary sentence counting
failures by severity, and the conditional formats that colour the cells of a failing check.

Conditions come from :mod:`format.rules`, translated into portable worksheet formulas by
:mod:`format.formula`; nothing here needs macros.
"""

from __future__ import annotations

import string

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule as FormatRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..format.address import sheet_ref
from ..format.declaration import Format, Section
from ..format.formula import Translator, status, text
from ..format.layout import Span, WorkbookLayout, check_cells
from ..format.rules import CELLWISE, Check, checks, marked_keys, resolve, top_call
from . import style
from .cells import set_text

SEVERITY_ORDER = ("error", "warning", "info")


class CheckSheet:
    """Fills the 校验 sheet of a workbook whose sheets :class:`form.Form` has built, and adds the marks."""

    def __init__(self, fmt: Format, layout: WorkbookLayout, wb: Workbook, tr: Translator):
        self.fmt, self.layout, self.wb, self.tr = fmt, layout, wb, tr

    # -- the rows --------------------------------------------------------------
    def build(self) -> None:
        """The check rows, the two summary lines above them, their formats and the marks."""
        chk = self.fmt.checks
        ws = self.wb[chk["sheet"]]
        at = check_cells(self.fmt)
        first, left = at.first, self.fmt.layout["first_col"]
        all_checks = checks(self.fmt)
        last = first + len(all_checks) - 1
        sev_col, status_col = get_column_letter(at.severity_col), get_column_letter(at.status_col)
        rows: dict[str, int] = {}
        for n, check in enumerate(all_checks):
            row = first + n
            rows[check.id] = row
            values = [
                check.code, self.fmt.severities[check.severity], "=" + status_formula(self.fmt, self.tr, check),
                check.title, None, check.rule.hint,
            ]
            for i, value in enumerate(values):
                cell = ws.cell(row, left + i)
                if isinstance(value, str) and not value.startswith("="):
                    set_text(cell, value)
                else:
                    cell.value = value
                cell.border = style.BORDER
                cell.font = style.font(10)
                cell.alignment = style.align("center" if i in (0, 1, 2) else "left")
            self._concerned(ws.cell(row, left + 4), check)
        width = len(chk["headers"])
        summary, banner = summary_formulas(self.fmt)
        for (row, col), formula in ((at.summary, summary), (at.banner, banner)):
            cell = ws.cell(row, col)
            cell.value = "=" + formula
            cell.font = style.font(12, bold=True)
            cell.alignment = style.align("left")
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + width - 1)
        ws.auto_filter.ref = f"{get_column_letter(left)}{first - 1}:{get_column_letter(left + width - 1)}{last}"
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
        status_col = get_column_letter(check_cells(self.fmt).status_col)
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


def status_formula(fmt: Format, tr: Translator, check: Check) -> str:
    """A check's ✔/✘ formula (without '=')."""
    return status(tr.condition(check.tree), fmt.marks["ok"], fmt.marks["fail"])


def summary_formulas(fmt: Format) -> tuple[str, str]:
    """The summary line (the declared sentence with a live count for each {severity}) and the
    banner (ready to send or not), as formulas without '='."""
    chk, at = fmt.checks, check_cells(fmt)
    last = at.first + len(checks(fmt)) - 1
    sev, col = get_column_letter(at.severity_col), get_column_letter(at.status_col)
    fail = text(fmt.marks["fail"])

    def counted(severity: str) -> str:
        return (f"COUNTIFS(${sev}${at.first}:${sev}${last},{text(fmt.severities[severity])},"
                f"${col}${at.first}:${col}${last},{fail})")

    pieces = []
    for literal, severity, _, _ in string.Formatter().parse(chk["summary"]):
        pieces += [text(literal)] if literal else []
        pieces += [counted(severity)] if severity else []
    ready = f"IF({counted('error')}=0,{text(chk['ready'])},{text(chk['not_ready'])})"
    return "&".join(pieces), ready
