"""What a merge keeps of each file, and of the run: the records the consolidation works on.

A :class:`Submission` is made from a report in the worker that read it (so narrative text never
travels back); a :class:`Consolidation` is the outcome of a run before anything is written. The
cross-year checks, the merge and the summary all work on these.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..format.declaration import Format, load
from ..format.findings import Finding
from ..format.layout import identity_fields
from ..read.reader import Report
from .roster import name_key

INCLUDED, REJECTED, SKIPPED, DUPLICATE = "included", "rejected", "skipped", "duplicate"
STATES = (INCLUDED, REJECTED, SKIPPED, DUPLICATE)


class MergeError(Exception):
    """The run cannot start (output inside an input folder, folder not writable …): nothing was read."""


@dataclass
class Submission:
    """One file as the merge keeps it: identity, table numbers and findings (no narrative text)."""

    file: str
    sha256: str = ""
    size: int = 0
    level: int = 0
    identity: dict[str, Any] = field(default_factory=dict)  # by field name: name, code, … agencies
    numbers: tuple[Any, ...] = ()  # in ``fmt.table_fields`` order; amounts as exact Decimal
    findings: list[Finding] = field(default_factory=list)
    explained: bool = False  # the narrative explains a cross-year difference (X1)
    status: str = ""
    note: str = ""
    readable: bool = True  # the reader opened it (else its findings say why not)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def agencies(self) -> int:
        """Agency reports this file stands for: 1, or a summary's count."""
        if self.level and isinstance(self.identity.get("agencies"), int):
            return self.identity["agencies"]
        return 1

    @property
    def name(self) -> str:
        return str(self.identity.get("name") or "")

    @property
    def key(self) -> tuple[str, str]:
        return agency_key(self.identity, self.level)

    def value(self, fmt: Format, key: str) -> Any:
        return self.numbers[_positions(fmt)[key]]


def agency_key(identity: dict[str, Any], level: int) -> tuple[str, str]:
    """Who a report is from: the agency's code; a summary (it has none) by its region and name."""
    code = identity.get("code")
    if code and not level:
        return ("code", str(code))
    return ("name", name_key(f"{identity.get('region') or ''}|{identity.get('name') or ''}"))


@functools.cache
def _positions(fmt: Format) -> dict[str, int]:
    return {f.key: n for n, f in enumerate(fmt.table_fields)}


def exact(value: Any) -> Any:
    """A read number as the merge sums it: floats as the decimal the cell showed (25.1, not
    25.100000000000001); whole numbers as int; anything else (blank, text) as None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return value if isinstance(value, (int, Decimal)) else None


def to_submission(report: Report) -> Submission:
    """What the merge keeps of a report (runs in the worker, so narrative text never travels)."""
    fmt = load()
    values = report.values
    identity = {f.name: values.get(f.key) for f in identity_fields(fmt, True)}
    numbers: tuple[Any, ...] = ()
    if report.readable and not any(f.severity == "error" for f in report.findings):
        numbers = tuple(exact(values.get(f.key)) for f in fmt.table_fields)
    spec = fmt.crossyear
    text = "".join(str(values.get(p.key) or "") for s in fmt.narrative_sections for p in s.parts
                   if s.key in spec["sections"])
    explained = any(w in text for w in spec["topic"]) and any(w in text for w in spec["reason"])
    return Submission(report.file, report.sha256, report.size, report.level, identity, numbers,
                      report.findings, explained, readable=report.readable)


@dataclass
class Missing:
    """A row of 未报送: a roster agency with no included file, or an included file off the roster."""

    situation: str  # "on_roster" | "off_roster"
    identity: dict[str, Any]
    note: str = ""


@dataclass
class Consolidation:
    """The outcome of a merge, before anything is written."""

    year: int | None
    region: str
    level: int  # the summary's own level: one above its inputs
    today: dt.date
    submissions: list[Submission]  # every file found, in path order
    included: list[Submission]  # in agency order (code, then name)
    sums: dict[str, Any]  # every table field summed over the included files
    findings: list[Finding] = field(default_factory=list)  # the run's own (roster, cross-year)
    missing: list[Missing] = field(default_factory=list)
    roster_given: bool = False
    #: decisions taken on findings in earlier runs: (file sha256, code, sheet, cell) → (核实结果, 说明)
    reviews: dict[tuple[str, str, str, str], tuple[str, str]] = field(default_factory=dict)

    @property
    def agencies(self) -> int:
        return sum(s.agencies for s in self.included)

    def counts(self) -> dict[str, int]:
        c = Counter(s.status for s in self.submissions)
        return {state: c.get(state, 0) for state in STATES}

    @property
    def all_findings(self) -> list[Finding]:
        return [f for s in self.submissions for f in s.findings] + self.findings

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.all_findings)
