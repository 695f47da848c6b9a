"""The consolidated summary workbook: the template's own layout holding the sums, plus the sheets
for the people who check it (明细, 报送情况, 问题清单, 未报送).

The template part is built by :mod:`write.template` (so it validates like any report and merges
again one level up); the long sheets get their title and header rows from openpyxl and their body
rows from :mod:`write.sheetxml`. The file is written beside the target, re-opened and re-checked
(C1: its tables equal the sums; 明细 and 报送情况 hold every row), and only then moved into place.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..check.validate import validate_reports
from ..format.address import cell_ref, get_column_letter
from ..format.declaration import Format, load
from ..format.findings import Finding
from ..format.layout import detail_column, detail_columns, workbook_layout
from ..read.container import OWN_FILES, open_package
from ..read.reader import read_bytes
from ..read.xmlparts import read_cells
from ..write import cached, style, template
from ..write.cells import set_text
from ..write.output import OutputError, write_atomic
from ..write.sheetxml import Formula, Rows, splice
from .overview import Overview
from .submissions import Consolidation, Submission, exact

SHEETS = ("detail", "files", "findings", "missing")
#: each list's column widths (characters)
WIDTHS = {"detail": [28, 21, 10, 16, 8, 10, 14, 12, 8, 30], "files": [5, 34, 12, 9, 26, 20, 8, 6, 5, 5, 5, 40, 24],
          "findings": [5, 30, 22, 6, 6, 12, 7, 28, 10, 46, 36, 10, 30], "missing": [5, 22, 28, 21, 10, 16, 50]}
LINE_PT, MAX_ROW_PT = 15, 409  # a line of wrapped text; the tallest row a spreadsheet allows
TITLE_ROW, FIRST_HEADER_ROW = 1, 2


class SummaryError(OutputError):
    """The written summary did not check out (C1); the earlier summary is left untouched."""


def write_summary(result: Consolidation, target: Path, fmt: Format | None = None) -> Path:
    """Write the summary of ``result`` to ``target`` atomically, verified before it is moved in."""
    fmt = fmt or load()
    book, overview, looks = _template_part(result, fmt)
    parts = _part_names(book, fmt)
    bodies = {parts[name]: rows for name, rows in _bodies(result, fmt, looks).items()}
    bodies[parts["overview"]] = overview
    return write_atomic(Path(target), lambda tmp: splice(book, tmp, bodies), lambda tmp: verify(tmp, result, fmt))


# -- the template part and the sheets' heads ----------------------------------------------------
def prefill(result: Consolidation, fmt: Format) -> dict[str, Any]:
    spec = fmt.summary
    values = {
        "name": spec["name"].format(region=result.region or ""),
        "kind": spec["kind"],
        "region": result.region,
        "year": result.year,
        "filled_on": result.today,
        "level": result.level,
        "agencies": result.agencies,
        "files": len(result.included),
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def _template_part(result: Consolidation, fmt: Format) -> tuple[bytes, Rows, dict[str, tuple[int, ...]]]:
    """The summary saved by openpyxl (with every formula's value), the overview's agency rows still
    to splice into it, and the cell style of each column of the lists' rows."""
    wb = template.build(prefill(result, fmt), fmt, summary=True)
    layout = workbook_layout(fmt, True)
    for f in fmt.table_fields:
        if not f.is_total:
            sheet, span = layout.locate(f.key)
            value = result.sums[f.key]
            wb[sheet].cell(span.row, span.col).value = float(value) if isinstance(value, Decimal) else value
    wb.properties.title = fmt.summary["title"].format(region=result.region or "", year=result.year or "")
    looks = {}
    for name in SHEETS:
        ws = wb.create_sheet(fmt.summary[name]["sheet"])
        _head(ws, result, name, fmt)
        if name != "detail":  # a list's texts wrap in their cells: printed whole, not cut by the next cell
            looks[name] = _wrapped(ws, len(_headers(name, fmt)[0]))
    overview = Overview(fmt, layout, result)
    values = overview.build(wb)
    _print_setup(wb, fmt, result)
    return cached.workbook_bytes(wb, fmt, extra=values), overview.body, looks


def _wrapped(ws: Worksheet, width: int) -> tuple[int, ...]:
    """The style number of a wrapped, top-aligned cell, for each of ``width`` columns (registered in
    the workbook by a cell made and dropped again: the rows themselves are spliced in later)."""
    probe = ws.cell(ws.max_row + 1, 1)
    probe.alignment = style.align("left", "top", wrap=True)
    look = probe.style_id
    del ws._cells[(probe.row, probe.column)]
    return (look,) * width


def _print_setup(wb, fmt: Format, result: Consolidation) -> None:
    """Printing the whole summary gives 概览, the statutory tables, 报送情况, 问题清单, 未报送 and
    校验 legibly on A4; 明细 (a column per field) prints who is in it (identity and file), and
    填报说明 says how to print it in full."""
    for name in SHEETS:
        ws = wb[fmt.summary[name]["sheet"]]
        style.a4(ws, True, fmt.guide["footer"], top_bottom=0.5)
        first = FIRST_HEADER_ROW + (1 if name == "files" else 0)
        ws.print_title_rows = f"{first}:{_first_row(name, fmt) - 1}"
    detail = wb[fmt.summary["detail"]["sheet"]]
    last = _first_row("detail", fmt) + _count(result, "detail") - 1
    detail.print_area = f"A{TITLE_ROW}:{cell_ref(last, detail_column(fmt)['file'])}"
    guide = wb[fmt.guide["sheet"]]
    row = guide.max_row + 2
    cell = guide.cell(row, fmt.layout["first_col"])
    set_text(cell, fmt.summary["overview"]["print_note"])
    cell.font = style.font(10, bold=True)
    cell.alignment = style.align("left", "top")
    guide.merge_cells(start_row=row, start_column=cell.column, end_row=row, end_column=cell.column + 1)
    guide.row_dimensions[row].height = 48


def _headers(name: str, fmt: Format) -> list[list[str]]:
    if name == "detail":
        cols = detail_columns(fmt)
        return [[label for label, _ in cols], [key for _, key in cols]]
    return [list(fmt.summary[name]["headers"])]


def _first_row(name: str, fmt: Format) -> int:
    """The first body row: after the title, a count line (报送情况) and the header rows."""
    extra = 1 if name == "files" else 0
    return FIRST_HEADER_ROW + extra + len(_headers(name, fmt))


def _head(ws: Worksheet, result: Consolidation, name: str, fmt: Format) -> None:
    spec = fmt.summary[name]
    ws.cell(TITLE_ROW, 1).value = spec["title"]
    ws.cell(TITLE_ROW, 1).font = style.font(14, bold=True, heading=True)
    row = FIRST_HEADER_ROW
    if name == "files":
        set_text(ws.cell(row, 1), spec["total"].format(found=len(result.submissions), **result.counts()))
        ws.cell(row, 1).font = style.font(11, bold=True)
        row += 1
    headers = _headers(name, fmt)
    for n, values in enumerate(headers):
        for col, text in enumerate(values, 1):
            cell = ws.cell(row + n, col)
            set_text(cell, text)
            cell.font = style.font(10, bold=n == 0) if n == 0 else Font(size=8, color="808080")
            cell.fill = style.fill(style.HEADER)
            cell.border = style.BORDER
            cell.alignment = style.align("center", "center", wrap=n == 0)
    width = len(headers[0])
    last = _first_row(name, fmt) + max(_count(result, name), 1) - 1
    ws.auto_filter.ref = f"A{row + len(headers) - 1}:{cell_ref(last, width)}"
    ws.freeze_panes = cell_ref(_first_row(name, fmt), 3 if name == "detail" else 1)
    widths = WIDTHS[name]
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1] if col <= len(widths) else 14
    if name == "detail":
        ws.row_dimensions[FIRST_HEADER_ROW].height = 60
    if name == "findings":  # the reviewer's decision: a choice of the declared verdicts
        column = get_column_letter(headers[0].index(spec["verdict"]) + 1)
        choice = DataValidation(type="list", formula1='"' + ",".join(spec["verdicts"]) + '"', allow_blank=True,
                                promptTitle=spec["verdict"], prompt=spec["verdict_prompt"], showInputMessage=True)
        choice.add(f"{column}{_first_row(name, fmt)}:{column}{last}")
        ws.add_data_validation(choice)


