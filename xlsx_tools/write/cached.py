"""Cached values for the formulas of every workbook nianbao writes.

openpyxl writes a formula with an empty value, so only a client that recalculates on open (Excel)
shows a total; pandas, Power Query, python-calamine and file previewers show blanks. Here each
formula cell of a workbook about to be saved gets the value :mod:`check.formulas` computes,
written into the saved sheet XML beside the formula. A cell is given our value only where its
formula is the one the template writes there; any other formula (a person's own, or an older
template's) keeps the value the file it came from had cached, if any.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..check import spreadsheet as ss
from ..check.formulas import COMPUTED, Live
from ..format.declaration import Format, load
from ..format.formula import Translator
from ..format.layout import WorkbookLayout, check_cells, workbook_layout
from ..format.rules import checks
from ..read.container import OWN_FILES, open_package
from .checksheet import status_formula, summary_formulas
from .output import write_atomic
from .sheetxml import text_xml

#: (sheet, row, column) → cached value
Values = dict[tuple[str, int, int], Any]


def is_summary(wb: Workbook, fmt: Format) -> bool:
    """Whether a workbook has a consolidated summary's 基本信息 (its extra rows' labels)."""
    sheet = fmt.identity_sheet["sheet"]
    if sheet not in wb.sheetnames:
        return False
    cells = workbook_layout(fmt, True).sheet(sheet).cells
    ws = wb[sheet]
    return any(ws.cell(cells[f.key].row, cells[f.key].col - 1).value == f.label for f in fmt.summary_identity)


def formula(cell) -> str | None:
    """A cell's formula text (with '='), or None."""
    value = cell.value
    if cell.data_type == "f" and isinstance(value, str):
        return value
    text = getattr(value, "text", None)  # an array formula
    return text if isinstance(text, str) else None


def template_formulas(fmt: Format, layout: WorkbookLayout) -> dict[tuple[str, int, int], str]:
    """(sheet, row, column) → the formula the template writes there (with '=')."""
    tr = Translator(fmt, layout)
    out = {}
    for f in fmt.table_fields:
        if f.is_total:
            sheet, span = layout.locate(f.key)
            out[(sheet, span.row, span.col)] = "=" + tr.total_formula(f)
    at, sheet = check_cells(fmt), fmt.checks["sheet"]
    for n, check in enumerate(checks(fmt)):
        out[(sheet, at.first + n, at.status_col)] = "=" + status_formula(fmt, tr, check)
    summary, banner = summary_formulas(fmt)
    out[(sheet, *at.summary)] = "=" + summary
    out[(sheet, *at.banner)] = "=" + banner
    return out


def computed_values(wb: Workbook, fmt: Format | None = None, source: Callable[[], Values] | None = None) -> Values:
    """The cached value of every formula cell of ``wb`` that can be known.

    ``source`` gives the values the source file had cached (an annotated copy's original): they
    stand for formulas that are not the template's, and for input cells holding such formulas.
    It is called only if there are such formulas.
    """
    fmt = fmt or load()
    fallback = _Lazy(source)
    layout = workbook_layout(fmt, is_summary(wb, fmt))
    ours = template_formulas(fmt, layout)
    contents: dict[str, Any] = {}
    for key, (sheet, span) in layout.cells.items():
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet].cell(span.row, span.col)
        written = formula(cell)
        if written is None:
            if cell.value is not None:
                contents[key] = ss.content(cell.value)
        elif written == ours.get((sheet, span.row, span.col)):
            contents[key] = COMPUTED
        else:
            contents[key] = fallback.get((sheet, span.row, span.col))
    for f in fmt.table_fields:  # a total cell left blank is blank, not the formula it lost
        if f.is_total and f.key not in contents:
            contents[f.key] = None
    live = Live(fmt, layout, contents).values()
    out: Values = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                written = formula(cell)
                if written is None:
                    continue
                place = (ws.title, cell.row, cell.column)
                if place in live and written == ours.get(place):
                    out[place] = live[place]
                elif (kept := fallback.get(place)) is not None:
                    out[place] = kept
    return out


