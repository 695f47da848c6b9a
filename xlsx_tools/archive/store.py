"""The archive: every accepted report kept, by agency and year, revision after revision.

``add`` reads and validates files exactly as ``nianbao merge`` does (worker processes, limits, a
time limit per file). A report with an error is listed and not stored. The same bytes are stored
once. Another file for an agency and year already archived is the next revision: the one before is
kept and marked superseded, never overwritten. A whole batch is one transaction, so an interrupted
``add`` leaves the archive as it was. ``export`` gives a year's current revisions to the merge as if
their files were read again; ``previous`` gives them to the cross-year checks as last year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, select, update

from ..check.validate import collect, read_all
from ..consolidate.context import Context, judge
from ..consolidate.crossyear import Previous
from ..consolidate.merge import Options, classify
from ..consolidate.reviewed import Review
from ..consolidate.submissions import Consolidation, Submission, agency_key, to_submission
from ..format.declaration import Format, load
from ..read import pool
from ..read.container import Limits
from ..read.reader import Report
from . import schema
from .changes import previous_of
from .records import Archived, encode, encode_findings, report_of, to_archived
from .schema import reports, reviews, runs


@dataclass
class Added:
    """What one batch did to the archive; every file given is in exactly one list."""

    stored: list[Submission] = field(default_factory=list)
    same: list[Submission] = field(default_factory=list)  # these bytes are archived already
    rejected: list[Submission] = field(default_factory=list)  # an error: listed, not stored
    skipped: list[Submission] = field(default_factory=list)  # not a workbook
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (the older file, the newer)


def stored_bytes(sha256: str) -> Select:
    """The report stored with these bytes (the unique index on sha256)."""
    return select(reports.c.id).where(reports.c.sha256 == sha256)


def revisions(agency: str, year: int) -> Select:
    """An agency's revisions of a year (the (agency, year, revision) index: a handful of rows)."""
    return (select(reports.c.id, reports.c.revision, reports.c.current, reports.c.file)
            .where((reports.c.agency == agency) & (reports.c.year == year)))