def _count(result: Consolidation, name: str) -> int:
    if name == "detail":
        return len(result.included) + 1  # and the sum row
    if name == "files":
        return len(result.submissions)
    if name == "findings":
        return max(len(result.all_findings), 1)
    return max(len(result.missing), 1)


def _part_names(book: bytes, fmt: Format) -> dict[str, str]:
    package = open_package(book, "summary")
    return {name: package.sheets[fmt.summary[name]["sheet"]] for name in (*SHEETS, "overview")}


# -- the body rows ------------------------------------------------------------------------------
def _bodies(result: Consolidation, fmt: Format, looks: dict[str, tuple[int, ...]]) -> dict[str, Rows]:
    out = {}
    for name, rows in (("detail", _detail_rows(result, fmt)), ("files", _file_rows(result, fmt)),
                       ("findings", _finding_rows(result, fmt)), ("missing", _missing_rows(result, fmt))):
        width = len(_headers(name, fmt)[0])
        height = functools.partial(_height, widths=WIDTHS[name] + [14] * width) if name in looks else None
        out[name] = Rows(_first_row(name, fmt), rows, _count(result, name), width, looks.get(name, ()), height)
    return out


def _height(values: Sequence[Any], widths: list[int]) -> float | None:
    """A wrapped row's height: as many lines as its longest text needs in its column (a CJK
    character is two width units; a little to spare), so the text prints whole; None for one line."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str):
            units = sum(2 if ord(ch) > 0x2E7F else 1.15 for ch in value)  # Latin runs a little wide
            lines = max(lines, math.ceil(units / max(width - 2, 1)))
    return min(lines * LINE_PT, MAX_ROW_PT) if lines > 1 else None


def _text(value: Any) -> Any:
    """Identity values as 明细 shows them: dates as ISO text, the rest as read."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def _detail_rows(result: Consolidation, fmt: Format) -> Iterator[Sequence[Any]]:
    spec = fmt.summary["detail"]
    first = _first_row("detail", fmt)
    for s in result.included:
        yield [_text(s.identity.get(n)) for n in spec["identity"]] + [s.agencies, s.file, *s.numbers]
    last = first + len(result.included) - 1
    column = detail_column(fmt)
    total: list[Any] = [None] * len(column)
    total[0] = spec["total_label"]
    sums = {"id.agencies": result.agencies, **result.sums}
    for key, value in sums.items():
        total[column[key] - 1] = _sum_formula(column[key], first, last, value)
    yield total


