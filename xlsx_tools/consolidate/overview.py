"""概览: the summary's first sheet, for the people who read it rather than merge it again.

One row per included agency with the indicators people compare (declared in
``[summary.overview]``), sortable, with a total row of formulas that equals the statutory tables;
then two small blocks taken from 表三 and 表四 by formula, and three native charts (applications
by agency, the outcome mix, 复议/诉讼 results) that Excel, WPS and LibreOffice draw. Every formula
gets its cached value from the consolidation's own numbers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..format.address import cell_ref, get_column_letter
from ..format.declaration import Format
from ..format.layout import WorkbookLayout
from ..write import style
from ..write.cells import set_text
from ..write.sheetxml import Formula, Rows
from .submissions import Consolidation

HEADER_ROW = 5
#: at most this many agencies in the applications chart (the busiest; each needs about 0.7 cm for
#: its name to be printed, and the chart must fit a landscape page); the table lists them all
CHART_AGENCIES = 20
SIDE_CM, SIDE_COLS = 8.0, 7  # the 表三 and 表四 charts: their height, and the columns each takes
ROW_CM, HEADER_EXTRA_CM, CHAR_CM = 0.53, 1.0, 0.2  # a 15 pt row; the taller header row; a width unit
PAGE_CM = (27.6, 17.0)  # landscape A4 inside the margins, header and footer
COLUMN_CHARS = {1: 6, 2: 30, 3: 10}  # the table's column widths (characters), as _table sets them


@functools.lru_cache(maxsize=1024)
def keys(fmt: Format, ref: str) -> tuple[str, ...]:
    """Field keys a declared reference stands for: ``t3.granted.total`` itself, ``t3.granted``
    (the row's 总计), ``t3.denied.*`` (every row under the group 不予公开, column 总计). Cached:
    every agency's row asks for the same references."""
    if ref in fmt.fields:
        return (ref,)
    table_key, row, *rest = ref.split(".")
    table = fmt.table(table_key)
    total = next(c.key for c in table.leaf_columns if c.is_total)
    if rest == ["*"]:
        rows = [r.key for r in table.leaf_rows if r.parent == row]
    else:
        rows = [row]
    out = tuple(f"{table_key}.{r}.{total}" for r in rows)
    missing = [k for k in out if k not in fmt.fields]
    if missing or not out:
        raise KeyError(f"[summary.overview]: {ref} names no field ({missing})")
    return out


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value or 0


def total(fmt: Format, refs: list[str], value_of: Callable[[str], Any]) -> Any:
    """The sum of the fields ``refs`` stand for (see :func:`keys`), each read by ``value_of``."""
    return sum(_number(value_of(k)) for ref in refs for k in keys(fmt, ref))


class Overview:
    """Builds the 概览 sheet into a summary workbook; :meth:`build` returns the cached values of
    the formulas it wrote, by (sheet, row, column)."""

    def __init__(self, fmt: Format, layout: WorkbookLayout, result: Consolidation):
        self.fmt, self.layout, self.result = fmt, layout, result
        self.spec = fmt.summary["overview"]
        self.values: dict[tuple[str, int, int], Any] = {}
        #: the agency rows after the first, to splice into the saved sheet below it
        self.body = Rows(HEADER_ROW + 2, (), 0, 0)

    def build(self, wb: Workbook) -> dict[tuple[str, int, int], Any]:
        ws = wb.create_sheet(self.spec["sheet"], 0)
        wb.active = 0
        width = self._table(ws)
        top = self._total_row + 3
        outcome_rows = self._outcome_block(ws, top)
        appeals_top = top + outcome_rows + 2
        appeals = self._appeals_block(ws, appeals_top)
        self._charts(ws, appeals_top + appeals + 2, (top, outcome_rows), (appeals_top, appeals), width)
        self._page(ws, width)
        return self.values

    # -- the agency table --------------------------------------------------------------------------
    def _formula(self, ws: Worksheet, row: int, col: int, formula: str, value: Any, fmt: str = "General") -> None:
        cell = ws.cell(row, col)
        cell.value = "=" + formula
        cell.number_format = fmt
        self.values[(ws.title, row, col)] = value

    def _table(self, ws: Worksheet) -> int:
        spec, result, fmt = self.spec, self.result, self.fmt
        heads = list(spec["identity_headers"]) + [c["label"] for c in spec["columns"]]
        width = len(heads)
        counts = result.counts()
        set_text(ws.cell(1, 1), spec["title"].format(region=result.region or "", year=result.year or ""))
        ws.cell(1, 1).font = style.font(16, bold=True, heading=True)
        set_text(ws.cell(2, 1), spec["facts"].format(
            region=result.region or "—", year=result.year or "—", included=len(result.included),
            rejected=counts.get("rejected", 0), missing=sum(1 for m in result.missing if m.situation == "on_roster"),
            today=result.today.isoformat()))
        set_text(ws.cell(3, 1), spec["sort_note"])
        ws.cell(3, 1).font = style.font(10, colour="595959")
        for row in (1, 2, 3):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            ws.cell(row, 1).alignment = style.align("left")
        for col, text in enumerate(heads, 1):
            cell = ws.cell(HEADER_ROW, col)
            set_text(cell, text)
            cell.font = style.font(10, bold=True)
            cell.fill = style.fill(style.HEADER)
            cell.border = style.BORDER
            cell.alignment = style.align()
        ws.row_dimensions[HEADER_ROW].height = 42
        first = HEADER_ROW + 1
        rows = result.included
        # the first agency's row is written here and gives the rows' looks; the others are rendered
        # as worksheet XML with those looks and spliced in below it (see :attr:`body`): 20,000 rows
        # of openpyxl cells took seconds and a hundred megabytes
        spliced = []
        for n, s in enumerate(rows):
            values = self._row(first + n, n + 1, s)
            if n == 0:
                for col, value in enumerate(values, 1):
                    cell = ws.cell(first, col)
                    if isinstance(value, Formula):  # a share
                        self._percent(ws, first, col, value)
                    elif isinstance(value, str):
                        set_text(cell, value)
                    else:
                        cell.value = value
            else:
                spliced.append(values)
        last = first + len(rows) - 1
        total_row = self._total_row = first + len(rows)
        set_text(ws.cell(total_row, 2), spec["total_label"])
        for i, column in enumerate(spec["columns"]):
            col = len(spec["identity_headers"]) + 1 + i
            if "share" in column:
                self._percent(ws, total_row, col, self._share_formula(total_row, col, result.sums.__getitem__))
            else:
                letter = get_column_letter(col)
                value = total(fmt, column["sum"], result.sums.__getitem__)
                self._formula(ws, total_row, col, f"SUM({letter}{first}:{letter}{max(last, first)})", value)
        looks = style.Looks()
        for r in (first, total_row) if rows else (total_row,):
            for col in range(1, width + 1):
                is_total, left = r == total_row, col == 2
                looks.apply(ws.cell(r, col), (is_total, left), lambda t=is_total, lt=left: {
                    "border": style.BORDER, "font": style.font(10, bold=t),
                    "alignment": style.align("left" if lt else "center"),
                    **({"fill": style.fill(style.FORMULA)} if t else {})})
        self.body = Rows(first + 1, spliced, len(spliced), width,
                         tuple(ws.cell(first, col).style_id for col in range(1, width + 1)) if rows else ())
        ws.auto_filter.ref = f"A{HEADER_ROW}:{cell_ref(max(last, HEADER_ROW), width)}"
        ws.freeze_panes = cell_ref(first, 3)
        for col in range(1, width + 1):
            ws.column_dimensions[get_column_letter(col)].width = COLUMN_CHARS.get(col, 10)
        return width

    def _row(self, row: int, number: int, s) -> list[Any]:
        """An agency's row of the table: its number, name, kind and indicators."""
        fmt, spec = self.fmt, self.spec
        value_of = functools.partial(s.value, fmt)
        values: list[Any] = [number, s.name, str(s.identity.get("kind") or "")]
        for i, column in enumerate(spec["columns"]):
            col = len(spec["identity_headers"]) + 1 + i
            values.append(self._share_formula(row, col, value_of) if "share" in column
                          else total(fmt, column["sum"], value_of))
        return values

    def _share_formula(self, row: int, col: int, value_of: Callable[[str], Any]) -> Formula:
        """A percentage as a formula over the row's own cells; "—" when nothing was closed."""
        spec = self.spec
        labels = [c["label"] for c in spec["columns"]]
        column = spec["columns"][col - len(spec["identity_headers"]) - 1]
        base = len(spec["identity_headers"]) + 1
        num, den = (get_column_letter(base + labels.index(_label_of(spec, ref))) for ref in column["share"])
        p, w = (total(self.fmt, [ref], value_of) for ref in column["share"])
        return Formula(f'IF({den}{row}=0,"—",{num}{row}/{den}{row})', p / w if w else "—")

    def _percent(self, ws: Worksheet, row: int, col: int, formula: Formula) -> None:
        self._formula(ws, row, col, formula.text, formula.value, "0.0%")

    # -- blocks taken from the statutory tables --------------------------------------------------------
    def _ref(self, key: str) -> str:
        return self.layout.address(key)

    def _outcome_block(self, ws: Worksheet, top: int) -> int:
        chart = self.spec["outcome_chart"]
        self._block_head(ws, top, 2, [chart["caption"], self.fmt.table("t3").leaf_columns[-1].label])
        for n, (ref, label) in enumerate(zip(chart["rows"], chart["labels"], strict=True), 1):
            row = top + n
            set_text(ws.cell(row, 2), label)
            refs = keys(self.fmt, ref)
            value = total(self.fmt, [ref], self.result.sums.__getitem__)
            self._formula(ws, row, 3, f"SUM({','.join(self._ref(k) for k in refs)})", value)
            self._box(ws, row, 2, 3)
        return len(chart["rows"])

    def _appeals_block(self, ws: Worksheet, top: int) -> int:
        chart, t4 = self.spec["appeals_chart"], self.fmt.table("t4")
        labels = {i.key: i.label for i in (*t4.leaf_rows, *t4.leaf_columns)}
        left = 2
        self._block_head(ws, top, left, [chart["caption"], *(labels[c] for c in chart["columns"])])
        for n, row_key in enumerate(chart["rows"], 1):
            row = top + n
            set_text(ws.cell(row, left), labels[row_key])
            for i, col_key in enumerate(chart["columns"], 1):
                key = f"t4.{row_key}.{col_key}"
                self._formula(ws, row, left + i, self._ref(key), _number(self.result.sums[key]))
            self._box(ws, row, left, left + len(chart["columns"]))
        return len(chart["rows"])

    def _block_head(self, ws: Worksheet, row: int, col: int, heads: list[str]) -> None:
        for i, text in enumerate(heads):
            cell = ws.cell(row, col + i)
            set_text(cell, text)
            cell.font = style.font(10, bold=True)
            cell.fill = style.fill(style.HEADER)
            cell.alignment = style.align()
        self._box(ws, row, col, col + len(heads) - 1)

    @staticmethod
    def _box(ws: Worksheet, row: int, first: int, last: int) -> None:
        for col in range(first, last + 1):
            ws.cell(row, col).border = style.BORDER
            if ws.cell(row, col).font.sz != 10:
                ws.cell(row, col).font = style.font(10)

    # -- charts -----------------------------------------------------------------------------------------
    def _charts(self, ws: Worksheet, blocks_end: int, outcome: tuple[int, int], appeals: tuple[int, int],
                width: int) -> None:
        """The 表三 and 表四 charts beside their blocks, the applications chart (as tall as its agencies
        need) below: on the first page with the table where they fit, else from a new page (a chart
        is never cut). A chart with nothing to show is left out, and a line says so instead."""
        spec = self.spec
        rows = self._busiest()
        side = 2 + len(spec["appeals_chart"]["columns"]) + 2  # the first column right of the blocks
        side_end = outcome[0] + int(SIDE_CM / ROW_CM) + 1
        below = max(blocks_end, side_end) + 2
        height = max(7.5, 1.5 + 0.7 * len(rows))  # cm
        self._print_cols = max(width, side + 2 * SIDE_COLS)  # the charts beside the blocks are printed whole
        if not self._fits(below, height if rows else 0, self._print_cols):
            ws.row_breaks.append(Break(id=below - 2))
        self._chart_rows = (below + int(height / ROW_CM) + 4, below + int(height / ROW_CM) + 4 + max(len(rows), 1))
        charts = [(self._applications(ws, rows, height) if rows else None, spec["applications_chart"], f"A{below}")]
        first, n = outcome
        pie = PieChart()
        pie.add_data(Reference(ws, min_col=3, min_row=first, max_row=first + n), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=2, min_row=first + 1, max_row=first + n))
        pie.dataLabels = DataLabelList(showPercent=True, showVal=False, showCatName=False, showSerName=False,
                                       showLegendKey=False)
        pie.height, pie.width = SIDE_CM, 12.5
        pie.legend.position = "b"
        shown = any(self.values[(ws.title, r, 3)] for r in range(first + 1, first + n + 1))
        charts.append((pie if shown else None, spec["outcome_chart"], cell_ref(outcome[0], side)))
        first, n = appeals
        spec_appeals = spec["appeals_chart"]
        columns = len(spec_appeals["columns"])
        bar = BarChart()
        bar.type, bar.grouping, bar.overlap = "col", "stacked", 100
        bar.y_axis.title = spec_appeals["axis"]
        bar.add_data(Reference(ws, min_col=3, max_col=2 + columns, min_row=first, max_row=first + n),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=2, min_row=first + 1, max_row=first + n))
        bar.height, bar.width = SIDE_CM, 13
        stacks = [sum(self.values[(ws.title, r, c)] or 0 for c in range(3, 3 + columns))
                  for r in range(first + 1, first + n + 1)]
        _counts_axis(bar, max(stacks, default=0))
        charts.append((bar if any(stacks) else None, spec_appeals, cell_ref(outcome[0], side + SIDE_COLS)))
        empty = []
        for chart, chart_spec, anchor in charts:
            if chart is None:
                empty.append(chart_spec["title"])
                continue
            _title(chart, chart_spec["title"] + (self._which if chart_spec is spec["applications_chart"] else ""))
            ws.add_chart(chart, anchor)
        if empty:  # said on the row above the applications chart
            set_text(ws.cell(below - 1, 2), spec["empty_chart"].format(titles="、".join(empty)))
            ws.cell(below - 1, 2).font = style.font(10, colour="595959")
            ws.cell(below - 1, 2).alignment = style.align("left", wrap=False)

    def _fits(self, below: int, chart_cm: float, columns: int) -> bool:
        """Whether the rows above ``below`` and a chart ``chart_cm`` tall fit one landscape A4 page
        as printed one page wide (an estimate on the safe side: the page is scaled to the width)."""
        chars = sum(COLUMN_CHARS.get(c, 10) for c in range(1, columns + 1))
        scale = min(1.0, PAGE_CM[0] / (chars * CHAR_CM))
        tall = (below - 1) * ROW_CM + HEADER_EXTRA_CM + chart_cm
        return tall * scale <= PAGE_CM[1]

    def _application_columns(self) -> list[int]:
        spec = self.spec
        labels = [c["label"] for c in spec["columns"]]
        base = len(spec["identity_headers"]) + 1
        return [base + labels.index(name) for name in spec["applications_chart"]["columns"]]

    def _busiest(self) -> list[tuple[str, list[Any]]]:
        """(agency, its application numbers) for the agencies the chart shows, the busiest first."""
        fmt, spec = self.fmt, self.spec
        columns = {c["label"]: c for c in spec["columns"]}
        out = []
        for s in self.result.included:
            numbers = [total(fmt, columns[name]["sum"], functools.partial(s.value, fmt))
                       for name in spec["applications_chart"]["columns"]]
            out.append((s.name, numbers))
        out.sort(key=lambda item: -sum(item[1]))
        busy = [item for item in out if any(item[1])]
        self._which = (f"（申请最多的 {CHART_AGENCIES} 家）" if len(busy) > CHART_AGENCIES
                       else f"（有申请的 {len(busy)} 家）" if len(busy) < len(out) else "")
        return busy[:CHART_AGENCIES]

    def _applications(self, ws: Worksheet, rows: list[tuple[str, list[Any]]], height: float) -> BarChart:
        """申请数量 by agency from a block of their numbers below the charts (not printed)."""
        chart_spec = self.spec["applications_chart"]
        block, last = self._chart_rows
        set_text(ws.cell(block, 2), chart_spec["title"])
        for i, name in enumerate(chart_spec["columns"]):
            set_text(ws.cell(block, 3 + i), name)
        for n, (name, numbers) in enumerate(reversed(rows), 1):  # a bar chart draws its first category lowest
            set_text(ws.cell(block + n, 2), name)
            for i, value in enumerate(numbers):
                ws.cell(block + n, 3 + i).value = value
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.y_axis.title = chart_spec["axis"]
        n = len(chart_spec["columns"])
        chart.add_data(Reference(ws, min_col=3, max_col=2 + n, min_row=block, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=block + 1, max_row=last))
        chart.height, chart.width = height, 24
        _counts_axis(chart, max((sum(v or 0 for v in numbers) for _, numbers in rows), default=0))
        return chart

    def _page(self, ws: Worksheet, width: int) -> None:
        style.a4(ws, True, self.fmt.guide["footer"], top_bottom=0.5)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        block, last = self._chart_rows
        ws.print_area = f"A1:{cell_ref(block - 1, max(width, self._print_cols))}"  # not the charts' own numbers


