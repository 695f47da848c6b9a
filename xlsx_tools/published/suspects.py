"""Digits a recogniser may have misread, pointed at by the statute's own arithmetic.

The statutory tables check themselves: every 表三 column's identity, （七）总计 equal to its parts,
the 总计 column equal to the applicant columns, 表四's totals (:mod:`check.equations`). When a
table read from a picture breaks them, the failing equations are taken in groups that share cells;
a recognised cell that stands in every equation of a group and in no equation that holds, and
for which every one of them asks the same whole number, alone explains the group. If several
cells would, the one read with low confidence (below ``ocr_doubtful``) is named, if it is the only
such. The finding names the cell, what was read, the confidence and the value that would make the
equations hold. Nothing is changed: the value stays as read and the validator still reports the
broken identities.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..check.equations import Equation, equations
from ..format.declaration import Field, Format
from ..format.layout import workbook_layout
from .document import Line, Seen
from .imported import Imported
from .record import labels_of

#: titles of the failing identities named in a finding, at most
NAMED = 2


def suspects(out: Imported, fmt: Format) -> None:
    """Add a finding for each misread (or unread) recognised cell the failing identities point at."""
    values: dict[str, Decimal] = {}
    read: dict[str, tuple[Line, Seen | None, str]] = {}  # recognised cells: line, what was seen, the text read
    for p in out.placed:
        if isinstance(fmt.field(p.key), Field):
            values[p.key] = _number(p.value) or Decimal(0)  # text counts 0, as SUM counts it
            if p.line.ocr:
                read[p.key] = (p.line, p.seen, str(p.value))
    for key, (line, cell) in out.empty.items():
        values[key] = Decimal(0)
        if line.ocr:
            read[key] = (line, line.seen(cell), "")
    if not read:
        return
    judged = [e for e in equations(fmt) if all(k in values for k in e.terms)]
    failing = [e for e in judged if e.residual(values)]
    layout = workbook_layout(fmt)
    for group in _groups(failing):
        found = _explained(group, judged, values, read, fmt.importer["ocr_doubtful"])
        if found is None:
            continue
        key, value = found
        line, seen, text = read[key]
        sheet, span = layout.locate(key)
        titles = "；".join(e.check.title for e in group[:NAMED]) + (f"等 {len(group)} 条" if len(group) > NAMED else "")
        confidence = _confidence(seen, text)
        out.note("IMP-OCR-DIGIT" if text else "IMP-OCR-DIGIT/empty", line, sheet=sheet, cell=span.ref,
                 label=labels_of(fmt, key), read=text, confidence=f"{confidence:.2f}", value=value, rules=titles)


def _explained(group: list[Equation], judged: list[Equation], values: dict[str, Decimal],
               read: dict[str, tuple[Line, Seen | None, str]], doubtful: float) -> tuple[str, int] | None:
    """The one recognised cell that alone explains a group of failing equations, and its value
    (of several that would, the only one read with less confidence than ``doubtful``)."""
    ids = {id(e) for e in group}
    candidates = []
    for key in read:
        mine = [e for e in judged if key in e.terms]
        if {id(e) for e in mine} != ids:
            continue  # in an equation that holds (it would break), or not in every failing one
        fixes = {values[key] - e.residual(values) / e.terms[key] for e in group}
        if len(fixes) == 1 and (fix := fixes.pop()) >= 0 and fix == fix.to_integral_value():
            candidates.append((key, int(fix)))
    if len(candidates) > 1:
        candidates = [c for c in candidates if _confidence(*read[c[0]][1:]) < doubtful]
    return candidates[0] if len(candidates) == 1 else None


def _confidence(seen: Seen | None, text: str) -> float:
    """How sure the recogniser was of a cell: nothing read, or text where a number stands, is 0."""
    if seen is None or seen.empty or _number(text) is None:
        return 0.0
    return seen.confidence


def _number(value) -> Decimal | None:
    """A value as a number, None for text (and nothing)."""
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "")) if str(value).strip() else None
    except InvalidOperation:
        return None


def _groups(failing: list[Equation]) -> list[list[Equation]]:
    """Failing equations in groups linked by the cells they share (one misread cell per group)."""
    groups: list[list[Equation]] = []
    for e in failing:
        linked = [g for g in groups if any(set(e.terms) & set(o.terms) for o in g)]
        merged = [e, *(o for g in linked for o in g)]
        groups = [g for g in groups if g not in linked] + [merged]
    return groups
