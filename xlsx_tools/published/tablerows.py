"""Table rows of a published report placed into the declared tables, value by value.

A row is found by its label wherever the label landed (the last label cell names the row; group
labels stand before it), the numbers after it are the row's values. Labels wrapped over lines,
cut short, or printed one character a line are joined; 表四's single unlabelled value row is read
by its header; a row that repeats after a page break is dropped, a conflicting one reported.
Single characters standing alone (a label printed one character a line, as text out of a PDF
shows it beside the rows) and pieces of the table's header repeated on a new page are passed
over. Where the source says where each number stands (text laid out by position), a row with
empty cells has its numbers put in the columns they stand under (:mod:`columns`). After the
walk: the rows and columns the source lacks, runs of short rows, and published totals (one equal
to the sum of its parts keeps the template's formula).
"""

from __future__ import annotations

import dataclasses
import math
import re
from decimal import Decimal

from ..format.declaration import Field, Format, Item, Table
from .columns import align, bounds, header_places
from .document import Line
from .imported import Imported
from .labels import Index, Row, Value, key_of, value_of
from .rowlabels import RowLabels

MAX_FRAGMENT = 60  # characters of unmatched label text held while waiting for the rest of a wrapped label
LONE_RUN = 3  # numbers each alone on a line, one after another: a table copied one cell a line


