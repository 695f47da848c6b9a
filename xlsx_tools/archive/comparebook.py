"""The comparison written for people: a workbook (同比概览, 逐项对比, 同比问题, 文字重复) and, on
request, the same as one self-contained web page. Both are made from one list of sheets
(:func:`sheets`), so they say the same."""

from __future__ import annotations

import html
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..consolidate import overview
from ..format.declaration import Format, load
from ..write import style
from ..write.output import save_workbook, write_atomic
from .changes import Change, Comparison

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class Sheet:
    """One sheet of the comparison: a title, header rows, body rows, column widths."""

    name: str
    title: str
    headers: list[list[str]]
    rows: list[list[Any]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    percent: set[int] = field(default_factory=set)  # columns shown as percentages
    frozen: int = 0  # columns kept in view when scrolling right
    text: set[int] = field(default_factory=set)  # columns of text, aligned left and wrapped
    strong: set[int] = field(default_factory=set)  # rows (0 = the first body row) set in bold


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sheets(c: Comparison, fmt: Format | None = None) -> list[Sheet]:
    fmt = fmt or load()
    names = fmt.compare["workbook"]
    return [_overview(c, fmt, names["overview"]), _fields(c, fmt, names["fields"]),
            _findings(c, names["findings"]), _reuse(c, names["reuse"])]


def _overview(c: Comparison, fmt: Format, name: str) -> Sheet:
    wanted = fmt.compare["overview"]
    columns = [col for col in fmt.summary["overview"]["columns"] if col["label"] in wanted]
    name_label = next(f.label for f in fmt.identity if f.name == "name")
    head1 = ["序号", name_label, "说明"] + [col["label"] for col in columns for _ in range(3)]
    head1 += ["同比问题", "文字重复率"]
    head2 = ["", "", ""] + ["上年", "本年", "增减"] * len(columns) + ["", ""]
    sheet = Sheet(name, _title(c, fmt), [head1, head2], widths=[5, 28, 9] + [7] * (3 * len(columns)) + [8, 9])
    sheet.percent, sheet.frozen, sheet.text = {len(head1)}, 2, {2}
    for n, a in enumerate(c.agencies, 1):
        note = "" if all(a.present) else ("本年新增" if a.present[1] else "本年未报")
        row = [n, a.name, note] + _indicators(columns, a.changes, fmt)
        sheet.rows.append(row + [len(a.findings), round(a.reuse, 3) if a.sections else None])
    if len(c.agencies) > 1 and c.totals:
        row = ["", "合计", f"{len(c.agencies)} 个单位"] + _indicators(columns, c.totals, fmt)
        sheet.rows.append(row + [len(c.every_finding), None])
    return sheet


def _indicators(columns: list[dict], found: list[Change], fmt: Format) -> list[Any]:
    last = {ch.key: ch.last for ch in found}
    now = {ch.key: ch.now for ch in found}
    out: list[Any] = []
    for col in columns:
        before, after = overview.total(fmt, col["sum"], last.get), overview.total(fmt, col["sum"], now.get)
        out += [before, after, after - before]
    return out


def _title(c: Comparison, fmt: Format) -> str:
    return fmt.compare["title"].format(scope=c.scope, last=c.last_year or "", now=c.year or "")


def _fields(c: Comparison, fmt: Format, name: str) -> Sheet:
    sheet = Sheet(name, f"{_title(c, fmt)}：逐项对比（{'合计' if len(c.agencies) > 1 else c.agencies[0].name}）",
                  [["表", "项目", "列", "上年", "本年", "增减", "增减率"]], widths=[7, 48, 22, 9, 9, 9, 9])
    sheet.percent, sheet.text = {7}, {2}
    changes: list[Change] = c.totals if len(c.agencies) > 1 else (c.agencies[0].changes if c.agencies else [])
    for ch in changes:
        f = fmt.field(ch.key)
        table = fmt.table(f.table).name
        rate = ch.rate
        if ch.delta not in (None, 0):
            sheet.strong.add(len(sheet.rows))
        sheet.rows.append([table, "—".join(f.labels[:-1]) or f.labels[0], f.labels[-1], _plain(ch.last),
                           _plain(ch.now), _plain(ch.delta), round(rate, 4) if rate is not None else None])
    return sheet


def _findings(c: Comparison, name: str) -> Sheet:
    sheet = Sheet(name, "同比问题（Y1 同比突变、Y2 归零、Y3 文字照抄上年，以及跨年度核对 X1、X2、C4）",
                  [["序号", "单位", "代码", "级别", "位置", "说明", "修改提示"]], widths=[5, 24, 8, 6, 12, 60, 40])
    sheet.text = {2, 6, 7}
    names = {a.file: a.name for a in c.agencies}
    for n, f in enumerate(c.every_finding, 1):
        place = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.sheet
        sheet.rows.append([n, names.get(f.file, f.file), f.code, SEVERITY.get(f.severity, f.severity), place,
                           f.message, f.hint])
    return sheet


def _reuse(c: Comparison, name: str) -> Sheet:
    sheet = Sheet(name, "与上年相同或几乎相同的句子（数字和年份不计，全角半角、空格不计）",
                  [["单位", "部分", "本部分重复率", "本年句子", "上年句子", "相似度"]], widths=[20, 16, 9, 52, 52, 8])
    sheet.percent, sheet.text = {3}, {1, 2, 4, 5}
    for a in c.agencies:
        for s in a.sections:
            if not s.pairs:
                sheet.rows.append([a.name, s.title, round(s.share, 3), "（没有与上年相同的句子）", "", None])
            for p in s.pairs:
                sheet.rows.append([a.name, s.title, round(s.share, 3), p.now, p.last, p.similarity])
    return sheet


# -- the workbook ---------------------------------------------------------------------------------------
def write_workbook(c: Comparison, target: Path, fmt: Format | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets(c, fmt or load()):
        tabulate(wb.create_sheet(sheet.name), sheet)
    return save_workbook(wb, target)


def tabulate(ws, sheet: Sheet) -> None:
    """``sheet`` written onto ``ws``: its title, its headers, its rows, printed landscape with the
    header on every page."""
    width = len(sheet.headers[0])
    ws.cell(1, 1, sheet.title).font = style.font(14, bold=True, heading=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.row_dimensions[1].height = 28
    for r, header in enumerate(sheet.headers, 3):
        for col, text in enumerate(header, 1):
            cell = ws.cell(r, col, text or None)
            cell.font, cell.alignment, cell.border = style.font(10, bold=True), style.align(), style.BORDER
            cell.fill = style.fill("DDEBF7")
        ws.row_dimensions[r].height = max(_height(header, sheet), 18)
    _merge_headers(ws, sheet.headers)
    first = 3 + len(sheet.headers)
    styles: dict[tuple, Any] = {}  # one style made per kind of cell, copied to the rest (openpyxl is slow to style)
    for r, row in enumerate(sheet.rows, first):
        changed = r - first in sheet.strong
        for col, value in enumerate(row, 1):
            cell = ws.cell(r, col, _plain(value))
            kind = (col in sheet.text, changed, col in sheet.percent and isinstance(value, (int, float)))
            if kind in styles:
                cell._style = copy(styles[kind])
                continue
            cell.border = style.BORDER
            cell.alignment = style.align("left" if kind[0] else "center")
            cell.font = style.font(10, bold=changed)
            if kind[2]:
                cell.number_format = "0.0%"
            styles[kind] = copy(cell._style)
        ws.row_dimensions[r].height = _height(row, sheet)
    for col, w in enumerate(sheet.widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = ws.cell(first, 1 + sheet.frozen)
    if sheet.rows:
        ws.auto_filter.ref = f"A{first - 1}:{get_column_letter(width)}{first + len(sheet.rows) - 1}"
    style.a4(ws, landscape=True, footer="第 &P 页，共 &N 页")
    ws.print_title_rows = f"3:{first - 1}"  # the header on every printed page


def _height(row: list[Any], sheet: Sheet) -> float:
    """A row tall enough for its wrapped text (a Chinese character about 2 width units at 10 pt)."""
    lines = 1
    for col, value in enumerate(row, 1):
        if isinstance(value, str) and col <= len(sheet.widths):
            lines = max(lines, -(-len(value) * 2 // max(int(sheet.widths[col - 1]) - 1, 1)))
    return 14 * lines + 2


def _merge_headers(ws, headers: list[list[str]]) -> None:
    """Two header rows: a label over several columns merged across, one with nothing under it down."""
    if len(headers) != 2:
        return
    top, under = headers
    col = 0
    while col < len(top):
        end = col
        while end + 1 < len(top) and top[end + 1] == top[col] and top[col]:
            end += 1
        if end > col:
            ws.merge_cells(start_row=3, start_column=col + 1, end_row=3, end_column=end + 1)
        elif not under[col]:
            ws.merge_cells(start_row=3, start_column=col + 1, end_row=4, end_column=col + 1)
        col = end + 1


# -- the web page -----------------------------------------------------------------------------------------
CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1400px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:2px solid #2f5597}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #999;padding:3px 6px}
th{background:#ddebf7}td{min-width:2.5em}td.n{text-align:right}tr:nth-child(even) td{background:#f7f9fc}
.warning{color:#9c5700}.error{color:#9c0006;font-weight:bold}"""


def write_html(c: Comparison, target: Path, fmt: Format | None = None) -> Path:
    fmt = fmt or load()
    text = page(_title(c, fmt), sheets(c, fmt))
    return write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def page(title: str, tables: list[Sheet], lead: str = "") -> str:
    """One self-contained web page of ``tables`` under ``title`` (``lead``: HTML put before them)."""
    title = html.escape(title)
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{title}</title>"
             f"<style>{CSS}</style></head><body><h1>{title}</h1>{lead}"]
    for sheet in tables:
        parts.append(f"<h2>{html.escape(sheet.name)}</h2><p>{html.escape(sheet.title)}</p><table>")
        for header in sheet.headers:
            parts.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
        for row in sheet.rows:
            cells = []
            for col, value in enumerate(row, 1):
                shown = _shown(value, col in sheet.percent)
                css = "n" if isinstance(value, (int, float, Decimal)) else SEVERITY_CLASS.get(value, "")
                cells.append(f"<td class='{css}'>{html.escape(shown)}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


SEVERITY_CLASS = {label: key for key, label in SEVERITY.items()}


def _shown(value: Any, percent: bool) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, (int, float)):
        return f"{value:.1%}"
    return str(_plain(value))
