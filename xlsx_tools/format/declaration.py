"""The statutory format, loaded from ``schemas/format-2021.toml``.

Every other module takes its sheet names, labels, field keys, totals, value types and rules from
the objects built here; none of them writes a statutory label down itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

DECLARATION_FILE = "format-2021.toml"


def data_path(*parts: str) -> Path:
    """Locate a file of the top-level data folders (``schemas/``, ``workbook/``).

    In a built wheel they are packaged under ``xlsx_tools/_data/``; in a source checkout or an
    editable install they sit at the repository root, beside the package.
    """
    package = Path(__file__).resolve().parent.parent  # xlsx_tools/, this module being in format/
    packaged = package.joinpath("_data", *parts)
    if packaged.exists():
        return packaged
    return package.parent.joinpath(*parts)


@dataclass(frozen=True)
class Item:
    """One row or column heading of a statutory grid."""

    key: str
    label: str
    group: bool = False
    parent: str | None = None
    total_of: tuple[str, ...] = ()

    @property
    def is_total(self) -> bool:
        return bool(self.total_of)


@dataclass(frozen=True)
class ValueType:
    """How a value cell is typed, shown and explained (counts in 件, fees in 万元, text)."""

    name: str
    unit: str = ""
    decimals: int = 0
    max_length: int = 0
    length: int = 0
    prompt_title: str = ""
    prompt: str = ""
    error_title: str = ""
    error: str = ""

    @property
    def numeric(self) -> bool:
        return self.name in ("count", "amount_wan")

    @property
    def integer(self) -> bool:
        return self.name == "count"


@dataclass(frozen=True)
class Block:
    """A grid of rows × columns; 表二 has four, 表三 and 表四 one each."""

    index: int
    type: str
    rows: tuple[Item, ...]
    columns: tuple[Item, ...]
    caption: str = ""
    stub: str = ""
    layout: str = "grid"

    @property
    def leaf_rows(self) -> tuple[Item, ...]:
        return tuple(i for i in self.rows if not i.group)

    @property
    def leaf_columns(self) -> tuple[Item, ...]:
        return tuple(i for i in self.columns if not i.group)

    def children(self, axis: str, key: str | None) -> tuple[Item, ...]:
        """Items of ``axis`` ("rows"/"columns") whose parent is ``key`` (None: the top level)."""
        return tuple(i for i in getattr(self, axis) if i.parent == key)


@dataclass(frozen=True)
class Field:
    """One value cell of a statutory table, e.g. ``t3.granted.natural``.

    A cell in a total column sums ``across`` its row; a cell in a total row sums ``down`` its
    column; the corner cell (（七）总计 × 总计) does both, and its formula uses ``across``.
    """

    key: str
    table: str
    block: int
    row: Item
    column: Item
    type: str
    across: tuple[str, ...] = ()
    down: tuple[str, ...] = ()

    @property
    def total_of(self) -> tuple[str, ...]:
        """The parts the template's formula sums."""
        return self.across or self.down

    @property
    def is_total(self) -> bool:
        return bool(self.total_of)

    @property
    def labels(self) -> tuple[str, str]:
        return self.row.label, self.column.label


@dataclass(frozen=True)
class Table:
    key: str
    name: str
    sheet: str
    title: str
    landscape: bool
    blocks: tuple[Block, ...]
    structure_rule: str = ""  # the code of a finding that this table's layout was changed

    @cached_property  # built once: the reader and the merge ask for it per file
    def fields(self) -> tuple[Field, ...]:
        out = []
        for block in self.blocks:
            for row in block.leaf_rows:
                for col in block.leaf_columns:
                    out.append(_make_field(self.key, block, row, col))
        return tuple(out)

    @property
    def leaf_rows(self) -> tuple[Item, ...]:
        return tuple(r for b in self.blocks for r in b.leaf_rows)

    @property
    def leaf_columns(self) -> tuple[Item, ...]:
        if len(self.blocks) != 1:
            raise ValueError(f"{self.key} has {len(self.blocks)} blocks with different columns")
        return self.blocks[0].leaf_columns


def _make_field(table: str, block: Block, row: Item, col: Item) -> Field:
    across = tuple(f"{table}.{row.key}.{c}" for c in col.total_of)
    down = tuple(f"{table}.{r}.{col.key}" for r in row.total_of)
    return Field(f"{table}.{row.key}.{col.key}", table, block.index, row, col, block.type, across, down)


