"""Validation reports for people (text, grouped by file, coloured by severity, findings of one
code on one sheet in one entry) and machines (JSON, every finding separate)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..format.address import cell_ref, parse_ref
from ..format.declaration import Format, load
from ..format.findings import Finding
from ..read.reader import Report

COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def counts(report: Report) -> Counter:
    return Counter(f.severity for f in report.findings)


def summary(reports: list[Report]) -> dict[str, int]:
    total = Counter()
    for r in reports:
        total.update(counts(r))
    failed = sum(1 for r in reports if counts(r)["error"])
    return {"files": len(reports), "passed": len(reports) - failed, "failed": failed,
            "error": total["error"], "warning": total["warning"], "info": total["info"]}


def text_lines(reports: list[Report], fmt: Format | None = None) -> list[tuple[str, str | None]]:
    """(line, colour) pairs: each file with its counts, then its findings, then one summary line."""
    fmt = fmt or load()
    sev = fmt.severities
    ok, fail = fmt.marks["ok"], fmt.marks["fail"]
    lines: list[tuple[str, str | None]] = []
    for r in reports:
        c = counts(r)
        mark = fail if c["error"] else ok
        lines.append((f"{mark} {r.file}  {sev['error']} {c['error']} · {sev['warning']} {c['warning']} · "
                      f"{sev['info']} {c['info']}", "red" if c["error"] else "green"))
        lines += finding_lines(r.findings, fmt)
    s = summary(reports)
    lines.append((f"共 {s['files']} 个文件：{s['passed']} 个无错误，{s['failed']} 个有错误"
                   f"（{sev['error']} {s['error']} 项，{sev['warning']} {s['warning']} 项，"
                   f"{sev['info']} {s['info']} 项）", "red" if s["failed"] else "green"))
    return lines


def finding_lines(findings: list[Finding], fmt: Format | None = None) -> list[tuple[str, str | None]]:
    """(line, colour) pairs listing findings as a checklist (see :func:`grouped`)."""
    sev = (fmt or load()).severities
    return [line for group in grouped(findings) for line in _entry(group, sev)]


def grouped(findings: list[Finding]) -> list[list[Finding]]:
    """Findings as a checklist reads them: those of one code and severity on one sheet (each at its
    own cell) make one entry, placed where the first of them stood."""
    groups: dict[tuple, list[Finding]] = {}
    for n, f in enumerate(findings):
        key = (f.code, f.severity, f.sheet) if f.sheet and f.cell else (n,)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def runs(cells: list[str]) -> list[str]:
    """Cells as a person lists them, column by column: consecutive cells down a column as one range
    (I10:I28)."""
    out: list[list[tuple[int, int]]] = []
    listed: list[str | list] = []
    for ref in sorted(cells, key=lambda r: parse_ref(r)[::-1]):
        row, col = parse_ref(ref)
        if not row:  # not a single cell: listed as it is
            listed.append(ref)
        elif out and out[-1][-1] == (row - 1, col) and listed[-1] is out[-1]:
            out[-1].append((row, col))
        else:
            out.append([(row, col)])
            listed.append(out[-1])
    return [item if isinstance(item, str) else
            cell_ref(*item[0]) + (f":{cell_ref(*item[-1])}" if len(item) > 1 else "") for item in listed]


def _entry(group: list[Finding], sev: dict[str, str]) -> list[tuple[str, str | None]]:
    first = group[0]
    head = f"  [{first.code}] {sev.get(first.severity, first.severity)}"
    if len(group) == 1:
        place = f"{first.sheet}!{first.cell}" if first.sheet and first.cell else first.sheet
        labels = " / ".join(x for x in first.labels if x)
        head += f"  {place}" if place else ""
        head += f"  {labels}" if labels else ""
        body, hints = [f"      {first.message}"], [first.hint]
    else:
        cells = list(dict.fromkeys(f.cell for f in group))
        head += f"  {first.sheet}!{'、'.join(runs(cells))}（{len(cells)} 个单元格）"
        messages = list(dict.fromkeys(f.message for f in group))
        hints = list(dict.fromkeys(f.hint for f in group))
        if len(messages) == 1:
            body = [f"      {messages[0]}"]
        elif len(hints) == 1:
            body = [f"      {f.cell}：{f.message}" for f in group]
        else:  # each cell with its own message and hint
            body = [f"      {f.cell}：{f.message}" + (f"（修改提示：{f.hint}）" if f.hint else "") for f in group]
            hints = []
    lines: list[tuple[str, str | None]] = [(head, COLOURS.get(first.severity))]
    lines += [(line, None) for line in body]
    lines += [(f"      修改提示：{hint}", None) for hint in hints if hint]
    return lines


def as_json(reports: list[Report]) -> str:
    """All reports and their findings as JSON (stable keys; values JSON cannot hold become text)."""
    doc: dict[str, Any] = {
        "files": [
            {"file": r.file, "sha256": r.sha256, "size": r.size, "readable": r.readable,
             "counts": dict(counts(r)), "findings": [f.to_dict() for f in r.findings]}
            for r in reports
        ],
        "summary": summary(reports),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def exit_code(reports: list[Report]) -> int:
    """0 when no report has an error (warnings allowed), 1 otherwise."""
    return 1 if any(counts(r)["error"] for r in reports) else 0
