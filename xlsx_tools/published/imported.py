"""A published report as the importer leaves it: field values, where each came from, and the
findings of the import.

The parts of the matcher (:mod:`headings`, :mod:`tablerows`, :mod:`texts`) all write into one
:class:`Imported`; :mod:`conversion` turns it into a workbook and its 导入记录 sheet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..format.findings import Finding, registered
from .document import Line, Seen


@dataclass(frozen=True)
class Placed:
    """One value put into the workbook, and where in the source it came from."""

    key: str
    value: Any
    line: Line
    note: str = ""
    written: bool = True  # False: a total equal to its parts keeps the template's formula
    cell: int = -1  # which cell of the line the value stands in (-1: the whole line)

    @property
    def seen(self) -> Seen | None:
        """What the recogniser saw in the value's cell, for a value read from a picture (OCR)."""
        return self.line.seen(self.cell)


@dataclass
class Imported:
    """A published report as field values (``id.*``, ``s*.*`` and table keys) with provenance."""

    source: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # nothing worth a workbook (2019 format, no table found)
    facts: list = field(default_factory=list)  # metadata.Fact: the publication date, 索引号 … (not in the template)
    unread: set[str] = field(default_factory=set)  # tables of which no value was read (their checks held back)
    #: table cells of a row read whose cell in the source is empty: key → (line, cell)
    empty: dict[str, tuple[Line, int]] = field(default_factory=dict)

    def set(self, key: str, value: Any, line: Line, note: str = "", cell: int = -1) -> None:
        """Place a value, naming the line (and the cell of it) it came from."""
        self.values[key] = value
        self.placed.append(Placed(key, value, line, note, cell=cell))

    def note(self, key: str, line: Line | None = None, **context) -> None:
        """Add the registered finding ``key``, located at ``line`` (or at ``where`` in ``context``)."""
        context.setdefault("where", line.where if line is not None else "")
        found = registered(key, file=self.source, **context)
        self.findings.append(dataclasses.replace(found, extra={"where": context["where"]}))