@dataclass(frozen=True)
class IdentityField:
    """A 基本信息 entry, e.g. ``id.code`` (统一社会信用代码)."""

    key: str
    name: str
    label: str
    type: str
    note: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextField:
    """A narrative part, e.g. ``s1.on_request`` (（二）依申请公开)."""

    key: str
    section: str
    label: str


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    title: str
    sheet: str = ""
    table: str = ""
    note: str = ""
    parts: tuple[TextField, ...] = ()
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A validation rule of the statutory format (docs/RULES.md lists them all); several entries may
    share a code (per severity)."""

    code: str
    severity: str
    title: str
    hint: str
    expr: str = ""
    each: tuple[tuple[str, Any], ...] = ()
    covered_by: str = ""
    tag: str = ""
    checked: str = ""  # where a rule without expr is checked, for the rules reference
    problem: str = ""  # the failure worded as the problem (else "未通过：" and the title)
    blank: str = ""  # the failure when the cell is blank (e.g. 统一社会信用代码未填写)


@dataclass(frozen=True, eq=False)
class Format:
    """The whole declaration; build it with :func:`load`."""

    meta: dict[str, Any]
    layout: dict[str, int]
    severities: dict[str, str]
    marks: dict[str, str]
    types: dict[str, ValueType]
    identity_sheet: dict[str, str]
    identity: tuple[IdentityField, ...]
    roster: dict[str, Any]
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    guide: dict[str, Any]
    checks: dict[str, Any]
    annotate: dict[str, Any]
    addin: dict[str, Any]
    importer: dict[str, Any]
    statements: tuple[dict[str, Any], ...]
    rules: tuple[Rule, ...]
    format2019: dict[str, Any]
    aliases: dict[str, str]
    summary: dict[str, Any] = field(default_factory=dict)
    crossyear: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)  # the generated published report
    compare: dict[str, Any] = field(default_factory=dict)  # nianbao compare: year over year
    register: dict[str, Any] = field(default_factory=dict)  # the application register and nianbao tally
    assess: dict[str, Any] = field(default_factory=dict)  # nianbao assess: published reports judged
    summary_identity: tuple[IdentityField, ...] = ()  # extra 基本信息 rows of a summary workbook
    _fields: dict[str, Any] = field(default_factory=dict, repr=False)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def field(self, key: str) -> Field | IdentityField | TextField:
        """Any value cell by its key: table fields, ``id.*`` and ``s<n>.*``."""
        return self._fields[key]

    @property
    def fields(self) -> dict[str, Field | IdentityField | TextField]:
        return dict(self._fields)

    @cached_property
    def table_fields(self) -> tuple[Field, ...]:
        return tuple(f for t in self.tables for f in t.fields)

    @property
    def narrative_sections(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.parts)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Texts typed for "none" in a number cell (S6 warning, read as 0)."""
        return tuple(self.meta.get("placeholders", ()))

    def identity_field(self, name: str) -> IdentityField:
        """A 基本信息 field by its short name (``code`` for ``id.code``)."""
        return self.field(f"id.{name}")  # type: ignore[return-value]


def _items(raw: list[dict[str, Any]], where: str) -> tuple[Item, ...]:
    items = tuple(
        Item(
            key=r["key"],
            label=r["label"],
            group=bool(r.get("group", False)),
            parent=r.get("parent"),
            total_of=tuple(r.get("total_of", ())),
        )
        for r in raw
    )
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate keys in {where}")
    groups = {i.key for i in items if i.group}
    leaves = {i.key for i in items if not i.group}
    for i in items:
        if i.parent is not None and i.parent not in groups:
            raise ValueError(f"{where}: {i.key} has unknown parent {i.parent}")
        for part in i.total_of:
            if part not in leaves or part == i.key:
                raise ValueError(f"{where}: total {i.key} sums unknown item {part}")
    return items


def _type(name: str, raw: dict[str, Any]) -> ValueType:
    known = set(ValueType.__dataclass_fields__) - {"name"}
    return ValueType(name=name, **{k: v for k, v in raw.items() if k in known})


def _identity_fields(raw: list[dict[str, Any]]) -> tuple[IdentityField, ...]:
    return tuple(
        IdentityField(
            key=f"id.{f['key']}",
            name=f["key"],
            label=f["label"],
            type=f["type"],
            note=f.get("note", ""),
            choices=tuple(f.get("choices", ())),
        )
        for f in raw
    )


