"""Web pages (.html, parsed with lxml): text between block elements, data tables row by row, and
pictures (a table pasted as an image) recognised where they stand, when the OCR extra is installed.

A picture is read from a data: URL or from a file beside the saved page (「另存为 网页，全部」 puts
them in a folder next to it); never from the network, never from outside the page's folder. Icons
and logos (small pictures) are passed over; each picture counts as a page against ``max_pages``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from pathlib import Path
from urllib.parse import unquote

from ..format.findings import plain_detail
from ..read.container import MB
from . import ocr, scan
from .document import Line, Unreadable, clean, paragraph
from .plaintext import decode

_CHARSET = re.compile(rb"<meta[^>]+charset\s*=", re.IGNORECASE)

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
           "header", "footer", "blockquote", "pre", "title", "dt", "dd", "center"}
_SKIP = {"script", "style", "noscript", "template", "head"}


#: a picture narrower or lower than this (pixels) is an icon or a logo, not a table
SMALL = (200, 60)
#: a picture with more pixels than this is not decoded (a decompression bomb)
MAX_PIXELS = 40_000_000
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def html_lines(data: bytes, folder: Path | None = None, max_mb: float = 50, max_pages: int = 500) -> list[Line]:
    """A web page in reading order: text between block elements as lines, every row of a data
    table (one without tables inside it) as a line of cells, cells spanning rows or columns laid
    out on the table's grid, a picture's recognised lines where it stands (its files looked for
    in ``folder``). Layout tables are read through."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    # a page that names its charset is decoded by the parser; one that does not is UTF-8 or GBK
    source: bytes | str = data if _CHARSET.search(data[:4096]) else decode(data)[0]
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise Unreadable(f"无法解析网页：{plain_detail(str(exc))}") from exc
    out: list[Line] = []
    pending: list[str] = []
    line_of = [0]
    pictures = [0]
    reading = ocr.available()

    def flush() -> None:
        text = clean("".join(pending))
        pending.clear()
        line = paragraph(f"第{line_of[0]}行", text)
        if line is not None:
            out.append(line)

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            pass
        elif tag == "img" and reading and pictures[0] < max_pages:
            image = _picture(el.get("src") or "", folder, max_mb)
            if image is not None:
                flush()
                pictures[0] += 1
                out.extend(scan.page_lines(image, pictures[0], f"第{el.sourceline}行的图片"))
        elif tag == "table" and not el.xpath(".//table"):
            flush()
            for tr, cells, merged in _grid(el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")):
                if any(cells):
                    out.append(Line(f"第{tr.sourceline}行", cells, merged=merged))
        else:
            if tag in _BLOCKS or tag in ("br", "tr", "table"):
                flush()
            if not pending:
                line_of[0] = el.sourceline or line_of[0]
            if el.text and tag:
                pending.append(el.text)
            for child in el:
                walk(child)
            if tag in _BLOCKS or tag in ("tr", "td", "th", "table"):
                if tag in ("td", "th"):
                    pending.append("\t")
                else:
                    flush()
        if el.tail:
            if not pending:
                line_of[0] = el.sourceline or line_of[0]
            pending.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return out


def _picture(src: str, folder: Path | None, max_mb: float):
    """The picture an ``<img>`` shows, as a PIL image; None for one that is not here to read (on
    the network, outside the page's folder, missing, too large, not a picture, an icon)."""
    from PIL import Image

    src = src.strip()
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        if ";base64" not in head.lower() or len(body) > max_mb * MB * 4 / 3:
            return None
        try:
            data = base64.b64decode(body)
        except (binascii.Error, ValueError):
            return None
    elif folder is not None and src and not _SCHEME.match(src):
        base = folder.resolve()
        path = (base / unquote(src.split("?")[0].split("#")[0]).replace("\\", "/")).resolve()
        try:
            if not path.is_relative_to(base) or not path.is_file() or path.stat().st_size > max_mb * MB:
                return None
            data = path.read_bytes()
        except OSError:
            return None
    else:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width < SMALL[0] or height < SMALL[1] or width * height > MAX_PIXELS:
            return None
        return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


#: the most rows and columns one cell may span (a page's attributes are not trusted)
MAX_SPAN = 200


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, "1")).strip() or 1), MAX_SPAN))
    except ValueError:
        return 1


def _grid(rows) -> list[tuple]:
    """A table's rows as a grid: a cell spanning columns is followed by empty cells, and a cell
    spanning rows leaves an empty cell in its column of each row below, marked merged (so that the
    numbers after it keep their columns, and a number merged over rows is seen)."""
    below: dict[int, int] = {}  # column → rows of it still covered by a cell above
    out = []
    for tr in rows:
        cells: list[str] = []
        merged: set[int] = set()
        for cell in (c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")):
            _covered(cells, merged, below)
            text, rows_down = clean(cell.text_content()), _span(cell, "rowspan")
            for k in range(_span(cell, "colspan")):
                if rows_down > 1:
                    below[len(cells)] = rows_down - 1
                cells.append("" if k else text)
        _covered(cells, merged, below)
        out.append((tr, tuple(cells), frozenset(merged)))
    return out


def _covered(cells: list[str], merged: set[int], below: dict[int, int]) -> None:
    """The columns at the row's end that a cell above still covers: empty cells, marked merged."""
    while below.get(len(cells), 0) > 0:
        below[len(cells)] -= 1
        merged.add(len(cells))
        cells.append("")
