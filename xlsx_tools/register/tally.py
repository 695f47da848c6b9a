"""``nianbao tally``: a year of the register written into an agency's report workbook.

Only 表三's and 表四's input cells are written; 基本信息 and the narrative stay as they are. A
cell that already holds a different number is not overwritten silently: the run lists every
difference and writes nothing, unless told to replace. The written workbook gains a 统计依据 sheet
naming, for every number that is not 0, the register rows counted in it. It is saved atomically,
its formulas carrying their values, and it validates clean on the tables by construction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ..format.declaration import Format, load
from ..format.findings import plain_detail
from ..format.layout import workbook_layout
from ..read.container import Limits
from ..write import cached, style, template
from ..write.cells import set_text
from .count import Tally, count
from .limits import read_checked
from .rows import Register


class TallyError(Exception):
    """The run cannot go on (the target is not a report workbook): nothing was written."""


@dataclass
class Outcome:
    register: Register
    tally: Tally | None = None
    differences: list[tuple[str, Any, int]] = field(default_factory=list)  # field key, in the workbook, counted
    target: Path | None = None  # written
    notes: list[str] = field(default_factory=list)  # warnings for the user (an unfinished year)


def tally_register(source: Path, year: int, target: Path, into: Path | None = None, replace: bool = False,
                   rule: str | None = None, limits: Limits | None = None, fmt: Format | None = None,
                   today: dt.date | None = None) -> Outcome:
    """Count ``year`` from the register at ``source`` and write it into ``into`` (saved as ``target``)
    or into a new report workbook at ``target``. Register errors or unreplaced differences: nothing
    written; ``year``, the register's dates and the workbook's 报告年度 disagreeing: :class:`TallyError`."""
    fmt = fmt or load()
    register = read_checked(Path(source).read_bytes(), str(source), limits, fmt)
    out = Outcome(register)
    if register.errors or not register.readable:
        return out
    book = _workbook(into, year, fmt)
    layout = workbook_layout(fmt)
    _same_year(register, year, book, into, layout, fmt.identity_field("year").label)
    today = today or dt.date.today()
    if year >= today.year:
        out.notes.append(f"{year} 年度尚未结束（今天是 {today:%Y-%m-%d}）：统计的只是到今天为止台账中登记的申请，"
                         "年度结束后请重新统计。")
    out.tally = count(register, year, rule, fmt)
    cells = {}
    for key, value in out.tally.values.items():
        sheet, span = layout.locate(key)
        cell = book[sheet].cell(span.row, span.col)
        cells[key] = cell
        if cell.value not in (None, "") and cell.value != value:
            out.differences.append((key, cell.value, value))
    if out.differences and not replace:
        return out
    for key, value in out.tally.values.items():
        cells[key].value = value
    _basis(book, out.tally, Path(source).name, fmt)
    out.target = cached.save(book, Path(target), fmt)
    return out


def _same_year(register: Register, year: int, book, into: Path | None, layout, label: str) -> None:
    """Refuse a tally whose year the register does not cover, or that the workbook does not report."""
    dates = [row.values.get("received") for row in (*register.applications, *register.cases)]
    years = sorted({d.year for d in dates if isinstance(d, dt.date)})
    sheet, span = layout.locate("id.year")
    found = book[sheet].cell(span.row, span.col).value if into is not None else None
    if isinstance(found, str) and found.strip().isdigit():
        found = int(found.strip())
    covered = not years or years[0] <= year <= years[-1]
    if covered and found in (None, "", year):
        return
    span_text = "（没有日期）" if not years else (f"{years[0]} 年" if len(years) == 1 else f"{years[0]}—{years[-1]} 年")
    wb_text = f"年报工作簿 {into.name} 的{label}为 {found if found not in (None, '') else '（未填）'}" if into else ""
    raise TallyError("年度不一致，未写入：要统计的是 " + f"{year} 年度（--year），台账中的申请收到于 {span_text}"
                     + (f"，{wb_text}" if wb_text else "") + "。请核对 --year、台账和年报工作簿是否为同一年度。")


def _workbook(into: Path | None, year: int, fmt: Format):
    if into is None:
        return template.build({"year": year}, fmt)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(into)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise TallyError(f"无法打开年报工作簿 {into}：{plain_detail(str(exc) or type(exc).__name__)}") from exc
    missing = [s.name for s in workbook_layout(fmt).sheets if s.name not in book.sheetnames]
    if missing:
        raise TallyError(f"{into} 不是年报工作簿（缺少“{'”“'.join(missing[:3])}”表）。")
    return book


def _basis(book, tally: Tally, source: str, fmt: Format) -> None:
    """The 统计依据 sheet: for every number not 0, the register rows counted in it."""
    name = fmt.register["basis"]
    if name in book.sheetnames:
        del book[name]
    ws = book.create_sheet(name)
    rule = fmt.register["case_rules"][tally.rule]
    set_text(ws.cell(1, 1), f"统计依据：{source}，{tally.year} 年度；表四统计口径：{rule}")
    ws.cell(1, 1).font = style.font(12, bold=True)
    for col, text in enumerate(("表", "项目", "列", "数值", "台账中的行（编号和行号）"), 1):
        cell = ws.cell(2, col, text)
        cell.font, cell.fill, cell.border = style.font(10, bold=True), style.fill(style.HEADER), style.BORDER
    r = 3
    for f in fmt.table_fields:
        rows = tally.basis.get(f.key)
        if not rows:
            continue
        for n, piece in enumerate(_pieces([row.where for row in rows])):
            set_text(ws.cell(r, 1), fmt.table(f.table).name)
            set_text(ws.cell(r, 2), "—".join(f.labels[:-1]) or f.labels[0])
            set_text(ws.cell(r, 3), f.labels[-1])
            if n == 0:
                ws.cell(r, 4, len(rows))
            set_text(ws.cell(r, 5), piece)
            r += 1
    for col, width in enumerate((8, 40, 14, 8, 90), 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(3, 1)


CELL_TEXT = 32_767  # the most characters a cell holds in Excel and WPS; a longer text is cut (or the file refused)


def _pieces(places: list[str], budget: int = CELL_TEXT - 767) -> list[str]:
    """The row list cut into texts that each fit one cell, continued on the next line of the sheet."""
    pieces, current, size = [], [], 0
    for place in places:
        if current and size + len(place) + 1 > budget:
            pieces.append("、".join(current))
            current, size = [], 0
        current.append(place)
        size += len(place) + 1
    return pieces + ["、".join(current)] if current else pieces

