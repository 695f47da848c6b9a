"""The one reader of agency workbooks: bytes in, typed values and located findings out.

Everything is driven by the declaration's layout: which sheets must exist, which labels must stand
where, which cells hold values and of what type. A table whose labels are not where the template
puts them is reported (expected versus found) and its numbers are not read, so a shifted table is
never read as shifted numbers. Nothing here raises for a bad file; the file's problems are findings.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..format.address import cell_ref, parse_ref
from ..format.declaration import Field, Format, IdentityField, TextField, load
from ..format.findings import Finding, registered
from ..format.formula import Translator
from ..format.layout import SheetLayout, WorkbookLayout, added_sheets, workbook_layout
from ..format.oserrors import describe
from . import values as cellvalues
from .container import Limits, Package, Refused, open_package
from .xmlparts import RawCell, SheetCells, UnsafeXML, XMLError

T = TypeVar("T")
#: the share of a sheet's declared labels that must stand in place for a renamed sheet to be known
RECOGNISED = 0.8
MAX_RECOGNISED = 20  # extra sheets looked at (a workbook of a thousand sheets costs no more)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass
class Report:
    """One agency workbook as read: its values by field key and everything found about it."""

    file: str
    values: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True  # False when the file was refused as a whole
    sha256: str = ""
    size: int = 0
    unread_tables: set[str] = field(default_factory=set)  # tables not read (structure broken)
    renamed: dict[str, str] = field(default_factory=dict)  # declared sheet name → the name it was found under
    level: int = 0  # 0 for an agency's report; 1 for a summary of agencies, 2 for one of summaries …


_KEPT: dict[tuple, tuple[tuple, Any]] = {}


def _kept(owners: tuple, what: Hashable, make: Callable[[], T]) -> T:
    """``make()``, made once per ``owners`` (a format, a sheet's layout: cached objects that are not
    hashable, so known here by identity) and ``what``; every workbook of a batch asks the same."""
    slot = (*map(id, owners), what)
    kept = _KEPT.get(slot)
    if kept is None or any(a is not b for a, b in zip(kept[0], owners, strict=True)):
        if len(_KEPT) > 16384:  # merges all over a hostile batch: start again rather than grow
            _KEPT.clear()
        kept = _KEPT[slot] = (owners, make())
    return kept[1]


def _input_places(sheet: SheetLayout) -> dict[tuple[int, int], str]:
    """A declared sheet's input cells by (row, column)."""
    return _kept((sheet,), "inputs", lambda: {(span.row, span.col): span.ref for span in sheet.cells.values()})


def _covered(sheet: SheetLayout, ref: str) -> str:
    """The input cells a merged range hides (all but its top-left cell), listed; the workbooks of a
    batch share the template's merges."""
    return _kept((sheet,), ("merge", ref), lambda: _hidden(sheet, ref))


def _hidden(sheet: SheetLayout, ref: str) -> str:
    inputs = _input_places(sheet)
    first, _, last = ref.partition(":")
    (r0, c0), (r1, c1) = parse_ref(first), parse_ref(last or first)
    if (r1 - r0 + 1) * (c1 - c0 + 1) <= len(inputs):  # the usual small merge: look at its own cells
        covered = [inputs[(r, c)] for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
                   if (r, c) in inputs and (r, c) != (r0, c0)]
    else:
        covered = [a1 for (r, c), a1 in inputs.items() if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0)]
    return "、".join(sorted(covered))


_NUMBER, _YEAR, _DATE, _TEXT = "number", "year", "date", "text"


@dataclass(frozen=True)
class _Number:
    """What reading a number cell needs of its field, looked up once per layout."""

    key: str
    total_of: tuple[str, ...]
    integer: bool


def _plan(fmt: Format, sheet: SheetLayout) -> list[tuple]:
    """How to read each value cell of a declared sheet: (key, (row, col), A1, how, field, labels)."""
    return _kept((fmt, sheet), "plan", lambda: _make_plan(fmt, sheet))


def _make_plan(fmt: Format, sheet: SheetLayout) -> list[tuple]:
    plan = []
    for key, span in sheet.cells.items():
        f = fmt.field(key)
        if isinstance(f, Field):
            how, labels = _NUMBER, f.labels
            f = _Number(f.key, f.total_of, fmt.types[f.type].integer)
        elif isinstance(f, IdentityField):
            how, labels = {"year": _YEAR, "date": _DATE}.get(f.type, _TEXT), (f.label,)
        else:
            assert isinstance(f, TextField)
            how, labels = _TEXT, (fmt.section(f.section).title, f.label)
        plan.append((key, (span.row, span.col), span.ref, how, f, labels))
    return plan


