"""Plain text as published or copied from a web page: UTF-8 or GBK, table cells separated by tabs."""

from __future__ import annotations

from .document import Line, Unreadable, clean


def decode(data: bytes) -> tuple[str, str]:
    """Text bytes as published: UTF-8 (with or without BOM), else GB18030 (GBK's superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Unreadable("无法识别文字编码（既不是 UTF-8，也不是 GBK/GB18030）")


def text_lines(text: str) -> list[Line]:
    """Plain text: one line per line, cells split at tabs (how tables survive copy and paste)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        cells = tuple(clean(c) for c in raw.split("\t"))
        if any(cells):
            out.append(Line(f"第{number}行", cells))
    return out
