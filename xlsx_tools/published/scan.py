"""A scanned page as lines of cells: its tables found by their ruling lines (OpenCV), the recognised
words (:mod:`ocr`) put into the cells they stand in, the words outside the tables into lines of
text — so a scan reads as a ruled PDF table or a Word table does, each line naming its page and
that it was recognised.

A table is a run of horizontal ruling lines; between two of them (a row) its cells are bounded by
the vertical lines that cross that whole row, so a cell merged over several columns is one cell,
and the text of a cell merged over several rows stands in the row its middle is in. A cell's words
are joined in reading order; a cell that reads as a number with a letter for a 0 (「O」) is read as
the number, and each line keeps the lowest confidence of each of its cells.
"""

from __future__ import annotations

import re
from typing import Any

from .document import Line, Seen, clean, page_number
from .ocr import Word, as_number, read_line
from .picture import upright

#: a horizontal ruling line is at least this share of the page's width; a vertical one crosses this
#: share of a row from ruling line to ruling line (a character's stroke stops short of the lines)
ACROSS, DOWN = 0.15, 0.95
#: the dashes around a page number as recognised (「一1一」: 一 for a dash)
_PAGE_DASHES = re.compile(r"^[一—－-]+|[一—－-]+$")
#: pixels of a ruling line's thickness merged into one line; a row lower than this is no row
THICK, LOW = 4, 8
#: a cell read again on its own: its ink is darker than this, at least this many pixels of it, and
#: what is read is taken only with this confidence
INK, SPECK, REREAD = 128, 12, 0.8


def page_lines(image: Any, number: int, name: str = "") -> list[Line]:
    """The lines of one scanned page or picture (``image``: a PIL image or a numpy array), made
    upright first (:mod:`picture`); each line's place starts with ``name`` (default 「第3页」)."""
    grey, found = upright(image)
    rows = _rows(grey)
    found = _split(found, rows)
    name = name or f"第{number}页"
    items: list[tuple[float, Line]] = []
    used: set[int] = set()
    table = 0
    last_bottom = None
    for top, bottom, columns in rows:
        if last_bottom is None or top - last_bottom > THICK:
            table += 1
            r = 0
        last_bottom = bottom
        r += 1
        cells, seen = [], []
        for left, right in zip(columns, columns[1:], strict=False):
            inside = [i for i, w in enumerate(found)
                      if left < w.middle[0] < right and top < w.middle[1] < bottom and i not in used]
            used.update(inside)
            text = as_number(clean(_joined([found[i] for i in inside])))
            confidence = min((found[i].confidence for i in inside), default=1.0)
            if not inside and (again := _reread(grey, left, top, right, bottom)) is not None:
                text, confidence = again  # ink the detector passed over: a small 「0」 alone in a tall cell
            cells.append(text)
            seen.append(Seen(confidence, _share(grey, left, top, right, bottom), not text))
        if any(cells):
            where = f"{name}第{table}个表格第{r}行（文字识别）"
            items.append((top, Line(where, tuple(cells), page=number, ocr=tuple(seen))))
    rest = _text_lines([w for i, w in enumerate(found) if i not in used])
    left = min((g[0].x0 for g in rest), default=0)
    right = max((g[-1].x1 for g in rest), default=0)
    before = False  # the text line above ran to the right margin
    for n, group in enumerate(rest, 1):
        text = clean(" ".join(w.text for w in group))
        edge = n in (1, len(rest))
        core = _PAGE_DASHES.sub("", text).strip()
        if not text or page_number(text, edge) or (edge and core.isdigit() and len(core) <= 3):
            continue  # a page number (「-3-」, read as 「一3一」 or 「4-」)
        height = group[0].y1 - group[0].y0
        wraps = before and group[0].x0 <= left + height  # not indented: continues
        where = f"{name}第{n}行（文字识别）"
        box = _share(grey, group[0].x0, min(w.y0 for w in group), group[-1].x1, max(w.y1 for w in group))
        items.append((group[0].y0, Line(where, (text,), page=number, joint="" if wraps else None,
                                        ocr=(Seen(min(w.confidence for w in group), box),))))
        before = group[-1].x1 >= right - 2 * height
    return [line for _, line in sorted(items, key=lambda item: item[0])]


