"""PDF documents (pdfplumber): the text layer as lines of text and table rows, in reading order.

Tables are found by their ruling lines (as Word and LibreOffice print them); a cell merged over
several rows or columns reads as empty beyond its first cell, as a .docx does, and the row says
which cells those are. Outside them, a line of text is cut into cells where its words stand far
apart (a table drawn without ruling lines), each cell with its place, as text laid out with spaces
is. A line that starts at the left edge of the text block continues the paragraph above it (across
a page break too); an indented line starts a new one. Page numbers (「— 3 —」, 「-3-」, 「第 3 页」,
「3 / 12」) and a running header's repeats are dropped. A PDF with no text layer (a scan), an
encrypted PDF and a broken one are :class:`Unreadable` with their own message, never a guess.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

from ..format.findings import plain_detail
from . import ocr, scan
from .document import Line, Unreadable, clean, joint, page_number, piped, repeats

SCANNED = "PDF 中没有文字层（可能是扫描件），无法读取其中的文字和数字"
#: the resolution a scanned page is rendered at for recognition (dots per inch) when its picture's
#: own is not known, and the bounds of that
SCAN_DPI, MIN_DPI, MAX_DPI = 200, 100, 400
#: a line starting this much right of the text block's left edge starts a paragraph (points)
INDENT = 6
#: gaps narrower than this are not word spaces: Word and Writer set about 3 pt between Chinese and
#: Latin or digits ("本单位 2024 年" on the page, "本单位2024年" in the text); real spaces are characters
GAP = 5
#: a gap wider than this many characters separates two cells of a table drawn without ruling lines
CELL = 1.2


#: the file's own dates (PDF date strings: D:20250120093000+08'00'), the later first
DATES = (("ModDate", "修改日期"), ("CreationDate", "创建日期"))
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")


def pdf_lines(data: bytes, max_pages: int, dates: list | None = None) -> list[Line]:
    """A PDF's paragraphs and table rows, each naming its page; ``dates`` (if given) receives the
    file's own dates from its document information, as (what, date), the modification first."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise Unreadable("PDF 已加密，需要密码才能打开；请索取未加密的文件") from exc
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise Unreadable("PDF 已加密，需要密码才能打开；请索取未加密的文件") from exc
        detail = f"{type(cause).__name__}：{cause}" if str(cause) else type(cause).__name__
        raise Unreadable(f"不是有效的 PDF 文件（{detail}）") from exc
    with pdf:
        if dates is not None:
            dates += file_dates(pdf.metadata or {})
        if len(pdf.pages) > max_pages:
            raise Unreadable(f"PDF 有 {len(pdf.pages)} 页，超过上限 {max_pages} 页（可用 --max-pages 提高上限）")
        items = []
        try:
            for number, page in enumerate(pdf.pages, 1):
                if not page.chars and page.images and ocr.available():  # a scanned page: recognised
                    image = page.to_image(resolution=scan_dpi(page)).original
                    items += [("line", number, line) for line in scan.page_lines(image, number)]
                    continue
                items += _page(page, number)
        except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
            raise Unreadable(f"PDF 第 {number} 页无法读取：{plain_detail(str(exc) or type(exc).__name__)}") from exc
    if not any(kind in ("text", "row", "line") for kind, *_ in items):
        raise Unreadable(SCANNED if ocr.available() else ocr.MISSING, "IMP-SCANNED")
    return piped(_lines(items))


def scan_dpi(page) -> int:
    """The resolution a scanned page is rendered at: its picture's own (so that thin ruling lines
    are not blurred by resampling), within 100–400 dpi; ``SCAN_DPI`` when that is not known."""
    try:
        largest = max(page.images, key=lambda im: (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]))
        native = largest["srcsize"][0] * 72 / (largest["x1"] - largest["x0"])
    except (KeyError, ValueError, TypeError, ZeroDivisionError):
        return SCAN_DPI
    return round(min(max(native, MIN_DPI), MAX_DPI))


