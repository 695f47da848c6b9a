"""The add-in's 校验 button: the xlwings side, which only moves values in and marks out.

Excel's ribbon calls ``RunMain`` in the add-in's VBA, which runs ``import nianbao_addin;
nianbao_addin.main()`` in the interpreter that ``nianbao addin install`` recorded. Everything that
decides anything is in the library (:func:`check.validate.validate_live` reads and validates,
:mod:`write.marking` says what to show); this module reads the active workbook's values through
xlwings and applies the result, so it runs unchanged against Excel (COM) and against xlwings' JSON
book in the tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from ..check.validate import validate_live
from ..format.declaration import Format, load
from ..format.layout import workbook_layout
from ..read.live import MAX_COLS, MAX_ROWS
from ..read.reader import Report
from ..write import marking, style

LOG_NAME = "nianbao-addin.log"
TITLE = "政务公开年报校验"
#: said when anything unexpected happens, even a declaration that will not load
CRASHED = "校验时出现意外错误（{error}）。\n详细信息已写入日志文件：\n{log}\n请将该文件发给技术支持人员。"


def main() -> None:
    """What the 校验 button runs: check the active workbook; never end in a traceback."""
    import xlwings as xw

    book = None
    try:
        book = xw.Book.caller()
        check(book, load())
    except Exception as exc:  # the button's last resort: a short message, the details in a log
        log = log_failure(exc, book)
        alert(book, CRASHED.format(error=type(exc).__name__, log=log), critical=True)


def check(book: Any, fmt: Format | None = None, now: dt.datetime | None = None) -> Report:
    """Validate ``book``'s live values, mark its offending cells, list the findings, say the result."""
    fmt = fmt or load()
    list_name = fmt.annotate["sheet"]
    sheets = {s.name: s for s in book.sheets}
    # only what the reader reads: not 校验 (formulas), nor a summary's 明细 of thousands of rows
    declared = {s.name for summary in (False, True) for s in workbook_layout(fmt, summary).sheets
                if s.kind != "checks"}
    grids = {name: (values(s) if name in declared else []) for name, s in sheets.items() if name != list_name}
    report = validate_live(book.name, grids, fmt)
    if not report.readable:
        detail = "\n".join(f.message for f in report.findings)
        alert(book, fmt.addin["not_template"].format(book=book.name, detail=detail), critical=True)
        return report
    locked: set[str] = set()
    with _screen_off(book.app):
        previous = marking.read_record(values(sheets[list_name]), fmt) if list_name in sheets else []
        _clear(sheets, previous, locked)
        marked = _mark(sheets, marking.marks(report, list(grids)), report, fmt, locked)
        listed = _write_list(book, sheets.get(list_name), report, marked, fmt, now or dt.datetime.now())
    message = marking.summary(report, fmt)
    if locked:
        message += "\n" + fmt.addin["unmarked"].format(sheets="、".join(sorted(locked)), sheet=list_name)
    if not listed:
        message += "\n" + fmt.addin["unlisted"].format(sheet=list_name)
    alert(book, message, critical=any(f.severity == "error" for f in report.findings))
    return report


def values(sheet: Any) -> list[list[Any]]:
    """A sheet's values from A1 to the end of its used range (at most MAX_ROWS × MAX_COLS)."""
    last = sheet.used_range.last_cell
    rows, cols = min(last.row, MAX_ROWS), min(last.column, MAX_COLS)
    grid = sheet.range((1, 1), (rows, cols)).options(ndim=2, err_to_str=True).value
    return [list(row) for row in grid or []]


def _clear(sheets: dict[str, Any], previous: list[marking.Marked], locked: set[str]) -> None:
    """Put back the cells the previous check marked: their fill, and remove the notes it added."""
    for m, cell in _cells(sheets, previous, locked):
        cell.color = f"#{m.fill}" if m.fill else None
        if m.noted and cell.note is not None:
            cell.note.delete()


def _mark(sheets: dict[str, Any], marks: list[marking.Mark], report: Report, fmt: Format,
          locked: set[str]) -> list[marking.Marked]:
    marked = []
    for m, cell in _cells(sheets, marks, locked):
        known, fill = _fill_of(cell)
        if not known:
            fill = marking.template_fill(fmt, m.sheet, m.cell, bool(report.level))
        cell.color = f"#{m.fill}"
        noted = cell.note is None  # a note staff wrote is never replaced; the list has everything
        if noted:
            cell.add_note(m.note)
        marked.append(marking.Marked(m.sheet, m.cell, fill, noted))
    return marked


def _cells(sheets: dict[str, Any], items: list, locked: set[str]) -> Iterator[tuple[Any, Any]]:
    """Each item with its cell, a sheet at a time with the sheet's protection lifted meanwhile;
    a sheet that stays locked is skipped and named in ``locked``."""
    by_sheet: dict[str, list] = {}
    for item in items:
        by_sheet.setdefault(item.sheet, []).append(item)
    for name, group in by_sheet.items():
        if name not in sheets:
            continue
        with _editable(sheets[name]) as ok:
            if not ok:
                locked.add(name)
                continue
            for item in group:
                yield item, sheets[name][item.cell]


