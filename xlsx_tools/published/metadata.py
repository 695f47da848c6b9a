"""What a published report says about its own publication, apart from the template's fields: the
web page's metadata block before the title (名称、索引号、发布机构、发布日期 …), and, more weakly,
the date under the signature at the end. Each fact is kept with the line it came from and its
source, for the 导入记录 and for whether the report was published on time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from ..format.declaration import Format
from .document import Line

DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?")


@dataclass(frozen=True)
class Fact:
    """One fact about the publication: what it is (``published``, ``index``, ``publisher``), its
    value, the line it came from and which kind of source said it."""

    name: str
    value: Any
    line: Line
    source: str


@functools.cache
def _pairs(fmt: Format) -> tuple[re.Pattern, dict[str, str]]:
    """The pattern of one ``label：value`` pair of the declared metadata labels, and each label's kind."""
    labels = fmt.importer["metadata_labels"]
    by_label = {label: kind for kind, group in labels.items() for label in group}
    alternatives = "|".join(map(re.escape, sorted(by_label, key=len, reverse=True)))
    pattern = re.compile(rf"(?P<label>{alternatives})\s*[:：]\s*(?P<value>.*?)\s*(?=(?:{alternatives})\s*[:：]|$)")
    return pattern, by_label


def metadata(line: Line, fmt: Format) -> list[tuple[str, str, str]]:
    """The line's ``label：value`` pairs of the metadata block, as (kind, label, value): kind is
    ``published``, ``index``, ``publisher`` or ``title``; [] for a line that is not metadata."""
    text = " ".join(line.cells).strip()
    pattern, by_label = _pairs(fmt)
    if not pattern.match(text):
        return []
    return [(by_label[m["label"]], m["label"], m["value"]) for m in pattern.finditer(text) if m["value"]]


def date_in(text: str) -> dt.date | None:
    m = DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def front_facts(front: list[Line], fmt: Format) -> tuple[list[Fact], set[int], dict[int, str]]:
    """The facts of the metadata block among the lines before the first heading; the positions of
    the lines that were metadata (not "outside" text); and each title line's text without its label
    (名称：某某局2024年… → 某某局2024年…), by position."""
    spec = fmt.importer
    ranks = {label: n for n, label in enumerate(spec["metadata_labels"]["published"])}
    facts: list[Fact] = []
    used: set[int] = set()
    titles: dict[int, str] = {}
    best: tuple[int, Fact] | None = None
    for i, line in enumerate(front):
        pairs = metadata(line, fmt)
        if not pairs:
            continue
        for kind, label, value in pairs:
            if kind == "title":
                titles[i] = value  # the title line itself is matched as the title
            elif kind == "published":
                when = date_in(value)
                if when is not None and (best is None or ranks[label] < best[0]):
                    best = (ranks[label], Fact("published", when, line, spec["metadata_source"]))
            elif not any(f.name == kind for f in facts):
                facts.append(Fact(kind, value, line, spec["metadata_source"]))
        if i not in titles:
            used.add(i)
    if best is not None:
        facts.insert(0, best[1])
    return facts, used, titles


def signature_date(lines: list[Line], fmt: Format) -> Fact | None:
    """The date under the signature: a line at the very end that is a date and nothing else."""
    for line in reversed(lines[-4:]):
        text = "".join(line.cells).strip()
        when = date_in(text)
        if when is not None and len(DATE.sub("", text).strip()) == 0:
            return Fact("published", when, line, fmt.importer["signature_source"])
    return None


def deadline(year: int, fmt: Format, given: dt.date | None = None) -> dt.date:
    """The day by which the report for ``year`` is to be published: ``given``, else the declared
    day of the following year (31 January)."""
    if given is not None:
        return given
    month, day = (int(p) for p in fmt.importer["deadline"].split("-"))
    return dt.date(year + 1, month, day)
