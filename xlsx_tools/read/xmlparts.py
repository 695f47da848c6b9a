"""Safe, bounded parsing of the XML parts of an untrusted workbook.

Every parser here refuses a DOCTYPE or entity declaration outright (OOXML parts never carry one), so
billion-laughs and external-entity files fail fast with :class:`UnsafeXML`. Worksheets are streamed
with expat and only the declared area is kept: a cell at XFD1048576 costs one callback, not a grid.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as DefusedET

from ..format.address import column_number

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class XMLError(ValueError):
    """A part is not well-formed XML."""


class UnsafeXML(XMLError):
    """A part declares a DTD or entities: refused, never expanded."""


class _Stop(Exception):
    """Raised by a handler to end parsing early (after </sheetData>)."""


def _refuse(*_args):
    raise UnsafeXML("XML 中含有 DTD 或实体声明")


def _parser(**handlers) -> expat.XMLParserType:
    p = expat.ParserCreate()
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.UnparsedEntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.buffer_text = True
    for name, fn in handlers.items():
        setattr(p, name, fn)
    return p


def _run(parser: expat.XMLParserType, data: bytes) -> None:
    try:
        parser.Parse(data, True)
    except _Stop:
        pass
    except expat.ExpatError as exc:
        raise XMLError(f"XML 格式错误：{expat.errors.messages.get(exc.code, exc)}（第 {exc.lineno} 行）") from None


def unescape(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (control characters and the like)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def local(name: str) -> str:
    return name.rpartition(":")[2]


def parse_tree(data: bytes) -> ElementTree.Element:
    """A small part (workbook, relationships, properties) as an element tree, namespaces expanded."""
    try:
        return DefusedET.fromstring(data, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise UnsafeXML("XML 中含有 DTD 或实体声明") from exc
    except ElementTree.ParseError as exc:
        raise XMLError(f"XML 格式错误：{exc}") from None


def parse_relationships(data: bytes) -> dict[str, tuple[str, str]]:
    """A .rels part: relationship id → (type, target)."""
    return {r.get("Id", ""): (r.get("Type", ""), r.get("Target", ""))
            for r in parse_tree(data).iter(f"{REL_NS}Relationship")}


def _declares(data: bytes) -> bool:
    """Whether the XML has a ``<!`` (a DTD, entity declarations, CDATA, comments). Found by the rare
    ``!`` (a sheet reference in a formula) rather than by searching for ``<!`` through every tag."""
    at = data.find(b"!")
    while at >= 0:
        if data[at - 1:at] == b"<":
            return True
        at = data.find(b"!", at + 1)
    return False


@dataclass(slots=True)
class RawCell:
    """A cell as stored: ``kind`` is OOXML's ``t`` (n, s, str, inlineStr, b, e, d)."""

    value: str | None
    kind: str = "n"
    formula: str | None = None


@dataclass
class SheetCells:
    """The cells of a sheet's declared area, and what lies outside it."""

    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    outside: int = 0  # non-empty cells beyond the declared area
    first_outside: tuple[int, int] | None = None
    merged: list[str] = field(default_factory=list)  # merged ranges ("B5:C6"), as declared after the cells


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")


# A cell's opening tag (attributes greedy, so no backtracking) and, when it is the usual one, its whole
# content: one plain <v> (after one plain formula, as spreadsheet clients save a total), one plain
# inline run, or none; any other content is found with bytes.find.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>'
                   rb'(?:(?:(?:<f(?:\s[^>/]*)?>([^<]*)</f>)?<v>([^<]*)</v>|<is><t>([^<]*)</t></is>|)(</c>))?')
_KIND = re.compile(rb'\st="([a-zA-Z]+)"')
_V = re.compile(rb"<v>(.*?)</v>|<v\s*/>", re.S)
_F = re.compile(rb"<f(?:\s[^>]*?)?(?:/>|>(.*?)</f>)", re.S)
_T = re.compile(rb"<t(?:\s[^>/]*)?>(.*?)</t>|<t(?:\s[^>/]*)?/>", re.S)
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_UNUSUAL = (b"<?xml-stylesheet", b":c ", b":sheetData")  # and <!, see _declares