def _share(grey, left: float, top: float, right: float, bottom: float) -> tuple[float, float, float, float]:
    """A box as shares of the upright page's width and height (whatever the picture's resolution)."""
    height, width = grey.shape
    return round(left / width, 4), round(top / height, 4), round(right / width, 4), round(bottom / height, 4)


def _reread(grey, left: int, top: int, right: int, bottom: int) -> tuple[str, float] | None:
    """A cell in which the detector found no word, read once more on its own: its ink (inside the
    ruling lines) cut out and recognised as one line. Only a number is taken (a cell of a label or
    a header left empty by a merge stays empty)."""
    import numpy as np

    inner = grey[top + 2 * THICK:bottom - 2 * THICK, left + 2 * THICK:right - 2 * THICK]
    if inner.size == 0:
        return None
    ys, xs = np.where(inner < INK)
    if len(ys) < SPECK:
        return None  # blank (or a speck of dust)
    pad = max(4, (ys.max() - ys.min()) // 2)
    crop = inner[max(ys.min() - pad, 0):ys.max() + pad + 1, max(xs.min() - pad, 0):xs.max() + pad + 1]
    text, confidence = read_line(np.ascontiguousarray(crop))
    text = as_number(text)
    return (text, confidence) if text.isdigit() and confidence >= REREAD else None


def _split(found: list[Word], rows: list[tuple[int, int, list[int]]]) -> list[Word]:
    """Words of a table row cut where its vertical ruling lines cross them: the recogniser may read
    two narrow cells side by side as one word (「结果结果」); the text is cut in proportion (Chinese
    characters are equally wide). Words outside the tables are left whole."""
    out = []
    for w in found:
        row = next((columns for top, bottom, columns in rows if top < w.middle[1] < bottom), [])
        cuts = [x for x in row if w.x0 + THICK < x < w.x1 - THICK]
        if not cuts or len(w.text) < 2:
            out.append(w)
            continue
        edges = [w.x0, *cuts, w.x1]
        per = len(w.text) / (w.x1 - w.x0)
        marks = [0] + [round((x - w.x0) * per) for x in cuts] + [len(w.text)]
        for (a, b), (left, right) in zip(zip(marks, marks[1:], strict=False), zip(edges, edges[1:], strict=False),
                                         strict=True):
            if w.text[a:b].strip():
                out.append(Word(left, w.y0, right, w.y1, w.text[a:b], w.confidence))
    return out


def _joined(inside: list[Word]) -> str:
    """A cell's words in reading order: by line (their middles within half a word's height), then left to right."""
    return "".join(w.text for group in _text_lines(inside) for w in group)


def _text_lines(found: list[Word]) -> list[list[Word]]:
    """Words grouped into lines: a word joins the line whose middle is within half its height."""
    lines: list[list[Word]] = []
    for w in sorted(found, key=lambda w: w.middle[1]):
        height = w.y1 - w.y0
        if lines and abs(lines[-1][-1].middle[1] - w.middle[1]) <= height / 2:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _rows(grey) -> list[tuple[int, int, list[int]]]:
    """Every table row of the page: its top and bottom ruling line and the x of the vertical lines
    that cross it, top to bottom."""
    import cv2
    import numpy as np

    ink = cv2.adaptiveThreshold(255 - grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -2)
    height, width = ink.shape
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width // 12, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, LOW)))
    ys = _runs(np.where(horizontal.sum(axis=1) / 255 > width * ACROSS)[0])
    rows = []
    for top, bottom in zip(ys, ys[1:], strict=False):
        band = vertical[top + 1:bottom - 1]
        if bottom - top < LOW + 2 * THICK:
            continue
        columns = _runs(np.where(band.sum(axis=0) / 255 >= band.shape[0] * DOWN)[0])
        if len(columns) >= 2:
            rows.append((top, bottom, columns))
    return rows


def _runs(indices) -> list[int]:
    """The middles of runs of adjacent pixel indices (a ruling line a few pixels thick is one line)."""
    out: list[list[int]] = []
    for i in indices:
        if out and i - out[-1][-1] <= THICK:
            out[-1].append(int(i))
        else:
            out.append([int(i)])
    return [sum(run) // len(run) for run in out]