class TableRows:
    """The table part of the walk: which table it is in, the rows seen, label fragments held."""

    def __init__(self, fmt: Format, index: Index, out: Imported):
        self.fmt, self.index, self.out = fmt, index, out
        self.labels = RowLabels(index)
        self.spec = fmt.importer
        self.table: Table | None = None
        self.seen_total: dict[str, bool] = {}  # table key → the header named 总计 (absent: no header seen)
        self.rows_seen: dict[str, Line] = {}  # "t3.granted" → the line it came from
        self.fragments: list[Line] = []
        self.tail = ""  # the rest of a label whose start was matched, expected on the next lines
        self.partial: tuple[Line, str, str] | None = None  # that label: its line, the text found, the row
        self.short: list[tuple[Line, str, int, int, str]] = []  # rows with fewer numbers than columns
        self.order = 0  # lines fed so far
        #: full rows whose numbers' places are known, by table and block: (order, page, places)
        self.full: dict[tuple[str, int], list[tuple[int, int, list[float]]]] = {}
        self.deferred: list[tuple] = []  # short rows with places, put in their columns after the walk
        #: the words of each table's header and where they stand, by table and page
        self.header_words: dict[tuple[str, int], list[tuple[str, float]]] = {}
        self.headers_seen: set[str] = set()  # tables whose header was printed
        self.lone: list[Line] = []  # lines of one number and nothing else, in a run
        self.signs: dict[str, tuple[Line, str]] = {}  # the 2019 format's own labels seen: where, as printed

    # -- the walk ---------------------------------------------------------------------------
    def is_row(self, line: Line) -> bool:
        """A line inside a narrative section that is a table row all the same (its label says so)."""
        labels, values, _ = self._split(line)
        found = bool(labels) and self.labels.match(labels[-1], self.table) is not None
        return found and any(not v.blank for v in values)

    def _split(self, line: Line) -> tuple[list[str], list[Value], list[float]]:
        """The label cells, the value cells after the last label (each naming its cell of the
        line), and where those values stand (empty when the source does not say)."""
        kept = self.labels.kept(line)
        cells, x = self.labels.visible(line, kept)
        kinds = [value_of(c, self.index.placeholders) for c in cells]
        last = max((i for i, v in enumerate(kinds) if v is None), default=-1)
        labels = [c for c, v in zip(cells, kinds, strict=True) if v is None]
        values = [dataclasses.replace(v, cell=kept[i]) for i, v in enumerate(kinds) if i > last and v is not None]
        places = list(x[last + 1:]) if x else []
        return labels, values, places

    def _text(self, line: Line) -> str:
        """A label line's text as a piece of a wrapped label: its last label cell."""
        cells = self.labels.visible(line)[0]
        return cells[-1] if cells else ""

    def feed(self, line: Line) -> None:
        """Place one line of a table section (a 2019-format label is noted in ``signs``, weighed later)."""
        self.order += 1
        line = self.labels.unspaced(line, self.table)
        if (rest := self.labels.rest_of(line, self.tail)) is not None:
            return self._label_line(line, rest)  # a label's last character, cut to the next page's row
        cells = self.labels.visible(line)[0]
        if not cells:
            return None  # one character of a label printed down the page
        labels, values, places = self._split(line)
        if not (len(values) == 1 and not labels and self.table is not None):
            self.flush_lone()
        covered = [v.cell in line.merged for v in values]
        has_values = any(not v.blank for v in values)
        keys = [key_of(c, self.index.aliases) for c in labels]
        signs = [(k, text) for k, text in zip(keys, labels, strict=True) if k in self.index.signature2019]
        if keys and keys[-1] == self.index.single_other_2019 and has_values:  # no 1./2./3. sub-rows
            signs.append((keys[-1], labels[-1]))
        if signs:  # weighed with the whole document after the walk (matcher.old_format)
            for k, text in signs:
                self.signs.setdefault(k, (line, text))
            return None
        if not has_values:
            if not self._blank_row(line, cells, labels, keys):
                self._label_line(line, keys)
            return None
        self.end_tail()
        row, note = self._row(line, labels)
        if row is None:
            self.flush_fragments()
            if not labels and len(values) == 1 and self.table is not None:
                self.lone.append(line)  # a value whose row and column are nowhere on its line
            elif not labels:
                self._unlabelled(line, values, places, covered)
            else:
                glued = self.labels.glued(labels[-1], self.table)
                self.out.note("IMP-GLUED" if glued else "IMP-UNPLACED", line, text=line.text)
            return None
        self._place(row, values, places, line, note, covered)

    def _row(self, line: Line, labels: list[str]) -> tuple[Row | None, str]:
        """The row a line of numbers belongs to: its own label, else its label after the label
        lines before it (a label wrapped, the numbers on its last line), else the one row label
        those start (the rest expected on the lines after: numbers on the first or a middle line)."""
        label = labels[-1] if labels else ""
        if label and (row := self.labels.match(label, self.table)) is not None:
            self.flush_fragments()
            return row, ""
        # the label's last character may stand alone on the line with the numbers (「开」 of 「…禁止公开」)
        last = next((c for c in reversed(line.cells) if value_of(c, self.index.placeholders) is None), label)
        for i in range(len(self.fragments)):
            used = self.fragments[i:]
            joined = "".join(self._text(f) for f in used)
            match = self.labels.match
            row, rest = match(joined + last, self.table) or match(joined + label, self.table), ""
            if row is None and (cut := self.labels.prefix(joined + label, self.table)) is not None:
                row, rest = cut
            if row is not None:
                del self.fragments[i:]
                self.flush_fragments()
                self._await(line, joined + label, row, rest)
                return row, f"标签跨行：{'、'.join(f.where for f in used)}"
        if label and (cut := self.labels.prefix(label, self.table)) is not None:
            self.flush_fragments()
            self._await(line, label, *cut)
            return cut[0], ""
        if label and (near := self.labels.near(label, self.table)) is not None:
            self.flush_fragments()
            row, score = near
            self.out.note("IMP-NEAR-LABEL", line, found=label, row=row.item.label, score=score)
            return row, f"标签相近：{label}"
        return None, ""

    def _await(self, line: Line, found: str, row: Row, rest: str) -> None:
        """A label matched by its start: the rest is expected on the lines that follow."""
        self.tail = key_of(rest)
        self.partial = (line, found, row.item.label) if rest else None

    def end_tail(self) -> None:
        """The rest of a label cut short did not follow: it is reported as cut short."""
        if self.partial is not None:
            line, found, row = self.partial
            self.out.note("IMP-PARTIAL-LABEL", line, found=found, row=row)
        self.tail, self.partial = "", None

    def _blank_row(self, line: Line, cells: tuple[str, ...], labels: list[str], keys: list[str]) -> bool:
        """A row printed with its label and empty cells (the blank national form, a row left
        unfilled): the row is there, its cells stay blank (S7 says so), nothing is missing."""
        idx = self.index
        if len(cells) < 2 or len(set(keys)) != 1 or any(k in idx.headers or k in idx.groups or
                                                        k in idx.captions for k in keys):
            return False
        row = self.labels.match(labels[-1], self.table)
        if row is None:
            return False
        self.end_tail()
        self.flush_fragments()
        self.table = row.table
        self.rows_seen.setdefault(f"{row.table.key}.{row.item.key}", line)
        return True

    def _label_line(self, line: Line, keys: list[str]) -> None:
        """A line with labels and no numbers: the rest of a wrapped label, a caption, a header (or a
        piece of one, repeated on a new page), a group label, or a piece of a label to come."""
        idx = self.index
        if self.tail and len(keys) == 1 and self.tail.startswith(keys[0]):
            self.tail = self.tail[len(keys[0]):]
            if not self.tail:
                self.partial = None
            return
        known = [k for k in keys if k in idx.headers or k in idx.groups or k in idx.captions]
        if keys and len(known) == len(keys):
            self.end_tail()
            self.flush_fragments()
            for k in keys:
                if k in idx.captions:
                    self.table = idx.captions[k][0]
                elif idx.headers.get(k):
                    self.table = self.fmt.table(idx.headers[k])
            self._remember_header(line)
            if self.table is not None and any(k == key_of(c.label) for c in self._total_columns()):
                self.seen_total[self.table.key] = True
            elif self.table is not None and len(self.table.blocks) == 1 and len(keys) > 1:
                self.seen_total.setdefault(self.table.key, False)
            return
        if keys and all(self.labels.header_piece(c, self.table, bool(line.ocr)) for c in self.labels.visible(line)[0]):
            if any(k == key_of(c.label) for k in keys for c in self._total_columns()):
                self.seen_total[self.table.key] = True
            self._remember_header(line)
            return  # the table's header, printed over several lines (a page's repeat of it too)
        self.end_tail()
        if keys and self.labels.glued(keys[-1], self.table):
            self.flush_fragments()
            self.out.note("IMP-GLUED", line, text=line.text)
            return
        self.fragments.append(line)
        if len("".join(key_of(self._text(f)) for f in self.fragments)) > MAX_FRAGMENT:
            self.flush_fragments()

    def _remember_header(self, line: Line) -> None:
        """That the current table's header was seen; each word of it laid out by position, and where it stands."""
        if self.table is not None:
            self.headers_seen.add(self.table.key)
        if not line.x or self.table is None:
            return
        words = self.header_words.setdefault((self.table.key, line.page), [])
        for cell, x in zip(line.cells, line.x, strict=True):
            start = x - len(cell) / 2
            found = list(re.finditer(r"\S+", cell))
            # a cell's first word stands where it stands; Chinese words after it may have been pushed
            # against it (pdftotext) or be wider than their characters count, so their places are unknown
            words += [(key_of(m[0]), start + m.start() + len(m[0]) / 2 if n == 0 or m[0].isascii() else math.nan)
                      for n, m in enumerate(found)]

    def _header_columns(self, table: Table, labels: list[str], expected: int, page: int) -> list[float] | None:
        """Where a table's columns stand on a page, as its header printed there shows them."""
        return header_places(self.header_words.get((table.key, page), []), [key_of(s) for s in labels], expected)

    def flush_fragments(self) -> None:
        """Label lines no numbers followed: those that make up a row label are that row, printed
        with empty cells (the blank form laid out with spaces); the rest are reported."""
        fragments, self.fragments = self.fragments, []
        i = 0
        while i < len(fragments):
            for j in range(len(fragments), i, -1):
                row = self.labels.match("".join(self._text(f) for f in fragments[i:j]), self.table)
                if row is not None and self.table is not None and row.table.key == self.table.key:
                    self.rows_seen.setdefault(f"{row.table.key}.{row.item.key}", fragments[i])
                    i = j
                    break
            else:
                self.out.note("IMP-UNKNOWN-LINE", fragments[i], text=fragments[i].text)
                i += 1

    def flush_lone(self) -> None:
        """Numbers each on a line of its own: a run of them is a table copied one cell a line (its
        rows and columns lost), reported once; one or two are each a line that cannot be placed."""
        lone, self.lone = self.lone, []
        if len(lone) >= LONE_RUN:
            self.out.note("IMP-CELL-PER-LINE", where=f"{lone[0].where}–{lone[-1].where}", count=len(lone))
            return
        for line in lone:
            self._unlabelled(line, *self._lone_parts(line))

    def _lone_parts(self, line: Line) -> tuple[list[Value], list[float], list[bool]]:
        _, values, places = self._split(line)
        return values, places, [False] * len(values)

    def _total_columns(self) -> tuple[Item, ...]:
        return tuple(c for b in self.table.blocks for c in b.leaf_columns if c.is_total) if self.table else ()

    def _unlabelled(self, line: Line, values: list[Value], places: list[float], covered: list[bool]) -> None:
        """Numbers with no label: 表四's single value row (its labels are all in the header); with
        empty cells laid out by position, each number in the column its header stands over."""
        table = self.table
        if table is None or table.blocks[0].layout != "bands" or f"{table.key}.*" in self.rows_seen:
            self.out.note("IMP-UNPLACED", line, text=line.text)
            return
        block = table.blocks[0]
        columns = [(r, c) for r in block.leaf_rows for c in block.leaf_columns]
        start, end = bounds(values, len(columns))
        values, covered = values[start:end], covered[start:end]
        if len(values) > len(columns) or (len(values) < len(columns) and not places):
            self.out.note("IMP-UNPLACED", line, text=line.text)
            return
        chosen: list[int] | None = list(range(len(values)))
        if len(values) < len(columns):
            header = self._header_columns(table, [c.label for _, c in columns], len(columns), line.page)
            chosen = align(places, header) if header else None
            if chosen is None:
                self.out.note("IMP-UNALIGNED", line, row=table.name, found=len(values), expected=len(columns))
                return
        self.rows_seen[f"{table.key}.*"] = line
        for r in block.leaf_rows:
            self.rows_seen[f"{table.key}.{r.key}"] = line
        for i, v in zip(chosen, values, strict=True):
            r, c = columns[i]
            self._put(f"{table.key}.{r.key}.{c.key}", v, line)
        self._merged(line, table.name, [columns[i][1] for i, m in zip(chosen, covered, strict=True) if m])

    def _merged(self, line: Line, row: str, columns: list[Item]) -> None:
        """Value cells that continue a merged cell: blank here, their number stands in the merge's first cell."""
        if columns:
            self.out.note("IMP-MERGED-CELL", line, row=row, columns="、".join(f"“{c.label}”" for c in columns))

    def _columns(self, row: Row) -> list[Item]:
        cols = list(row.block.leaf_columns)
        if row.block.layout == "bands":
            return cols
        if self.seen_total.get(row.table.key) is False:
            cols = [c for c in cols if not c.is_total]
        return cols

    def _place(self, row: Row, values: list[Value], places: list[float], line: Line, note: str,
               covered: list[bool]) -> None:
        self.table = row.table
        where = f"{row.table.key}.{row.item.key}"
        if where in self.rows_seen:
            first = self.rows_seen[where]
            before = self._split(first)[1]
            same = [v.raw for v in values if v.raw] == [v.raw for v in before if v.raw]
            self.out.note("IMP-DUPLICATE" if same else "IMP-CONFLICT", line, row=row.item.label, first=first.where)
            return
        cols = self._columns(row)
        start, end = bounds(values, len(cols))
        trimmed, covered = values[start:end], covered[start:end]
        places = places if len(trimmed) == len(values) else []
        if len(trimmed) > len(cols):
            self.out.note("IMP-LONG-ROW", line, row=row.item.label, found=len(trimmed), expected=len(cols))
            return
        self.rows_seen[where] = line
        self._merged(line, row.item.label, [c for c, m in zip(cols, covered, strict=False) if m])
        block = (row.table.key, row.table.blocks.index(row.block))
        if places and len(trimmed) == len(cols):
            self.full.setdefault(block, []).append((self.order, line.page, places))
        elif places:  # a row with empty cells laid out by position: its columns once the full rows are known
            self.deferred.append((row, trimmed, places, line, note, cols, self.order, block))
            return
        self._fill(row, trimmed, line, note, cols)

    def _fill(self, row: Row, values: list[Value], line: Line, note: str, cols: list[Item]) -> None:
        """The row's values into its columns left to right; columns left over are reported."""
        where = f"{row.table.key}.{row.item.key}"
        for col, v in zip(cols, values, strict=False):
            self._put(f"{where}.{col.key}", v, line, note)
        short = cols[len(values):]
        if short:
            parts = [c for c in short if not c.is_total]
            totals = [c for c in short if c.is_total]
            missing = "、".join(f"“{c.label}”" for c in parts) + ("未导入（原文缺失）" if parts else "")
            if totals:
                missing += ("；" if parts else "") + "、".join(f"“{c.label}”" for c in totals) + "由模板公式计算"
            self.short.append((line, row.item.label, len(values), len(cols), missing))

    def _put(self, key: str, v: Value, line: Line, note: str = "") -> None:
        if v.blank:
            self.out.empty[key] = (line, v.cell)  # left empty: the validator reports the blank (S7)
            return
        self.out.set(key, v.stored, line, note, v.cell)

    # -- after the walk ---------------------------------------------------------------------
    def settle(self) -> None:
        """Rows with empty cells laid out by position: each number into the column it stands
        under, as the nearest full row of the same table on the same page shows the columns (on
        another page when this one has none), else as the header printed on its page shows them;
        a row neither accounts for is reported, not guessed."""
        for row, values, places, line, note, cols, order, block in self.deferred:
            full = self.full.get(block, [])
            same = [f for f in full if f[1] == line.page]
            candidates = [f[2] for f in sorted(same or full, key=lambda f: abs(f[0] - order))]
            candidates.append(self._header_columns(row.table, [c.label for c in cols], len(cols), line.page))
            for columns in candidates:
                chosen = align(places, columns) if columns and len(columns) == len(cols) else None
                if chosen is not None:
                    for v, c in zip(values, chosen, strict=True):
                        self._put(f"{row.table.key}.{row.item.key}.{cols[c].key}", v, line, note)
                    break
            else:
                self.out.note("IMP-UNALIGNED", line, row=row.item.label, found=len(values), expected=len(cols))
        self.deferred.clear()

    def missing(self, headings: dict[str, Line]) -> None:
        """Rows the source lacks, and 总计 columns the source lacks (computed by the template). 表四
        printed with its header and without its row of numbers is blank, not missing."""
        for table in self.fmt.tables:
            if not any(k.startswith(f"{table.key}.") for k in self.rows_seen) and table.key not in self.headers_seen:
                self.out.note("IMP-TABLE-UNREAD", table=table.name)  # once, not a row at a time; checks held
                self.out.unread.add(table.key)
                continue
            for block in table.blocks:
                if (block.layout == "bands" and table.key in self.headers_seen
                        and f"{table.key}.*" not in self.rows_seen):
                    continue  # 表四 printed with its header and no row of numbers: a blank table, not a missing one
                for row in block.leaf_rows:
                    if f"{table.key}.{row.key}" not in self.rows_seen:
                        self.out.note("IMP-MISSING-ROW", table=table.name, row=row.label)
            if self.seen_total.get(table.key) is False:
                section = next(s for s in self.fmt.sections if s.table == table.key)
                heading = headings.get(section.key)
                for col in (c for b in table.blocks for c in b.leaf_columns if c.is_total):
                    self.out.note("IMP-TOTAL-COMPUTED", heading, table=table.name, column=col.label)

    def short_rows(self, lines: list[Line]) -> None:
        """One finding per run of adjacent rows short of the same columns (a truncated table)."""
        runs: list[list[tuple[Line, str, int, int, str]]] = []
        position = {id(line): n for n, line in enumerate(lines)}
        for entry in self.short:
            last = runs[-1][-1] if runs else None
            adjacent = last is not None and position[id(entry[0])] == position[id(last[0])] + 1
            if adjacent and entry[2:] == last[2:]:
                runs[-1].append(entry)
            else:
                runs.append([entry])
        for run in runs:
            first, last = run[0], run[-1]
            where = first[0].where if len(run) == 1 else f"{first[0].where}–{last[0].where}（{len(run)} 行）"
            row = first[1] if len(run) == 1 else f"{first[1]}”至“{last[1]}"
            self.out.note("IMP-SHORT-ROW", where=where, row=row, found=first[2], expected=first[3], missing=first[4])

    def totals(self) -> None:
        """A published total equal to the sum of its published parts keeps the template's formula."""
        values = self.out.values
        for i, p in enumerate(self.out.placed):
            f = self.fmt.field(p.key)
            if not isinstance(f, Field) or not f.is_total:
                continue
            sums = []
            for parts in (f.across, f.down):
                if parts:
                    got = [values.get(k) for k in parts]
                    ok = all(isinstance(v, int | float) for v in got)
                    sums.append(sum(Decimal(str(v)) for v in got) if ok else None)
            published = values[p.key]
            if isinstance(published, int | float) and all(s == Decimal(str(published)) for s in sums):
                self.out.placed[i] = dataclasses.replace(p, note=self.spec["agrees"], written=False)
            else:
                self.out.placed[i] = dataclasses.replace(p, note=self.spec["published_total"])
        for p in self.out.placed:
            if not p.written:
                del values[p.key]
