"""Where everything sits in the workbook, derived from the declaration.

The template writes labels and value cells at these positions and the reader reads them back from
the same positions, so no module holds a cell address of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property

from .address import cell_ref, get_column_letter, sheet_ref
from .declaration import Block, Format, IdentityField, Item, Table, load


@dataclass(frozen=True)
class Span:
    """A rectangle of cells (1-based, inclusive); a single cell when first == last."""

    row: int
    col: int
    last_row: int
    last_col: int

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)

    @property
    def ref(self) -> str:
        """A1 reference of the span's anchor (top-left) cell."""
        return f"{get_column_letter(self.col)}{self.row}"

    @property
    def range_ref(self) -> str:
        first = self.ref
        if not self.merged:
            return first
        return f"{first}:{get_column_letter(self.last_col)}{self.last_row}"


@dataclass(frozen=True)
class Label:
    """A fixed text cell: a title, caption, heading or stub label."""

    span: Span
    text: str
    kind: str  # title | caption | header | stub | note


@dataclass
class SheetLayout:
    """Positions on one sheet: fixed labels, value cells by field key, print and view settings."""

    name: str
    kind: str  # guide | identity | narrative | table | checks
    labels: list[Label] = field(default_factory=list)
    cells: dict[str, Span] = field(default_factory=dict)
    header_rows: tuple[int, int] | None = None
    freeze: tuple[int, int] | None = None
    width: int = 1
    column_widths: dict[int, float] = field(default_factory=dict)
    landscape: bool = False

    @property
    def extent(self) -> tuple[int, int]:
        """The last row and column the sheet's labels and value cells reach."""
        spans = [lb.span for lb in self.labels] + list(self.cells.values())
        return max(s.last_row for s in spans), max(s.last_col for s in spans)

    def add(self, row: int, col: int, text: str, kind: str, last_row: int = 0, last_col: int = 0):
        span = Span(row, col, last_row or row, last_col or col)
        self.labels.append(Label(span, text, kind))
        self.width = max(self.width, span.last_col)
        return span


@dataclass
class WorkbookLayout:
    sheets: list[SheetLayout]

    def sheet(self, name: str) -> SheetLayout:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    @cached_property
    def cells(self) -> dict[str, tuple[str, Span]]:
        """Every value cell of the workbook: field key → (sheet name, span)."""
        return {k: (s.name, span) for s in self.sheets for k, span in s.cells.items()}

    def locate(self, key: str) -> tuple[str, Span]:
        return self.cells[key]

    def address(self, key: str, absolute: bool = True) -> str:
        """A formula reference to a field's cell, e.g. ``'表三'!$D$6``."""
        sheet, span = self.locate(key)
        return f"{sheet_ref(sheet)}!{cell_ref(span.row, span.col, absolute)}"

    def a1(self, key: str) -> str:
        """How a person names a field's cell: ``表三!D6``."""
        sheet, span = self.locate(key)
        return f"{sheet}!{span.ref}"


def input_ranges(table: Table, layout: WorkbookLayout) -> list[tuple[Span, str]]:
    """The table's input cells (totals excluded) as rectangles of anchor cells, with their type.

    Rows whose input columns line up are merged, so 表三's 150 input cells become two ranges.
    """
    sheet = layout.sheet(table.sheet)
    by_row: dict[tuple[int, str], list[int]] = {}
    for f in table.fields:
        if not f.is_total:
            span = sheet.cells[f.key]
            by_row.setdefault((span.row, f.type), []).append(span.col)
    runs: list[tuple[int, int, int, str]] = []  # row, first col, last col, type
    for (row, kind), cols in sorted(by_row.items()):
        cols.sort()
        start = prev = cols[0]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            runs.append((row, start, prev, kind))
            if c is not None:
                start = prev = c
    rects: list[list] = []
    for row, c0, c1, kind in runs:
        last = rects[-1] if rects else None
        if last and last[2] + 1 == row and (last[1], last[3], last[4]) == (c0, c1, kind):
            last[2] = row
        else:
            rects.append([row, c0, row, c1, kind])
    return [(Span(r0, c0, r1, c1), kind) for r0, c0, r1, c1, kind in rects]


