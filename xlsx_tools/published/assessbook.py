"""The assessment written for people: a workbook (概览 with its charts, 评估结果 one row per report
worst first, 问题清单 each finding located in the original, 重复句子, 未找到) and, on request, the
same as one web page to circulate. Both are made from the same rows, so they say the same. The
概览's numbers are formulas over 评估结果 (so they follow a reader's filter-free edits), each
written with its cached value, so previewers and pandas see what Excel shows.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import DataPoint
from openpyxl.utils import get_column_letter, quote_sheetname

from ..archive.comparebook import SEVERITY, Sheet, page, tabulate
from ..format.address import cell_ref
from ..format.declaration import Format, load
from ..write import style
from ..write.cached import with_values
from ..write.output import write_atomic
from .assessment import RANK, Assessed, Assessment

CHART_COLUMN = 5  # the charts stand right of the blocks, from column E
FIRST = 4  # the first body row of a tabulated sheet (title, blank, one header row)
SUMMARY_CHARS = 160  # 主要问题: this many characters of a report's first problems
COLOURS = ("c00000", "7030a0", "ffc000", "70ad47")  # 不合格, 需人工核查, 基本合格, 合格


def _kinds(fmt: Format) -> dict[str, str]:
    """Each declared kind of problem's label, by its key."""
    return {c["key"]: c["label"] for c in fmt.assess["categories"]}


def _name(fmt: Format) -> str:
    return fmt.identity_field("name").label


def title(a: Assessment, fmt: Format) -> str:
    years = "、".join(f"{y} 年度" for y in a.years) or "年度未知"
    return fmt.assess["title"].format(scope="", years=years)


# -- the sheets ------------------------------------------------------------------------------------------
def results(a: Assessment, fmt: Format) -> Sheet:
    """评估结果: one row per report, worst first."""
    spec = fmt.assess
    labels = _kinds(fmt)
    head = ["序号", _name(fmt), "年度", "结论", "错误", "警告", "发布日期", "日期来源", "是否按时", "表格完整"]
    head += [labels[k] for k in spec["counted"]]
    head += ["与上年重复句数", "重复率", "上年报告", "原文文件", "文件类型", "主要问题"]
    widths = [5, 24, 6, 10, 5, 5, 11, 12, 7, 7] + [7] * len(spec["counted"]) + [8, 7, 18, 24, 9, 48]
    sheet = Sheet(spec["sheets"]["results"], f"{title(a, fmt)}：评估结果（问题多的在前）", [head], widths=widths)
    sheet.frozen, sheet.percent = 2, {head.index("重复率") + 1}
    sheet.text = {2, 8, head.index("上年报告") + 1, head.index("原文文件") + 1, len(head)}
    for n, r in enumerate(a.reports, 1):
        row = [n, r.name or "（未识别）", r.year, spec["verdicts"][r.verdict], r.errors, r.warnings,
               r.published.value.isoformat() if r.published else None, r.published.source if r.published else None,
               spec["on_time"][r.on_time], "—" if r.verdict == "manual" else ("是" if r.tables_complete else "否")]
        row += [r.counts[k] for k in spec["counted"]]
        share = r.reuse_share
        row += [r.reused if r.reuse is not None else None, round(share, 3) if share is not None else None,
                r.previous or "（未找到上年报告）", r.source.name, r.kind, _summary(r, fmt)]
        if r.verdict in ("fail", "manual"):
            sheet.strong.add(n - 1)
        sheet.rows.append(row)
    return sheet


def _summary(r: Assessed, fmt: Format) -> str:
    """The first problems of a report, in a line: what a reader sees first."""
    serious = [loc for loc in r.findings if loc.finding.severity in ("error", "warning")]
    if not serious:
        return "无"
    text = "；".join(f"[{loc.finding.code}] {loc.finding.message}" for loc in serious[:3])
    more = f"（共 {len(serious)} 项）" if len(serious) > 3 else ""
    return (text[:SUMMARY_CHARS] + "…" if len(text) > SUMMARY_CHARS else text) + more


def findings(a: Assessment, fmt: Format) -> Sheet:
    """问题清单: every finding, each located in the original and in the imported workbook."""
    spec = fmt.assess
    labels = _kinds(fmt)
    head = ["序号", _name(fmt), "原文文件", "类别", "规则", "级别", "原文位置", "工作簿位置", "表格项目", "问题",
            "修改提示"]
    sheet = Sheet(spec["sheets"]["findings"], "问题清单（原文位置：页、行或表格的行；工作簿位置：导入后的单元格）",
                  [head],
                  widths=[5, 22, 24, 10, 8, 6, 20, 14, 30, 60, 36])
    sheet.text, sheet.frozen = {2, 3, 7, 8, 9, 10, 11}, 2
    n = 0
    for r in a.reports:
        for loc in r.findings:
            n += 1
            f = loc.finding
            sheet.rows.append([n, r.name or "（未识别）", r.source.name, labels.get(loc.category, "未分类"), f.code,
                               SEVERITY.get(f.severity, f.severity), loc.origin, loc.place, loc.labels, f.message,
                               f.hint])
    return sheet


