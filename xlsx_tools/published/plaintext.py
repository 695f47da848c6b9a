"""Plain text as published, copied from a web page or out of a PDF: UTF-8 or GBK, table cells
separated by tabs, or (text out of a PDF, ``pdftotext -layout``) by runs of spaces."""

from __future__ import annotations

import re

from .document import PAGE_NUMBER, Line, Unreadable, clean

#: a column gap in text laid out with spaces: two or more spaces (or one ideographic space)
_GAP = re.compile(r"(?: {2,}|\u3000+|\t)")
_NUMBER = re.compile(r"\d[\d.,，]*")
_NUMBERS = re.compile(r"[\d.,，]+(?: [\d.,，]+)+")


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
    in a line without tabs, at runs of spaces (how text comes out of a PDF); numbers separated by
    single spaces are cells too. Lines that are only a page number are left out."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        if PAGE_NUMBER.match(raw):
            continue
        if "\t" in raw:
            parts = raw.split("\t")
        else:  # laid out with spaces: a table row only if some column after the first is a number
            parts = _GAP.split(raw.strip())
            if not any(_NUMBER.fullmatch(p.strip()) or _NUMBERS.fullmatch(p.strip()) for p in parts[1:]):
                parts = [raw]
        cells = tuple(clean(c) for part in parts
                      for c in (part.split(" ") if _NUMBERS.fullmatch(part.strip()) else [part]))
        if any(cells):
            out.append(Line(f"第{number}行", cells))
    return out
