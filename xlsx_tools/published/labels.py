"""The declared labels as a published report's lines are compared with them, and the cells of a
line told apart: labels, numbers, blanks, and text standing where a number should.

Labels are compared as people read them (NFKC, no spaces, one kind of quotes: see
:func:`read.reader.label_key`), with markdown marks dropped and the declared aliases applied; an
index built once per format answers which row, header, group or caption a label is.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ..format.declaration import Block, Format, Item, Table
from ..read.reader import label_key
from ..read.values import NUMBER, split_unit

MARKDOWN = re.compile(r"^\s*(?:#{1,6}\s*|[*>]+\s*)+|\**\s*$")
_ORDINAL = re.compile(r"^(?:\(?[一二三四五六七八九十]+\)|[一二三四五六七八九十]+[、.]|\(\d+\)|\d+[.、)]?)")  # (1) too


@dataclass(frozen=True)
class Row:
    """A declared table row a label names: its table, its block and the row itself."""

    table: Table
    block: Block
    item: Item


@dataclass(frozen=True)
class Index:
    rows: dict[str, tuple[Row, ...]]  # label key (full and without ordinal) → rows
    headers: dict[str, str]  # header text key → table key ("" when shared by several tables)
    groups: frozenset[str]  # group row labels: headings inside a table, no values
    captions: dict[str, tuple[Table, Block]]
    signature2019: frozenset[str]
    single_other_2019: str  # 表三's （六）其他处理 carrying values: the 2019 layout
    aliases: dict[str, str]
    titles: dict[str, tuple[str, frozenset[str]]]  # section key → official title key, variant keys
    placeholders: tuple[str, ...]  # keys of the declared stand-ins for zero (—, /, 无 …)


def key_of(text: str, aliases: dict[str, str] | None = None) -> str:
    """A label as compared: markdown marks dropped, then :func:`read.reader.label_key`, then aliases."""
    key = label_key(MARKDOWN.sub("", text))
    return (aliases or {}).get(key, key)


def loose(key: str) -> str:
    """A label key without its ordinal (（一）, 1., 三、)."""
    return _ORDINAL.sub("", key)


@functools.cache
def index(fmt: Format) -> Index:
    """Every declared label of the format, by the key it is compared under."""
    aliases = {label_key(a): label_key(o) for a, o in fmt.aliases.items()}
    rows: dict[str, list[Row]] = {}
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
                for k in {key_of(row.label), loose(key_of(row.label))}:
                    rows.setdefault(k, []).append(Row(table, block, row))
    spec = fmt.format2019
    return Index(
        rows={k: tuple(v) for k, v in rows.items()},
        headers=headers, groups=frozenset(groups), captions=captions,
        signature2019=frozenset(key_of(s) for s in spec["signature_labels"]),
        single_other_2019=key_of(spec["t3_single_row"]), aliases=aliases,
        titles={s.key: (key_of(s.title), frozenset(key_of(v) for v in s.variants)) for s in fmt.sections},
        placeholders=tuple(label_key(p) for p in fmt.placeholders),
    )


@dataclass(frozen=True)
class Value:
    """A cell in the value part of a table row: blank, a number, or text standing where one should."""

    raw: str
    number: Any = None  # int or Decimal when the cell is a plain number
    cell: int = -1  # which cell of its line it is (-1: not known)

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


def value_of(cell: str, placeholders: tuple[str, ...]) -> Value | None:
    """The cell as a value, or None when it is a label."""
    k = re.sub(r"\s+", "", label_key(cell))
    if not k:
        return Value("")
    if NUMBER.fullmatch(k):
        try:
            return Value(cell.strip(), Decimal(k.replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    if k in placeholders or NUMBER.fullmatch(split_unit(k)[0]):
        return Value(cell.strip())
    return None
