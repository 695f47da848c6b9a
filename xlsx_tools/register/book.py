"""``nianbao register``: the register workbook staff fill all year, with no macros.

申请登记 and 复议诉讼 have their declared columns, a dropdown of the declared entries wherever a
column is a choice (the entries on a hidden 选项 sheet: the 21 results are too long for an inline
list), date and whole-number validation, an input hint on every column, frozen headers and room
for thousands of rows. 统计 shows, live, the 表三 and 表四 the register implies for the year in B2
— COUNTIFS over the register, as Excel, WPS, LibreOffice and Gnumeric all evaluate it — with the
identity 一 + 二 = （七） + 四 checked in each column. Every formula carries its value, counted
by :mod:`count` over the rows the workbook holds (none, when it is new).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import Rule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..format.declaration import Format, load
from ..write import cached, style
from ..write.cells import fit_rows, set_text
from ..write.output import write_atomic
from .count import Tally
from .layout import Column, RegisterLayout, register_layout

HEADER = 2  # the header row; rows start below it
FIRST = HEADER + 1
STATS_TOP = 4  # the 统计 sheet's first header row


def build(agency: str = "", year: int | None = None, fmt: Format | None = None,
          applications: list[dict[str, Any]] | None = None, cases: list[dict[str, Any]] | None = None
          ) -> tuple[Workbook, dict]:
    """The register workbook (rows given are filled in, as tests and re-saving need), and the
    values of the 统计 sheet's formulas by (sheet, row, column), for :func:`save`."""
    fmt = fmt or load()
    spec, layout = fmt.register, register_layout(fmt)
    year = year or dt.date.today().year
    wb = Workbook()
    wb.remove(wb.active)
    title = spec["title"].format(agency=agency, year=year)
    choices = _choices(wb, layout, fmt)
    ranges = {}
    for name, columns, rows in ((spec["applications"], layout.columns, applications or []),
                                (spec["cases"], layout.case_columns, cases or [])):
        ws = wb.create_sheet(name, 0 if name == spec["applications"] else None)
        _sheet(ws, f"{title}：{name}", columns, rows, choices, spec["room"])
        last = HEADER + spec["room"]
        ranges[name] = {c.key: f"'{name}'!${get_column_letter(n)}${FIRST}:${get_column_letter(n)}${last}"
                        for n, c in enumerate(columns, 1)}
    wb.move_sheet(spec["choices"], offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(spec["choices"]))
    stats = wb.create_sheet(spec["stats"])
    values = _stats(stats, year, ranges, layout, fmt)
    wb[spec["choices"]].sheet_state = "hidden"
    wb.properties.title = title
    return wb, values


def save(wb: Workbook, values: dict, target: Path, tally: Tally | None = None, fmt: Format | None = None) -> Path:
    """Save atomically, every formula with its value: the counts of ``tally`` (0 without one)."""
    cells = {key: (tally.values.get(field, 0) if tally else 0) if isinstance(field, str) else field
             for key, field in values.items()}
    cells = {key: _resolve(value, cells) for key, value in cells.items()}
    buffer = io.BytesIO()
    wb.save(buffer)
    data = cached.with_values(buffer.getvalue(), cells)
    return write_atomic(Path(target), lambda tmp: tmp.write_bytes(data))


def _resolve(value: Any, cells: dict) -> Any:
    """A value given as a function of the other cells (a sum, a check) computed from them."""
    return value(cells) if callable(value) else value


def _choices(wb: Workbook, layout: RegisterLayout, fmt: Format) -> dict[str, str]:
    """The hidden sheet of dropdown entries; each kind's range, for the list validations."""
    ws = wb.create_sheet(fmt.register["choices"])
    out = {}
    kinds = [("applicant", list(layout.applicants)), ("result", list(layout.results)),
             ("case_type", list(layout.case_types)), ("case_result", list(layout.case_results)),
             ("yesno", [fmt.register["yes_entry"]])]
    for n, (kind, entries) in enumerate(kinds, 1):
        letter = get_column_letter(n)
        ws.cell(1, n, kind)
        for r, entry in enumerate(entries, 2):
            set_text(ws.cell(r, n), entry)
        out[kind] = f"'{ws.title}'!${letter}$2:${letter}${len(entries) + 1}"
    return out


