"""Two years side by side: every table field last year and this year, the flags on the changes,
and the narrative reuse, for one agency or a whole district.

Y1 (a count ×5 or ÷5, the larger side at least 20) and Y2 (at least 20 last year, 0 now) look at
the counts a report enters, not its totals; X1 and X2 are the merge's own cross-year checks
(:mod:`consolidate.crossyear`), C4 its district check; Y3 is :mod:`reuse`'s. Findings are located
in this year's workbook, as every other finding is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..consolidate import crossyear
from ..consolidate.crossyear import Previous
from ..consolidate.merge import Options, classify
from ..consolidate.submissions import Submission, agency_key, exact, to_submission
from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..format.layout import workbook_layout
from ..read.reader import Report
from . import reuse
from .reuse import SectionReuse


@dataclass(frozen=True)
class Change:
    """One table field in the two years."""

    key: str
    last: Any
    now: Any

    @property
    def delta(self) -> Any:
        if isinstance(self.last, (int, Decimal)) and isinstance(self.now, (int, Decimal)):
            return self.now - self.last
        return None

    @property
    def rate(self) -> float | None:
        """增减率: the change as a share of last year (None when last year is 0 or blank)."""
        d = self.delta
        return float(d) / float(self.last) if d is not None and self.last else None


@dataclass
class AgencyYears:
    """One agency's two years (either may be missing: a new agency, or one gone)."""

    name: str
    key: tuple[str, str]
    file: str  # this year's file (last year's when the agency is gone)
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sections: list[SectionReuse] = field(default_factory=list)
    present: tuple[bool, bool] = (True, True)  # (last year, this year)

    @property
    def reuse(self) -> float:
        return reuse.overall(self.sections)


@dataclass
class Comparison:
    """The whole comparison: the district's totals, each agency, and the district's own findings."""

    scope: str
    last_year: int | None
    year: int | None
    totals: list[Change]
    agencies: list[AgencyYears]
    findings: list[Finding] = field(default_factory=list)  # the district's (C4)

    @property
    def every_finding(self) -> list[Finding]:
        return self.findings + [f for a in self.agencies for f in a.findings]


def changes(last: dict[str, Any], now: dict[str, Any], fmt: Format) -> list[Change]:
    return [Change(f.key, exact(last.get(f.key)), exact(now.get(f.key))) for f in fmt.table_fields]


def surges(found: list[Change], file: str, fmt: Format) -> list[Finding]:
    """Y1 and Y2 over the counts a report enters (totals are sums of them, flagged where they change)."""
    spec, layout = fmt.compare, workbook_layout(fmt)
    out = []
    for c in found:
        f = fmt.field(c.key)
        if f.is_total or f.type != "count" or not isinstance(c.last, int) or not isinstance(c.now, int):
            continue
        sheet, span = layout.locate(c.key)
        where = {"file": file, "sheet": sheet, "cell": span.ref, "labels": f.labels, "label": "—".join(f.labels[-2:])}
        if c.last >= spec["zero_floor"] and c.now == 0:
            out.append(registered("Y2/zero", last=c.last, now=c.now, **where))
        elif max(c.last, c.now) >= spec["surge_floor"] and (c.now >= spec["surge_factor"] * c.last
                                                            or c.last >= spec["surge_factor"] * c.now):
            out.append(registered("Y1/surge", last=c.last, now=c.now, factor=spec["surge_factor"], **where))
    return out


def previous_of(submissions: list[Submission], label: str, year: int, fmt: Format) -> Previous | None:
    """Reports of a year as "last year's summary" for the cross-year checks (X1, X2, C4)."""
    if not submissions:
        return None
    level = Counter(s.level for s in submissions).most_common(1)[0][0]
    mine = [s for s in submissions if s.level == level]
    totals = {f.key: sum((exact(s.value(fmt, f.key)) or 0 for s in mine), 0) for f in fmt.table_fields}
    previous = Previous(label, year, level + 1, totals)
    for s in mine:
        previous.rows[s.key] = {f.key: exact(s.value(fmt, f.key)) for f in fmt.table_fields}
        previous.names[s.key] = s.name
    return previous


def compare_reports(last: list[Report], now: list[Report], scope: str = "", fmt: Format | None = None) -> Comparison:
    """Reports of two years (one agency's, or a district's), matched agency by agency."""
    fmt = fmt or load()
    years = [r.values.get("id.year") for r in now] or [None]
    year = Counter(years).most_common(1)[0][0]
    last_year = year - 1 if isinstance(year, int) else None
    before = {agency_key(_identity(r, fmt), r.level): r for r in last}
    after = {agency_key(_identity(r, fmt), r.level): r for r in now}
    previous = previous_of([to_submission(r) for r in last], f"{last_year} 年度", last_year, fmt)
    agencies = []
    def name(k) -> str:
        return str((after.get(k) or before[k]).values.get("id.name"))

    for key in sorted(set(before) | set(after), key=name):
        a, b = before.get(key), after.get(key)
        agencies.append(_agency(a, b, key, previous, fmt))
    submissions = [to_submission(r) for r in now]
    district: list[Finding] = []
    totals: list[Change] = []
    if submissions:
        result = classify(sorted(submissions, key=lambda s: s.file), Options(year=year), fmt=fmt)
        sums_last = previous.totals if previous else {}
        totals = [Change(f.key, sums_last.get(f.key), result.sums.get(f.key)) for f in fmt.table_fields]
        if previous is not None and len(now) > 1:
            district = crossyear.check_summary(result, previous, fmt)
    return Comparison(scope, last_year, year, totals, agencies, district)


def _identity(report: Report, fmt: Format) -> dict[str, Any]:
    return {"code": report.values.get("id.code"), "name": report.values.get("id.name"),
            "region": report.values.get("id.region")}


def _agency(last: Report | None, now: Report | None, key, previous: Previous | None, fmt: Format) -> AgencyYears:
    shown = now or last
    years = AgencyYears(str(shown.values.get("id.name") or ""), key, shown.file,
                        present=(last is not None, now is not None))
    years.changes = changes(last.values if last else {}, now.values if now else {}, fmt)
    if last is None or now is None:
        return years
    years.findings = surges(years.changes, now.file, fmt)
    submission = to_submission(now)
    before = len(submission.findings)
    if previous is not None:
        crossyear.check_agencies([submission], previous, fmt)
    years.findings += submission.findings[before:]
    years.sections = reuse.compare_texts(last.values, now.values, fmt)
    years.findings += reuse.flags(years.sections, now.file, fmt)
    return years


def compare_summaries(last: Previous, now: Previous, scope: str = "", fmt: Format | None = None) -> Comparison:
    """Two years' summaries: their totals and their 明细 rows, agency by agency (numbers only: a
    summary keeps no agency's texts, so no reuse; Y1 and Y2 on each agency's counts)."""
    fmt = fmt or load()
    agencies = []
    for key in sorted(set(last.rows) | set(now.rows), key=lambda k: now.names.get(k) or last.names.get(k) or ""):
        years = AgencyYears(now.names.get(key) or last.names.get(key) or "", key, now.file,
                            present=(key in last.rows, key in now.rows))
        years.changes = changes(last.rows.get(key, {}), now.rows.get(key, {}), fmt)
        if all(years.present):
            years.findings = surges(years.changes, now.file, fmt)
        agencies.append(years)
    return Comparison(scope, last.year, now.year, changes(last.totals, now.totals, fmt), agencies)
