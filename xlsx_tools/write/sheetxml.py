"""Long sheets written straight as worksheet XML rows, and spliced into a saved workbook.

A district summary lists every agency with every field (明细): 1,000 agencies are 230,000 cells,
20,000 are 4.6 million. openpyxl keeps each cell as an object (about 300 bytes: 1.4 GB for the
latter) and writes about 15 µs per cell even in write-only mode; xlsxwriter about 9 µs. Plain rows
of values need none of that: here they are rendered as XML text at about 1 µs per cell and spliced
into the ``<sheetData>`` of a sheet that openpyxl wrote with its title, headers, widths and filters.

Text is always an inline string (``t="inlineStr"``), so agency text that starts with ``=`` can
never become a formula; characters XML cannot carry are written as OOXML's ``_xHHHH_`` escapes.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..format.address import cell_ref, get_column_letter, parse_ref
from ..read.values import MAX_TEXT

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF), and
# text that would read back as an escape
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_MARKUP = re.compile(r"[&<>]")


@dataclass(frozen=True)
class Formula:
    """A formula cell with the value it computes, so every reader sees the number at once."""

    text: str
    value: Any


def text_xml(value: str) -> str:
    """A string as the content of a ``<t>`` element: clipped to Excel's limit, escaped."""
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(lambda m: f"_x{ord(m.group()[0]):04X}_" if m.group() != "_" else "_x005F_", value)
    if _MARKUP.search(value):
        value = _MARKUP.sub(lambda m: _ESCAPES[m.group()], value)
    return value


def _number(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


_LETTERS: list[str] = []


def _letters(width: int) -> list[str]:
    while len(_LETTERS) <= width:
        _LETTERS.append(get_column_letter(len(_LETTERS) + 1))
    return _LETTERS


def row_xml(row: int, values: Sequence[Any], styles: Sequence[int | None] = (), height: float | None = None) -> str:
    """One ``<row>``: None leaves a cell out; numbers, text and :class:`Formula` are typed. With
    ``styles`` (a cell style number per column, as openpyxl numbers them), every styled column gets
    its cell, an empty one too (a bordered table has no gaps). ``height`` (points) fixes the row's
    height: spreadsheet clients do not fit a wrapped row's height to its text on opening."""
    letters = _letters(max(len(values), len(styles)))
    out = [f'<row r="{row}" ht="{height:g}" customHeight="1">' if height else f'<row r="{row}">']
    for col, value in enumerate(values):
        look = f' s="{styles[col]}"' if col < len(styles) and styles[col] is not None else ""
        if value is None or value == "":
            if look:
                out.append(f'<c r="{letters[col]}{row}"{look}/>')
            continue
        kind = type(value)
        if (kind is float or kind is Decimal) and not math.isfinite(value):
            value, kind = str(value), str  # a cell cannot hold inf or NaN: "inf" as text, as it came
        if kind is int or kind is float or kind is Decimal:
            out.append(f'<c r="{letters[col]}{row}"{look}><v>{_number(value)}</v></c>')
        elif kind is bool:
            out.append(f'<c r="{letters[col]}{row}"{look} t="b"><v>{int(value)}</v></c>')
        elif kind is Formula:
            if isinstance(value.value, str):  # a formula whose result is text ("—")
                out.append(f'<c r="{letters[col]}{row}"{look} t="str"><f>{text_xml(value.text)}</f>'
                           f'<v>{text_xml(value.value)}</v></c>')
            else:
                out.append(f'<c r="{letters[col]}{row}"{look}><f>{text_xml(value.text)}</f>'
                           f'<v>{_number(value.value)}</v></c>')
        else:
            text = text_xml(str(value))
            space = ' xml:space="preserve"' if text != text.strip() else ""
            out.append(f'<c r="{letters[col]}{row}"{look} t="inlineStr"><is><t{space}>{text}</t></is></c>')
    out.append("</row>")
    return "".join(out)


@dataclass
class Rows:
    """Rows to write from row ``first`` down: ``count`` rows at most ``width`` cells wide."""

    first: int
    rows: Iterable[Sequence[Any]]
    count: int
    width: int
    #: the cell style number of each column (see :func:`row_xml`); none by default
    styles: Sequence[int | None] = ()
    #: each row's height in points from its values (None: the client's default)
    height: Callable[[Sequence[Any]], float | None] | None = None


BATCH = 256  # rows rendered per write


def splice(workbook: bytes, target: Path, parts: dict[str, Rows]) -> None:
    """Write ``workbook`` to ``target`` with rows appended to the ``<sheetData>`` of some sheets.

    ``parts`` maps a worksheet part (``xl/worksheets/sheet10.xml``) to its rows, which are
    rendered and compressed a batch at a time, so a sheet of millions of cells never sits in
    memory. The sheet's ``<dimension>`` is widened to cover them; every other part is copied as is.
    """
    # level 1 for the large plain parts streamed through open(); the small ones get the usual 6
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info)
            block = parts.get(info.filename)
            if block is None:
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
                continue
            head, tail = _around_rows(data, block)
            with dst.open(info.filename, "w") as out:  # by name: the archive's level 1 applies
                out.write(head)
                batch: list[str] = []
                for row, values in enumerate(block.rows, block.first):
                    batch.append(row_xml(row, values, block.styles, block.height(values) if block.height else None))
                    if len(batch) >= BATCH:
                        out.write("".join(batch).encode("utf-8"))
                        batch.clear()
                out.write("".join(batch).encode("utf-8"))
                out.write(tail)


def _around_rows(sheet: bytes, block: Rows) -> tuple[bytes, bytes]:
    """The sheet's XML before and after the point where the rows go: before the first row the sheet
    already has at or below ``block.first`` (a table's total row and what follows it), else at the
    end of ``<sheetData>``."""
    if b"<sheetData/>" in sheet:
        sheet = sheet.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    if b"</sheetData>" not in sheet:
        raise ValueError("worksheet part without sheetData")
    if block.count and block.width:
        last = block.first + block.count - 1
        found = _DIMENSION.search(sheet)
        if found:
            end = parse_ref(found.group(1).decode().rpartition(":")[2])
            last_row, last_col = max(last, end[0]), max(block.width, end[1])
            sheet = sheet[:found.start()] + f'<dimension ref="A1:{cell_ref(last_row, last_col)}"/>'.encode() \
                + sheet[found.end():]
    start = sheet.index(b"<sheetData")
    for row in _ROW.finditer(sheet, start):
        if int(row.group(1)) >= block.first:
            return sheet[:row.start()], sheet[row.start():]
    head, tail = sheet.split(b"</sheetData>", 1)
    return head, b"</sheetData>" + tail


_ROW = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"\s*/>')
