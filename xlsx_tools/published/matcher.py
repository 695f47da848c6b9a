"""A published report matched to the declared format: the lines of a :class:`Document` become field
values, each traced to the line it came from.

Sections are found by their headings (official titles, the declared variants, or a renamed heading
close enough to one). Table rows are found by their labels, compared as people read them (NFKC, no
spaces, one kind of quotes, the declared aliases), whatever column the label landed in; the numbers
after the last label are the row's values. The importer never guesses silently: a value it places
names its line; a line it cannot place, a row it cannot find and a column the source lacks are
findings. Published totals are kept: a total that equals the sum of its parts keeps the template's
formula (same number), one that does not is written as published, so the validator reports it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..consolidate.roster import Roster, name_key
from ..format.declaration import Block, Field, Format, Item, Section, Table, load
from ..format.findings import Finding, registered
from ..read.reader import label_key
from ..read.values import NUMBER, split_unit
from .document import Document, Line

_MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s*|[*>]+\s*)+|\**\s*$")
_ORDINAL = re.compile(r"^(?:\(?[一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、.]|\d+[.、)]?)")
_ARABIC_HEADING = re.compile(r"^(?P<n>[1-6])[、.]")
_TRAILING_NUMBER = re.compile(r"^(?P<label>.*?[^\d.,])(?P<digits>[\d.,]+)$")
MAX_FRAGMENT = 60  # characters of unmatched label text held while waiting for the rest of a wrapped label


@dataclass(frozen=True)
class Placed:
    """One value put into the workbook, and where in the source it came from."""

    key: str
    value: Any
    line: Line
    note: str = ""
    written: bool = True  # False: a total equal to its parts keeps the template's formula


@dataclass
class Imported:
    """A published report as field values (``id.*``, ``s*.*`` and table keys) with provenance."""

    source: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # nothing worth a workbook (2019 format, no table found)


@dataclass(frozen=True)
class _Row:
    table: Table
    block: Block
    item: Item


@dataclass(frozen=True)
class _Index:
    rows: dict[str, tuple[_Row, ...]]  # label key (full and without ordinal) → rows
    headers: dict[str, str]  # header text key → table key ("" when shared by several tables)
    groups: frozenset[str]  # group row labels: headings inside a table, no values
    captions: dict[str, tuple[Table, Block]]
    signature2019: frozenset[str]
    single_other_2019: str  # 表三's （六）其他处理 carrying values: the 2019 layout
    aliases: dict[str, str]
    titles: dict[str, tuple[str, frozenset[str]]]  # section key → official title key, variant keys


def key_of(text: str, aliases: dict[str, str] | None = None) -> str:
    """A label as compared: markdown marks dropped, then :func:`reader.label_key`, then aliases."""
    key = label_key(_MARKDOWN.sub("", text))
    return (aliases or {}).get(key, key)


def _loose(key: str) -> str:
    return _ORDINAL.sub("", key)


@functools.cache
def _index(fmt: Format) -> _Index:
    aliases = {label_key(a): label_key(o) for a, o in fmt.aliases.items()}
    rows: dict[str, list[_Row]] = {}
    headers: dict[str, str] = {}
    groups: set[str] = set()
    captions: dict[str, tuple[Table, Block]] = {}

    def header(text: str, table: str) -> None:
        k = key_of(text)
        headers[k] = table if headers.get(k, table) == table else ""

    for table in fmt.tables:
        for block in table.blocks:
            if block.caption:
                captions[key_of(block.caption)] = (table, block)
            if block.stub:
                header(block.stub, table.key)
            for col in block.columns:
                header(col.label, table.key)
            for row in block.rows:
                if block.layout == "bands":  # 表四's row labels stand in its header
                    header(row.label, table.key)
                if row.group:
                    groups.add(key_of(row.label))
                    continue
                for k in {key_of(row.label), _loose(key_of(row.label))}:
                    rows.setdefault(k, []).append(_Row(table, block, row))
    spec = fmt.format2019
    return _Index(
        rows={k: tuple(v) for k, v in rows.items()},
        headers=headers, groups=frozenset(groups), captions=captions,
        signature2019=frozenset(key_of(s) for s in spec["signature_labels"]),
        single_other_2019=key_of(spec["t3_single_row"]), aliases=aliases,
        titles={s.key: (key_of(s.title), frozenset(key_of(v) for v in s.variants)) for s in fmt.sections},
    )


@dataclass(frozen=True)
class _Value:
    """A cell in the value part of a table row: blank, a number, or text standing where one should."""

    raw: str
    number: Any = None  # int or Decimal when the cell is a plain number

    @property
    def blank(self) -> bool:
        return self.raw == ""

    @property
    def stored(self) -> Any:
        """What the workbook cell gets: the number as published (a fraction in a count cell stays a
        fraction), or the published text, for the validator to judge."""
        n = self.number
        if n is None:
            return self.raw
        return int(n) if n == n.to_integral_value() else float(n)


def _value(cell: str, placeholders: tuple[str, ...]) -> _Value | None:
    """The cell as a value, or None when it is a label."""
    k = re.sub(r"\s+", "", label_key(cell))
    if not k:
        return _Value("")
    if NUMBER.fullmatch(k):
        try:
            return _Value(cell.strip(), Decimal(k.replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    if k in placeholders or NUMBER.fullmatch(split_unit(k)[0]):
        return _Value(cell.strip())
    return None


def import_document(doc: Document, fmt: Format | None = None, roster: Roster | None = None) -> Imported:
    """Match a published report's lines to the declared format (see the module docstring)."""
    fmt = fmt or load()
    return _Matcher(fmt, doc, roster).run()