def _sum_formula(col: int, first: int, last: int, value: Any) -> Formula:
    letter = get_column_letter(col)
    return Formula(f"SUM({letter}{first}:{letter}{max(last, first)})", value)


def _status_label(s: Submission, fmt: Format) -> str:
    return fmt.summary["status"][s.status]


def _file_rows(result: Consolidation, fmt: Format) -> Iterator[Sequence[Any]]:
    for n, s in enumerate(result.submissions, 1):
        errors = s.errors
        first = errors[0].render(fmt) if errors else ""
        yield [n, s.file, s.sha256, s.size or None, s.name, s.identity.get("code"), s.identity.get("year"),
               _status_label(s, fmt), len(errors), s.count("warning"), s.count("info"), first, s.note]


def _finding_rows(result: Consolidation, fmt: Format) -> Iterator[Sequence[Any]]:
    names = {s.file: s.name for s in result.submissions}
    digests = {s.file: s.sha256 for s in result.submissions}
    findings = result.all_findings
    if not findings:
        yield [None, fmt.summary["findings"]["none"]]
        return
    for n, f in enumerate(findings, 1):
        decision = result.reviews.get((digests.get(f.file, ""), f.code, f.sheet, f.cell), (None, None))
        yield _finding_row(n, f, names.get(f.file, ""), fmt) + list(decision)


