"""Published reports as rows of cells: plain text, Word (.docx) and web pages (.html).

Each front end turns one file into a :class:`Document`: its lines in reading order, every line a
tuple of cells (a paragraph is one cell, a table row one cell per table cell) and the place in
the source it came from, so every value imported can be traced back. Nothing is interpreted here;
:mod:`importer` matches the lines to the declared format. A file that cannot be read raises
:class:`Unreadable` with a message for the user.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..read.container import MB
from ..read.values import CONTROL

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=", re.IGNORECASE)


class Unreadable(Exception):
    """The file cannot be read as a published report; the message says why, in Chinese."""


@dataclass(frozen=True)
class Line:
    """One line of a published report: its cells and where it stands in the source."""

    where: str  # "第41行", "第3个表格第5行", "第12段"
    cells: tuple[str, ...]

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


def read_document(path: Path, kinds: dict[str, str], max_mb: float) -> Document:
    """Read ``path`` (never written) with the front end its suffix names."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in kinds:
        raise Unreadable(f"不支持的文件类型“{suffix or '无扩展名'}”，可导入：{'、'.join(kinds)}"
                         "（PDF 或 .doc 请先另存为 .docx，或复制文字另存为 .txt）")
    try:
        size = path.stat().st_size
        if size > max_mb * MB:
            raise Unreadable(f"文件有 {size / MB:.1f} MB，超过上限 {max_mb:g} MB（可用 --max-mb 提高上限）")
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"无法读取文件：{exc.strerror or exc}") from exc
    if not data.strip():
        raise Unreadable("文件是空的")
    doc = Document(path.name, kinds[suffix])
    if suffix == ".docx":
        doc.lines = docx_lines(data, max_mb)
    elif suffix in (".html", ".htm"):
        doc.lines = html_lines(data)
    else:
        text, doc.encoding = decode(data)
        doc.lines = text_lines(text)
    return doc


def decode(data: bytes) -> tuple[str, str]:
    """Text bytes as published: UTF-8 (with or without BOM), else GB18030 (GBK's superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Unreadable("无法识别文字编码（既不是 UTF-8，也不是 GBK/GB18030）")


def clean(text: str) -> str:
    """A cell's text: no control characters, runs of spaces as one space, trimmed."""
    return _SPACES.sub(" ", CONTROL.sub("", text)).strip()


def text_lines(text: str) -> list[Line]:
    """Plain text: one line per line, cells split at tabs (how tables survive copy and paste)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        cells = tuple(clean(c) for c in raw.split("\t"))
        if any(cells):
            out.append(Line(f"第{number}行", cells))
    return out


def docx_lines(data: bytes, max_mb: float) -> list[Line]:
    """A Word document's body in order: paragraphs, and table rows with one cell per ``w:tc``.

    A cell continuing a vertical merge reads as empty (as in text copied out of Word), so a
    merged group label is not repeated on every row.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"不是有效的 Word 文档（.docx）：{exc}") from exc
    if total > max_mb * MB:
        raise Unreadable(f"Word 文档解压后有 {total / MB:.1f} MB，超过上限 {max_mb:g} MB（可用 --max-mb 提高上限）")
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"不是有效的 Word 文档（.docx）：{exc}") from exc
    out: list[Line] = []
    paragraphs = tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs += 1
            text = clean(block.text)
            if text:
                out.append(Line(f"第{paragraphs}段", (text,)))
        elif isinstance(block, Table):
            tables += 1
            for r, row in enumerate(block.rows, 1):
                cells = tuple("" if tc.vMerge == "continue" else clean(_Cell(tc, block).text.replace("\n", ""))
                              for tc in row._tr.tc_lst)
                if any(cells):
                    out.append(Line(f"第{tables}个表格第{r}行", cells))
    return out


_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
           "header", "footer", "blockquote", "pre", "title", "dt", "dd", "center"}
_SKIP = {"script", "style", "noscript", "template", "head"}


def html_lines(data: bytes) -> list[Line]:
    """A web page in reading order: text between block elements as lines, every row of a data
    table (one without tables inside it) as a line of cells. Layout tables are read through."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    # a page that names its charset is decoded by the parser; one that does not is UTF-8 or GBK
    source: bytes | str = data if _CHARSET.search(data[:4096]) else decode(data)[0]
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise Unreadable(f"无法解析网页：{exc}") from exc
    out: list[Line] = []
    pending: list[str] = []
    line_of = [0]

    def flush() -> None:
        text = clean("".join(pending))
        pending.clear()
        if text:
            out.append(Line(f"第{line_of[0]}行", (text,)))

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            pass
        elif tag == "table" and not el.xpath(".//table"):
            flush()
            for tr in el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
                cells = tuple(clean(c.text_content()) for c in tr
                              if isinstance(c.tag, str) and c.tag.lower() in ("td", "th"))
                if any(cells):
                    out.append(Line(f"第{tr.sourceline}行", cells))
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