def _xml_text(raw: bytes) -> str:
    """Element text as expat would give it: UTF-8, the five XML entities and character references
    decoded. Any other ``&`` makes the XML malformed, as expat would say."""
    text = raw.decode("utf-8")
    if "\r" in text:  # XML's end-of-line handling, as expat does it
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in text:
        return text
    return _references(text)


@functools.lru_cache(maxsize=8192)
def _references(text: str) -> str:
    """Entities decoded; cached, since the same labels (CJK written as ``&#...;`` by some writers)
    and formulas recur in every workbook of a batch."""
    if "&" in _ENTITY.sub("", text):
        raise XMLError("XML 中有未定义的实体引用")

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name in _NAMED:
            return _NAMED[name]
        return chr(int(name[2:], 16) if name.startswith("#x") else int(name[1:]))

    return _ENTITY.sub(one, text)


def _fast_cells(data: bytes, max_row: int, max_col: int) -> SheetCells | None:
    """The usual worksheet, read with regular expressions: about ten times faster than expat
    callbacks. None (use the full parser) for anything unusual: a DTD, CDATA, prefixed tags, a
    cell without an ``r`` reference, or any ``<c`` the pattern did not account for."""
    start = data.find(b"<sheetData")
    end = data.find(b"</sheetData>")
    head = data[:start] if start >= 0 else data
    if start < 0 or any(mark in head for mark in _UNUSUAL) or _declares(head):
        return None
    if end < 0:  # an empty sheetData may be self-closing
        if data.find(b"<sheetData/>", start) == start:
            return SheetCells()
        return None
    body = data[start:end]
    if any(mark in body for mark in _UNUSUAL) or _declares(body):
        return None
    out = SheetCells()
    matched = 0
    cells = out.cells
    columns: dict[bytes, int] = {}  # column letters → number, and attributes → kind, met again on every row
    kinds: dict[bytes, str] = {}
    for m in _CELL.finditer(body):
        matched += 1
        letters, number, attrs, formula, value, inline, closed = m.groups()
        if attrs.endswith(b"/"):  # an empty, style-only cell
            continue
        if closed is not None and value is None and inline is None:  # <c …></c>: style only
            continue
        kind = kinds.get(attrs)
        if kind is None:
            k = _KIND.search(attrs) if b" t=" in attrs else None
            kind = kinds[attrs] = k.group(1).decode() if k else "n"
        if value is not None:  # the pattern took a plain <v> (and formula), or one plain inline run
            cell = RawCell(_xml_text(value), kind, None if formula is None else _xml_text(formula))
        elif inline is not None and kind == "inlineStr":
            cell = RawCell(unescape(_xml_text(inline)), kind)
        else:  # from the opening tag's end (the pattern may have taken content it could not use)
            cell = _cell(body, m.end(3) + 1, kind)
            if cell is None:
                return None
            if cell is _EMPTY:
                continue
        col = columns.get(letters)
        if col is None:
            col = columns[letters] = column_number(letters.decode())
        row = int(number)
        if row <= max_row and col <= max_col:
            cells[(row, col)] = cell
        elif cell.value not in (None, "") or cell.formula is not None:
            out.outside += 1
            out.first_outside = out.first_outside or (row, col)
    # every cell element was taken: one count when nothing else starts with <c (a rich-text run's
    # <color> does), the three kinds of cell tags otherwise
    if matched != body.count(b"<c") and matched != body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>"):
        return None
    return out


_EMPTY = RawCell(None)