def _finding_row(n: int, f: Finding, agency: str, fmt: Format) -> list[Any]:
    actual = f.actual if isinstance(f.actual, (int, float, Decimal, str)) else None
    return [n, f.file, agency, f.code, fmt.severities.get(f.severity, f.severity), f.sheet, f.cell,
            fmt.summary["detail"]["separator"].join(f.labels), actual, f.message, f.hint]


def _missing_rows(result: Consolidation, fmt: Format) -> Iterator[Sequence[Any]]:
    spec = fmt.summary["missing"]
    if not result.roster_given:
        yield [None, spec["no_roster"]]
        return
    if not result.missing:
        yield [None, spec["none"]]
        return
    for n, m in enumerate(result.missing, 1):
        v = m.identity
        yield [n, spec[m.situation], v.get("name"), v.get("code"), v.get("kind"), v.get("region"), m.note]


# -- verification ------------------------------------------------------------------------------
def verify(path: Path, result: Consolidation, fmt: Format | None = None) -> None:
    """Re-open a written summary and check it (C1): it validates without errors at its level, its
    tables equal the sums, and 明细 and 报送情况 hold every row with 明细's sums as computed."""
    fmt = fmt or load()
    data = Path(path).read_bytes()
    report = validate_reports([read_bytes(data, str(path), OWN_FILES, fmt)], fmt)[0]
    errors = [f for f in report.findings if f.severity == "error"]
    if not report.readable or errors:
        raise SummaryError(f"写出的汇总表未通过校验（C1）：{errors[0].render(fmt) if errors else '无法读取'}")
    if report.level != result.level:
        raise SummaryError(f"写出的汇总表层级为 {report.level}，应为 {result.level}（C1）")
    for f in fmt.table_fields:
        if not same(exact(report.values.get(f.key)) or 0, result.sums[f.key]):
            raise SummaryError(f"写出的汇总表 {f.key} 为 {report.values.get(f.key)}，应为 {result.sums[f.key]}（C1）")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        package = open_package(data, str(path), OWN_FILES)
        _check_body(zf, package.sheets[fmt.summary["detail"]["sheet"]], _first_row("detail", fmt),
                    _count(result, "detail"), result, fmt)
        _check_body(zf, package.sheets[fmt.summary["files"]["sheet"]], _first_row("files", fmt),
                    _count(result, "files"), None, fmt)


def same(a: Any, b: Any) -> bool:
    """Equal as the summary stores numbers (a cell holds a double: 15–16 significant digits)."""
    if a == b:
        return True
    try:
        return abs(Decimal(a) - Decimal(b)) <= Decimal("1e-9") * max(Decimal(1), abs(Decimal(b)))
    except (TypeError, ArithmeticError):
        return False


def _check_body(zf: zipfile.ZipFile, part: str, first: int, count: int, result: Consolidation | None,
                fmt: Format) -> None:
    """Count a long sheet's body rows without loading it, and check 明细's sum row."""
    last_row, last_xml = _last_row(zf, part)
    if last_row != first + count - 1:
        raise SummaryError(f"写出的汇总表 {part} 有 {last_row - first + 1} 行，应为 {count} 行（C1）")
    if result is None:
        return
    cells = read_cells(b"<worksheet><sheetData>" + last_xml + b"</sheetData></worksheet>", last_row, 10**4)
    column = detail_column(fmt)
    for f in fmt.table_fields:
        raw = cells.cells.get((last_row, column[f.key]))
        value = exact(_number(raw.value if raw else None))
        if not same(value or 0, result.sums[f.key]):
            raise SummaryError(f"明细合计行 {f.key} 为 {value}，应为 {result.sums[f.key]}（C1）")


def _number(text: Any) -> Any:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _last_row(zf: zipfile.ZipFile, part: str) -> tuple[int, bytes]:
    """The number and XML of a sheet's last row, reading the part in pieces."""
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            tail = (tail + chunk)[-(1 << 21):]
    end = tail.rfind(b"</row>")
    start = tail.rfind(b"<row ", 0, end)
    if start < 0 or end < 0:
        return 0, b""
    row_xml = tail[start:end + len(b"</row>")]
    number = row_xml.split(b'r="', 1)[1].split(b'"', 1)[0]
    return int(number), row_xml
