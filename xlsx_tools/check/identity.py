"""Checks of an agency's identity values (基本信息) in Python: the same rules I1–I4 the template
checks with worksheet formulas, for values that come from a roster or the command line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..format import uscc
from ..format.declaration import Format, load
from ..format.findings import Finding, registered, rule_finding


def clean_text(value: Any) -> str:
    """A cell value as the text a person typed: strings stripped, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_identity(values: Mapping[str, Any], fmt: Format | None = None,
                   where: Mapping[str, Mapping[str, str]] | None = None) -> list[Finding]:
    """Findings for identity values keyed by field name (``name``, ``code``, ``kind``, ``year``…).

    Only the values given are checked (a roster need not carry a year). ``where`` maps a field
    name to the file/sheet/cell the value came from, so findings point at it.
    """
    fmt = fmt or load()
    where = where or {}
    out: list[Finding] = []

    def place(name: str) -> dict[str, str]:
        return dict(where.get(name, {}))

    for name, value in values.items():
        f = fmt.identity_field(name)
        text = clean_text(value)
        if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
            out.append(registered("F-TEXT-INVALID", label=f.label, **place(name)))
            continue
        if f.type == "uscc" and text and not uscc.is_valid(text):
            out.append(rule_finding("I2", "error", fmt, value=text, **place(name)))
        elif f.type == "choice" and text and text not in f.choices:
            out.append(rule_finding("I3", "error", fmt, value=text, **place(name)))
        elif f.type == "year" and text and not _is_year(text, fmt.meta["first_year"]):
            out.append(rule_finding("I4", "error", fmt, value=text, **place(name)))
    if "name" in values and not clean_text(values["name"]):
        out.append(rule_finding("I1", "error", fmt, **place("name")))
    return out


def _is_year(text: str, first: int) -> bool:
    return text.isdigit() and len(text) == 4 and int(text) >= first


def normalise(values: Mapping[str, Any], fmt: Format | None = None) -> dict[str, Any]:
    """Identity values as the template stores them: text stripped, codes upper-case, years int."""
    fmt = fmt or load()
    out: dict[str, Any] = {}
    for name, value in values.items():
        text = clean_text(value)
        if not text:
            continue
        kind = fmt.identity_field(name).type
        out[name] = int(text) if kind == "year" else text.upper() if kind == "uscc" else text
    return out