def _sheet(ws, title: str, columns: tuple[Column, ...], rows: list[dict[str, Any]], choices: dict[str, str],
           room: int) -> None:
    set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = style.font(14, bold=True, heading=True)
    last = HEADER + room
    for n, col in enumerate(columns, 1):
        letter = get_column_letter(n)
        cell = ws.cell(HEADER, n)
        set_text(cell, col.label)
        cell.font, cell.fill, cell.border = style.font(10, bold=True), style.fill(style.HEADER), style.BORDER
        cell.alignment = style.align()
        ws.column_dimensions[letter].width = col.width
        if col.kind == "date":
            check = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True)
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif col.kind == "count":
            check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        elif col.kind in choices:
            check = DataValidation(type="list", formula1=f"={choices[col.kind]}", allow_blank=True)
        else:
            check = DataValidation(type="custom", formula1="TRUE", allow_blank=True)  # the hint only
        check.promptTitle, check.prompt, check.showInputMessage = col.label, col.hint[:250], True
        check.error, check.errorTitle, check.showErrorMessage = col.hint[:250], col.label, col.kind != "text"
        check.add(f"{letter}{FIRST}:{letter}{last}")
        ws.add_data_validation(check)
    for r, row in enumerate(rows, FIRST):
        for n, col in enumerate(columns, 1):
            value = row.get(col.key)
            cell = ws.cell(r, n)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            if col.kind == "date" and isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = ws.cell(FIRST, 2)
    ws.auto_filter.ref = f"A{HEADER}:{get_column_letter(len(columns))}{last}"
    style.a4(ws, landscape=True)


def _stats(ws, year: int, ranges: dict[str, dict[str, str]], layout: RegisterLayout, fmt: Format) -> dict:
    """The live 表三 and 表四 of the year in B2; returns what each formula shows, by cell."""
    spec = fmt.register
    name = ws.title
    set_text(ws.cell(1, 1), spec["stats_note"].format(year=year))
    ws.cell(1, 1).font = style.font(11, bold=True)
    set_text(ws.cell(2, 1), "统计年度")
    ws.cell(2, 2, year)
    start, end = "DATE($B$2,1,1)", "DATE($B$2,12,31)"
    apps, cases = ranges[spec["applications"]], ranges[spec["cases"]]
    t3 = fmt.table(spec["new"].split(".")[0])
    columns = list(layout.applicants.items())
    values: dict = {}
    top = STATS_TOP
    set_text(ws.cell(top, 1), t3.name)
    for n, (label, _) in enumerate(columns, 2):
        set_text(ws.cell(top, n), label)
    total_col = len(columns) + 2
    set_text(ws.cell(top, total_col), next(c.label for c in t3.leaf_columns if c.is_total))
    rows = [(spec["new"], None), (spec["carried_in"], None)] + \
        [(f"{t3.key}.{key}", label) for label, key in layout.results.items()] + \
        [(spec["results_total"], None), (spec["carry_over"], None)]
    at: dict[str, int] = {}
    for r, (row_key, result) in enumerate(rows, top + 1):
        at[row_key] = r
        set_text(ws.cell(r, 1), result or fmt.field(f"{row_key}.{columns[0][1]}").labels[-2])
        for n, (_, key) in enumerate(columns, 2):
            who = f"{apps['applicant']},{_ref(top, n)}"
            formula = _t3_formula(row_key, who, apps, start, end, spec, at, n, result, r)
            ws.cell(r, n, formula)
            values[(name, r, n)] = f"{row_key}.{key}" if row_key != spec["results_total"] else \
                _sum_of(name, [at[k] for k, _ in rows[2:-2]], n)
        ws.cell(r, total_col, f"=SUM({_ref(r, 2)}:{_ref(r, total_col - 1)})")
        values[(name, r, total_col)] = _sum_row(name, r, 2, total_col - 1)
    check = top + len(rows) + 1
    set_text(ws.cell(check, 1), "一＋二＝（七）＋四")
    for n in range(2, total_col + 1):
        new, carried = _ref(at[spec["new"]], n), _ref(at[spec["carried_in"]], n)
        done, carry = _ref(at[spec["results_total"]], n), _ref(at[spec["carry_over"]], n)
        ws.cell(check, n, f'=IF({new}+{carried}={done}+{carry},"{fmt.marks["ok"]}","{fmt.marks["fail"]}")')
        values[(name, check, n)] = _identity(name, [at[spec["new"]], at[spec["carried_in"]]],
                                             [at[spec["results_total"]], at[spec["carry_over"]]], n, fmt)
    _t4(ws, check + 2, cases, layout, fmt, values, start, end)
    t4_rows = len(layout.case_types)
    _dress(ws, [(top, check, total_col), (check + 3, check + 3 + t4_rows, len(layout.case_results) + 2)], check, fmt)
    ws.column_dimensions["A"].width = 44
    for n in range(2, total_col + 1):
        ws.column_dimensions[get_column_letter(n)].width = 11
    ws.freeze_panes = ws.cell(top + 1, 2)
    fit_rows(ws)
    style.a4(ws, landscape=False)
    return values


