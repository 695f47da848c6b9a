"""The reply time limit (条例第三十三条), checked row by row: a warning, never a block.

A reply is due within 20 working days of receipt — of the completed application where 补正 was
asked for — counted from the day after; 延期 adds 20 working days; days spent consulting a third
party are not counted. Working days follow the official holiday calendar, swapped working
weekends included (the maintained ``chinese-calendar`` package); a year it does not yet know is
said so, not guessed.
"""

from __future__ import annotations

import datetime as dt
import functools

from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..read.container import Limits
from .rows import Register, read_register

DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=65536)
def due(start: dt.date, working_days: int) -> dt.date | None:
    """The last day of ``working_days`` working days counted from the day after ``start`` (None:
    the calendar does not know those years yet)."""
    day, counted = start, 0
    try:
        while counted < working_days:
            day += DAY
            counted += _workday(day)
    except NotImplementedError:
        return None
    return day


@functools.lru_cache(maxsize=8192)
def _workday(day: dt.date) -> bool:
    """The official calendar's answer, asked once a day (each question scans its tables)."""
    from chinese_calendar import is_workday

    return is_workday(day)


def check(register: Register, fmt: Format | None = None) -> list[Finding]:
    """REG-LATE for each reply after its limit; REG-CALENDAR once when a year cannot be checked."""
    fmt = fmt or load()
    spec = fmt.register["limit"]
    out: list[Finding] = []
    unknown: set[int] = set()
    for row in register.applications:
        v = row.values
        received, replied = v.get("received"), v.get("replied")
        if not received or not replied or replied < received:
            continue
        start = v.get("corrected") or received
        days = spec["days"] + (spec["extension"] if v.get("extended") else 0) + (v.get("consulted") or 0)
        limit = due(start, days)
        if limit is None:
            unknown.add(start.year)
            continue
        if replied > limit:
            out.append(registered("REG-LATE", file=register.file, sheet=row.sheet, cell=row.ref("replied"),
                                  id=row.id or f"第{row.row}行", start=start.isoformat(), days=days,
                                  limit=limit.isoformat(), replied=replied.isoformat()))
    if unknown:
        out.append(registered("REG-CALENDAR", file=register.file, years="、".join(map(str, sorted(unknown)))))
    return out


def read_checked(data: bytes, name: str, limits: Limits | None = None, fmt: Format | None = None,
                 today: dt.date | None = None) -> Register:
    """A register read (:func:`rows.read_register`) and its replies checked against their limits."""
    register = read_register(data, name, limits, fmt, today)
    if register.readable:
        register.findings += check(register, fmt)
    return register


def registers_among(reports: list, limits: Limits | None = None, fmt: Format | None = None) -> list:
    """``nianbao validate``'s reports with every register among them checked as a register (the
    reader, which knows only the report's sheets, found none of them)."""
    from ..read.container import Refused, open_package
    from ..read.reader import Report
    from .rows import is_register

    fmt = fmt or load()
    out = []
    for report in reports:
        if any(f.code == "F-NOT-TEMPLATE" for f in report.findings):
            try:
                with open(report.file, "rb") as fh:
                    data = fh.read()
                names = list(open_package(data, report.file, limits).sheets)
            except (OSError, Refused):
                names = []
            if is_register(names, fmt):
                register = read_checked(data, report.file, limits, fmt)
                report = Report(report.file, {}, register.findings, register.readable, report.sha256, report.size)
        out.append(report)
    return out
