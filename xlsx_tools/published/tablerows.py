"""Table rows of a published report placed into the declared tables, value by value.

A row is found by its label wherever the label landed (the last label cell names the row; group
labels stand before it), the numbers after it are the row's values. Labels wrapped over lines,
cut short, or printed one character a line are joined; 表四's single unlabelled value row is read
by its header; a row that repeats after a page break is dropped, a conflicting one reported. After
the walk: the rows and columns the source lacks, runs of short rows, and published totals (one
equal to the sum of its parts keeps the template's formula).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..format.declaration import Field, Format, Item, Table
from .document import Line
from .imported import Imported, Placed
from .labels import Index, Row, Value, key_of, loose, value_of

_TRAILING_NUMBER = re.compile(r"^(?P<label>.*?[^\d.,])(?P<digits>[\d.,]+)$")
MAX_FRAGMENT = 60  # characters of unmatched label text held while waiting for the rest of a wrapped label


class TableRows:
    """The table part of the walk: which table it is in, the rows seen, label fragments held."""

    def __init__(self, fmt: Format, index: Index, out: Imported):
        self.fmt, self.index, self.out = fmt, index, out
        self.spec = fmt.importer
        self.table: Table | None = None
        self.seen_total: dict[str, bool] = {}  # table key → the header named 总计 (absent: no header seen)
        self.rows_seen: dict[str, Line] = {}  # "t3.granted" → the line it came from
        self.fragments: list[Line] = []
        self.tail = ""  # the rest of a label whose start was matched, expected on the next line
        self.short: list[tuple[Line, str, int, int, str]] = []  # rows with fewer numbers than columns

    # -- the walk ---------------------------------------------------------------------------
    def is_row(self, line: Line) -> bool:
        """A line inside a narrative section that is a table row all the same (its label says so)."""
        labels, values = self._split(line)
        return bool(labels and any(not v.blank for v in values) and self._match(labels[-1]) is not None)

    def _split(self, line: Line) -> tuple[list[str], list[Value]]:
        """The line's label cells, and the value cells after the last label (trailing blanks dropped)."""
        kinds = [value_of(c, self.index.placeholders) for c in line.cells]
        last = max((i for i, v in enumerate(kinds) if v is None), default=-1)
        labels = [c for c, v in zip(line.cells, kinds, strict=True) if v is None]
        values = [v for v in kinds[last + 1:] if v is not None]
        while values and values[-1].blank:
            values.pop()
        return labels, values

    def _match(self, label: str) -> Row | None:
        k = key_of(label, self.index.aliases)
        for candidate in (k, self.index.aliases.get(loose(k), loose(k))):
            found = self.index.rows.get(candidate, ())
            if self.table is not None and len(found) > 1:
                found = tuple(r for r in found if r.table.key == self.table.key) or found
            if len(found) == 1:
                return found[0]
        return None

    def _prefix(self, label: str) -> tuple[Row, str] | None:
        """A label cut short by wrapping: the one row label it starts (at least four characters)."""
        k = key_of(label, self.index.aliases)
        if len(loose(k)) < 4:
            return None
        hits = {r.item.key: (r, full) for full, rs in self.index.rows.items() for r in rs
                if full.startswith(k) and full != k and (self.table is None or r.table.key == self.table.key)}
        if len(hits) != 1:
            return None
        row, full = next(iter(hits.values()))
        return row, full[len(k):]

    def feed(self, line: Line) -> str | None:
        """Place one line of a table section; ``"2019"`` when it shows the 2019 format (the walk stops)."""
        labels, values = self._split(line)
        has_values = any(not v.blank for v in values)
        keys = [key_of(c, self.index.aliases) for c in labels]
        for k, text in zip(keys, labels, strict=True):
            if k in self.index.signature2019:
                return self._refuse_2019(line, text)
        if keys and keys[-1] == self.index.single_other_2019 and has_values:  # no 1./2./3. sub-rows
            return self._refuse_2019(line, labels[-1])
        if not has_values:
            if self._blank_row(line, labels, keys):
                return None
            self._label_line(line, keys)
            return None
        if not labels:
            return self._unlabelled(line, values)
        row = self._match(labels[-1])  # the last label is the row's own (group labels stand before it)
        note = ""
        if row is None and self.fragments:
            joined = "".join(f.text for f in self.fragments) + labels[-1]
            row = self._match(joined)
            if row is not None:
                note = f"标签跨行：{'、'.join(f.where for f in self.fragments)}"
                self.fragments.clear()
        if row is None and (cut := self._prefix(labels[-1])) is not None:
            row, self.tail = cut
            self.out.note("IMP-PARTIAL-LABEL", line, found=labels[-1], row=row.item.label)
        if row is None:
            self.flush_fragments()
            self.out.note("IMP-GLUED" if self._glued(labels[-1]) else "IMP-UNPLACED", line, text=line.text)
            return None
        self.flush_fragments()
        self._place(row, values, line, note)
        return None

    def _blank_row(self, line: Line, labels: list[str], keys: list[str]) -> bool:
        """A row printed with its label and empty cells (the blank national form, a row left
        unfilled): the row is there, its cells stay blank (S7 says so), nothing is missing."""
        idx = self.index
        if len(line.cells) < 2 or len(set(keys)) != 1 or any(k in idx.headers or k in idx.groups or
                                                             k in idx.captions for k in keys):
            return False
        row = self._match(labels[-1])
        if row is None:
            return False
        self.flush_fragments()
        self.table = row.table
        self.rows_seen.setdefault(f"{row.table.key}.{row.item.key}", line)
        return True

    def _label_line(self, line: Line, keys: list[str]) -> None:
        """A line with labels and no numbers: a caption, a header, a group label, or a fragment."""
        idx = self.index
        if self.tail and len(keys) == 1 and self.tail.startswith(keys[0]):
            self.tail = self.tail[len(keys[0]):]
            return
        self.tail = ""
        known = [k for k in keys if k in idx.headers or k in idx.groups or k in idx.captions]
        if keys and len(known) == len(keys):
            self.flush_fragments()
            for k in keys:
                if k in idx.captions:
                    self.table = idx.captions[k][0]
                elif idx.headers.get(k):
                    self.table = self.fmt.table(idx.headers[k])
            if self.table is not None and any(k == key_of(c.label) for c in self._total_columns()):
                self.seen_total[self.table.key] = True
            elif self.table is not None and len(self.table.blocks) == 1 and len(keys) > 1:
                self.seen_total.setdefault(self.table.key, False)
            return
        if keys and self._glued(keys[-1]):
            self.flush_fragments()
            self.out.note("IMP-GLUED", line, text=line.text)
            return
        self.fragments.append(line)
        joined = "".join(key_of(f.text) for f in self.fragments)
        if joined in idx.groups or joined in idx.headers or joined in idx.captions:
            self.fragments.clear()  # a label split one character per line (PDF vertical text)
        elif len(joined) > MAX_FRAGMENT:
            self.flush_fragments()

    def _glued(self, label: str) -> bool:
        """A row label with its numbers run into it (a web page flattened without cell separators)."""
        m = _TRAILING_NUMBER.match(key_of(label))
        return bool(m) and self._match(m["label"]) is not None

    def flush_fragments(self) -> None:
        for line in self.fragments:
            self.out.note("IMP-UNKNOWN-LINE", line, text=line.text)
        self.fragments.clear()

    def _total_columns(self) -> tuple[Item, ...]:
        return tuple(c for b in self.table.blocks for c in b.leaf_columns if c.is_total) if self.table else ()

    def _unlabelled(self, line: Line, values: list[Value]) -> None:
        """Numbers with no label: 表四's single value row (its labels are all in the header)."""
        table = self.table
        if table is None or table.blocks[0].layout != "bands" or f"{table.key}.*" in self.rows_seen:
            self.out.note("IMP-UNPLACED", line, text=line.text)
            return
        block = table.blocks[0]
        columns = [(r, c) for r in block.leaf_rows for c in block.leaf_columns]
        values = self._trim(values, len(columns))
        if len(values) != len(columns):
            self.out.note("IMP-UNPLACED", line, text=line.text)
            return
        self.rows_seen[f"{table.key}.*"] = line
        for r in block.leaf_rows:
            self.rows_seen[f"{table.key}.{r.key}"] = line
        for (r, c), v in zip(columns, values, strict=True):
            self._put(f"{table.key}.{r.key}.{c.key}", v, line)

    @staticmethod
    def _trim(values: list[Value], expected: int) -> list[Value]:
        """Drop blanks left of the numbers where the row has more cells than columns (a label that
        moved into the first column leaves its own cell empty)."""
        values = list(values)
        while len(values) > expected and values and values[0].blank:
            values.pop(0)
        return values

    def _columns(self, row: Row) -> list[Item]:
        cols = list(row.block.leaf_columns)
        if row.block.layout == "bands":
            return cols
        if self.seen_total.get(row.table.key) is False:
            cols = [c for c in cols if not c.is_total]
        return cols

    def _place(self, row: Row, values: list[Value], line: Line, note: str) -> None:
        self.table = row.table
        where = f"{row.table.key}.{row.item.key}"
        if where in self.rows_seen:
            first = self.rows_seen[where]
            same = [v.raw for v in values] == [v.raw for v in self._split(first)[1]]
            self.out.note("IMP-DUPLICATE" if same else "IMP-CONFLICT", line, row=row.item.label, first=first.where)
            return
        cols = self._columns(row)
        values = self._trim(values, len(cols))
        if len(values) > len(cols):
            self.out.note("IMP-LONG-ROW", line, row=row.item.label, found=len(values), expected=len(cols))
            return
        self.rows_seen[where] = line
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
            return  # left empty: the validator reports the blank (S7)
        self.out.set(key, v.stored, line, note)

    def _refuse_2019(self, line: Line, label: str) -> str:
        self.out.note("S5/import", line, label=label)
        self.out.refused = True
        return "2019"

    # -- after the walk ---------------------------------------------------------------------
    def missing(self, headings: dict[str, Line]) -> None:
        """Rows the source lacks, and 总计 columns the source lacks (computed by the template)."""
        for table in self.fmt.tables:
            for block in table.blocks:
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
                self.out.placed[i] = Placed(p.key, published, p.line, self.spec["agrees"], written=False)
            else:
                self.out.placed[i] = Placed(p.key, published, p.line, self.spec["published_total"])
        for p in self.out.placed:
            if not p.written:
                del values[p.key]