def file_dates(info: dict) -> list[tuple[str, dt.date]]:
    """The document information's dates that parse, as (their Chinese name, date)."""
    out = []
    for key, name in DATES:
        raw = info.get(key)
        raw = raw.decode("latin-1", "replace") if isinstance(raw, bytes) else str(raw or "")
        m = _PDF_DATE.match(raw.strip())
        if m:
            try:
                out.append((name, dt.date(int(m[1]), int(m[2]), int(m[3]))))
            except ValueError:
                continue
    return out


def _page(page, number: int) -> list[tuple]:
    """('text', page, x0, cells, places, ends with a space) and ('row', page, table, row, cells, merged) in
    reading order."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        x, y = (obj.get("x0", 0) + obj.get("x1", 0)) / 2, (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    placed = []
    sizes = sorted(c["size"] for c in page.chars) or [10.0]
    unit = sizes[len(sizes) // 2] / 2  # half the usual character: about one digit's width
    lines = [ln for ln in page.filter(outside).extract_text_lines(x_tolerance=GAP, strip=False, keep_blank_chars=True)
             if ln["text"].strip()]
    for n, line in enumerate(lines):
        if not page_number(line["text"], n in (0, len(lines) - 1)):
            cells, places = _cells(line["chars"], unit)
            if any(cells):
                spaced = line["text"] != line["text"].rstrip()
                placed.append((line["top"], ("text", number, line["x0"], cells, places, spaced)))
    for t, table in enumerate(tables, 1):
        for r, row in enumerate(table.extract(), 1):
            cells = tuple(clean((c or "").replace("\n", "")) for c in row)
            merged = frozenset(i for i, c in enumerate(row) if c is None)  # covered by a merged cell
            if any(cells):
                placed.append((table.bbox[1] + r * 1e-3, ("row", number, t, r, cells, merged)))
    return [item for _, item in sorted(placed, key=lambda p: p[0])]


def _cells(chars: list[dict], unit: float) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """A line's characters as cells: a gap wider than ``CELL`` characters separates two cells (a
    table without ruling lines), a narrower one wider than ``GAP`` points is a space. Each cell's
    middle is given in ``unit`` (about a digit's width), as text laid out with spaces counts."""
    cells: list[tuple[str, float, float]] = []  # text, left, right
    text, left, right, space = "", 0.0, 0.0, False
    for c in sorted(chars, key=lambda c: c["x0"]):
        if not c["text"].strip():
            space = True  # a space the PDF carries as a character
            continue
        gap = c["x0"] - right
        if text and gap > CELL * c["size"]:
            cells.append((text, left, right))
            text = ""
        if not text:
            left = c["x0"]
        elif space or gap > GAP:
            text += " "
        text += c["text"]
        right, space = c["x1"], False
    if text:
        cells.append((text, left, right))
    return tuple(clean(t) for t, _, _ in cells), tuple((a + b) / 2 / unit for _, a, b in cells)


def _lines(items: list[tuple]) -> list[Line]:
    """Text lines (those that continue the paragraph above say so) and table rows as they are; a
    running header or footer's repeats are left out."""
    texts = [i for i, item in enumerate(items) if item[0] == "text"]
    running = {texts[j] for j in repeats([(items[i][1], " ".join(items[i][3])) for i in texts])}
    items = [item for i, item in enumerate(items) if i not in running]
    starts = Counter(round(item[2]) for item in items if item[0] == "text")
    left = min(x for x, n in starts.items() if n >= max(2, starts.most_common(1)[0][1] // 4)) if starts else 0
    out: list[Line] = []
    counts: Counter[int] = Counter()
    paragraph = False  # the line before is a line of text of one cell: a paragraph may go on
    before = False  # and it ended with a space
    for item in items:
        if item[0] == "line":  # recognised on a scanned page: already a line of its own
            out.append(item[2])
            paragraph = False
            continue
        if item[0] == "row":
            _, number, t, r, cells, merged = item
            out.append(Line(f"第{number}页第{t}个表格第{r}行", cells, page=number, merged=merged))
            paragraph = False
            continue
        _, number, x0, cells, places, spaced = item
        counts[number] += 1
        single = len(cells) == 1
        wraps = paragraph and single and x0 <= left + INDENT
        glue = joint(out[-1].cells[-1], cells[0], before) if wraps else None
        out.append(Line(f"第{number}页第{counts[number]}行", cells, places if not single else (), number, glue))
        paragraph, before = single, spaced
    return out
