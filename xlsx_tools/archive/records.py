"""What a report becomes in the archive, and back.

A worker reading a file for the archive keeps more than the merge does: every field value, the
narrative texts too (:class:`Archived`). Values and findings are stored as JSON: dates, times and
exact decimals keep their type (``{"$datetime": …}``, ``{"$decimal": …}``), so a report read back
from the archive gives the merge the very numbers the file gave it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..consolidate.submissions import Submission, to_submission
from ..format.findings import Finding
from ..read.reader import Report


@dataclass
class Archived:
    """A report as the archive keeps it: the merge's submission, and every value (texts too) when
    the report has no error (a rejected report is listed, never stored)."""

    submission: Submission
    values: dict[str, Any] = field(default_factory=dict)


def to_archived(report: Report) -> Archived:
    """Run in the worker that read the report."""
    errors = not report.readable or any(f.severity == "error" for f in report.findings)
    return Archived(to_submission(report), {} if errors else dict(report.values))


def submission_of(archived: Archived) -> Submission:
    return archived.submission


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _typed(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        (key, value), = obj.items()
        if key == "$datetime":
            return dt.datetime.fromisoformat(value)
        if key == "$date":
            return dt.date.fromisoformat(value)
        if key == "$decimal":
            return Decimal(value)
    return obj


def encode(values: Any) -> str:
    """Values (or findings) as JSON text, their types kept."""
    return json.dumps(values, ensure_ascii=False, default=_plain, sort_keys=True)


def decode(text: str) -> Any:
    return json.loads(text, object_hook=_typed)


def encode_findings(findings: list[Finding]) -> str:
    return encode([f.to_dict() for f in findings])


def decode_findings(text: str) -> list[Finding]:
    return [Finding(**{**d, "labels": tuple(d.get("labels") or ())}) for d in decode(text)]


def report_of(row: Any) -> Report:
    """A stored report as the reader gave it (values, findings, hash, size, level): what the merge
    and the comparison start from, exactly as if the file were read again."""
    return Report(row.file, decode(row.field_values), decode_findings(row.findings), True, row.sha256, row.size,
                  set(), row.level)
