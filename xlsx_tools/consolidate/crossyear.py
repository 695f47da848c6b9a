"""Cross-year checks against last year's summary (``nianbao merge --previous``): X1, X2 and C4.

Last year's numbers per agency come from the summary's 明细 sheet, whose second header row names
each column's field key; its own tables give last year's district totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..format.declaration import Format, load
from ..format.findings import Finding, registered
from ..format.layout import detail_columns, workbook_layout
from ..read import values as cellvalues
from ..read.container import OWN_FILES, Refused, open_package
from ..read.reader import read_path
from ..read.xmlparts import read_cells
from .submissions import Consolidation, MergeError, Submission, agency_key, exact

MAX_ROWS = 1_048_576


@dataclass
class Previous:
    """Last year's summary: its totals and, per agency (by code, or name for summaries), its row."""

    file: str
    year: int | None
    level: int
    totals: dict[str, Any]
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    identities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def read_previous(path: Path, fmt: Format | None = None) -> Previous:
    """Read last year's summary; anything that makes it unusable is a :class:`MergeError`."""
    fmt = fmt or load()
    report = read_path(Path(path), OWN_FILES, fmt, display=str(path))
    errors = [f for f in report.findings if f.severity == "error"]
    if not report.readable or errors:
        raise MergeError(f"无法使用上年汇总 {path}：{errors[0].render(fmt) if errors else '无法读取'}")
    if not report.level:
        raise MergeError(f"{path} 不是汇总表（单位类型不是“{fmt.summary['kind']}”），不能作为 --previous。")
    totals = {f.key: exact(report.values.get(f.key)) or 0 for f in fmt.table_fields}
    year = report.values.get("id.year")
    previous = Previous(str(path), year if isinstance(year, int) else None, report.level, totals)
    _read_detail(Path(path), previous, fmt)
    return previous


def _read_detail(path: Path, previous: Previous, fmt: Format) -> None:
    spec = fmt.summary["detail"]
    try:
        package = open_package(path.read_bytes(), str(path), OWN_FILES)
        part = package.sheets.get(spec["sheet"])
        if part is None:
            raise MergeError(f"上年汇总 {path} 中没有“{spec['sheet']}”表，无法逐单位核对。")
        cells = read_cells(package.read(part), MAX_ROWS, len(detail_columns(fmt)))
    except Refused as exc:
        raise MergeError(f"无法读取上年汇总 {path}：{exc.finding.message}") from exc
    strings = package.shared_strings
    grid: dict[int, dict[int, Any]] = {}
    for (r, c), raw in cells.cells.items():
        grid.setdefault(r, {})[c] = cellvalues.stored(raw, strings)[0]
    header = next((r for r in sorted(grid)[:10] if grid[r].get(1) == "id.name"), None)
    if header is None:
        raise MergeError(f"上年汇总 {path} 的“{spec['sheet']}”表缺少字段编号行，无法逐单位核对。")
    keys = {c: k for c, k in grid[header].items() if isinstance(k, str)}
    level = previous.level - 1  # the rows of a summary are its inputs
    for r in sorted(grid):
        if r <= header or grid[r].get(1) in (None, spec["total_label"]):
            continue
        row = {keys[c]: v for c, v in grid[r].items() if c in keys}
        identity = {k[3:]: v for k, v in row.items() if k.startswith("id.")}
        key = agency_key(identity, level)
        previous.rows[key] = {k: exact(v) for k, v in row.items() if not k.startswith("id.")}
        previous.names[key] = str(identity.get("name") or "")
        previous.identities[key] = identity


def submissions_of(summary: Previous, fmt: Format | None = None) -> list[Submission]:
    """A summary's 明细 rows as the submissions they were merged from (numbers and identity; no
    texts: an agency in a summary was merged clean, so a cross-year difference counts as explained)."""
    fmt = fmt or load()
    level = summary.level - 1
    out = []
    for key, row in summary.rows.items():
        identity = {**summary.identities.get(key, {}), "year": summary.year}
        numbers = tuple(row.get(f.key) for f in fmt.table_fields)
        out.append(Submission(summary.file, level=level, identity=identity, numbers=numbers, explained=True,
                              sha256=f"{summary.file}#{key}"))
    return out


def check_agencies(candidates: list[Submission], previous: Previous, fmt: Format) -> None:
    """X1 and X2 for each agency found in last year's 明细 (findings added to its submission).

    X1 on the 总计 column is an error, unless the report explains the difference.
    """
    spec = fmt.crossyear
    layout = workbook_layout(fmt)
    columns = fmt.table(spec["carried_in"].split(".")[0]).leaf_columns
    for s in candidates:
        last = previous.rows.get(s.key)
        if last is None:
            continue
        for col in columns:
            key = f"{spec['carried_in']}.{col.key}"
            actual, expected = s.value(fmt, key), last.get(f"{spec['carried_over']}.{col.key}")
            if expected is None or (actual or 0) == expected:
                continue
            which = "X1/total" if col.is_total and not s.explained else "X1/column"
            s.findings.append(_located(which, s, key, layout, fmt, column=col.label, actual=actual,
                                       expected=expected))
        for row in spec["chain_rows"]:
            names = {part: f"{row}.{spec['chain'][part]}" for part in ("in_force", "issued", "repealed")}
            before = last.get(names["in_force"])
            if before is None:
                continue
            want = before + (s.value(fmt, names["issued"]) or 0) - (s.value(fmt, names["repealed"]) or 0)
            actual = s.value(fmt, names["in_force"]) or 0
            if actual != want:
                label = fmt.field(names["in_force"]).row.label
                s.findings.append(_located("X2", s, names["in_force"], layout, fmt, row=label, actual=actual,
                                           before=before, issued=s.value(fmt, names["issued"]) or 0,
                                           repealed=s.value(fmt, names["repealed"]) or 0, expected=want))


def _located(key: str, s: Submission, field_key: str, layout, fmt: Format, **facts) -> Finding:
    sheet, span = layout.locate(field_key)
    return registered(key, file=s.file, sheet=sheet, cell=span.ref, labels=fmt.field(field_key).labels, **facts)


def check_summary(result: Consolidation, previous: Previous, fmt: Format) -> list[Finding]:
    """C4: the summary's 上年结转 against last year's summary, and the agencies added or gone."""
    spec = fmt.crossyear
    out: list[Finding] = []
    layout = workbook_layout(fmt)
    for col in fmt.table(spec["carried_in"].split(".")[0]).leaf_columns:
        key = f"{spec['carried_in']}.{col.key}"
        actual, expected = result.sums[key], previous.totals.get(f"{spec['carried_over']}.{col.key}", 0)
        if actual != expected:
            sheet, span = layout.locate(key)
            out.append(registered("C4/total", sheet=sheet, cell=span.ref, labels=fmt.field(key).labels,
                                  column=col.label, actual=actual, expected=expected))
    keys = {s.key for s in result.included}
    for s in result.included:
        if s.key not in previous.rows:
            out.append(registered("C4/added", file=s.file, agency=s.name))
    for key, name in sorted(previous.names.items()):
        if key not in keys:
            out.append(registered("C4/gone", file=previous.file, agency=name))
    return out