def reuse(a: Assessment, fmt: Format) -> Sheet:
    """重复句子: each sentence repeated from the same agency's report of the year before."""
    sheet = Sheet(fmt.assess["sheets"]["reuse"],
                  "与本单位上年年报相同或几乎相同的句子（数字和年份不计，全角半角、空格不计）",
                  [[_name(fmt), "上年报告", "部分", "本部分重复率", "本年句子", "上年句子", "相似度"]],
                  widths=[20, 22, 14, 9, 52, 52, 8])
    sheet.percent, sheet.text = {4}, {1, 2, 3, 5, 6}
    for r in a.reports:
        for s in r.reuse or []:
            for p in s.pairs:
                sheet.rows.append([r.name, r.previous, s.title, round(s.share, 3), p.now, p.last, p.similarity])
    return sheet


def missing(a: Assessment, fmt: Format) -> Sheet:
    """未找到: the roster's agencies whose report is not among those assessed."""
    names = ["name", "code", "kind", "region"]
    head = ["序号"] + [fmt.identity_field(n).label for n in names] + ["说明"]
    sheet = Sheet(fmt.assess["sheets"]["missing"], f"名录中未找到年报的单位（{len(a.missing)} 个）", [head],
                  widths=[5, 28, 22, 10, 20, 44])
    sheet.text = {2, 6}
    for n, g in enumerate(a.missing, 1):
        note = "没有找到该单位的年报（或年报标题中的单位名称与名录不一致）"
        sheet.rows.append([n] + [g.values.get(k) for k in names] + [note])
    return sheet


def sheets(a: Assessment, fmt: Format) -> list[Sheet]:
    out = [results(a, fmt), findings(a, fmt)]
    if any(r.reuse is not None for r in a.reports):
        out.append(reuse(a, fmt))
    if a.missing:
        out.append(missing(a, fmt))
    return out


# -- the overview ----------------------------------------------------------------------------------------
def blocks(a: Assessment, fmt: Format) -> list[tuple[list[str], list[list[Any]]]]:
    """The overview's blocks: (header, rows of [label, count…]), the numbers as computed here; the
    workbook writes each count as a formula over 评估结果 with this as its cached value."""
    spec = fmt.assess
    verdicts = [[spec["verdicts"][v], sum(r.verdict == v for r in a.reports), spec["verdict_rules"][v]]
                for v in RANK]
    verdicts.append(["合计", len(a.reports), ""])
    timely = [[spec["on_time"][k], sum(r.on_time == k for r in a.reports)] for k in ("yes", "late", "unknown")]
    labels = _kinds(fmt)
    kinds = [[labels[k], sum(r.counts[k] > 0 for r in a.reports), sum(r.counts[k] for r in a.reports)]
             for k in spec["counted"]]
    kinds.append(["与上年重复（句）", sum(r.reused > 0 for r in a.reports), sum(r.reused for r in a.reports)])
    return [(["评估结论", "份数", "判定标准"], verdicts), (["是否按时公布", "份数"], timely),
            (["问题类别", "有此问题的报告", "问题数"], kinds)]


def _formulas(a: Assessment, fmt: Format, results_sheet: Sheet) -> list[list[list[str | None]]]:
    """The formula of each count of :func:`blocks` (None where a count is not one)."""
    head = results_sheet.headers[0]
    last = FIRST + max(len(a.reports), 1) - 1
    ref = quote_sheetname(results_sheet.name)

    def col(label: str) -> str:
        letter = get_column_letter(head.index(label) + 1)
        return f"{ref}!${letter}${FIRST}:${letter}${last}"

    spec = fmt.assess
    verdicts = [[f'=COUNTIF({col("结论")},"{spec["verdicts"][v]}")', None] for v in RANK]
    verdicts.append(["=SUM(B{top}:B{bottom})", None])
    timely = [[f'=COUNTIF({col("是否按时")},"{spec["on_time"][k]}")'] for k in ("yes", "late", "unknown")]
    labels = _kinds(fmt)
    kinds = [[f'=COUNTIF({col(labels[k])},">0")', f"=SUM({col(labels[k])})"] for k in spec["counted"]]
    kinds.append([f'=COUNTIF({col("与上年重复句数")},">0")', f'=SUM({col("与上年重复句数")})'])
    return [verdicts, timely, kinds]