def _depth(items: tuple[Item, ...], item: Item) -> int:
    by_key = {i.key: i for i in items}
    d, parent = 0, item.parent
    while parent is not None:
        d, parent = d + 1, by_key[parent].parent
    return d


def _levels(items: tuple[Item, ...]) -> int:
    return 1 + max(_depth(items, i) for i in items)


def _leaves_under(block: Block, axis: str, item: Item) -> list[Item]:
    if not item.group:
        return [item]
    out: list[Item] = []
    for child in block.children(axis, item.key):
        out += _leaves_under(block, axis, child)
    return out


def _grid_block(sheet: SheetLayout, table: Table, block: Block, top: int, left: int, width: int) -> int:
    """Lay out a rows-down, columns-across block from row ``top``; return the next free row."""
    fmt_rows, fmt_cols = block.rows, block.columns
    stub_w = _levels(fmt_rows)
    head_h = _levels(fmt_cols)
    value_left = left + stub_w
    leaves = block.leaf_columns
    # spread the leaf columns over the table's value width (表二's one-column blocks span all)
    col_span: dict[str, tuple[int, int]] = {}
    step, extra = divmod(width, len(leaves))
    c = value_left
    for n, leaf in enumerate(leaves):
        w = step + (extra if n == len(leaves) - 1 else 0)
        col_span[leaf.key] = (c, c + w - 1)
        c += w
    row = top
    if block.caption:
        sheet.add(row, left, block.caption, "caption", last_col=value_left + width - 1)
        row += 1
    header_top = row
    if block.stub:
        sheet.add(row, left, block.stub, "header", row + head_h - 1, value_left - 1)
    for item in fmt_cols:
        d = _depth(fmt_cols, item)
        under = _leaves_under(block, "columns", item)
        first, last = col_span[under[0].key][0], col_span[under[-1].key][1]
        bottom = header_top + d if item.group else header_top + head_h - 1
        sheet.add(header_top + d, first, item.label, "header", bottom, last)
    row = header_top + head_h
    row_of: dict[str, int] = {}
    for item in fmt_rows:
        if not item.group:
            row_of[item.key] = row
            row += 1
    for item in fmt_rows:
        d = _depth(fmt_rows, item)
        under = _leaves_under(block, "rows", item)
        first, last = row_of[under[0].key], row_of[under[-1].key]
        right = left + d if item.group else value_left - 1
        sheet.add(first, left + d, item.label, "stub", last, right)
    for f in table.fields:
        if f.block == block.index:
            c0, c1 = col_span[f.column.key]
            sheet.cells[f.key] = Span(row_of[f.row.key], c0, row_of[f.row.key], c1)
    sheet.header_rows = sheet.header_rows or (header_top, header_top + head_h - 1)
    sheet.freeze = sheet.freeze or (header_top + head_h, value_left)
    sheet.width = max(sheet.width, value_left + width - 1)
    return row


def _bands_block(sheet: SheetLayout, table: Table, block: Block, top: int, left: int) -> int:
    """Lay out 表四: row groups as column bands over a single value row."""
    band_h = _levels(block.rows)
    head_h = band_h + 1
    cols = block.leaf_columns
    band_left: dict[str, int] = {}
    c = left
    for leaf in block.leaf_rows:
        band_left[leaf.key] = c
        c += len(cols)
    value_row = top + head_h
    for item in block.rows:
        d = _depth(block.rows, item)
        under = _leaves_under(block, "rows", item)
        first = band_left[under[0].key]
        last = band_left[under[-1].key] + len(cols) - 1
        sheet.add(top + d, first, item.label, "header", last_col=last)
        if not item.group:  # this band's column labels fill the rows below its own label
            for n, col in enumerate(cols):
                sheet.add(top + d + 1, first + n, col.label, "header", top + head_h - 1)
    for f in table.fields:
        n = [c.key for c in cols].index(f.column.key)
        sheet.cells[f.key] = Span(value_row, band_left[f.row.key] + n, value_row, band_left[f.row.key] + n)
    sheet.header_rows = (top, top + head_h - 1)
    sheet.freeze = (value_row, left)
    sheet.width = max(sheet.width, c - 1)
    return value_row + 1