def _write_list(book: Any, sheet: Any, report: Report, marked: list[marking.Marked], fmt: Format,
                now: dt.datetime) -> bool:
    """Write (or rewrite) the 校验结果 sheet at the end of the workbook; False if it cannot be added."""
    spec = fmt.annotate
    if sheet is None:
        with _structure_editable(book) as ok:
            if not ok:
                return False
            sheet = book.sheets.add(spec["sheet"], after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear()
    title = fmt.addin["list_title"].format(when=now.strftime("%Y-%m-%d %H:%M"))
    rows = marking.list_rows(report, marked, fmt, title)
    sheet.range((1, 1)).value = rows
    sheet.range((1, 1)).font.bold = True
    sheet.range((1, 1)).font.size = 14
    headers = sheet.range((3, 1), (3, len(spec["headers"])))
    headers.font.bold = True
    headers.color = f"#{style.HEADER}"
    for n, f in enumerate(report.findings, start=4):
        sheet.range((n, 3)).color = f"#{style.SEVERITY_COLOURS.get(f.severity, ('FFFFFF',))[0]}"
    for col, width in enumerate(marking.LIST_WIDTHS, start=1):
        sheet.range((1, col)).column_width = width
    first = marking.record_column(fmt)
    sheet.range((1, first), (1, first + len(spec["record_headers"]) - 1)).columns.hidden = True
    if report.findings:
        sheet.activate()
    return True


def _fill_of(cell: Any) -> tuple[bool, str | None]:
    """(known, RRGGBB or None) of a cell's fill; JSON books cannot say, so unknown there."""
    try:
        colour = cell.color
    except NotImplementedError:
        return False, None
    if colour is None:
        return True, None
    return True, "{:02X}{:02X}{:02X}".format(*colour)


#: what the template allows on a protected sheet, kept when the button protects it again
_ALLOWED = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows", "AllowInsertingColumns",
            "AllowInsertingRows", "AllowInsertingHyperlinks", "AllowDeletingColumns", "AllowDeletingRows",
            "AllowSorting", "AllowFiltering", "AllowUsingPivotTables")


def _editable(sheet: Any):
    """The template's sheets are protected (no password): lift it while marking, then restore it
    with the same allowances. Yields False when a password stops that. JSON books have none."""
    api = sheet.api
    protected = not isinstance(api, dict) and bool(getattr(api, "ProtectContents", False))
    if not protected:
        return _lifted(None, lambda: None)
    allowed = {name: bool(getattr(api.Protection, name)) for name in _ALLOWED}
    drawing, scenarios = bool(api.ProtectDrawingObjects), bool(api.ProtectScenarios)
    return _lifted(api, lambda: api.Protect(DrawingObjects=drawing, Contents=True, Scenarios=scenarios, **allowed))


def _structure_editable(book: Any):
    """The template locks the workbook's structure (no password): lift it to add 校验结果."""
    api = book.api
    protected = not isinstance(api, dict) and bool(getattr(api, "ProtectStructure", False))
    if not protected:
        return _lifted(None, lambda: None)
    windows = bool(api.ProtectWindows)
    return _lifted(api, lambda: api.Protect(Structure=True, Windows=windows))


@contextmanager
def _lifted(api: Any, restore: Callable[[], Any]) -> Iterator[bool]:
    """Unprotect ``api`` (None: nothing to lift) for the block, then ``restore`` the protection."""
    if api is None:
        yield True
        return
    try:
        api.Unprotect()
    except Exception:  # a password set by staff: leave it as it is
        yield False
        return
    try:
        yield True
    finally:
        restore()


@contextmanager
def _screen_off(app: Any) -> Iterator[None]:
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = True


def alert(book: Any, message: str, critical: bool = False) -> None:
    """Show ``message`` in Excel; without a workbook (run outside Excel), print it."""
    if book is None:
        print(message, file=sys.stderr)
        return
    book.app.alert(message, title=TITLE, mode="critical" if critical else "info")


def log_path() -> Path:
    """Where the button logs what went wrong: the user's local app data (Windows) or cache."""
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nianbao" / LOG_NAME


def log_failure(exc: BaseException, book: Any) -> Path:
    """Append the failure with its traceback to the log (kept under 1 MB); return the log's path.
    Where the usual folder cannot be written, the log goes to the temporary folder."""
    for path in (log_path(), Path(tempfile.gettempdir()) / LOG_NAME):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=1, encoding="utf-8")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger = logging.getLogger("nianbao.addin")
        logger.addHandler(handler)
        try:
            name = getattr(book, "name", "（未取得工作簿）")
            logger.error("校验失败：%s；Python %s；%s", name, sys.version.split()[0], sys.executable, exc_info=exc)
        finally:
            logger.removeHandler(handler)
            handler.close()
        return path
    raise exc
