"""Plain text as published, copied from a web page or out of a PDF: UTF-8 or GBK, table cells
separated by tabs, or (text out of a PDF, ``pdftotext -layout``) by runs of spaces.

Text laid out with spaces keeps where each cell stood (its column on the line), so that the table
walk can tell which column a number is in when a cell is empty (where Chinese text stands is not
known: NaN). Pages (form feeds) are counted;
page numbers and a running header or footer repeated on the pages are left out; a line that
continues the paragraph above it (wrapped at the margin) says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from .document import PAGE_NUMBER, Line, Unreadable, clean, joint, page_number, pipe_cells, repeats, unmarked

#: a cell of text laid out with spaces: words separated by single spaces (two or more spaces, an
#: ideographic space or a tab separate cells)
_CELL = re.compile(r"[^ \u3000\t]+(?: [^ \u3000\t]+)*")
_NUMBERS = re.compile(r"[\d.,，]+(?: [\d.,，]+)+")
_WORD = re.compile(r"\S+")
#: a line at least this share of the wrapping width ran to the margin (digits and Latin are narrower)
MARGIN = 0.8
_ENDS = tuple("。！？；：…")


def decode(data: bytes) -> tuple[str, str]:
    """Text bytes as published: UTF-8 (with or without BOM), else GB18030 (GBK's superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Unreadable("无法识别文字编码（既不是 UTF-8，也不是 GBK/GB18030）")


def text_lines(text: str) -> list[Line]:
    """Plain text: one line per line, cells split at tabs (how tables survive copy and paste) or,
    in a line without tabs, at runs of spaces (how text comes out of a PDF), each such cell with
    its column; numbers separated by single spaces are cells too. Lines that are only a page
    number (a bare number only at a page's top or bottom), and repeats of a running header or
    footer, are left out."""
    raw = re.split(r"\r\n|\r|\n", text)
    pages = _pages(raw)
    paged = any(p > 1 for p in pages)
    running = _running(raw, pages)
    edges = _edges(raw, pages) if paged else set()
    width = 0 if paged else _wrap_width(raw)
    out: list[Line] = []
    before: tuple[str, int, bool] | None = None  # the last line kept: its text, page, and a blank line after it
    for number, (line, page) in enumerate(zip(raw, pages, strict=True), 1):
        line = line.replace("\f", "")
        if not line.strip():
            before = before and (before[0], before[1], True)
            continue
        if page_number(line, number in edges) or number in running:
            continue
        cells, x = _cells(line)
        if not any(cells):
            continue
        single = len(cells) == 1 and before is not None and "\t" not in before[0] and len(_cells(before[0])[0]) == 1
        if paged:  # pdftotext: a paragraph's first line is indented, its wrapped lines are not
            wraps = single and not line[0].isspace() and (not before[2] or before[1] != page)
        else:  # copied out of a PDF viewer: the line above ran to the margin and did not end a sentence
            above = before[0].rstrip() if before else ""
            wraps = (single and not before[2] and not line[0].isspace() and width > 0
                     and len(above) >= MARGIN * width and not above.endswith(_ENDS))
        where = f"第{page}页第{number}行" if paged else f"第{number}行"
        out.append(Line(where, cells, x, page if paged else 0, joint(before[0].strip(), cells[0]) if wraps else None))
        before = (line, page, False)
    return out


def _cells(line: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """A line's cells, and (laid out with spaces) the column each cell's middle stands at. A
    markdown or pipe table's row (``| 项目 | 自然人 | … |``) is split at its bars, its rule line
    (``|---|:--:|``) is no row; a markdown heading's ``#`` marks and bold ``**`` are not text."""
    piped = pipe_cells(line)
    if piped is not None:
        return piped, ()
    line = unmarked(line)
    if "\t" in line:
        return tuple(clean(c) for c in line.split("\t")), ()
    cells, x = [], []
    for m in _CELL.finditer(line):
        parts = list(_WORD.finditer(m[0])) if _NUMBERS.fullmatch(m[0]) else [m]
        for p in parts:
            start = m.start() + p.start() if p is not m else m.start()
            cells.append(clean(p[0]))
            # pdftotext prints a Chinese character in one column though it is wider, and pushes words
            # against each other: where Chinese text (a label, a header) stands is not known
            x.append(start + len(p[0]) / 2 if sum(not c.isascii() for c in p[0]) <= 1 else math.nan)
    return tuple(cells), tuple(x)


def _pages(raw: list[str]) -> list[int]:
    """The page each line stands on: a form feed (how pdftotext ends a page) starts the next."""
    pages, page = [], 1
    for line in raw:
        if "\f" in line and line.replace("\f", "").strip():
            page += line.count("\f")  # the text after the form feed stands on the new page
            pages.append(page)
            continue
        pages.append(page)
        page += line.count("\f")
    return pages


def _edges(raw: list[str], pages: list[int]) -> set[int]:
    """Line numbers of the first and the last line of text on each page."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for number, (line, page) in enumerate(zip(raw, pages, strict=True), 1):
        if line.replace("\f", "").strip():
            first.setdefault(page, number)
            last[page] = number
    return set(first.values()) | set(last.values())


def _running(raw: list[str], pages: list[int]) -> set[int]:
    """Line numbers (from 1) of a running header's or footer's repeats."""
    kept = [(n, page, line.replace("\f", "")) for n, (line, page) in enumerate(zip(raw, pages, strict=True), 1)
            if line.replace("\f", "").strip() and not PAGE_NUMBER.match(line.replace("\f", ""))]
    return {kept[i][0] for i in repeats([(page, text) for _, page, text in kept])}


def _wrap_width(raw: list[str]) -> int:
    """The width text copied out of a PDF viewer was wrapped at: the longest paragraph line, when at
    least three lines and a fifth of the long ones come within two characters of it; else 0 (the
    text has a paragraph a line, as copied from a web page)."""
    lengths = Counter(len(line.strip()) for line in raw if len(line.strip()) >= 20 and len(_CELL.findall(line)) == 1)
    if not lengths:
        return 0
    width = max(lengths)
    near = sum(n for length, n in lengths.items() if length >= width - 2)
    return width if near >= 3 and near * 5 >= sum(lengths.values()) else 0
