"""Section headings found in a published report: the official titles, the declared variants, and
a heading renamed but close enough to one (S1, a warning naming what was found).

Headings are looked for in statutory order from the current section on, so a page-break repeat of
the current heading is recognised and a table row never reads as a heading.
"""

from __future__ import annotations

import difflib
import re

from ..format.declaration import Format, Section
from .document import Line
from .imported import Imported
from .labels import Index, key_of, value_of

_ARABIC_HEADING = re.compile(r"^(?P<n>[1-6])[、.]")


class Headings:
    """Recognises section headings line by line; remembers the line each section started on."""

    def __init__(self, fmt: Format, index: Index, out: Imported):
        self.fmt, self.index, self.out = fmt, index, out
        self.spec = fmt.importer
        self.seen: dict[str, Line] = {}  # section key → its heading's line

    def match(self, line: Line, current: Section | None) -> Section | None:
        """The section ``line`` heads, or None; ``current`` is the section the walk is in."""
        cells = [c for c in line.cells if c]
        if len(cells) != 1 or value_of(cells[0], self.index.placeholders) is not None:
            return None
        k = key_of(cells[0])
        if k in self.index.rows or k in self.index.groups:
            return None
        later = self.fmt.sections
        if current is not None:  # a page-break repeat of the current heading, or a later one
            later = later[later.index(current):]
        for s in later:
            official, variants = self.index.titles[s.key]
            if k == official:
                self.seen.setdefault(s.key, line)
                return s
            if s is current:
                continue
            number = _ARABIC_HEADING.match(k)
            if k in variants or self._renamed(k, s, official, number):
                self.seen[s.key] = line
                self.out.note("S1/heading", line, found=cells[0], title=s.title)
                return s
        return None

    def _renamed(self, k: str, s: Section, official: str, number: re.Match | None) -> bool:
        numerals = self.spec["numerals"]
        if number and numerals[int(number["n"]) - 1] == s.number:
            rest = k[number.end():]
        elif k.startswith(s.number + "、"):
            rest = k[len(s.number) + 1:]
        else:
            return False
        ratio = difflib.SequenceMatcher(None, rest, official[len(s.number) + 1:]).ratio()
        return ratio >= self.spec["heading_similarity"]