def _overview(wb: Workbook, a: Assessment, fmt: Format, results_sheet: Sheet, values: dict) -> None:
    ws = wb.create_sheet(fmt.assess["sheets"]["overview"], 0)
    name = ws.title
    ws.cell(1, 1, title(a, fmt)).font = style.font(14, bold=True, heading=True)
    ws.cell(2, 1, _lead(a, fmt)).font = style.font(10, colour="595959")
    for row in (1, 2):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
    ws.row_dimensions[2].height = 30
    ws.cell(2, 1).alignment = style.align("left", wrap=True)
    row = 4
    anchors = []
    for (head, rows), formulas in zip(blocks(a, fmt), _formulas(a, fmt, results_sheet), strict=True):
        for c, text in enumerate(head, 1):
            cell = ws.cell(row, c, text)
            cell.font, cell.fill, cell.border, cell.alignment = style.font(10, bold=True), style.fill("DDEBF7"), \
                style.BORDER, style.align()
        top = row + 1
        anchors.append((top, len(rows)))
        for values_row, formula_row in zip(rows, formulas, strict=True):
            row += 1
            for c, value in enumerate(values_row, 1):
                formula = formula_row[c - 2] if 1 < c <= len(formula_row) + 1 else None
                cell = ws.cell(row, c)
                if formula:
                    cell.value = formula.format(top=top, bottom=row - 1)
                    values[(name, row, c)] = value
                else:
                    cell.value = value
                cell.border = style.BORDER
                cell.font = style.font(10, bold=values_row[0] == "合计")
                cell.alignment = style.align("left" if c in (1, 3) and isinstance(value, str) else "center")
        row += 2
    if a.missing:
        ws.cell(row, 1, f"名录中未找到年报的单位：{len(a.missing)} 个（见“{fmt.assess['sheets']['missing']}”表）")
        row += 1
    for skipped in a.skipped:
        ws.cell(row, 1, f"未评估（年度为 {skipped.year}，不是 {a.year} 年度）：{skipped.source.name}")
        row += 1
    for col, width in zip("ABC", (22, 12, 40), strict=True):
        ws.column_dimensions[col].width = width
    _charts(ws, anchors, a)
    style.a4(ws, landscape=True, footer="第 &P 页，共 &N 页")


def _charts(ws, anchors: list[tuple[int, int]], a: Assessment) -> None:
    """The verdicts as a pie and the kinds of problem as bars, right of the blocks."""
    if not a.reports:
        return
    (verdict_top, _), _, (kind_top, kinds) = anchors
    pie = PieChart()
    pie.add_data(Reference(ws, min_col=2, min_row=verdict_top, max_row=verdict_top + 3))
    pie.set_categories(Reference(ws, min_col=1, min_row=verdict_top, max_row=verdict_top + 3))
    pie.dataLabels = DataLabelList(showVal=True, showPercent=False, showCatName=False, showSerName=False,
                                   showLegendKey=False)
    for n, colour in enumerate(COLOURS):  # each verdict its own colour: 不合格 red … 合格 green
        point = DataPoint(idx=n)
        point.graphicalProperties.solidFill = colour
        pie.series[0].dPt.append(point)
    pie.title, pie.height, pie.width = "评估结论", 7.5, 11
    pie.legend.position = "b"
    ws.add_chart(pie, cell_ref(4, CHART_COLUMN))
    bar = BarChart()
    bar.type = "bar"
    bar.add_data(Reference(ws, min_col=2, min_row=kind_top - 1, max_row=kind_top + kinds - 1), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=kind_top, max_row=kind_top + kinds - 1))
    bar.title, bar.height, bar.width = "各类问题涉及的报告数", 7.5, 13
    bar.legend = None
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    bar.y_axis.majorUnit = max(1, -(-len(a.reports) // 5))
    bar.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False)
    ws.add_chart(bar, cell_ref(20, CHART_COLUMN))


def _lead(a: Assessment, fmt: Format) -> str:
    due = a.deadline.isoformat() if a.deadline else "报告年度次年 1 月 31 日"
    return (f"共评估 {len(a.reports)} 份已发布的年报；按时公布的截止日期：{due}。"
            f"每份年报经导入后按与 nianbao validate 相同的规则校验；“问题清单”注明每个问题在原文中的位置。"
            f"生成于 {dt.datetime.now():%Y-%m-%d %H:%M}。")


# -- writing -------------------------------------------------------------------------------------------
def write_workbook(a: Assessment, target: Path, fmt: Format | None = None) -> Path:
    """The assessment workbook, its overview's formulas carrying their values, written atomically."""
    import io

    fmt = fmt or load()
    wb = Workbook()
    wb.remove(wb.active)
    made = sheets(a, fmt)
    for sheet in made:
        tabulate(wb.create_sheet(sheet.name), sheet)
    values: dict = {}
    _overview(wb, a, fmt, made[0], values)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = with_values(buffer.getvalue(), values)
    return write_atomic(Path(target), lambda tmp: tmp.write_bytes(data))


def write_html(a: Assessment, target: Path, fmt: Format | None = None) -> Path:
    """The same assessment as one self-contained web page."""
    fmt = fmt or load()
    lead = [f"<p>{html.escape(_lead(a, fmt))}</p>"]
    for head, rows in blocks(a, fmt):
        lead.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>")
        for row in rows:
            lead.append("<tr>" + "".join(f"<td class='{'n' if isinstance(v, int) else ''}'>{html.escape(str(v))}</td>"
                                         for v in row) + "</tr>")
        lead.append("</table>")
    text = page(title(a, fmt), sheets(a, fmt), "\n".join(lead))
    return write_atomic(Path(target), lambda tmp: tmp.write_text(text, encoding="utf-8"))