def _title(chart, text: str, size: float = 12) -> None:
    """The chart's title in ``size`` points, bold: the default 18 pt wraps a long title in a chart
    beside a block, and a wrapped title prints cut."""
    from openpyxl.chart.text import RichText, Text
    from openpyxl.chart.title import Title
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun

    look = CharacterProperties(sz=int(size * 100), b=True)
    run = RegularTextRun(rPr=look, t=text)
    chart.title = Title(tx=Text(rich=RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=look), r=[run])])),
                        overlay=False)


def _counts_axis(chart: BarChart, largest: Any) -> None:
    """A count axis in whole numbers (1, 2, 3 …, never 0.5), from 0; the legend below the chart, its
    entries in the table's order."""
    axis = chart.y_axis
    axis.number_format, axis.scaling.min = "0", 0
    raw = max(1.0, float(largest or 0) / 5)  # about five steps of 1, 2 or 5 × 10ⁿ
    power = 10 ** math.floor(math.log10(raw))
    axis.majorUnit = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"


def _label_of(spec: dict, ref: str) -> str:
    """The label of the overview column that sums exactly ``ref``."""
    for column in spec["columns"]:
        if column.get("sum") == [ref]:
            return column["label"]
    raise KeyError(f"[summary.overview]: a share needs a column summing {ref}")