def _cell(body: bytes, start: int, kind: str) -> RawCell | None:
    """A cell whose content the one pattern did not take (a formula, rich text, …), from its opening
    tag's end; None when the cell is not closed, ``_EMPTY`` when it has no content."""
    end = body.find(b"</c>", start)
    if end < 0:
        return None
    content = body[start:end]
    if not content:
        return _EMPTY
    cell = RawCell(None, kind)
    f = _F.search(content)
    if f:
        cell.formula = _xml_text(f.group(1) or b"")
    if kind == "inlineStr" or b"<is>" in content:  # expat takes an <is> whatever the cell's t= says
        parts = _T.finditer(_RPH.sub(b"", content))
        cell.value = unescape("".join(_xml_text(t.group(1) or b"") for t in parts))
    else:
        v = _V.search(content)
        if v:
            cell.value = _xml_text(v.group(1) or b"")
    return cell


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')


def read_cells(data: bytes, max_row: int, max_col: int) -> SheetCells:
    """The cells within rows/columns 1..max of a worksheet, a count of those beyond, and the
    merged ranges (listed after ``</sheetData>``, found by one linear scan of that tail)."""
    fast = _fast_cells(data, max_row, max_col)
    out = fast if fast is not None else parse_cells(data, max_row, max_col)
    end = data.rfind(b"</sheetData>")
    tail = data[end:] if end >= 0 else data
    # the sheets of a batch end alike (the template's merges, print setup and validations, as one
    # client saved them): a usual tail's merges are kept, a large one is scanned and not kept
    out.merged = list(_merges(tail) if len(tail) <= _KEPT_TAIL else _merges.__wrapped__(tail))
    return out


_KEPT_TAIL = 64 * 1024


@functools.lru_cache(maxsize=256)
def _merges(tail: bytes) -> tuple[str, ...]:
    """The merged ranges a sheet's XML after its cells declares."""
    return tuple(m.group(1).decode() for m in _MERGE.finditer(tail))


def parse_cells(data: bytes, max_row: int, max_col: int) -> SheetCells:
    """Stream a worksheet with expat and keep the cells within rows/columns 1..max, stopping at
    </sheetData>. Handles every well-formed variant; refuses DTDs and entity declarations."""
    out = SheetCells()
    row = 0
    col = 0
    cell: RawCell | None = None
    where = (0, 0)
    capture: list[str] | None = None
    in_is = False
    rph = 0

    def start(name, attrs):
        nonlocal row, col, cell, where, capture, in_is, rph
        n = local(name)
        if n == "c":
            ref = attrs.get("r")
            m = _REF.match(ref) if ref else None
            if m:
                col, r = column_number(m.group(1)), int(m.group(2))
                row = r
            else:
                col += 1
            where = (row, col)
            cell = RawCell(None, attrs.get("t", "n"))
        elif n == "row":
            r = attrs.get("r")
            row = int(r) if r and r.isdigit() else row + 1
            col = 0
        elif cell is not None:
            if n == "v":
                capture = []
            elif n == "f":
                cell.formula = ""
                capture = []
            elif n == "is":
                in_is = True
                cell.value = ""
            elif n == "rPh":
                rph += 1
            elif n == "t" and in_is and not rph:
                capture = []

    def end(name):
        nonlocal cell, capture, in_is, rph
        n = local(name)
        if n == "c" and cell is not None:
            r, c = where
            if cell.value is None and cell.formula is None:
                pass  # an empty, style-only cell: nothing to keep
            elif r <= max_row and c <= max_col:
                out.cells[where] = cell
            elif cell.value not in (None, "") or cell.formula is not None:
                out.outside += 1
                out.first_outside = out.first_outside or where
            cell = None
        elif cell is not None and capture is not None and n in ("v", "f", "t"):
            text = "".join(capture)
            if n == "v":
                cell.value = text
            elif n == "f":
                cell.formula = text
            else:
                cell.value = (cell.value or "") + text
            capture = None
        elif n == "is":
            in_is = False
            if cell is not None and cell.value is not None:
                cell.value = unescape(cell.value)
        elif n == "rPh":
            rph -= 1
        elif n == "sheetData":
            raise _Stop

    def text(data):
        if capture is not None:
            capture.append(data)

    _run(_parser(StartElementHandler=start, EndElementHandler=end, CharacterDataHandler=text), data)
    return out
