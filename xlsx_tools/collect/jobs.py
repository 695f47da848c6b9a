"""What the collection server has made in its worker processes, under the same time and memory
limits as validation (:class:`read.pool.Service`): annotated copies, the summary and the 报送情况
list. Each job is a module-level function of plain data (it crosses to the worker by pickling)
that writes its workbook atomically to a target path, so a heavy upload never holds the server's
own process, its memory or its event loop.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..consolidate.merge import Options, consolidate
from ..consolidate.summary import write_summary
from ..format.declaration import load
from ..format.findings import Finding
from ..read import pool
from ..read.container import Limits
from ..read.reader import Report
from ..write import style
from ..write.annotate import annotate_file
from ..write.cells import set_text
from ..write.output import write_atomic


def annotated_copy(source: str, name: str, readable: bool, findings: list[Finding], target: str) -> str:
    """The stored upload ``source`` with its findings marked at their cells, saved to ``target``."""
    report = Report(name, findings=list(findings), readable=readable)
    annotate_file(Path(source).read_bytes(), report, Path(target), load())
    return target


def summary(files: list[tuple[str, str]], scratch: str, year: int, limits: Limits | None, roster, previous,
            target: str) -> str:
    """``nianbao merge`` over ``files`` (stored path, the name the summary gives it: office and
    upload name, never a server path), saved to ``target``. Each file read says it is progressing,
    so the time limit is per file, as in validation."""
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        names = {}
        for n, (stored, shown) in enumerate(files):
            copy = Path(folder) / f"{n:05d}.xlsx"
            shutil.copyfile(stored, copy)
            names[str(copy)] = shown
        options = Options(year=year, limits=limits, names=names)
        result = consolidate([Path(folder)], options, roster, previous, progress=lambda n: pool.heartbeat())
        pool.heartbeat()
        return str(write_summary(result, Path(target), load()))


def list_book(target: str, sheet: str, title: str, headers: tuple[str, ...], rows: list[tuple],
              widths: tuple[int, ...], freeze: str | None = None, landscape: bool = False) -> str:
    """A one-sheet workbook listing ``rows`` under a title and a header row (text always as text)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = style.font(12, bold=True)
    for c, text in enumerate(headers, 1):
        cell = ws.cell(2, c, text)
        cell.font, cell.fill, cell.border = style.font(10, bold=True), style.fill(style.HEADER), style.BORDER
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.border = style.BORDER
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    if freeze:
        ws.freeze_panes = freeze
    if landscape:
        style.a4(ws, landscape=True)
    return str(write_atomic(Path(target), wb.save))
