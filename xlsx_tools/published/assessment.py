"""``nianbao assess`` as a library: a region's *published* reports judged as an evaluator reads them.

Every report in the folders is imported and checked as ``nianbao import`` does (:mod:`conversion`).
Each then becomes one :class:`Assessed`: its agency and year, its publication date with the source
that gave it and whether it was on time, its findings sorted into the kinds the declaration's
``[assess]`` names (表格缺项, 勾稽错误, 正文与表格不符 …), each located in the original (page and
line) and in the imported workbook, the sentences it repeats from the same agency's report of the
year before (from ``--previous`` reports, the archive, or the reports given themselves), and a
verdict. The template's fields a published report never carries (统一社会信用代码, 填报人 …) say
nothing about it and are left out. Reports are sorted worst first; with a roster, the agencies whose
report was not found are listed. :mod:`assessbook` writes the result.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..archive.reuse import SectionReuse, compare_texts, flags, overall
from ..check.render import grouped, runs
from ..consolidate.roster import Agency, Roster, name_key
from ..format.declaration import Field, Format, load
from ..format.findings import Finding
from ..format.layout import workbook_layout
from ..read import pool
from .conversion import Outcome, import_paths
from .imported import Imported
from .metadata import Fact
from .record import labels_of

RANK = ("fail", "manual", "fair", "pass")  # worst first


@dataclass(frozen=True)
class Located:
    """One finding about a report: its kind (a category key, or "" for none), where it stands in the
    original (``第3页第2个表格第5行``), and the workbook's cell and labels it concerns."""

    finding: Finding
    category: str
    origin: str
    place: str
    labels: str


@dataclass
class Assessed:
    """One published report as judged."""

    source: Path
    kind: str  # 文本, 网页, Word 文档, PDF 文档 …
    name: str = ""
    year: int | None = None
    published: Fact | None = None
    on_time: str = "unknown"  # yes, late, unknown
    findings: list[Located] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # errors and warnings by category key
    errors: int = 0
    warnings: int = 0
    verdict: str = "pass"
    reuse: list[SectionReuse] | None = None  # None: no report of the year before was found
    previous: str = ""  # where the year before's report came from
    imported: Imported | None = field(default=None, repr=False)
    first: str = ""  # codes (a regular expression) listed before all others: what the verdict rests on

    @property
    def tables_complete(self) -> bool:
        return not self.counts["tables"] and self.verdict != "manual"

    @property
    def reused(self) -> int:
        return sum(len(s.pairs) for s in self.reuse or [])

    @property
    def reuse_share(self) -> float | None:
        return None if self.reuse is None else overall(self.reuse)


@dataclass
class Assessment:
    reports: list[Assessed]  # worst first
    missing: list[Agency] = field(default_factory=list)  # roster agencies whose report was not found
    skipped: list[Assessed] = field(default_factory=list)  # reports of another year than --year
    year: int | None = None
    deadline: dt.date | None = None

    @property
    def years(self) -> list[int]:
        return sorted({r.year for r in self.reports if r.year is not None})


def assess(inputs: Iterable[Path], previous: Iterable[Path] = (), archive: Any = None, year: int | None = None,
           deadline: dt.date | None = None, roster: Roster | None = None, workbooks: Path | None = None,
           jobs: int | None = None, budget: pool.Budget | None = None, fmt: Format | None = None) -> Assessment:
    """Judge every published report under ``inputs`` (see the module docstring). ``previous``:
    folders or files of the year before's reports; ``archive``: an open ``archive.store.Archive``
    to take them from; ``workbooks``: keep the imported workbooks there (else they are temporary)."""
    fmt = fmt or load()
    with tempfile.TemporaryDirectory(prefix="nianbao-assess-") as scratch:
        target = Path(workbooks) if workbooks else Path(scratch) / "now"
        outcomes = import_paths(inputs, target, roster, fmt=fmt, jobs=jobs, budget=budget, deadline=deadline)
        earlier = list(previous)
        before = (import_paths(earlier, Path(scratch) / "previous", fmt=fmt, jobs=jobs, budget=budget, check=False)
                  if earlier else [])
    # an Office lock file (~$年报.docx) beside a report is not a report
    reports = [o for o in outcomes if o.imported is not None or any(f.severity != "info" for f in o.findings)]
    judged = [judge(o, fmt) for o in reports]
    chosen = [a for a in judged if year is None or a.year in (year, None)]
    skipped = [a for a in judged if a not in chosen]
    texts = _texts(before + outcomes, archive, {a.year for a in chosen if a.year}, fmt)
    for a in chosen:
        _reuse(a, texts, fmt)
    chosen.sort(key=lambda a: (RANK.index(a.verdict), -a.errors, -a.warnings, a.name or "~", a.source.name))
    found = {name_key(a.name) for a in chosen if a.name}
    missing = [g for g in (roster.agencies if roster else []) if name_key(g.values.get("name")) not in found]
    return Assessment(chosen, missing, skipped, year, deadline)