def label_key(text: Any) -> str:
    """Labels compared as people see them: NFKC, no spaces of any kind, one kind of quotes."""
    if text is None:
        return ""
    return _label_key(str(text))


@functools.lru_cache(maxsize=16384)
def _label_key(text: str) -> str:
    """Cached: the same labels and choices recur on every row and in every workbook of a batch."""
    return re.sub(r"\s+", "", cellvalues.normalise_text(text)).translate(_QUOTES)


def _visible(text: Any) -> str:
    """A label as printed: line breaks (wrapped headers) do not count."""
    return str(text).replace("\r", "").replace("\n", "")


@functools.lru_cache(maxsize=4096)
def _declared_key(text: str) -> str:
    return label_key(text)


def read_path(path: Path, limits: Limits | None = None, fmt: Format | None = None,
              display: str | None = None) -> Report:
    """Read a workbook file (opened read-only, read once into memory; never written)."""
    path = Path(path)
    name = display or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Report(name, readable=False, findings=[registered("F-UNREADABLE", file=name,
                                                                 detail=describe(exc))])
    return read_bytes(data, name, limits, fmt)


def read_bytes(data: bytes, name: str, limits: Limits | None = None, fmt: Format | None = None) -> Report:
    """Read a workbook from its bytes; any failure becomes a finding on the report."""
    fmt = fmt or load()
    report = Report(name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    try:
        return read_package(open_package(data, name, limits), report, fmt)
    except Refused as exc:
        refusal = exc.finding
    except UnsafeXML as exc:  # a DTD or entities inside a worksheet
        refusal = registered("F-UNSAFE-XML", file=name, detail=str(exc))
    except (XMLError, ValueError, IndexError, OSError, EOFError) as exc:
        # damage found while reading a part (a shared-string index out of range, a number that is
        # not one, a torn part). Not KeyError/TypeError: those are our bugs and must surface.
        refusal = registered("F-CORRUPT", file=name, detail=f"{type(exc).__name__}: {exc}"[:200])
    report.readable, report.values, report.findings = False, {}, [refusal]
    return report


def read_package(package: Package, report: Report, fmt: Format | None = None) -> Report:
    """Read the declared sheets of an opened package (a file's, or the add-in's live values) into
    ``report``. A workbook that is not the template raises :class:`Refused`."""
    fmt = fmt or load()
    _Reader(fmt, workbook_layout(fmt), package, report).read()
    return report


@functools.cache
def _total_formulas(fmt: Format) -> dict[str, str]:
    """The template's own formula (upper case, no '=') for every total cell."""
    translator = Translator(fmt, workbook_layout(fmt))
    return {f.key: translator.total_formula(f).upper() for f in fmt.table_fields if f.is_total}


class _Reader:
    def __init__(self, fmt: Format, layout: WorkbookLayout, package: Package, report: Report):
        self.fmt, self.layout, self.package, self.report = fmt, layout, package, report

    def add(self, key: str, **context) -> None:
        self.report.findings.append(registered(key, file=self.report.file, **context))

    def read(self) -> None:
        fmt, package = self.fmt, self.package
        tables = {t.sheet for t in fmt.tables}
        present = set(package.sheets)
        if not tables & present:
            raise Refused(registered("F-NOT-TEMPLATE", file=self.report.file,
                                     found="、".join(package.sheets) or "无"))
        expected = {s.name for s in self.layout.sheets} | added_sheets(fmt)  # ours are not extra
        self._version()
        renamed = self._recognised(sorted(present - expected))
        self.report.renamed = dict(renamed)
        expected |= set(renamed.values())
        for sheet in self.layout.sheets:
            if sheet.kind in ("guide", "checks"):
                continue
            code = self._code(sheet)
            name = renamed.get(sheet.name, sheet.name)
            if name not in present:
                self._missing(sheet, code, sorted(present - expected))
                continue
            if name != sheet.name:  # findings name the sheet the user sees (see Report.renamed)
                self.add("STRUCT/sheet-renamed", code=code, sheet=name, declared=sheet.name)
            # 基本信息 is read as far as a summary's extra rows reach, to recognise a summary
            max_row, max_col = self._summary_sheet.extent if sheet.kind == "identity" else sheet.extent
            cells = package.cells(name, max_row, max_col)
            if cells.outside:
                r, c = cells.first_outside
                self.add("S-DATA-OUTSIDE-TABLE", sheet=sheet.name, cell=cell_ref(r, c), count=cells.outside,
                         first=f"{sheet.name}!{cell_ref(r, c)}")
            if self._structure_ok(sheet, cells, code):
                self._merged(sheet, cells)
                self._values(sheet, cells)
                if sheet.kind == "identity":
                    self._summary_rows(cells)
            elif sheet.kind == "table":
                self.report.unread_tables.add(self._table_key(sheet))
        if self.report.level:  # a summary's own sheets (明细, 报送情况 …) are expected there
            expected |= {fmt.summary[part]["sheet"] for part in ("overview", "detail", "files", "findings", "missing")}
        for extra in sorted(present - expected):
            self.add("S-EXTRA-SHEET", sheet=extra)

    @property
    def _summary_sheet(self) -> SheetLayout:
        return workbook_layout(self.fmt, True).sheet(self.fmt.identity_sheet["sheet"])

    def _summary_rows(self, cells: SheetCells) -> None:
        """A summary written by ``nianbao merge``: 单位类型 汇总 and its level rows below 基本信息."""
        fmt, strings = self.fmt, self.package.shared_strings
        if self.report.values.get("id.kind") != fmt.summary["kind"]:
            return
        sheet = self._summary_sheet
        least = {f"id.{raw['key']}": raw["min"] for raw in fmt.summary["fields"]}
        for f in fmt.summary_identity:
            span = sheet.cells[f.key]
            label = cellvalues.stored(cells.cells.get((span.row, span.col - 1)), strings)[0]
            cell = cellvalues.number(cells.cells.get((span.row, span.col)), strings, True, ())
            good = isinstance(cell.value, int) and not cell.problems and cell.value >= least[f.key]
            if label_key(label) != _declared_key(f.label) or not good:
                self.add("S-SUMMARY", sheet=sheet.name, cell=span.ref, labels=(f.label,), actual=cell.raw,
                         label=f.label, least=least[f.key])
                self.report.values[f.key] = None
                continue
            self.report.values[f.key] = cell.value
        level = self.report.values.get("id.level")
        self.report.level = level if isinstance(level, int) and level > 0 else 0

    # -- structure ----------------------------------------------------------------------------
    def _code(self, sheet: SheetLayout) -> str:
        if sheet.kind == "table":
            return self.fmt.table(self._table_key(sheet)).structure_rule
        return self.fmt.meta["structure_rule"]

    def _table_key(self, sheet: SheetLayout) -> str:
        return next(t.key for t in self.fmt.tables if t.sheet == sheet.name)

    def _recognised(self, extra: list[str]) -> dict[str, str]:
        """Declared sheets missing under their names, found by their contents among the ``extra``
        sheets (表三 renamed 表3, 表四 renamed 表四（复议诉讼）): declared name → the sheet's name.
        A sheet is recognised when at least :data:`RECOGNISED` of its declared labels stand where
        they belong, and better than any other declared sheet there."""
        present = set(self.package.sheets)
        missing = [s for s in self.layout.sheets if s.name not in present and s.kind not in ("guide", "checks")]
        if not missing or not extra:
            return {}
        strings, found = self.package.shared_strings, {}
        kinds = ("header", "stub", "caption")
        labelled = [(sheet, labels) for sheet in missing if (labels := [lb for lb in sheet.labels if lb.kind in kinds])]
        reach = (max((s.extent[0] for s, _ in labelled), default=1), max((s.extent[1] for s, _ in labelled), default=1))
        for name in extra[:MAX_RECOGNISED]:
            cells = self.package.cells(name, *reach).cells  # read once, looked at for every missing sheet
            scores = []
            for sheet, labels in labelled:
                hits = sum(label_key(cellvalues.stored(cells.get((lb.span.row, lb.span.col)), strings)[0])
                           == _declared_key(lb.text) for lb in labels)
                scores.append((hits / len(labels), sheet.name))
            best = max(scores, default=(0, ""))
            if best[0] >= RECOGNISED and best[1] not in found:
                found[best[1]] = name
        return found

    def _missing(self, sheet: SheetLayout, code: str, candidates: list[str]) -> None:
        close = difflib.get_close_matches(sheet.name, candidates, n=1, cutoff=0.4)
        suggestion = f"（是否被改名为“{close[0]}”？）" if close else ""
        self.add("STRUCT/sheet-missing", code=code, sheet=sheet.name, suggestion=suggestion)
        if sheet.kind == "table":
            self.report.unread_tables.add(self._table_key(sheet))

    def _structure_ok(self, sheet: SheetLayout, cells: SheetCells, code: str) -> bool:
        strings = self.package.shared_strings
        wrong, tidied = [], []
        for label in sheet.labels:
            if label.kind not in ("header", "stub", "caption"):
                continue
            pos = (label.span.row, label.span.col)
            found = cellvalues.stored(cells.cells.get(pos), strings)[0]
            if found == label.text:
                continue
            if label_key(found) != _declared_key(label.text):
                wrong.append((label, pos, found))
            elif _visible(found) != _visible(label.text):  # not a line break Excel or WPS put in
                tidied.append((pos, found))
        if not wrong:
            if tidied:
                (pos, got), count = tidied[0], len(tidied)
                self.add("S-LABEL-NORMALISED", sheet=sheet.name, cell=cell_ref(*pos), actual=got, count=count)
            return True
        found_text = {pos: cellvalues.stored(raw, strings)[0] for pos, raw in cells.cells.items()}
        if sheet.kind == "table" and self._is_2019(sheet, found_text):
            return False
        keys = {p: label_key(v) for p, v in found_text.items() if isinstance(v, str)}
        for label, pos, found in wrong:
            want = _declared_key(label.text)
            elsewhere = next((p for p, k in keys.items() if k == want), None)
            moved = f"（该标签在 {cell_ref(*elsewhere)}，可能插入或删除了行列）" if elsewhere else ""
            got = "" if found is None else str(found)
            self.add("STRUCT/label", code=code, sheet=sheet.name, cell=cell_ref(*pos), actual=got,
                     expected=label.text, moved=moved)
        return False

    def _is_2019(self, sheet: SheetLayout, found_text: dict) -> bool:
        signature = {label_key(s) for s in self.fmt.format2019["signature_labels"]}
        for pos, value in found_text.items():
            if label_key(value) in signature:
                self.add("S5/2019", sheet=sheet.name, cell=cell_ref(*pos), label=str(value))
                return True
        return False

    def _merged(self, sheet: SheetLayout, cells: SheetCells) -> None:
        """Merged ranges that hide input cells: only the top-left cell of a merge keeps a value."""
        for ref in cells.merged:
            covered = _covered(sheet, ref)
            if covered:
                self.add("S-MERGED-CELLS", sheet=sheet.name, cell=ref.partition(":")[0], range=ref, covered=covered)

    # -- values -------------------------------------------------------------------------------
    def _values(self, sheet: SheetLayout, cells: SheetCells) -> None:
        fmt, strings, found = self.fmt, self.package.shared_strings, cells.cells
        placeholders = fmt.placeholders
        values = self.report.values
        derive: list[_Number] = []
        for key, place, ref, how, f, labels in _plan(fmt, sheet):
            raw = found.get(place)
            if how is _NUMBER:
                if f.total_of and self._template_total(f, raw):
                    derive.append(f)
                    continue
                cell = cellvalues.number(raw, strings, f.integer, placeholders)
            elif how is _YEAR:
                cell = cellvalues.year(raw, strings)
            elif how is _DATE:
                cell = cellvalues.date(raw, strings, self.package.date1904)
            else:
                cell = cellvalues.text(raw, strings)
            values[key] = cell.value
            for problem in cell.problems:
                self.add(problem.key, sheet=sheet.name, cell=ref, labels=labels, actual=cell.raw, **problem.detail)
        for f in derive:  # the template's own totals, re-derived when no cached value was saved
            values[f.key] = sum(values.get(k) or 0 for k in f.total_of)

    def _template_total(self, f: Field | _Number, raw: RawCell | None) -> bool:
        """A total cell still holding the template's formula with no saved result, or with an
        error value its parts passed on to it (the part holding the error is reported itself,
        once): derive it."""
        if raw is None or raw.formula is None or (raw.value not in (None, "") and raw.kind != "e"):
            return False
        return raw.formula.replace(" ", "").upper() == _total_formulas(self.fmt)[f.key]

    def _version(self) -> None:
        """The template version: the document property, or the 填报说明 cell (some clients drop
        custom properties on save)."""
        found = self.package.properties.get(self.fmt.meta["version_property"])
        guide = next(s for s in self.layout.sheets if s.kind == "guide")
        if found is None and guide.name in self.package.sheets:
            label = next(lb for lb in guide.labels if lb.text == self.fmt.guide["version_label"])
            row, col = label.span.row, label.span.col + 1
            cells = self.package.cells(guide.name, row, col)
            value = cellvalues.stored(cells.cells.get((row, col)), self.package.shared_strings)[0]
            found = None if value is None else str(value)
        expected = self.fmt.meta["template_version"]
        if found != expected:
            self.add("F-TEMPLATE-VERSION", found=found or "（未标明）", expected=expected)