class _Matcher:
    def __init__(self, fmt: Format, doc: Document, roster: Roster | None):
        self.fmt, self.doc, self.roster = fmt, doc, roster
        self.spec = fmt.importer
        self.index = _index(fmt)
        self.placeholders = tuple(label_key(p) for p in fmt.placeholders)
        self.out = Imported(doc.name, doc.kind)
        self.section: Section | None = None
        self.table: Table | None = None
        self.seen_total: dict[str, bool] = {}  # table key → the header named 总计 (absent: no header seen)
        self.rows_seen: dict[str, Line] = {}  # "t3.granted" → the line it came from
        self.fragments: list[Line] = []
        self.tail = ""  # the rest of a label whose start was matched, expected on the next line
        self.narrative: dict[str, list[Line]] = {}
        self.front: list[Line] = []
        self.headings: dict[str, Line] = {}
        self.short: list[tuple[Line, str, int, int, str]] = []  # rows with fewer numbers than columns

    def add(self, key: str, line: Line | None = None, **context) -> None:
        context.setdefault("where", line.where if line is not None else "")
        found = registered(key, file=self.doc.name, **context)
        self.out.findings.append(dataclasses.replace(found, extra={"where": context["where"]}))

    # -- the walk ---------------------------------------------------------------------------
    def run(self) -> Imported:
        for line in self.doc.lines:
            section = self._heading(line)
            if section is not None:
                self._flush_fragments()
                self.section, self.table = section, None
                if section.table:
                    self.table = self.fmt.table(section.table)
                continue
            if self.section is None:
                self.front.append(line)
            elif self.section.table or self._table_line(line):
                if self._table_row(line) == "2019":
                    return self.out
            else:
                self.narrative.setdefault(self.section.key, []).append(line)
        self._flush_fragments()
        if not self.rows_seen:
            self.add("IMP-NO-TABLES")
            self.out.refused = True
            return self.out
        self._identity()
        self._texts()
        self._missing()
        self._short_rows()
        self._totals()
        return self.out

    def _heading(self, line: Line) -> Section | None:
        cells = [c for c in line.cells if c]
        if len(cells) != 1 or _value(cells[0], self.placeholders) is not None:
            return None
        k = key_of(cells[0])
        if k in self.index.rows or k in self.index.groups:
            return None
        later = self.fmt.sections
        if self.section is not None:  # a page-break repeat of the current heading, or a later one
            later = later[later.index(self.section):]
        for s in later:
            official, variants = self.index.titles[s.key]
            if k == official:
                self.headings.setdefault(s.key, line)
                return s
            if s is self.section:
                continue
            number = _ARABIC_HEADING.match(k)
            if k in variants or self._renamed(k, s, official, number):
                self.headings[s.key] = line
                self.add("S1/heading", line, found=cells[0], title=s.title)
                return s
        return None

    def _renamed(self, k: str, s: Section, official: str, number: re.Match | None) -> bool:
        numerals = self.spec["numerals"]
        if number and numerals[int(number["n"]) - 1] == s.number:
            rest = k[number.end():]
        elif k.startswith(s.number + "、"):
            rest = k[len(s.number) + 1:]
        else:
            return False
        ratio = difflib.SequenceMatcher(None, rest, official[len(s.number) + 1:]).ratio()
        return ratio >= self.spec["heading_similarity"]

    def _table_line(self, line: Line) -> bool:
        """A line inside a narrative section that is a table row all the same (its label says so)."""
        labels, values = self._split(line)
        return bool(labels and any(not v.blank for v in values) and self._match(labels[-1]) is not None)

    # -- table rows -------------------------------------------------------------------------
    def _split(self, line: Line) -> tuple[list[str], list[_Value]]:
        """The line's label cells, and the value cells after the last label (trailing blanks dropped)."""
        kinds = [_value(c, self.placeholders) for c in line.cells]
        last = max((i for i, v in enumerate(kinds) if v is None), default=-1)
        labels = [c for c, v in zip(line.cells, kinds, strict=True) if v is None]
        values = [v for v in kinds[last + 1:] if v is not None]
        while values and values[-1].blank:
            values.pop()
        return labels, values

    def _match(self, label: str) -> _Row | None:
        k = key_of(label, self.index.aliases)
        for candidate in (k, self.index.aliases.get(_loose(k), _loose(k))):
            found = self.index.rows.get(candidate, ())
            if self.table is not None and len(found) > 1:
                found = tuple(r for r in found if r.table.key == self.table.key) or found
            if len(found) == 1:
                return found[0]
        return None

    def _prefix(self, label: str) -> tuple[_Row, str] | None:
        """A label cut short by wrapping: the one row label it starts (at least four characters)."""
        k = key_of(label, self.index.aliases)
        if len(_loose(k)) < 4:
            return None
        hits = {r.item.key: (r, full) for full, rs in self.index.rows.items() for r in rs
                if full.startswith(k) and full != k and (self.table is None or r.table.key == self.table.key)}
        if len(hits) != 1:
            return None
        row, full = next(iter(hits.values()))
        return row, full[len(k):]

    def _table_row(self, line: Line) -> str | None:
        labels, values = self._split(line)
        has_values = any(not v.blank for v in values)
        keys = [key_of(c, self.index.aliases) for c in labels]
        for k, text in zip(keys, labels, strict=True):
            if k in self.index.signature2019:
                return self._refuse_2019(line, text)
        if keys and keys[-1] == self.index.single_other_2019 and has_values:  # no 1./2./3. sub-rows
            return self._refuse_2019(line, labels[-1])
        if not has_values:
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
            self.add("IMP-PARTIAL-LABEL", line, found=labels[-1], row=row.item.label)
        if row is None:
            self._flush_fragments()
            self.add("IMP-GLUED" if self._glued(labels[-1]) else "IMP-UNPLACED", line, text=line.text)
            return None
        self._flush_fragments()
        self._place(row, values, line, note)
        return None

    def _label_line(self, line: Line, keys: list[str]) -> None:
        """A line with labels and no numbers: a caption, a header, a group label, or a fragment."""
        idx = self.index
        if self.tail and len(keys) == 1 and self.tail.startswith(keys[0]):
            self.tail = self.tail[len(keys[0]):]
            return
        self.tail = ""
        known = [k for k in keys if k in idx.headers or k in idx.groups or k in idx.captions]
        if keys and len(known) == len(keys):
            self._flush_fragments()
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
            self._flush_fragments()
            self.add("IMP-GLUED", line, text=line.text)
            return
        self.fragments.append(line)
        joined = "".join(key_of(f.text) for f in self.fragments)
        if joined in idx.groups or joined in idx.headers or joined in idx.captions:
            self.fragments.clear()  # a label split one character per line (PDF vertical text)
        elif len(joined) > MAX_FRAGMENT:
            self._flush_fragments()

    def _glued(self, label: str) -> bool:
        """A row label with its numbers run into it (a web page flattened without cell separators)."""
        m = _TRAILING_NUMBER.match(key_of(label))
        return bool(m) and self._match(m["label"]) is not None

    def _flush_fragments(self) -> None:
        for line in self.fragments:
            self.add("IMP-UNKNOWN-LINE", line, text=line.text)
        self.fragments.clear()

    def _total_columns(self) -> tuple[Item, ...]:
        return tuple(c for b in self.table.blocks for c in b.leaf_columns if c.is_total) if self.table else ()

    def _unlabelled(self, line: Line, values: list[_Value]) -> None:
        """Numbers with no label: 表四's single value row (its labels are all in the header)."""
        table = self.table
        if table is None or table.blocks[0].layout != "bands" or f"{table.key}.*" in self.rows_seen:
            self.add("IMP-UNPLACED", line, text=line.text)
            return
        block = table.blocks[0]
        columns = [(r, c) for r in block.leaf_rows for c in block.leaf_columns]
        values = self._trim(values, len(columns))
        if len(values) != len(columns):
            self.add("IMP-UNPLACED", line, text=line.text)
            return
        self.rows_seen[f"{table.key}.*"] = line
        for r in block.leaf_rows:
            self.rows_seen[f"{table.key}.{r.key}"] = line
        for (r, c), v in zip(columns, values, strict=True):
            self._put(f"{table.key}.{r.key}.{c.key}", v, line)

    @staticmethod
    def _trim(values: list[_Value], expected: int) -> list[_Value]:
        """Drop blanks left of the numbers where the row has more cells than columns (a label that
        moved into the first column leaves its own cell empty)."""
        values = list(values)
        while len(values) > expected and values and values[0].blank:
            values.pop(0)
        return values

    def _columns(self, row: _Row) -> list[Item]:
        cols = list(row.block.leaf_columns)
        if row.block.layout == "bands":
            return cols
        if self.seen_total.get(row.table.key) is False:
            cols = [c for c in cols if not c.is_total]
        return cols

    def _place(self, row: _Row, values: list[_Value], line: Line, note: str) -> None:
        self.table = row.table
        where = f"{row.table.key}.{row.item.key}"
        if where in self.rows_seen:
            first = self.rows_seen[where]
            same = [v.raw for v in values] == [v.raw for v in self._split(first)[1]]
            self.add("IMP-DUPLICATE" if same else "IMP-CONFLICT", line, row=row.item.label, first=first.where)
            return
        cols = self._columns(row)
        values = self._trim(values, len(cols))
        if len(values) > len(cols):
            self.add("IMP-LONG-ROW", line, row=row.item.label, found=len(values), expected=len(cols))
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

    def _put(self, key: str, v: _Value, line: Line, note: str = "") -> None:
        if v.blank:
            return  # left empty: the validator reports the blank (S7)
        value = v.stored
        self.out.values[key] = value
        self.out.placed.append(Placed(key, value, line, note))

    def _refuse_2019(self, line: Line, label: str) -> str:
        self.add("S5/import", line, label=label)
        self.out.refused = True
        return "2019"

    # -- after the walk ---------------------------------------------------------------------
    def _identity(self) -> None:
        pattern = re.compile(self.spec["title_pattern"])
        front = self.front
        # the title on one line, or the agency's name on the line above the rest of it
        candidates = [(ln,) for ln in front] + list(zip(front, front[1:], strict=False))
        used: tuple[Line, ...] = ()
        for lines in candidates:
            text = "".join(re.sub(r"\s+", "", _MARKDOWN.sub("", ln.text)) for ln in lines)
            m = pattern.match(text)
            if m and m["name"]:
                used = lines
                self._set("id.name", m["name"], lines[0])
                self._set("id.year", int(m["year"]), lines[-1])
                self._agency(m["name"], lines[0])
                break
        else:
            self.add("IMP-TITLE")
        rest = [ln for ln in front if ln not in used]
        if rest:
            self.add("IMP-OUTSIDE", count=len(rest), first=rest[0].where, last=rest[-1].where, text=rest[0].text[:30])

    def _set(self, key: str, value: Any, line: Line, note: str = "") -> None:
        self.out.values[key] = value
        self.out.placed.append(Placed(key, value, line, note))

    def _agency(self, name: str, line: Line) -> None:
        """单位类型, 统一社会信用代码 and 所属地区: from the roster, else 单位类型 from the name."""
        if self.roster is not None:
            agency = next((a for a in self.roster.agencies if name_key(a.values.get("name")) == name_key(name)), None)
            if agency is None:
                self.add("IMP-ROSTER", name=name, roster=self.roster.file)
            else:
                where = Line(f"{self.roster.file} 第{agency.row}行", (name,))
                for field_name in ("code", "kind", "region"):
                    value = agency.values.get(field_name)
                    if value not in (None, ""):
                        self._set(f"id.{field_name}", value, where, "来自名录")
                if agency.values.get("kind"):
                    return
        for rule in self.spec["kinds"]:
            if re.search(rule["pattern"], name):
                self._set("id.kind", rule["kind"], line, "按单位名称推断")
                self.add("IMP-KIND", kind=rule["kind"])
                return

    def _texts(self) -> None:
        for section in self.fmt.narrative_sections:
            lines = self.narrative.get(section.key, [])
            if not lines:
                if section.key not in self.headings:
                    self.add("S1/import-missing", title=section.title)
                continue
            parts = section.parts
            if len(parts) == 1:
                self._text(parts[0].key, lines)
                continue
            chunks: list[list[Line]] = [[] for _ in parts]
            current, intro = 0, []
            for ln in lines:
                m = re.match(self.spec["part_pattern"], _MARKDOWN.sub("", ln.text))
                n = self.spec["numerals"].find(m["n"]) + 1 if m and len(m["n"]) == 1 else 0
                if current < n <= len(parts):  # （一）…（五） in order; a later （二） inside a part stays
                    current = n
                if current == 0:
                    intro.append(ln)
                else:
                    chunks[current - 1].append(ln)
            if intro:
                chunks[0][:0] = intro
                self.add("IMP-INTRO", intro[0], part=parts[0].label)
            for part, chunk in zip(parts, chunks, strict=True):
                if chunk:
                    self._text(part.key, chunk)

    def _text(self, key: str, lines: list[Line]) -> None:
        limit = self.fmt.types["text"].max_length
        text = "\n".join(_MARKDOWN.sub("", ln.text).strip() for ln in lines)
        if len(text) > limit:
            self.add("IMP-TEXT-LONG", lines[0], label=self.fmt.field(key).label, limit=limit)
            text = text[:limit]
        where = lines[0].where if len(lines) == 1 else f"{lines[0].where}–{lines[-1].where}"
        self._set(key, text, Line(where, (text[:60],)))

    def _missing(self) -> None:
        for table in self.fmt.tables:
            for block in table.blocks:
                for row in block.leaf_rows:
                    if f"{table.key}.{row.key}" not in self.rows_seen:
                        self.add("IMP-MISSING-ROW", table=table.name, row=row.label)
            if self.seen_total.get(table.key) is False:
                section = next(s for s in self.fmt.sections if s.table == table.key)
                heading = self.headings.get(section.key)
                for col in (c for b in table.blocks for c in b.leaf_columns if c.is_total):
                    self.add("IMP-TOTAL-COMPUTED", heading, table=table.name, column=col.label)

    def _short_rows(self) -> None:
        """One finding per run of adjacent rows short of the same columns (a truncated table)."""
        runs: list[list[tuple[Line, str, int, int, str]]] = []
        position = {id(line): n for n, line in enumerate(self.doc.lines)}
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
            self.add("IMP-SHORT-ROW", where=where, row=row, found=first[2], expected=first[3], missing=first[4])

    def _totals(self) -> None:
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
