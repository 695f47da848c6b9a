"""Distinct, correct agency reports for merge tests: agency ``n`` has its own name, code and numbers.

Each keeps every identity of the format (the numbers shift together) and its narrative states its
own count, so a clean agency stays free of findings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fills import correct_values, write_filled

from xlsx_tools.format.uscc import complete

NAMES = ["科学技术局", "教育局", "某某街道办事处", "财政局", "卫生健康委员会", "文化旅游局", "民政局", "司法局"]


def code(n: int) -> str:
    return complete(f"1141030000000{n:04d}")


def agency(n: int, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Field key → value for agency ``n``, with ``changes`` (field key → value) applied last."""
    v = correct_values()
    v["id.name"] = f"某区{NAMES[n % len(NAMES)]}" + (str(n // len(NAMES)) if n >= len(NAMES) else "")
    v["id.code"] = code(n)
    if "街道" in v["id.name"]:
        v["id.kind"] = "乡镇街道"
    v["t3.new.natural"] += n
    v["t3.granted.natural"] += n
    v["s1.on_request"] = f"本年度新收政府信息公开申请 {23 + n} 件，均在法定期限内答复。"
    v["t2.fees.amount"] = round(0.1 * (n + 1), 1)  # 0.1, 0.2 …: sums a float loop would blur
    v["t2.normative_docs.in_force"] = 10 + n
    v["t4.review.upheld"] += n
    v.update(changes or {})
    return v


def write(path: Path, values: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_filled(path, values)


def dated(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day)