def judge(outcome: Outcome, fmt: Format) -> Assessed:
    """One import's outcome as an assessed report (reuse aside: that needs the other reports)."""
    spec = fmt.assess
    imported = outcome.imported
    values = imported.values if imported else {}
    out = Assessed(outcome.source, imported.kind if imported else _kind(outcome.source, fmt),
                   str(values.get("id.name") or ""), values.get("id.year") if isinstance(values.get("id.year"), int)
                   else None, imported=imported)
    found = outcome.findings + (outcome.report.findings if outcome.report else [])
    unreadable = imported is None and any(re.match(spec["unreadable"], f.code) for f in found)
    places = _places(imported, fmt)
    for group in grouped([f for f in found if f.code not in spec["not_published"]]):
        out.findings.append(locate(group, places, fmt))
    if imported is not None:
        out.published = next((f for f in imported.facts if f.name == "published"), None)
    late = any(loc.category == "timeliness" for loc in out.findings)
    out.on_time = "late" if late else ("yes" if out.published is not None else "unknown")
    errors = [loc for loc in out.findings if loc.finding.severity == "error"]
    misread = any(re.match(spec["misread"], loc.finding.code) for loc in out.findings)
    if misread and errors and all(loc.category == "arithmetic" for loc in errors):  # may be the recogniser's
        out.first = spec["misread"]
    _settle(out, "manual" if unreadable or out.first else None)
    return out


def _settle(a: Assessed, verdict: str | None = None) -> None:
    """Counts, by severity and kind, and the verdict."""
    serious = [loc for loc in a.findings if loc.finding.severity in ("error", "warning")]
    a.errors = sum(loc.finding.severity == "error" for loc in serious)
    a.warnings = len(serious) - a.errors
    a.counts = Counter(loc.category for loc in serious if loc.category)
    a.verdict = verdict or ("fail" if a.errors else "fair" if a.warnings else "pass")
    a.findings.sort(key=lambda loc: (not (a.first and re.match(a.first, loc.finding.code)),
                                     ("error", "warning", "info").index(loc.finding.severity)
                                     if loc.finding.severity in ("error", "warning", "info") else 3))


def category(code: str, fmt: Format) -> str:
    """The kind of problem a finding's code is (a declared category key), or ""."""
    return next((c["key"] for c in fmt.assess["categories"] if re.match(c["codes"], code)), "")


def locate(group: list[Finding], places: dict[tuple[str, str], tuple[str, str]], fmt: Format) -> Located:
    """A finding (or a group of one code on one sheet, as the checklist shows them: one problem)
    with its place in the original: an import finding names its line; a check's finding names a
    workbook cell, whose value came from a line of the original."""
    f = group[0]
    origin = f.extra.get("where", "") if isinstance(f.extra, dict) else ""
    line, labels = places.get((f.sheet, f.cell.split(":")[0]), ("", ""))
    place = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.sheet
    if len(group) > 1:
        cells = list(dict.fromkeys(g.cell for g in group))
        place = f"{f.sheet}!{'、'.join(runs(cells))}（{len(cells)} 个单元格）"
        last = places.get((f.sheet, group[-1].cell.split(":")[0]), ("", ""))[0]
        line = f"{line}–{last}" if line and last and last != line else line
        labels = f"{labels} 等 {len(cells)} 项" if labels else ""
    return Located(f, category(f.code, fmt), origin or line, place, labels)


def _places(imported: Imported | None, fmt: Format) -> dict[tuple[str, str], tuple[str, str]]:
    """Each workbook cell the import filled: the original's line it came from, and its labels."""
    if imported is None:
        return {}
    layout = workbook_layout(fmt)
    out = {}
    rows: dict[tuple[str, str], str] = {}  # (table, row) → the line its values came from
    for p in imported.placed:
        sheet, span = layout.locate(p.key)
        f = fmt.field(p.key)
        out.setdefault((sheet, span.ref), (p.line.where, labels_of(fmt, p.key) if isinstance(f, Field) else ""))
        if isinstance(f, Field):
            rows.setdefault((f.table, f.row.key), p.line.where)
    for key, (sheet, span) in layout.cells.items():  # a cell the original left empty: its row's line
        f = fmt.field(key)
        if isinstance(f, Field) and (sheet, span.ref) not in out:
            out[(sheet, span.ref)] = (rows.get((f.table, f.row.key), ""), labels_of(fmt, key))
    return out


def _kind(source: Path, fmt: Format) -> str:
    return fmt.importer["suffixes"].get(source.suffix.lower(), source.suffix)


def _texts(outcomes: list[Outcome], archive: Any, years: set[int], fmt: Format) -> dict[tuple[str, int], tuple]:
    """Every report of the years before ``years`` that can be compared against: (agency, year) →
    (its values, where it came from). Reports given win over the archive's."""
    out: dict[tuple[str, int], tuple] = {}
    if archive is not None:
        for y in sorted(years):
            for report in archive.reports(y - 1):
                name = report.values.get("id.name")
                if name:
                    out[(name_key(name), y - 1)] = (report.values, f"年报库：{report.file}")
    for o in outcomes:
        values = o.imported.values if o.imported and not o.imported.refused else None
        if values and values.get("id.name") and isinstance(values.get("id.year"), int):
            out[(name_key(values["id.name"]), values["id.year"])] = (values, o.source.name)
    return out


def _reuse(a: Assessed, texts: dict[tuple[str, int], tuple], fmt: Format) -> None:
    """The sentences ``a`` repeats from the same agency's report of the year before, and Y3."""
    if a.imported is None or not a.name or a.year is None:
        return
    last = texts.get((name_key(a.name), a.year - 1))
    if last is None:
        return
    a.reuse = compare_texts(last[0], a.imported.values, fmt)
    a.previous = last[1]
    a.findings += [locate([f], {}, fmt) for f in flags(a.reuse, a.source.name, fmt)]  # Y3 names a section, no cell
    _settle(a, a.verdict if a.verdict == "manual" else None)
