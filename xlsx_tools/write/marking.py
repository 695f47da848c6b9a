"""How findings show on a workbook: which cells get a fill and a note, the rows of the 校验结果 list,
and the record beside that list which lets the next check put the marked cells back as they were.

Shared by ``nianbao validate --annotate`` (openpyxl, on a copy) and the add-in's 校验 button
(xlwings, on the open workbook), so both mark the same cells with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..format.address import parse_ref, sheet_ref
from ..format.declaration import Field, Format
from ..format.findings import Finding
from ..format.layout import workbook_layout
from ..read.reader import Report
from ..read.values import FORMULA_LEADS
from . import style

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
LIST_WIDTHS = (6, 12, 8, 16, 36, 60, 50)  # the list's columns, in Excel width units
NOTE_LIMIT = 2000  # characters of a cell note; the full text is in the list
_HEX = re.compile(r"[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Mark:
    """One cell to mark: the fill of its worst finding and a note with what is wrong there."""

    sheet: str
    cell: str
    severity: str
    note: str

    @property
    def fill(self) -> str:
        return style.SEVERITY_COLOURS[self.severity][0]


@dataclass(frozen=True)
class Marked:
    """A cell a check marked, as recorded beside the list: what it takes to put it back."""

    sheet: str
    cell: str
    fill: str | None  # its fill before marking ("FFF2CC"), None for none
    noted: bool  # the check added its note (a note staff wrote is never touched)


def cells_of(f: Finding) -> list[tuple[str, str]]:
    """The cells a finding marks: its own, and for rules the other cells it concerns."""
    out = [(f.sheet, f.cell)] if f.sheet and f.cell else []
    for ref in f.extra.get("cells", []):
        sheet, _, cell = ref.rpartition("!")
        if (sheet, cell) not in out:
            out.append((sheet, cell))
    return out


def note_text(findings: Sequence[Finding]) -> str:
    text = "\n".join(f"[{f.code}] {f.message}" + (f"\n修改提示：{f.hint}" if f.hint else "") for f in findings)
    return text if len(text) <= NOTE_LIMIT else text[: NOTE_LIMIT - 1] + "…"


def marks(report: Report, sheets: Collection[str], anchor: Callable[[str, str], str] | None = None) -> list[Mark]:
    """The cells to mark on a workbook whose sheets are ``sheets``, in the order findings came.

    ``anchor`` maps a cell to the one that carries its marks (the top-left of a merged range that
    covers it): findings of the cells a merge covers are marked together on it.
    """
    at = anchor or (lambda _sheet, cell: cell)
    found: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        for sheet, cell in cells_of(f):
            if sheet in sheets:
                found.setdefault((sheet, at(sheet, cell)), []).append(f)
    out = []
    for (sheet, cell), here in found.items():
        worst = min(here, key=lambda f: SEVERITY_RANK.get(f.severity, 3)).severity
        own = [f for f in here if f.sheet == sheet and f.cell and at(sheet, f.cell) == cell] or here
        out.append(Mark(sheet, cell, worst if worst in style.SEVERITY_COLOURS else "info", note_text(own)))
    return out


def place(f: Finding) -> str:
    return f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.sheet or "")


def finding_row(n: int, f: Finding, fmt: Format) -> list[Any]:
    """One row of the 校验结果 list (the columns of ``fmt.annotate['headers']``)."""
    return [n, f.code, fmt.severities.get(f.severity, f.severity), place(f),
            " / ".join(x for x in f.labels if x), f.message, f.hint]


def link_formula(f: Finding) -> str:
    """A HYPERLINK formula to the finding's cell: works alike in Excel, WPS and LibreOffice."""
    if not (f.sheet and f.cell):
        return place(f)
    target, shown = (f"#{sheet_ref(f.sheet)}!{f.cell}", place(f))
    return '=HYPERLINK("{}","{}")'.format(target.replace('"', '""'), shown.replace('"', '""'))