class _Lazy:
    """The source's cached values, read on first use."""

    def __init__(self, source: Callable[[], Values] | None):
        self.source, self.values = source, None

    def get(self, place: tuple[str, int, int]) -> Any:
        if self.source is None:
            return None
        if self.values is None:
            self.values = self.source()
        return self.values.get(place)


def cached_source_values(data: bytes) -> Values:
    """The values a workbook's own client cached for its formula cells (openpyxl ``data_only``)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formulas = load_workbook(io.BytesIO(data), read_only=True)
    out: Values = {}
    try:
        for ws, fws in zip(wb.worksheets, formulas.worksheets, strict=True):
            for values, cells in zip(ws.iter_rows(), fws.iter_rows(), strict=False):
                for v, c in zip(values, cells, strict=False):
                    if c.data_type == "f" and getattr(v, "value", None) is not None:
                        out[(ws.title, c.row, c.column)] = ss.content(v.value)
    finally:
        wb.close()
        formulas.close()
    return out


def with_values(data: bytes, values: Values, edits: Mapping[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """A saved workbook with cached values written into its formula cells (other parts as they were,
    but for ``edits``: part name → a change made to that part first)."""
    import zipfile

    if not values and not edits:
        return data
    by_sheet: dict[str, dict[str, Any]] = {}
    for (sheet, row, col), value in values.items():
        by_sheet.setdefault(sheet, {})[f"{get_column_letter(col)}{row}"] = value
    sheets = open_package(data, "output", OWN_FILES).sheets if by_sheet else {}
    parts = {sheets[s]: cells for s, cells in by_sheet.items()}
    edits = edits or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in edits:
                body = edits[info.filename](body)
            if info.filename in parts:
                body = _cache(body, parts[info.filename])
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# a formula cell as openpyxl writes it: attributes, the formula, an empty value
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f(?:\s[^>]*)?>[^<]*</f>|<f[^>]*/>)(?:<v\s*/>|<v></v>)</c>')
_TYPE = re.compile(rb'\st="[^"]*"')


def _cache(sheet: bytes, cells: Mapping[str, Any]) -> bytes:
    def put(m: re.Match) -> bytes:
        ref, attrs, f = m.groups()
        value = cells.get(ref.decode())
        if value is None:
            return m.group(0)
        kind, text = _typed(value)
        attrs = _TYPE.sub(b"", attrs) + (f' t="{kind}"'.encode() if kind else b"")
        return b'<c r="' + ref + b'"' + attrs + b">" + f + b"<v>" + text.encode("utf-8") + b"</v></c>"

    return _FORMULA_CELL.sub(put, sheet)


def _typed(value: Any) -> tuple[str, str]:
    """A cached value's cell type and text."""
    if isinstance(value, ss.Error):
        return "e", value.code
    if isinstance(value, bool):
        return "b", str(int(value))
    if isinstance(value, (int, float)):
        return "", str(value) if isinstance(value, int) else repr(float(value))
    return "str", text_xml(str(value))


def save(wb: Workbook, target: Path, fmt: Format | None = None, verify: Callable[[Path], None] | None = None,
         source: Callable[[], Values] | None = None) -> Path:
    """Save ``wb`` atomically to ``target`` with every formula's cached value (see
    :func:`computed_values` for ``source``)."""
    data = workbook_bytes(wb, fmt, source)
    return write_atomic(Path(target), lambda tmp: tmp.write_bytes(data), verify)


def workbook_bytes(wb: Workbook, fmt: Format | None = None, source: Callable[[], Values] | None = None,
                   extra: Values | None = None) -> bytes:
    """``wb`` saved into memory, its formulas carrying their values (``extra`` adds the values of
    formulas outside the template, such as a summary's own sheets)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    values = computed_values(wb, fmt, source)
    values.update(extra or {})
    return with_values(buffer.getvalue(), values)

