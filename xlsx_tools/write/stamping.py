"""Personalised templates for a whole roster, stamped into one saved package instead of saving the
workbook again for every agency (issue 21: openpyxl's save was most of the 0.12 s per copy).

The template is built and saved once. Both looks of each identity cell (prefilled: locked and
shaded; blank: an input) are registered before that save, so the package's styles hold them all.
A copy is then that package with the identity cells' XML replaced and every formula's cached value
written (the values :func:`cached.computed_values` gives the same workbook stamped in memory, so a
copy shows exactly what a copy saved by openpyxl would). Each copy is verified after writing: the
declared sheets in order and the identity read back equal to what was stamped.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl.utils.datetime import to_excel

from ..format.address import cell_ref
from ..format.declaration import Format, load
from ..format.layout import identity_fields, workbook_layout
from ..read import values as cellvalues
from ..read.container import OWN_FILES, open_package
from ..read.xmlparts import read_cells
from . import cached
from .output import OutputError, write_atomic
from .sheetxml import text_xml
from .template import build, stamp


class Stamper:
    """One built template, stamped and written for agency after agency."""

    def __init__(self, fmt: Format | None = None):
        self.fmt = fmt = fmt or load()
        self.workbook = build(fmt=fmt)
        name = fmt.identity_sheet["sheet"]
        ws = self.workbook[name]
        spans = workbook_layout(fmt).sheet(name).cells
        self.fields = identity_fields(fmt)
        self.cells = {f.name: (spans[f.key].row, spans[f.key].col) for f in self.fields}
        # the prefilled look of each cell registered as a style of its own (a copy: stamping again
        # changes a cell's style array in place), so the saved package holds it too
        stamp(self.workbook, {f.name: "x" for f in self.fields}, fmt)
        styles = self.workbook._cell_styles
        self.given = {n: styles.add(copy.copy(ws.cell(*rc)._style)) for n, rc in self.cells.items()}
        stamp(self.workbook, {}, fmt)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        self.package = buffer.getvalue()
        package = open_package(self.package, "template", OWN_FILES)
        self.part = package.sheets[name]
        saved = package.read(self.part)
        self.blank = {n: int(re.search(rb'<c r="' + cell_ref(*rc).encode() + rb'"[^>]*?\ss="(\d+)"', saved)[1])
                      for n, rc in self.cells.items()}  # the input look, as the save numbered it
        self.sheets = [s.name for s in workbook_layout(fmt).sheets]
        self._check_looks(name)

    def _check_looks(self, name: str) -> None:
        """Once: a copy stamped with every field and one with none look, cell for cell, as the
        workbook stamped in memory (the styles numbered by openpyxl's save are what the copies use)."""
        from openpyxl import load_workbook

        for prefill in ({f.name: "x" for f in self.fields}, {}):
            saved = load_workbook(io.BytesIO(self.data(prefill)))[name]
            ws = self.workbook[name]
            for rc in self.cells.values():
                a, b = saved.cell(*rc), ws.cell(*rc)
                if (a.fill.fgColor.rgb, a.protection.locked) != (b.fill.fgColor.rgb, b.protection.locked):
                    raise OutputError(f"模板基本信息单元格 {cell_ref(*rc)} 的格式与预期不符")

    def data(self, prefill: Mapping[str, Any]) -> bytes:
        """The package of the template stamped with ``prefill`` (identity field name → value)."""
        stamp(self.workbook, prefill, self.fmt)  # in memory only: what the formulas compute from
        values = cached.computed_values(self.workbook, self.fmt)
        return cached.with_values(self.package, values, {self.part: lambda xml: self._identity(xml, prefill)})

    def write(self, target: Path, prefill: Mapping[str, Any]) -> Path:
        data = self.data(prefill)
        return write_atomic(Path(target), lambda tmp: tmp.write_bytes(data), lambda p: self.verify(p, prefill))

    def _identity(self, xml: bytes, prefill: Mapping[str, Any]) -> bytes:
        for name, (row, col) in self.cells.items():
            ref = cell_ref(row, col)
            value = prefill.get(name)
            given = value not in (None, "")
            new = _cell_xml(ref, self.given[name] if given else self.blank[name], value if given else None)
            xml, found = re.subn(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', new.encode(), xml,
                                 count=1, flags=re.S)
            if not found:
                raise OutputError(f"模板中找不到基本信息单元格 {ref}")
        return xml

    def verify(self, path: Path, prefill: Mapping[str, Any]) -> None:
        """Re-open a written copy: the declared sheets in order, and the identity as stamped."""
        package = open_package(Path(path).read_bytes(), path.name, OWN_FILES)
        if list(package.sheets) != self.sheets:
            raise OutputError(f"写出的模板工作表不完整：{list(package.sheets)}")
        cells = read_cells(package.read(self.part), 100, 20).cells
        for name, place in self.cells.items():
            got = cellvalues.stored(cells.get(place), package.shared_strings)[0]
            wanted = prefill.get(name)
            if isinstance(wanted, (dt.date, dt.datetime)):
                wanted = to_excel(wanted)
            if (got in (None, "")) != (wanted in (None, "")) or (wanted not in (None, "") and got != wanted):
                raise OutputError(f"写出的模板中“{name}”为 {got!r}，应为 {wanted!r}")


def _cell_xml(ref: str, style: int, value: Any) -> str:
    """A cell as openpyxl writes it: inline text, a number, or empty."""
    if value is None:
        return f'<c r="{ref}" s="{style}" t="n"></c>'
    if isinstance(value, str):
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text_xml(value)}</t></is></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        value = to_excel(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text_xml(str(value))}</t></is></c>'
    return f'<c r="{ref}" s="{style}" t="n"><v>{value!r}</v></c>'