def _dress(ws, blocks: list[tuple[int, int, int]], check: int, fmt: Format) -> None:
    """The tables drawn as tables (header row, last row, last column each): ruled cells, a shaded bold
    header, numbers centred under their headers, the note wrapped over the table's width, ✘ in red."""
    width = max(last_col for _, _, last_col in blocks)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).alignment = style.align("left", wrap=True)
    ws.cell(2, 1).font = style.font(11, bold=True)
    ws.cell(2, 2).alignment = style.align()
    ws.cell(2, 2).fill = style.fill(style.INPUT)
    ws.cell(2, 2).border = style.BORDER
    for header, last, last_col in blocks:
        for r in range(header, last + 1):
            for c in range(1, last_col + 1):
                cell = ws.cell(r, c)
                cell.border = style.BORDER
                cell.alignment = style.align("left" if c == 1 and r > header else "center")
                if r == header:
                    cell.font, cell.fill = style.font(10, bold=True), style.fill(style.HEADER)
                elif c > 1:
                    cell.fill = style.fill(style.FORMULA)
        ws.cell(header - 1, 1).font = style.font(11, bold=True)  # the table's title above it (表四's)
    for c in range(2, blocks[0][2] + 1):
        ws.cell(check, c).font = style.font(11, bold=True, colour=style.OK_FONT_COLOUR)
    ws.conditional_formatting.add(f"{_ref(check, 2)}:{_ref(check, blocks[0][2])}", Rule(
        type="expression", dxf=style.mark("error"), formula=[f'{_ref(check, 2)}="{fmt.marks["fail"]}"']))


def _ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _t3_formula(row_key: str, who: str, apps: dict, start: str, end: str, spec: dict, at: dict, n: int,
                result: str | None, r: int) -> str:
    got, replied = apps["received"], apps["replied"]
    if row_key == spec["new"]:
        return f'=COUNTIFS({who},{got},">="&{start},{got},"<="&{end})'
    if row_key == spec["carried_in"]:
        return f'=COUNTIFS({who},{got},"<"&{start})-COUNTIFS({who},{got},"<"&{start},{replied},"<"&{start})'
    if row_key == spec["carry_over"]:
        return f'=COUNTIFS({who},{got},"<="&{end})-COUNTIFS({who},{got},"<="&{end},{replied},"<="&{end})'
    if row_key == spec["results_total"]:
        first = min(v for k, v in at.items() if k not in (spec["new"], spec["carried_in"]))
        return f"=SUM({_ref(first, n)}:{_ref(r - 1, n)})"
    return f'=COUNTIFS({who},{apps["result"]},$A{r},{replied},">="&{start},{replied},"<="&{end})'


def _sum_of(sheet: str, rows: list[int], col: int):
    return lambda cells: sum(cells[(sheet, r, col)] for r in rows)


def _sum_row(sheet: str, row: int, first: int, last: int):
    return lambda cells: sum(_resolve(cells[(sheet, row, c)], cells) for c in range(first, last + 1))


def _identity(sheet: str, left: list[int], right: list[int], col: int, fmt: Format):
    def total(cells, rows: list[int]) -> int:
        return sum(_resolve(cells[(sheet, r, col)], cells) for r in rows)

    def shown(cells):
        return fmt.marks["ok"] if total(cells, left) == total(cells, right) else fmt.marks["fail"]
    return shown


def _t4(ws, top: int, cases: dict, layout: RegisterLayout, fmt: Format, values: dict, start: str, end: str) -> None:
    """表四 by the declared default rule (cases received in the year; open ones as 尚未审结)."""
    spec = fmt.register
    name = ws.title
    t4 = fmt.table(spec["cases_table"])
    set_text(ws.cell(top, 1), f"{t4.name}（{spec['case_rules'][spec['case_rule']]}）")
    results = list(layout.case_results.items())
    for n, (label, _) in enumerate(results, 2):
        set_text(ws.cell(top + 1, n), label)
    total_col = len(results) + 2
    set_text(ws.cell(top + 1, total_col), next(c.label for c in t4.leaf_columns if c.is_total))
    got = cases["received"]
    for r, (label, kind) in enumerate(layout.case_types.items(), top + 2):
        set_text(ws.cell(r, 1), label)
        mine = f'{cases["type"]},$A{r},{got},">="&{start},{got},"<="&{end}'
        ws.cell(r, total_col, f"=COUNTIFS({mine})")
        for n, (_, column) in enumerate(results, 2):
            if column == layout.pending:
                others = "-".join(_ref(r, m) for m in range(2, total_col) if m != n)
                ws.cell(r, n, f"={_ref(r, total_col)}-{others}")
            else:
                ws.cell(r, n, f"=COUNTIFS({mine},{cases['result']},{_ref(top + 1, n)})")
            values[(name, r, n)] = f"{spec['cases_table']}.{kind}.{column}"
        values[(name, r, total_col)] = _sum_row(name, r, 2, total_col - 1)