def template_fill(fmt: Format, sheet: str, cell: str, summary: bool = False) -> str | None:
    """The fill the template gives a cell (when the client cannot say what it was before marking)."""
    layout = workbook_layout(fmt, summary)
    try:
        spans = layout.sheet(sheet).cells
    except KeyError:
        return None
    row, col = parse_ref(cell)
    for key, span in spans.items():
        if span.row <= row <= span.last_row and span.col <= col <= span.last_col:
            f = fmt.field(key)
            return style.FORMULA if isinstance(f, Field) and f.is_total else style.INPUT
    return None


def record_column(fmt: Format) -> int:
    """The first column of the record: one blank column right of the list."""
    return len(fmt.annotate["headers"]) + 2


def record_rows(marked: Sequence[Marked]) -> list[list[str]]:
    return [[f"{m.sheet}!{m.cell}", m.fill or "", "是" if m.noted else ""] for m in marked]


def read_record(rows: Sequence[Sequence[Any]], fmt: Format) -> list[Marked]:
    """The marks a previous check recorded beside its list (rows of that sheet from A1).

    Entries staff edited into something else are skipped: a record can only restore cells.
    """
    header = fmt.annotate["record_headers"][0]
    col = record_column(fmt) - 1
    start = next((r for r, row in enumerate(rows) if len(row) > col and row[col] == header), None)
    if start is None:
        return []
    out = []
    for row in rows[start + 1:]:
        ref, fill, noted = (list(row[col:col + 3]) + [None, None, None])[:3]
        if not isinstance(ref, str) or "!" not in ref:
            break
        sheet, _, cell = ref.rpartition("!")
        if parse_ref(cell.upper()) == (0, 0):
            continue
        fill = fill if isinstance(fill, str) and _HEX.fullmatch(fill) else None
        out.append(Marked(sheet, cell.upper(), fill.upper() if fill else None, noted == "是"))
    return out


def counts(report: Report, fmt: Format) -> str:
    """“3 个错误、2 个提示”: the findings by severity, most severe first, none left out."""
    tally = {s: 0 for s in SEVERITY_RANK}
    for f in report.findings:
        tally[f.severity] = tally.get(f.severity, 0) + 1
    return "、".join(f"{n} 个{fmt.severities.get(s, s)}" for s, n in tally.items() if n)


def summary(report: Report, fmt: Format) -> str:
    """The short message the button shows when it is done."""
    spec = fmt.addin
    if not report.findings:
        return spec["clean"]
    text = spec["found"].format(counts=counts(report, fmt), sheet=fmt.annotate["sheet"])
    if not any(f.severity == "error" for f in report.findings):
        text += "\n" + spec["no_errors"]
    return text


def as_text(value: Any) -> Any:
    """Text a client would turn into a formula or number (``=…``, ``+86…``) kept as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_LEADS) else value


def list_rows(report: Report, marked: Sequence[Marked], fmt: Format, title: str) -> list[list[Any]]:
    """The whole 校验结果 sheet from A1 as one rectangle of values, for a client that writes values:
    title, the record's note, headers, one row per finding (its place a link), the record beside."""
    spec = fmt.annotate
    first = record_column(fmt) - 1
    width = first + len(spec["record_headers"])
    body = [[as_text(v) for v in finding_row(n, f, fmt)] for n, f in enumerate(report.findings, start=1)]
    for row, f in zip(body, report.findings, strict=True):
        row[3] = link_formula(f)
    if not body:
        body = [[spec["clean"]]]
    record = record_rows(marked)
    rows: list[list[Any]] = [[title], [], list(spec["headers"])]
    for n in range(max(len(body), len(record))):
        rows.append(body[n] if n < len(body) else [])
    rows[1] = [None] * first + [spec["record_note"]]
    rows[2] = rows[2] + [None] * (first - len(rows[2])) + list(spec["record_headers"])
    for n, entry in enumerate(record):
        row = rows[3 + n]
        rows[3 + n] = row + [None] * (first - len(row)) + entry
    return [row + [None] * (width - len(row)) for row in rows]