def parse(data: dict[str, Any]) -> Format:
    """Build a :class:`Format` from the parsed TOML document, checking its internal references."""
    types = {name: _type(name, raw) for name, raw in data["types"].items()}
    ident = data["identity"]
    for name, raw in ident["types"].items():
        types[name] = _type(name, raw)

    identity = _identity_fields(ident["fields"])
    sections = tuple(
        Section(
            key=s["key"],
            number=s["number"],
            title=s["title"],
            sheet=s.get("sheet", ""),
            table=s.get("table", ""),
            note=s.get("note", ""),
            parts=tuple(
                TextField(f"{s['key']}.{p['key']}", s["key"], p["label"]) for p in s.get("parts", ())
            ),
            variants=tuple(s.get("variants", ())),
        )
        for s in data["sections"]
    )
    tables = []
    for t in data["tables"]:
        blocks = tuple(
            Block(
                index=i,
                type=b["type"],
                rows=_items(b["rows"], f"{t['key']} block {i} rows"),
                columns=_items(b["columns"], f"{t['key']} block {i} columns"),
                caption=b.get("caption", ""),
                stub=b.get("stub", ""),
                layout=b.get("layout", "grid"),
            )
            for i, b in enumerate(t["blocks"])
        )
        tables.append(
            Table(t["key"], t["name"], t["sheet"], t["title"], bool(t.get("landscape")), blocks,
                  t["structure_rule"])
        )
    rules = tuple(
        Rule(
            code=r["code"],
            severity=r["severity"],
            title=r["title"],
            hint=r["hint"],
            each=tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in r.get("each", {}).items()),
            **{k: r.get(k, "") for k in ("expr", "covered_by", "tag", "checked", "problem", "blank")},
        )
        for r in data["rules"]
    )
    fmt = Format(
        meta=data["format"],
        layout=data["layout"],
        severities=data["severities"],
        marks=data["marks"],
        types=types,
        identity_sheet={k: v for k, v in ident.items() if isinstance(v, str)},
        identity=identity,
        roster=ident["roster"],
        sections=sections,
        tables=tuple(tables),
        guide=data["guide"],
        checks=data["checks"],
        annotate=data["annotate"],
        addin=data["addin"],
        importer=data["importer"],
        statements=tuple(data.get("statements", ())),
        rules=rules,
        format2019=data["format2019"],
        aliases=data.get("aliases", {}),
        summary=data["summary"],
        crossyear=data["crossyear"],
        report=data["report"],
        compare=data["compare"],
        register=data["register"],
        assess=data["assess"],
        summary_identity=_identity_fields(data["summary"]["fields"]),
    )
    _index_fields(fmt)
    _check_consistency(fmt)
    return fmt


def _index_fields(fmt: Format) -> None:
    index: dict[str, Any] = {}
    for f in fmt.identity + fmt.summary_identity:
        if f.key in index:
            raise ValueError(f"duplicate field key {f.key}")
        index[f.key] = f
    for s in fmt.sections:
        for p in s.parts:
            index[p.key] = p
    for t in fmt.tables:
        for f in t.fields:
            if f.key in index:
                raise ValueError(f"duplicate field key {f.key}")
            index[f.key] = f
    fmt._fields.update(index)


def _check_consistency(fmt: Format) -> None:
    for f in fmt.identity + fmt.summary_identity:
        if f.type not in fmt.types:
            raise ValueError(f"identity field {f.key} has unknown type {f.type}")
    for r in fmt.rules:
        if r.severity not in fmt.severities:
            raise ValueError(f"rule {r.code} has unknown severity {r.severity}")
    sheets = [fmt.guide["sheet"], fmt.identity_sheet["sheet"], fmt.checks["sheet"], fmt.annotate["sheet"],
              fmt.importer["sheet"]]
    sheets += [fmt.summary[part]["sheet"] for part in ("detail", "files", "findings", "missing")]
    sheets += [s.sheet for s in fmt.sections if s.sheet] + [t.sheet for t in fmt.tables]
    if len(set(sheets)) != len(sheets):
        raise ValueError("duplicate sheet names in the declaration")


@cache
def load(path: Path | None = None) -> Format:
    """Load the declaration (cached). ``path`` overrides the packaged file, for tests."""
    source = path or data_path("schemas", DECLARATION_FILE)
    with open(source, "rb") as fh:
        return parse(tomllib.load(fh))
