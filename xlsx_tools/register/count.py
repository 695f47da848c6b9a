"""A year counted from the register, each number with the rows behind it.

For report year Y, in each 申请人类型's column of 表三:

- 一、本年新收: received in Y;
- 二、上年结转: received before Y and not answered before Y;
- 三、each result row: answered in Y with that result (（七）总计: every row answered in Y);
- 四、结转下年度: received by the end of Y and not answered by then.

So 一 + 二 = （七） + 四 in every column, and next year's 二 is this year's 四, by construction.
表四 counts the cases by the declared rule: received in Y with their result as known (open ones as
尚未审结), or concluded in Y plus those open at its end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..format.declaration import Format, load
from .layout import register_layout
from .rows import Register, Row


@dataclass
class Tally:
    """The numbers of one year by field key (表三's and 表四's inputs), and the rows behind each."""

    year: int
    rule: str  # 表四's counting rule, by its declared name
    values: dict[str, int] = field(default_factory=dict)
    basis: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, key: str, row: Row) -> None:
        self.values[key] = self.values.get(key, 0) + 1
        self.basis.setdefault(key, []).append(row)


def count(register: Register, year: int, rule: str | None = None, fmt: Format | None = None) -> Tally:
    """Count ``year`` from a register without errors (rows that cannot be counted stop the tally)."""
    fmt = fmt or load()
    spec, layout = fmt.register, register_layout(fmt)
    rule = rule or spec["case_rule"]
    if rule not in spec["case_rules"]:
        raise ValueError(f"表四的统计口径只能是 {'、'.join(spec['case_rules'])}")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t3 = spec["new"].split(".")[0]
    tally = Tally(year, rule)
    for key in _inputs(fmt):
        tally.values[key] = 0
    for row in register.applications:
        v = row.values
        column, received, replied = v.get("applicant"), v.get("received"), v.get("replied")
        if column is None or received is None:
            continue
        if start <= received <= end:
            tally.add(f"{spec['new']}.{column}", row)
        if received < start and (replied is None or replied >= start):
            tally.add(f"{spec['carried_in']}.{column}", row)
        if replied is not None and start <= replied <= end and v.get("result"):
            tally.add(f"{t3}.{v['result']}.{column}", row)
            tally.basis.setdefault(f"{spec['results_total']}.{column}", []).append(row)
        if received <= end and (replied is None or replied > end):
            tally.add(f"{spec['carry_over']}.{column}", row)
    t4 = spec["cases_table"]
    for row in register.cases:
        v = row.values
        kind, received, closed = v.get("type"), v.get("received"), v.get("closed")
        if kind is None or received is None:
            continue
        concluded = closed is not None and closed <= end
        result = v.get("result") if (rule == "received" or concluded) else None
        if rule == "received" and start <= received <= end:
            tally.add(f"{t4}.{kind}.{result or layout.pending}", row)
        elif rule == "concluded" and closed is not None and start <= closed <= end and result:
            tally.add(f"{t4}.{kind}.{result}", row)
        elif rule == "concluded" and received <= end and not concluded:
            tally.add(f"{t4}.{kind}.{layout.pending}", row)
    return tally


def _inputs(fmt: Format) -> list[str]:
    """The input cells a tally fills: every non-total field of 表三 and 表四."""
    spec = fmt.register
    tables = {spec["new"].split(".")[0], spec["cases_table"]}
    return [f.key for f in fmt.table_fields if f.table in tables and not f.is_total]
