"""The consolidator's roster (名录) of agencies, and one personalised template per agency.

A roster is any workbook with a header row carrying the identity labels the declaration names for
rosters (单位名称, 统一社会信用代码, 单位类型, 所属地区). A bad row costs that row only: it is
reported with its cell and the other agencies still get their templates.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..check.identity import check_identity, clean_text, normalise
from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..write.stamping import Stamper


@dataclass
class Agency:
    """One roster row: identity values by field name, and the row it came from."""

    row: int
    values: dict[str, Any]


@dataclass
class Roster:
    file: str
    sheet: str = ""
    agencies: list[Agency] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Personalised:
    """What writing personalised templates produced."""

    written: list[tuple[Agency, Path]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def name_key(value: Any) -> str:
    """A name as compared across files: NFKC, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(value)))


def read_roster(path: Path, fmt: Format | None = None) -> Roster:
    """Read a roster workbook; never raises for bad content, which becomes findings."""
    fmt = fmt or load()
    spec = fmt.roster
    path = Path(path)
    roster = Roster(file=path.name)
    labels = {name: fmt.identity_field(name).label for name in spec["columns"]}
    try:
        wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # any failure to parse is a finding about this file, not a crash
        roster.findings.append(registered("F-UNREADABLE", file=path.name, detail=type(exc).__name__))
        return roster
    try:
        for ws in wb.worksheets:
            header = _find_header(ws, labels, spec)
            if header is not None:
                roster.sheet = ws.title
                _read_rows(ws, header, roster, fmt)
                break
        else:
            missing = "、".join(labels[n] for n in spec["required"])
            roster.findings.append(registered(
                "F-ROSTER-HEADER", file=path.name, missing=missing, rows=spec["header_search_rows"],
                columns="、".join(labels.values())))
            return roster
    finally:
        wb.close()
    if not roster.agencies and not roster.findings:
        roster.findings.append(registered("F-ROSTER-EMPTY", file=path.name, sheet=roster.sheet))
    return roster


def _find_header(ws, labels: dict[str, str], spec: dict[str, Any]) -> tuple[int, dict[str, int]] | None:
    wanted = {name_key(label): name for name, label in labels.items()}
    rows = ws.iter_rows(min_row=1, max_row=spec["header_search_rows"], max_col=spec["header_search_cols"],
                        values_only=True)
    for r, values in enumerate(rows, start=1):
        columns: dict[str, int] = {}
        for c, value in enumerate(values, start=1):
            name = wanted.get(name_key(value))
            if name and name not in columns:
                columns[name] = c
        if all(name in columns for name in spec["required"]):
            return r, columns
    return None


def _read_rows(ws, header: tuple[int, dict[str, int]], roster: Roster, fmt: Format) -> None:
    header_row, columns = header
    last_col = max(columns.values())
    seen: dict[tuple[str, str], Agency] = {}
    max_row = header_row + fmt.roster["max_rows"]
    rows = ws.iter_rows(min_row=header_row + 1, max_row=max_row, max_col=last_col, values_only=True)
    for r, row in enumerate(rows, start=header_row + 1):
        values = {name: row[col - 1] if col <= len(row) else None for name, col in columns.items()}
        if not any(clean_text(v) for v in values.values()):
            continue
        where = {name: {"file": roster.file, "sheet": ws.title, "cell": f"{get_column_letter(col)}{r}"}
                 for name, col in columns.items()}
        problems = [_in_roster(p, ws.title, fmt) for p in check_identity(values, fmt, where)]
        roster.findings += problems
        if any(p.severity == "error" for p in problems):
            continue
        agency = Agency(r, normalise(values, fmt))
        if _repeated(agency, seen, roster, where, fmt):
            continue
        roster.agencies.append(agency)


def _repeated(agency: Agency, seen: dict[tuple[str, str], Agency], roster: Roster, where: dict, fmt: Format) -> bool:
    """Whether a row repeats an agency already listed (the same code; or the same name where either
    row lacks a code): reported with both rows, and not a second agency — one template, one upload
    link. The same name under two different codes is reported too, but both agencies stay."""
    code, name = agency.values.get("code"), agency.values.get("name")
    first = seen.get(("code", code)) if code else None
    key = "code" if first is not None else "name"
    first = first or seen.get(("name", name))
    if first is None or first is agency:
        seen.update({(k, v): agency for k, v in (("code", code), ("name", name)) if v})
        return False
    same = key == "code" or not code or not first.values.get("code")
    roster.findings.append(registered("F-ROSTER-DUPLICATE" if same else "F-ROSTER-DUPLICATE/name",
                                      value=agency.values.get(key), other=first.row, row=agency.row,
                                      label=fmt.identity_field(key).label, **where[key]))
    if not same:
        seen[("code", code)] = agency
    return same


def _in_roster(finding: Finding, sheet: str, fmt: Format) -> Finding:
    """A 基本信息 finding as it applies to a roster row: its hint points to the roster's sheet."""
    identity = fmt.identity_sheet["sheet"]
    return dataclasses.replace(finding, hint=finding.hint.replace(f"“{identity}”表", f"名录的“{sheet}”表"))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name that Windows, macOS and Linux all accept, keeping the Chinese text."""
    cleaned = _UNSAFE.sub("_", name).strip().rstrip(". ")
    return cleaned[:limit] or "_"


def write_personalised(roster: Roster, outdir: Path, year: int | None = None,
                       fmt: Format | None = None) -> Personalised:
    """One template per roster agency in ``outdir``, named after the agency (code added on clashes)."""
    fmt = fmt or load()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    result = Personalised(findings=list(roster.findings))
    names = [safe_filename(a.values["name"]) for a in roster.agencies]
    used: set[str] = set()
    stamper = Stamper(fmt)  # built and saved once, stamped into its package per agency
    for agency, base in zip(roster.agencies, names, strict=True):
        stem = base
        if names.count(base) > 1 or stem.casefold() in used:
            stem = f"{base}_{agency.values.get('code') or f'第{agency.row}行'}"
        used.add(stem.casefold())
        prefill = dict(agency.values)
        if year is not None:
            prefill["year"] = year
        target = outdir / f"{stem}.xlsx"
        result.written.append((agency, stamper.write(target, prefill)))
    return result
