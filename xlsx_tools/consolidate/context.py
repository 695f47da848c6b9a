"""A workbook judged in its context: the year being collected, the roster, last year's summary and
the level the inputs are at. One :class:`Context`, one :func:`judge`, applied the same way by every
door — ``nianbao validate --year/--roster/--previous``, the upload page, ``nianbao merge`` — so that
a file the upload page passes is a file the summary includes, with the same codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..read.reader import Report
from . import crossyear
from .roster import Agency, Roster, name_key
from .submissions import Submission, to_submission


def level_name(level: int) -> str:
    return "单位报表" if level == 0 else f"{level} 级汇总表"


@dataclass
class Context:
    """What a workbook is judged against beyond its own cells; every part optional."""

    year: int | None = None
    roster: Roster | None = None
    previous: crossyear.Previous | None = None
    #: the level inputs must be at (0: agency reports); None: not checked (a merge sets the batch's)
    level: int | None = None
    _index: RosterIndex | None = field(default=None, init=False, repr=False)

    @property
    def index(self) -> RosterIndex | None:
        if self.roster is not None and self._index is None:
            self._index = RosterIndex(self.roster)
        return self._index


class RosterIndex:
    """The roster's agencies by code and by name, and the lengths names come in (for file names)."""

    def __init__(self, roster: Roster):
        self.by_code = {a.values["code"]: a for a in roster.agencies if a.values.get("code")}
        self.by_name = {name_key(a.values.get("name")): a for a in roster.agencies}
        self.lengths = sorted({len(k) for k in self.by_name if len(k) >= 4}, reverse=True)

    def agency_of(self, s: Submission) -> Agency | None:
        return self.by_code.get(s.identity.get("code")) or self.by_name.get(name_key(s.name))

    def named_in_file(self, s: Submission, agency: Agency) -> str | None:
        """The roster name of another agency that the file's name carries in full (the file of one
        agency filled in with another's identity, or sent under the wrong name), or None; the longest.

        The file name's substrings are looked up among the roster's names (of the lengths they come
        in, four characters or more), so a roster of 20,000 costs a few hundred lookups per file."""
        stem = name_key(Path(s.file).stem)
        own = {name_key(s.name), name_key(agency.values.get("name"))}
        for n in self.lengths:
            for start in range(len(stem) - n + 1):
                other = self.by_name.get(key := stem[start:start + n])
                if other is not None and other is not agency and not any(key in k for k in own):
                    return other.values.get("name")
        return None


def judge(s: Submission, context: Context, fmt: Format | None = None) -> list[Finding]:
    """The findings ``context`` adds to one readable file (also appended to its findings): the wrong
    year (C5/year) or level (C5/level), who it is from against the roster (C5/off-roster,
    C5/roster-name, C5/file-name), and last year's figures (X1, X2)."""
    if not s.readable:
        return []  # nothing was read: the file's own reason stands alone
    fmt = fmt or load()
    before = len(s.findings)
    found = s.identity.get("year")
    if context.year is not None and found != context.year:
        s.findings.append(registered("C5/year", file=s.file, found=found or "（未填）", year=context.year,
                                     label=fmt.identity_field("year").label))
    if context.level is not None and s.level != context.level:
        s.findings.append(registered("C5/level", file=s.file, found=level_name(s.level),
                                     others=level_name(context.level)))
    if context.index is not None:
        _roster(s, context.index)
    if context.previous is not None and s.numbers and not s.errors:
        crossyear.check_agencies([s], context.previous, fmt)
    return s.findings[before:]


def _roster(s: Submission, index: RosterIndex) -> None:
    agency = index.agency_of(s)
    if agency is None:
        s.findings.append(registered("C5/off-roster", file=s.file, agency=s.name))
        return
    listed = agency.values.get("name", "")
    if name_key(listed) != name_key(s.name):
        s.findings.append(registered("C5/roster-name", file=s.file, name=s.name, listed=listed))
    other = index.named_in_file(s, agency)
    if other:
        s.findings.append(registered("C5/file-name", file=s.file, name=s.name, other=other))


def judge_reports(reports: Iterable[Report], context: Context, fmt: Format | None = None) -> list[Report]:
    """Each readable report judged in ``context``: its findings gain what :func:`judge` finds."""
    reports = list(reports)
    for report in reports:
        if report.readable:
            judge(to_submission(report), context, fmt)  # the submission shares the report's findings
    return reports
