"""Two years side by side: every table field last year and this year, the flags on the changes,
and the narrative reuse, for one agency or a whole district.

Y1 (a count ×5 or ÷5, the larger side at least 20) and Y2 (at least 20 last year, 0 now) look at
the counts a report enters, not its totals; X1 and X2 are the merge's own cross-year checks
(:mod:`consolidate.crossyear`), C4 its district check; Y3 is :mod:`reuse`'s. Findings are located
in this year's workbook, as every other finding is.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..consolidate import crossyear
from ..consolidate.crossyear import Previous
from ..consolidate.merge import Options, classify
from ..consolidate.submissions import Submission, exact, to_submission
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
    texts: dict[int, dict[str, Any]] = {}

    def submission(r: Report) -> Submission:
        numbers = tuple(exact(r.values.get(f.key)) for f in fmt.table_fields)  # shown even with errors
        s = dataclasses.replace(to_submission(r), numbers=numbers)
        texts[id(s)] = r.values
        return s

    return compare_submissions([submission(r) for r in last], [submission(r) for r in now], scope, fmt, texts)


def compare_submissions(last: list[Submission], now: list[Submission], scope: str = "", fmt: Format | None = None,
                        texts: dict[int, dict[str, Any]] | None = None) -> Comparison:
    """The one comparison engine, whatever the door (two workbooks, two summaries, the archive):
    each agency's changes and flags (Y1, Y2, X1, X2, and Y3 where ``texts`` has both years' values,
    by ``id`` of the submission), the district's totals and C4. Two summaries give the findings their agencies' reports
    give."""
    fmt = fmt or load()
    texts = texts or {}
    year = Counter(s.identity.get("year") for s in now).most_common(1)[0][0] if now else None
    last_year = year - 1 if isinstance(year, int) else None
    before = {s.key: s for s in last}
    after = {s.key: s for s in now}
    previous = previous_of(last, f"{last_year} 年度", last_year, fmt)

    def name(k) -> str:
        return (after.get(k) or before[k]).name

    agencies = [_agency(before.get(key), after.get(key), key, previous, fmt, texts)
                for key in sorted(set(before) | set(after), key=name)]
    district: list[Finding] = []
    totals: list[Change] = []
    if now:
        copies = [dataclasses.replace(s, findings=[], status="") for s in now]
        result = classify(sorted(copies, key=lambda s: s.file), Options(year=year), fmt=fmt)
        sums_last = previous.totals if previous else {}
        totals = [Change(f.key, sums_last.get(f.key), result.sums.get(f.key)) for f in fmt.table_fields]
        if previous is not None and len(now) > 1:
            district = crossyear.check_summary(result, previous, fmt)
    return Comparison(scope, last_year, year, totals, agencies, district)


def _identity(report: Report, fmt: Format) -> dict[str, Any]:
    return {"code": report.values.get("id.code"), "name": report.values.get("id.name"),
            "region": report.values.get("id.region")}


def _agency(last: Submission | None, now: Submission | None, key, previous: Previous | None, fmt: Format,
            texts: dict[int, dict[str, Any]]) -> AgencyYears:
    shown = now or last
    years = AgencyYears(shown.name, key, shown.file, present=(last is not None, now is not None))
    years.changes = [Change(f.key, last.value(fmt, f.key) if last and last.numbers else None,
                            now.value(fmt, f.key) if now and now.numbers else None) for f in fmt.table_fields]
    if last is None or now is None:
        return years
    years.findings = surges(years.changes, now.file, fmt)
    judged = dataclasses.replace(now, findings=[])
    if previous is not None and judged.numbers:
        crossyear.check_agencies([judged], previous, fmt)
    years.findings += judged.findings
    if id(last) in texts and id(now) in texts:  # a summary keeps no agency's texts: no reuse there
        years.sections = reuse.compare_texts(texts[id(last)], texts[id(now)], fmt)
        years.findings += reuse.flags(years.sections, now.file, fmt)
    return years


def compare_summaries(last: Previous, now: Previous, scope: str = "", fmt: Format | None = None) -> Comparison:
    """Two years' summaries, agency by agency from their 明细 rows, by :func:`compare_submissions`
    (an agency in a summary was merged clean, its narrative checked: it counts as explained)."""
    fmt = fmt or load()
    return compare_submissions(crossyear.submissions_of(last, fmt), crossyear.submissions_of(now, fmt), scope, fmt)
