"""Which declared row a label of a published table names: the label as declared (or a declared
alias), the start of one cut short by wrapping, or — reworded (a character added or dropped, 和/及
swapped, a near-synonym) — the one declared label it is close to (rapidfuzz). Also what is no
label at all: a single character or an ordinal alone (a label printed one character a line), a
piece of the table's header, a label with its numbers run into it (or one space away from them).
"""

from __future__ import annotations

import dataclasses
import math
import re

from ..format.declaration import Table
from .document import Line
from .labels import Index, Row, key_of, loose, value_of

_SPACED = re.compile(r"^(?P<label>.*[^\d\s.,，])\s(?P<numbers>[\d.,，]+(?:\s[\d.,，]+)*)$")  # 「行政许可 0」
_TRAILING_NUMBER = re.compile(r"^(?P<label>.*?[^\d.,])(?P<digits>[\d.,]+)$")
NEAR = 80  # how similar (rapidfuzz ratio, 0–100) a reworded label must be to the declared one
MARGIN = 10  # and how much closer to it than to any other row's label


class RowLabels:
    """The declared labels of one format, asked about the labels of a table being read."""

    def __init__(self, index: Index):
        self.index = index

    def visible(self, line: Line, keep: list[int] | None = None) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """The line's cells (and their places) without single characters standing alone: a label
        printed one character a line, as text out of a PDF shows it beside the rows (``keep``: the
        line's :meth:`kept`, where already known)."""
        keep = self.kept(line) if keep is None else keep
        return tuple(line.cells[i] for i in keep), tuple(line.x[i] for i in keep) if line.x else ()

    @staticmethod
    def rest_of(line: Line, tail: str) -> list[str] | None:
        """The line's one label key when it is the awaited rest of a label cut short (``tail``), even
        a single character (which :meth:`visible` would drop); else None."""
        keys = [k for k in (key_of(c) for c in line.cells) if k]
        return keys if tail and len(keys) == 1 and tail.startswith(keys[0]) else None

    def kept(self, line: Line) -> list[int]:
        """The indices of the cells :meth:`visible` keeps."""
        single = [self.vertical(c) for c in line.cells]
        if all(single):  # 「无」 of 「（四）无法提供」 printed down the page is no value
            return []
        placeholders = self.index.placeholders
        return [i for i, c in enumerate(line.cells) if not single[i] or value_of(c, placeholders) is not None]

    @staticmethod
    def vertical(cell: str) -> bool:
        """One character, or an ordinal alone (「三、」): a piece of a label printed down the page."""
        k = key_of(cell)
        return (len(k) == 1 and not k.isdigit()) or (bool(k) and not loose(k) and not k[0].isdigit())

    def match(self, label: str, table: Table | None) -> Row | None:
        k = key_of(label, self.index.aliases)
        for candidate in (k, self.index.aliases.get(loose(k), loose(k))):
            found = self.index.rows.get(candidate, ())
            if table is not None and len(found) > 1:
                found = tuple(r for r in found if r.table.key == table.key) or found
            if len(found) == 1:
                return found[0]
        return None

    def prefix(self, label: str, table: Table | None) -> tuple[Row, str] | None:
        """A label cut short by wrapping: the one row label it starts (at least four characters, or
        two with its numbering), as printed or under another numbering (「2、申请人逾期未按…」
        starts 「2.申请人逾期未按…」)."""
        k = key_of(label, self.index.aliases)
        if len(loose(k)) < 2:
            return None
        # two or three characters only with the row's numbering, as printed (「3.补正」 at a page's
        # foot, 「后申请内容仍不明确」 heading the next page: a row broken across the page)
        forms = ((k, str), (loose(k), loose)) if len(loose(k)) >= 4 else ((k, str),) if k != loose(k) else ()
        for start, form in forms:
            hits = {r.item.key: (r, shown) for full, rs in self.index.rows.items() for shown in (form(full),)
                    for r in rs if shown.startswith(start) and shown != start
                    and (table is None or r.table.key == table.key)}
            if len(hits) == 1:
                row, full = next(iter(hits.values()))
                return row, full[len(start):]
            if hits:
                return None  # the start of several rows: not guessed
        return None

    def near(self, label: str, table: Table | None) -> tuple[Row, float] | None:
        """The one declared row label a reworded label is close to (a character added or dropped,
        和/及 swapped, a near-synonym): at least ``NEAR`` similar, and ``MARGIN`` closer than any other."""
        from rapidfuzz import fuzz, process

        query = loose(key_of(label, self.index.aliases))
        if len(query) < 2:
            return None
        choices: dict[str, Row] = {}
        for k, rows in self.index.rows.items():
            for r in rows:
                if k == loose(k) and (table is None or r.table.key == table.key):
                    choices[k] = r
        best = process.extract(query, list(choices), scorer=fuzz.ratio, limit=2)
        if not best or best[0][1] < NEAR or (len(best) > 1 and best[0][1] - best[1][1] < MARGIN):
            return None
        return choices[best[0][0]], best[0][1]

    def header_piece(self, label: str, table: Table | None, recognised: bool = False) -> bool:
        """Whether each word of a label is part of a header (or the stub's note) of the current table;
        in a ``recognised`` line (OCR) a word as long as a header that shares half of it in place
        counts too (「尚未影电」 for 「尚未审结」): a header's word misread is still no row label."""
        if table is None:
            return False
        headers = [h for h, owner in self.index.headers.items() if owner in (table.key, "")]
        words = [key_of(w) for w in label.split()]
        return all(len(w) >= 2 and any(w in h or recognised and _misread(w, h) for h in headers) for w in words)

    def unspaced(self, line: Line, table: Table | None) -> Line:
        """The line with a row label and its numbers set apart when one space is all that separates
        them (「行政许可 0」 copied as plain text): split only where the label is a row's. In text laid
        out by position the parts' places are not known (NaN, as for Chinese text)."""
        if line.merged:
            return line
        cells: list[str] = []
        x: list[float] = []
        seen = []  # what a recogniser saw: each part of a cell split here saw the whole cell
        for i, cell in enumerate(line.cells):
            m = _SPACED.match(cell)
            if m and value_of(cell, self.index.placeholders) is None and self.match(m["label"], table):
                parts = [m["label"], *m["numbers"].split()]
                cells += parts
                x += [math.nan] * len(parts)
                seen += line.ocr[i:i + 1] * len(parts)
            else:
                cells.append(cell)
                x += [line.x[i]] if line.x else []
                seen += line.ocr[i:i + 1]
        if len(cells) == len(line.cells):
            return line
        return dataclasses.replace(line, cells=tuple(cells), x=tuple(x), ocr=tuple(seen))

    def glued(self, label: str, table: Table | None) -> bool:
        """A row label with its numbers run into it (a web page flattened without cell separators)."""
        m = _TRAILING_NUMBER.match(key_of(label))
        return bool(m) and self.match(m["label"], table) is not None


def _misread(word: str, header: str) -> bool:
    """A recognised word of a header's length with at least half its characters in their places."""
    return len(word) == len(header) >= 2 and 2 * sum(a == b for a, b in zip(word, header, strict=True)) >= len(word)

