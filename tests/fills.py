"""A correct fill of the template, written by hand, and helpers to write fills into workbooks.

The numbers are an ordinary district department's year: every identity of the format (docs/RULES.md) holds, every
narrative part is written, and the cells the broken cases touch are chosen so that each case
breaks only what it means to break.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.format.uscc import complete
from xlsx_tools.write import template

CODE = complete("11410300MB0000001")  # a well-formed 统一社会信用代码 for the examples

# 表三 per column: natural, business, research, nonprofit, legal, other (总计 is a formula)
T3 = {
    "new":                  [17, 3, 0, 1, 2, 0],
    "carried_in":           [2, 0, 0, 0, 0, 0],
    "granted":              [9, 2, 0, 1, 0, 0],
    "partial":              [2, 0, 0, 0, 1, 0],
    "denied_third_party":   [1, 0, 0, 0, 0, 0],
    "unavailable_not_held": [3, 1, 0, 0, 0, 0],
    "unprocessed_petition": [1, 0, 0, 0, 0, 0],
    "other_no_correction":  [1, 0, 0, 0, 0, 0],
    "carry_over":           [2, 0, 0, 0, 1, 0],
}
T4 = {"review": [1, 0, 0, 1], "suit_direct": [1, 0, 0, 0], "suit_after_review": [0, 0, 0, 1]}

TEXT = {
    "s1.proactive": "本年度通过政府网站主动公开政府信息 326 条，及时公开部门预决算、行政执法等信息。",
    "s1.on_request": "本年度新收政府信息公开申请 23 件，均在法定期限内答复。",
    "s1.management": "严格落实公开前保密审查，动态调整主动公开基本目录。",
    "s1.platform": "优化政府网站信息公开专栏，整合政务新媒体发布渠道。",
    "s1.oversight": "将政务公开纳入年度绩效考核，开展社会评议，本年度无责任追究情况。",
    "s5.text": "存在问题：公开内容解读不够深入。改进情况：加强政策解读，丰富图解、视频等形式。",
    "s6.text": "本年度未收取信息处理费。",
}


def correct_values() -> dict[str, Any]:
    """Field key → value for every input cell of a correct report."""
    fmt = load()
    values: dict[str, Any] = {
        "id.name": "某市某区科学技术局", "id.code": CODE, "id.kind": "部门", "id.region": "某市某区",
        "id.year": 2025, "id.filler": "张三", "id.phone": "0379-12345678",
        "id.filled_on": dt.datetime(2026, 1, 20),
        **TEXT,
    }
    t3 = fmt.table("t3")
    columns = [c.key for c in t3.leaf_columns if not c.is_total]
    for f in t3.fields:
        if not f.is_total:
            values[f.key] = T3.get(f.row.key, [0] * 6)[columns.index(f.column.key)]
    t4 = fmt.table("t4")
    outcomes = [c.key for c in t4.leaf_columns if not c.is_total]
    for f in t4.fields:
        if not f.is_total:
            values[f.key] = T4[f.row.key][outcomes.index(f.column.key)]
    values.update({
        "t2.regulations.issued": 0, "t2.regulations.repealed": 0, "t2.regulations.in_force": 0,
        "t2.normative_docs.issued": 2, "t2.normative_docs.repealed": 1, "t2.normative_docs.in_force": 10,
        "t2.licensing.decisions": 5, "t2.penalty.decisions": 12, "t2.enforcement.decisions": 0,
        "t2.fees.amount": 9116.36,
    })
    return values


def fill(wb: Workbook, values: dict[str, Any]) -> Workbook:
    """Write values at their declared cells (a value of ``None`` blanks the cell). An error code
    ("#DIV/0!") is written as the error value a pasted failing formula leaves, not as text."""
    template.fill(wb, values)
    layout = workbook_layout()
    for key, value in values.items():
        if value in ERROR_CODES:
            sheet, span = layout.locate(key)
            cell = wb[sheet].cell(span.row, span.col)
            cell.value, cell.data_type = value, "e"
    return wb


def write_filled(path: Path, values: dict[str, Any]) -> Path:
    fill(template.build(), values).save(path)
    return path
