"""Registers (依申请公开台账) written by hand for the tally tests: the declared sheets and header
labels, one row per application and per case, dates as real dates (or text, as people type them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xlsx_tools.format.declaration import load

FMT = load()
D = dt.date


def write_register(path: Path, applications: list[dict[str, Any]], cases: list[dict[str, Any]] = ()) -> Path:
    """A register with a title row, the header row, then the rows (column key → value)."""
    spec = FMT.register
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, columns, rows in ((spec["applications"], spec["columns"], applications),
                                 (spec["cases"], spec["case_columns"], cases)):
        ws = wb.create_sheet(sheet)
        ws.cell(1, 1, f"{sheet}（测试台账）")
        for c, col in enumerate(columns, 1):
            ws.cell(2, c, col["label"])
        for r, row in enumerate(rows, 3):
            for c, col in enumerate(columns, 1):
                value = row.get(col["key"])
                cell = ws.cell(r, c, value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def application(id: str, received, applicant: str, result: str | None = None, replied=None, **more) -> dict:
    return {"id": id, "received": received, "applicant": applicant, "result": result, "replied": replied,
            "name": "张某", "content": "申请公开某项目的批复文件", **more}


#: a year by hand (2025): carried in from 2024 and 2023, received on 12-31 and answered on 01-02, open
#: at the year's end, answered the same day, 补正 and 延期, every 申请人类型 that occurs
HAND = [
    application("A1", D(2024, 12, 20), "自然人", "（一）予以公开", D(2025, 1, 6)),
    application("A2", D(2024, 11, 1), "商业企业", "（一）予以公开", D(2024, 12, 15)),
    application("A3", D(2025, 12, 31), "自然人", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                D(2026, 1, 2)),
    application("A4", D(2025, 3, 1), "自然人"),
    application("A5", D(2025, 5, 10), "自然人", "1.属于国家秘密", D(2025, 5, 10)),
    application("A6", D(2025, 6, 1), "科研机构", "3.补正后申请内容仍不明确", D(2025, 7, 20), corrected=D(2025, 6, 10),
                extended="是"),
    application("A7", D(2023, 12, 30), "其他", "2.重复申请", D(2025, 2, 1)),
    application("A8", D(2025, 1, 1), "法律服务机构", "3.其他", D(2025, 12, 31)),
]
HAND_CASES = [
    {"id": "C1", "type": "行政复议", "received": D(2025, 3, 1), "result": "结果纠正", "closed": D(2025, 6, 1)},
    {"id": "C2", "type": "未经复议直接起诉", "received": D(2025, 9, 1)},
    {"id": "C3", "type": "复议后起诉", "received": D(2024, 11, 11), "result": "结果维持", "closed": D(2025, 2, 2)},
]
#: the non-zero cells of 2025, counted by hand from the rows above
HAND_2025 = {
    "t3.new.natural": 3, "t3.new.research": 1, "t3.new.legal": 1,
    "t3.carried_in.natural": 1, "t3.carried_in.other": 1,
    "t3.granted.natural": 1, "t3.denied_secret.natural": 1, "t3.unavailable_unclear.research": 1,
    "t3.unprocessed_repeat.other": 1, "t3.other_other.legal": 1,
    "t3.carry_over.natural": 2,
}
HAND_CASES_2025 = {
    "received": {"t4.review.corrected": 1, "t4.suit_direct.pending": 1},
    "concluded": {"t4.review.corrected": 1, "t4.suit_direct.pending": 1, "t4.suit_after_review.upheld": 1},
}