def _table_sheet(fmt: Format, table: Table) -> SheetLayout:
    lay = fmt.layout
    sheet = SheetLayout(table.sheet, "table", landscape=table.landscape)
    left, top = lay["first_col"], lay["table_row"]
    grid = [b for b in table.blocks if b.layout == "grid"]
    width = max((len(b.leaf_columns) for b in grid), default=0)
    row = top
    for block in table.blocks:
        if block.layout == "bands":
            row = _bands_block(sheet, table, block, row, left)
        else:
            row = _grid_block(sheet, table, block, row, left, width)
    if len(table.blocks) > 1:  # 表二: each block repeats its own headings; freeze the title only
        sheet.header_rows = (lay["title_row"], lay["title_row"])
        sheet.freeze = (lay["title_row"] + 1, left)
    title = Span(lay["title_row"], left, lay["title_row"], sheet.width)
    sheet.labels.insert(0, Label(title, table.title, "title"))
    _table_widths(sheet, left)
    return sheet


def _table_widths(sheet: SheetLayout, left: int) -> None:
    """Column widths from the labels each column carries alone (CJK characters count double).

    A tall merged group label wraps, so it asks for its length spread over the rows it spans.
    """
    value_cols = {c for span in sheet.cells.values() for c in range(span.col, span.last_col + 1)}
    for col in range(left, sheet.width + 1):
        need = [
            -(-len(lb.text) // (lb.span.last_row - lb.span.row + 1))
            for lb in sheet.labels
            if lb.kind in ("stub", "header") and lb.span.col == col and lb.span.last_col == col
        ]
        longest = max(need, default=4)
        if col in value_cols:
            sheet.column_widths[col] = float(min(max(longest + 4, 9), 16))
        else:
            sheet.column_widths[col] = float(min(max(2 * longest + 2, 8), 46))


def added_sheets(fmt: Format) -> frozenset[str]:
    """The sheets nianbao itself adds to a report workbook — the findings list of ``validate
    --annotate`` and the add-in, the record of ``import``, the basis of ``tally`` — which its own
    reader never calls extra."""
    return frozenset({fmt.annotate["sheet"], fmt.importer["sheet"], fmt.register["basis"]})


def identity_fields(fmt: Format, summary: bool = False) -> tuple[IdentityField, ...]:
    """The 基本信息 rows, in order: the agency's, and for a summary workbook its extra rows."""
    return fmt.identity + (fmt.summary_identity if summary else ())


def _identity_sheet(fmt: Format, summary: bool) -> SheetLayout:
    lay, ident = fmt.layout, fmt.identity_sheet
    sheet = SheetLayout(ident["sheet"], "identity")
    left, first = lay["first_col"], lay["info_first_row"]
    sheet.add(lay["title_row"], left, ident["title"], "title", last_col=left + 2)
    for n, text in enumerate((ident["label_header"], ident["value_header"], ident["note_header"])):
        sheet.add(first - 1, left + n, text, "header")
    for n, f in enumerate(identity_fields(fmt, summary)):
        sheet.add(first + n, left, f.label, "stub")
        sheet.cells[f.key] = Span(first + n, left + 1, first + n, left + 1)
        if f.note:
            sheet.add(first + n, left + 2, f.note, "note")
    sheet.header_rows = (first - 1, first - 1)
    sheet.freeze = (first, left + 1)
    sheet.column_widths = {left: 20.0, left + 1: 44.0, left + 2: 50.0}
    return sheet


def _narrative_sheet(fmt: Format, section) -> SheetLayout:
    lay = fmt.layout
    sheet = SheetLayout(section.sheet, "narrative")
    left, first = lay["first_col"], lay["info_first_row"]
    sheet.add(lay["title_row"], left, section.title, "title", last_col=left + 1)
    if section.note:
        sheet.add(first - 1, left, section.note, "note", last_col=left + 1)
    for n, part in enumerate(section.parts):
        sheet.add(first + n, left, part.label, "stub")
        sheet.cells[part.key] = Span(first + n, left + 1, first + n, left + 1)
    sheet.freeze = (first, left + 1)
    sheet.column_widths = {left: 16.0, left + 1: 100.0}
    return sheet


def _guide_sheet(fmt: Format) -> SheetLayout:
    lay, g, meta = fmt.layout, fmt.guide, fmt.meta
    sheet = SheetLayout(g["sheet"], "guide")
    left, row = lay["first_col"], lay["info_first_row"]
    sheet.add(lay["title_row"], left, g["title"], "title", last_col=left + 1)
    for label, value in ((g["version_label"], meta["template_version"]),
                         (g["basis_label"], f"{meta['name']}（{meta['basis']}）"),
                         (g["deadline_label"], meta["deadline"])):
        sheet.add(row, left, label, "stub")
        sheet.add(row, left + 1, value, "note")
        row += 1
    row += 1
    for step in g["steps"]:
        sheet.add(row, left, step, "note", last_col=left + 1)
        row += 1
    row += 1
    for key in ("legend_input", "legend_formula", "legend_prefilled", "legend_error", "legend_warning"):
        sheet.add(row, left, g[key], key, last_col=left + 1)
        row += 1
    sheet.column_widths = {left: 14.0, left + 1: 100.0}
    return sheet


def _checks_sheet(fmt: Format) -> SheetLayout:
    """The 校验 sheet's fixed part; its rule rows are placed by the template from the rules."""
    lay, chk = fmt.layout, fmt.checks
    sheet = SheetLayout(chk["sheet"], "checks", landscape=True)
    left, first = lay["first_col"], lay["check_sheet_first_row"]
    n = len(chk["headers"])
    sheet.add(lay["title_row"], left, chk["title"], "title", last_col=left + n - 1)
    for i, text in enumerate(chk["headers"]):
        sheet.add(first - 1, left + i, text, "header")
    sheet.header_rows = (first - 1, first - 1)
    sheet.freeze = (first, left + 3)
    widths = (8.0, 7.0, 6.0, 60.0, 30.0, 50.0, 16.0)
    sheet.column_widths = {left + i: w for i, w in enumerate(widths[:n])}
    return sheet


@dataclass(frozen=True)
class CheckCells:
    """Where the 校验 sheet's formulas sit: the n-th check's ✔/✘ on row ``first + n`` of column
    ``status_col``, its severity in ``severity_col``; the summary line and the banner (merged
    across the sheet) at ``summary`` and ``banner``."""

    first: int
    severity_col: int
    status_col: int
    summary: tuple[int, int]
    banner: tuple[int, int]


def check_cells(fmt: Format) -> CheckCells:
    lay = fmt.layout
    left, title = lay["first_col"], lay["title_row"]
    return CheckCells(lay["check_sheet_first_row"], left + 1, left + 2, (title + 1, left), (title + 2, left))


@cache
def workbook_layout(fmt: Format | None = None, summary: bool = False) -> WorkbookLayout:
    """The whole template's layout, in sheet order: guide, identity, 一, 表二–表四, 五, 六, checks.

    ``summary`` gives a consolidated summary's layout: the same, with the summary's extra
    基本信息 rows (level, number of agencies) below the agency's.
    """
    fmt = fmt or load()
    sheets = [_guide_sheet(fmt), _identity_sheet(fmt, summary)]
    for section in fmt.sections:
        if section.parts:
            sheets.append(_narrative_sheet(fmt, section))
        else:
            sheets.append(_table_sheet(fmt, fmt.table(section.table)))
    sheets.append(_checks_sheet(fmt))
    return WorkbookLayout(sheets)


def detail_columns(fmt: Format) -> list[tuple[str, str]]:
    """明细's columns as (label, key): identity, agencies, file, then every table field."""
    spec = fmt.summary["detail"]
    cols = [(fmt.identity_field(n).label, f"id.{n}") for n in spec["identity"]]
    cols += [(spec["agencies_header"], "id.agencies"), (spec["file_header"], "file")]
    sep = spec["separator"]
    cols += [(sep.join((fmt.table(f.table).name, *f.labels)), f.key) for f in fmt.table_fields]
    return cols


@cache
def detail_column(fmt: Format) -> dict[str, int]:
    """The 1-based 明细 column of each key (``id.name`` … ``file`` … ``t3.new.total``)."""
    return {key: n for n, (_, key) in enumerate(detail_columns(fmt), 1)}
