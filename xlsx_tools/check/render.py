"""Validation reports for people (text, grouped by file, coloured by severity) and machines (JSON)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..format.declaration import Format, load
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
        for f in r.findings:
            place = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else f.sheet
            labels = " / ".join(x for x in f.labels if x)
            head = f"  [{f.code}] {sev.get(f.severity, f.severity)}"
            head += f"  {place}" if place else ""
            head += f"  {labels}" if labels else ""
            lines.append((head, COLOURS.get(f.severity)))
            lines.append((f"      {f.message}", None))
            if f.hint:
                lines.append((f"      修改提示：{f.hint}", None))
    s = summary(reports)
    lines.append((f"共 {s['files']} 个文件：{s['passed']} 个无错误，{s['failed']} 个有错误"
                   f"（{sev['error']} {s['error']} 项，{sev['warning']} {s['warning']} 项，"
                   f"{sev['info']} {s['info']} 项）", "red" if s["failed"] else "green"))
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