class Archive:
    """The archive at ``db`` (a file path: SQLite; or a database URL), its schema brought up to date."""

    def __init__(self, db: str | Path):
        self.db = str(db)
        self.engine = schema.connect(db)

    def close(self) -> None:
        self.engine.dispose()

    # -- adding -------------------------------------------------------------------------------
    def add(self, inputs: Iterable[Path], limits: Limits | None = None, jobs: int | None = None,
            budget: pool.Budget | None = None, progress: Callable[[int], None] | None = None,
            context: Context | None = None) -> Added:
        """Read, validate and store every report under ``inputs`` (one transaction); with a
        ``context`` each is judged in it first, as the upload page and the merge judge it."""
        inputs = list(inputs)
        files, notes = collect(inputs, report_ignored=True)
        files.sort(key=str)
        read = read_all(files, limits, jobs, budget, convert=to_archived, done=progress)
        for a in read if context is not None else ():
            judge(a.submission, context)
        return self.store(read + [to_archived(r) for r in notes], "add", "、".join(map(str, inputs)))

    def store(self, batch: list[Archived], kind: str, source: str) -> Added:
        """Store a batch already read: accepted reports added, the rest listed (one transaction)."""
        added = Added()
        now = dt.datetime.now().replace(microsecond=0)
        accepted = []
        for a in sorted(batch, key=lambda a: a.submission.file):
            s = a.submission
            if not s.sha256:
                added.skipped.append(s)
            elif s.errors or not a.values or not isinstance(s.identity.get("year"), int):
                added.rejected.append(s)
            else:
                accepted.append(a)
        with self.engine.begin() as conn:
            schema.lock(conn)
            made = conn.execute(runs.insert().values(kind=kind, started_at=now, files=len(batch), stored=0,
                                                     rejected=len(added.rejected), source=source))
            run = made.inserted_primary_key[0]
            for a in accepted:
                s = a.submission
                if conn.execute(stored_bytes(s.sha256)).first():
                    added.same.append(s)
                    continue
                agency, year = ":".join(agency_key(s.identity, s.level)), s.identity["year"]
                # the agency's revisions of the year, by the (agency, year, revision) index: a handful of rows
                earlier = conn.execute(revisions(agency, year)).all()
                last = max((r.revision for r in earlier), default=0)
                for before in (r for r in earlier if r.current):
                    conn.execute(update(reports).where(reports.c.id == before.id)
                                 .values(current=False, superseded_at=now))
                    added.superseded.append((before.file, s.file))
                conn.execute(reports.insert().values(
                    sha256=s.sha256, agency=agency, name=s.name, code=s.identity.get("code"),
                    region=s.identity.get("region"), year=year, level=s.level, revision=last + 1, current=True,
                    superseded_at=None, file=s.file, size=s.size, added_at=now, run=run,
                    field_values=encode(a.values), findings=encode_findings(s.findings), errors=s.count("error"),
                    warnings=s.count("warning"), infos=s.count("info")))
                added.stored.append(s)
            conn.execute(update(runs).where(runs.c.id == run).values(stored=len(added.stored)))
        return added

    # -- decisions on findings ------------------------------------------------------------------
    def save_reviews(self, decisions: list[Review], source: str) -> int:
        """Keep decisions read back from a summary (a later decision on the same finding replaces
        the earlier one); the number kept."""
        now = dt.datetime.now().replace(microsecond=0)
        with self.engine.begin() as conn:
            schema.lock(conn)
            for r in decisions:
                same = ((reviews.c.sha256 == r.sha256) & (reviews.c.code == r.code) & (reviews.c.sheet == r.sheet)
                        & (reviews.c.cell == r.cell))
                conn.execute(delete(reviews).where(same))
                conn.execute(reviews.insert().values(sha256=r.sha256, code=r.code, sheet=r.sheet, cell=r.cell,
                                                     verdict=r.verdict, note=r.note, reviewed_at=now, source=source))
        return len(decisions)

    def reviews(self) -> dict[tuple[str, str, str, str], tuple[str, str]]:
        """Every decision kept, by the finding it is on."""
        with self.engine.connect() as conn:
            return {(r.sha256, r.code, r.sheet, r.cell): (r.verdict, r.note) for r in conn.execute(select(reviews))}

    # -- reading ------------------------------------------------------------------------------
    def listing(self, year: int | None = None, agency: str | None = None, every: bool = False) -> list[Any]:
        """Stored reports (current revisions unless ``every``), by year, then agency name."""
        query = select(reports.c.id, reports.c.year, reports.c.name, reports.c.code, reports.c.region,
                       reports.c.level, reports.c.revision, reports.c.current, reports.c.file, reports.c.added_at,
                       reports.c.superseded_at, reports.c.sha256, reports.c.errors, reports.c.warnings,
                       reports.c.infos)
        if year is not None:
            query = query.where(reports.c.year == year)
        if agency:
            query = query.where(reports.c.name.contains(agency) | (reports.c.code == agency))
        if not every:
            query = query.where(reports.c.current)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(reports.c.year, reports.c.name, reports.c.revision)))

    def years(self) -> list[int]:
        with self.engine.connect() as conn:
            return [y for (y,) in conn.execute(select(reports.c.year).distinct().order_by(reports.c.year))]

    def current(self, year: int) -> list[Any]:
        """The current revision of every agency's report for ``year``, all their columns."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(reports).where((reports.c.year == year) & reports.c.current))
            return sorted(rows, key=lambda r: r.file)

    def submissions(self, year: int) -> list[Submission]:
        """The year's current revisions as the merge's submissions (as if their files were read again)."""
        return [to_submission(report_of(row)) for row in self.current(year)]

    def export(self, year: int, today: dt.date | None = None, fmt: Format | None = None) -> Consolidation:
        """The merge of the year's current revisions (write it with ``summary.write_summary``)."""
        submissions = self.submissions(year)
        if not submissions:
            raise schema.ArchiveError(f"年报库中没有 {year} 年度的报表。")
        return classify(submissions, Options(year=year, today=today), fmt=fmt)

    def previous_year(self, year: int) -> Previous | None:
        """Last year (``year - 1``) for a merge of ``year``."""
        return self.previous(year - 1)

    def previous(self, year: int, fmt: Format | None = None) -> Previous | None:
        """The year's current revisions as last year's summary for X1, X2 and C4 (None: none stored)."""
        fmt = fmt or load()
        return previous_of(self.submissions(year), f"{schema.shown(self.db)}（{year} 年度）", year, fmt)

    def reports(self, year: int) -> list[Report]:
        """The year's current revisions as the reader gave them (texts too)."""
        return [report_of(row) for row in self.current(year)]
