"""A published report as lines of cells: what every front end (:mod:`plaintext`, :mod:`word`,
:mod:`webpage`) makes of its file, and what :mod:`matcher` reads.

Every line is a tuple of cells (a paragraph is one cell, a table row one cell per table cell) with
the place in the source it came from, so every value imported can be traced back. Nothing is
interpreted here. A file that cannot be read raises :class:`Unreadable` with a message for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..read.values import CONTROL

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
#: a line that is only a page number: 「— 3 —」, 「-3-」, 「第 3 页」, 「第3页，共12页」, 「3 / 12」, 「3」 (a bare
#: number only at the top or the bottom of a page: elsewhere it may be a table's value on a line of its own)
PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?"
                         r"|\d+\s*/\s*\d+)\s*$")
_BARE = re.compile(r"^\s*\d{1,4}\s*$")


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]*\S\s*\|(?:[^|]*\|)+[^|]*$")  # | a | b | or a | b | c
_PIPE_RULE = re.compile(r":?-{2,}:?|")
_MARKS = re.compile(r"^(\s*)#{1,6}\s+|\*\*|__")  # a markdown heading's marks, bold


def unmarked(text: str) -> str:
    """Text without markdown's heading marks and bold markers."""
    return _MARKS.sub(lambda m: m[1] or "", text)


def pipe_cells(text: str) -> tuple[str, ...] | None:
    """A markdown or pipe table's row (``| 项目 | 自然人 | … |``) split at its bars; () for its rule
    line (``|---|:--:|``); None for text that is no such row. Text pasted as markdown into a web
    page or a Word document comes as such paragraphs, as it does in copied text."""
    if not _PIPE_ROW.match(text):
        return None
    cells = [clean(c) for c in text.strip().strip("|").split("|")]
    return () if all(_PIPE_RULE.fullmatch(c) for c in cells) else tuple(unmarked(c) for c in cells)


def paragraph(where: str, text: str) -> Line | None:
    """A paragraph of a Word document or a web page as a line: a pasted markdown table row as its
    cells, markdown marks removed; None for a rule line or nothing."""
    cells = pipe_cells(text)
    if cells is None:
        text = unmarked(text).strip()
        cells = (text,) if text else ()
    return Line(where, cells) if cells else None


def piped(lines: list[Line]) -> list[Line]:
    """Lines of text with the markdown table rows among them split at their bars: a row wrapped at
    the margin (「| (六) 其他处理 | 1. 申请人…申」 then 「请 | 0 | 0 |」) joined first; rule lines dropped."""
    out: list[Line] = []
    for line in lines:
        before = out[-1] if out else None
        text = line.cells[0].strip() if len(line.cells) == 1 else ""
        if (before is not None and line.joint is not None and len(before.cells) == 1 and text
                and before.cells[0].lstrip().startswith("|") and not text.startswith("|")
                and (not before.cells[0].rstrip().endswith("|") or "|" in text)):
            out[-1] = Line(before.where, (before.cells[0] + line.joint + line.cells[0],), page=before.page)
            continue
        out.append(line)
    rows = []
    for line in out:
        cells = pipe_cells(line.cells[0]) if len(line.cells) == 1 else None
        if cells is None:
            rows.append(line)
        elif cells:
            rows.append(Line(line.where, cells, page=line.page))
    return rows


def page_number(text: str, edge: bool) -> bool:
    """Whether a line is only a page number; ``edge``: it is the first or last line of its page."""
    return bool(PAGE_NUMBER.match(text) or (edge and _BARE.match(text)))


class Unreadable(Exception):
    """The file cannot be read as a published report; the message says why, in Chinese. ``key``
    names the finding it becomes (a scanned PDF is IMP-SCANNED, anything else IMP-UNREADABLE)."""

    def __init__(self, message: str, key: str = "IMP-UNREADABLE"):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Seen:
    """What the recogniser saw in one cell of a picture: the lowest confidence (0–1) of its words
    (1 where it saw none) and the cell's box in the upright picture (left, top, right, bottom as
    shares of its width and height, so that a reader finds it on the page at any resolution)."""

    confidence: float
    box: tuple[float, float, float, float]
    empty: bool = False  # no word was seen in the cell


@dataclass(frozen=True)
class Line:
    """One line of a published report: its cells and where it stands in the source."""

    where: str  # "第41行", "第3个表格第5行", "第12段"
    cells: tuple[str, ...]
    #: each cell's horizontal centre, where the source places text by position (text out of a PDF,
    #: a PDF table without ruling lines); empty where cells are cells (tabs, Word, HTML, ruled tables)
    x: tuple[float, ...] = ()
    page: int = 0  # the page the line stands on, where the source has pages
    #: None: a line of its own; else the line continues the paragraph of the line before (text
    #: wrapped at the margin), joined to it by this ("" beside Chinese, " " between words)
    joint: str | None = None
    #: cells that continue a merged cell (its text stands in the first cell of the merge, above or
    #: to the left): a table of Word, a web page or a ruled PDF says so, where text cannot
    merged: frozenset[int] = frozenset()
    #: a recognised line (OCR of a scan or a picture): what the recogniser saw in each cell
    ocr: tuple[Seen, ...] = ()

    def seen(self, cell: int) -> Seen | None:
        """What the recogniser saw in a cell of a recognised line (its least sure cell where the
        cell is not known); None for a line not recognised."""
        if 0 <= cell < len(self.ocr):
            return self.ocr[cell]
        return min(self.ocr, key=lambda seen: seen.confidence) if self.ocr else None

    @property
    def text(self) -> str:
        """The line as a person reads it (cells separated by a tab)."""
        return "\t".join(self.cells).strip()


@dataclass
class Document:
    name: str
    kind: str  # what the source is, for messages: 文本, Word 文档, 网页
    lines: list[Line] = field(default_factory=list)
    encoding: str = ""
    #: the file's own dates (a PDF's 修改日期, 创建日期), the weakest sign of when it was published
    file_dates: list = field(default_factory=list)


#: the lines at the top and at the bottom of a page where a running header or footer stands
EDGE = 2


def repeats(lines: list[tuple[int, str]]) -> set[int]:
    """Indices of a running header's or footer's repeats among a document's lines (page, text):
    the same text (its digits aside: 「第 3 页」) among the first or last ``EDGE`` lines of at least
    two pages and of half of them. The first one stays (it may be the title, or a table's caption)."""
    by_page: dict[int, list[int]] = {}
    for i, (page, _) in enumerate(lines):
        by_page.setdefault(page, []).append(i)
    if len(by_page) < 2:
        return set()
    edges: dict[str, list[int]] = {}
    for indices in by_page.values():
        for i in dict.fromkeys(indices[:EDGE] + indices[-EDGE:]):
            key = re.sub(r"\d+", "#", re.sub(r"\s+", "", lines[i][1]))
            if len(key) >= 4:
                edges.setdefault(key, []).append(i)
    return {i for found in edges.values() if len(found) >= max(2, len(by_page) / 2) for i in found[1:]}


def joint(before: str, after: str, space: bool = False) -> str:
    """What joins a line wrapped at the margin to the line before: a space where the source had one
    there (``space``) or between two Latin words or numbers, else nothing (Chinese wraps anywhere)."""
    words = before[-1:].isascii() and before[-1:].isalnum() and after[:1].isascii() and after[:1].isalnum()
    return " " if space or words else ""


def clean(text: str) -> str:
    """A cell's text: no control characters, runs of spaces as one space, trimmed."""
    return _SPACES.sub(" ", CONTROL.sub("", text)).strip()
