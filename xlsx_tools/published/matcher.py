"""A published report matched to the declared format: the lines of a :class:`Document` become field
values, each traced to the line it came from.

One walk over the lines: a heading (:mod:`headings`) opens its section; in a table section, and for
a line of a narrative section whose label names a table row, the line goes to :mod:`tablerows`;
other lines are the section's text, and lines before the first heading the front matter with the
title (:mod:`texts`). Labels are compared as :mod:`labels` defines. The importer never guesses
silently: a value it places names its line; a line it cannot place, a row it cannot find and a
column the source lacks are findings. Published totals are kept: a total that equals the sum of its
parts keeps the template's formula (same number), one that does not is written as published, so
the validator reports it.
"""

from __future__ import annotations

import datetime as dt

from ..consolidate.roster import Roster
from ..format.declaration import Format, Section, load
from . import metadata, texts
from .document import Document, Line
from .headings import Headings
from .imported import Imported
from .labels import index
from .suspects import suspects
from .tablerows import TableRows


def import_document(doc: Document, fmt: Format | None = None, roster: Roster | None = None,
                    deadline: dt.date | None = None) -> Imported:
    """Match a published report's lines to the declared format (see the module docstring); its
    publication date is held to ``deadline`` (default: 31 January after the report's year)."""
    fmt = fmt or load()
    out = Imported(doc.name, doc.kind)
    headings = Headings(fmt, index(fmt), out)
    rows = TableRows(fmt, index(fmt), out)
    section: Section | None = None
    front: list[Line] = []
    narrative: dict[str, list[Line]] = {}
    for line in doc.lines:
        heading = headings.match(line, section)
        if heading is not None:
            rows.end_tail()
            rows.flush_fragments()
            rows.flush_lone()
            section = heading
            rows.table = fmt.table(section.table) if section.table else None
            continue
        if section is None:
            front.append(line)
        elif section.table or rows.is_row(line):
            rows.feed(line)
        else:
            narrative.setdefault(section.key, []).append(line)
    rows.end_tail()
    rows.flush_fragments()
    rows.flush_lone()
    rows.settle()
    if old_format(rows, out):  # the 2019 format, by all the document shows: no workbook, but whose it is
        texts.identity(front, out, fmt, roster)
        return out
    table_headings = [s.key for s in fmt.sections if s.table and s.key in headings.seen]
    if not rows.rows_seen and not table_headings:  # not a report (its tables' headings are not there either)
        out.note("IMP-NO-TABLES")
        out.refused = True
        return out
    texts.identity(front, out, fmt, roster)
    texts.sections(narrative, headings.seen, out, fmt)
    _on_time(doc, out, fmt, deadline)
    rows.missing(headings.seen)
    rows.short_rows(doc.lines)
    rows.totals()
    suspects(out, fmt)
    return out


def old_format(rows: TableRows, out: Imported) -> bool:
    """Whether the document is a 2019-format report, weighing all it showed: two or more of the old
    format's own labels (表二's 2019 columns, its rows, 表三's single （六） row) are a 2019 report,
    refused; one alone in a 2021 report is that row's finding (IMP-OLD-ROW), and the rest imports."""
    if len(rows.signs) >= 2:
        line, label = next(iter(rows.signs.values()))
        out.note("S5/import", line, label=label)
        out.refused = True
        return True
    for line, label in rows.signs.values():
        out.note("IMP-OLD-ROW", line, label=label)
    return False


def _on_time(doc: Document, out: Imported, fmt: Format, given: dt.date | None) -> None:
    """The publication date (the page's metadata; else the date under the signature; else, weakest,
    the file's own date) against the deadline: IMP-LATE when after it. A file's own date only bounds
    the publication from below (a file cannot be published before it is made, but a site may save it
    again later), so it is a warning. A report that gives no date is not judged here."""
    if not any(f.name == "published" for f in out.facts):
        signed = metadata.signature_date(doc.lines, fmt)
        if signed is not None:
            out.facts.append(signed)
        elif doc.file_dates:
            what, when = doc.file_dates[0]
            source = fmt.importer["file_source"].format(kind=doc.kind, what=what)
            out.facts.append(metadata.Fact("published", when, Line(source, (f"{what} {when.isoformat()}",)), source))
    published = next((f for f in out.facts if f.name == "published"), None)
    year = out.values.get("id.year")
    if published is not None and isinstance(year, int):
        due = metadata.deadline(year, fmt, given)
        if published.value > due:
            weak = published.source not in (fmt.importer["metadata_source"], fmt.importer["signature_source"])
            out.note("IMP-LATE/file" if weak else "IMP-LATE", published.line, date=published.value.isoformat(),
                     source=published.source, deadline=due.isoformat())
