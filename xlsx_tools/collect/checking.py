"""Uploads validated exactly as ``nianbao validate`` does: in worker processes, each file under the
usual time and memory budget. The workers are a :class:`read.pool.Service`: each upload's report
comes back the moment it is ready, so a heavy file delays only its own office; the same workers
make the annotated copies and the summary (:mod:`jobs`). Bytes already checked (the same SHA-256)
are not read again: their report is reused under the new upload's name.

An upload must also be the office's own report: a workbook naming another agency (by its 统一社会
信用代码 when both have one, else by its name) is an error here, COL-OTHER-AGENCY.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections import OrderedDict
from pathlib import Path

from ..check.validate import check_one, lost_report
from ..consolidate.roster import name_key
from ..format.address import cell_ref
from ..format.findings import registered
from ..format.layout import workbook_layout
from ..read import pool
from ..read.container import Limits
from ..read.reader import Report
from .state import Office

KNOWN = 256  # reports of recent bytes kept, so that identical uploads are not read again


class Checker:
    """Validates uploads in the collection's worker processes (at least two: one office's heavy
    file never takes them all)."""

    def __init__(self, limits: Limits | None = None, budget: pool.Budget | None = None, jobs: int | None = None):
        self.limits, self.budget = limits, budget or pool.Budget()
        if sys.platform != "win32":  # Windows spawns its workers anyway
            pool.start_workers_by("forkserver", ["xlsx_tools.collect.workers"])
        self.service = pool.Service(max(2, jobs or pool.default_jobs()), self.budget)
        self.known: OrderedDict[str, Report] = OrderedDict()  # by SHA-256: the same bytes are read once

    async def check(self, path: Path, name: str, sha256: str | None = None) -> Report:
        """The report of the file at ``path`` (findings calling it ``name``); bytes already checked
        (by their ``sha256``) are not read again, their report is reused under the new name."""
        if sha256 is not None and sha256 in self.known:
            self.known.move_to_end(sha256)
            return _renamed(self.known[sha256], name)
        report = await self._read(path, name)
        if sha256 is not None and not any(f.code in ("F-TIMEOUT", "F-CRASH") for f in report.findings):
            self.known[sha256] = _renamed(report, "")  # (a timeout may pass when the server is less busy)
            while len(self.known) > KNOWN:
                self.known.popitem(last=False)
        return report

    async def _read(self, path: Path, name: str) -> Report:
        try:
            return await asyncio.wrap_future(self.service.submit(check_one, str(path), name, self.limits))
        except pool.Lost as lost:
            return lost_report(name, lost.reason, self.budget)
        except pool.Failed as failed:  # check_one reports a reader's failure itself: this is ours
            return Report(name, readable=False, findings=[registered("F-CRASH", file=name, detail=str(failed))])


def _renamed(report: Report, name: str) -> Report:
    """A copy of ``report`` whose findings call the file ``name`` (the caller may change the copy)."""
    findings = [dataclasses.replace(f, file=name) if f.file == report.file else f for f in report.findings]
    return dataclasses.replace(report, file=name, findings=findings, values=dict(report.values),
                               unread_tables=set(report.unread_tables), renamed=dict(report.renamed))


def for_office(report: Report, office: Office) -> Report:
    """The report with COL-OTHER-AGENCY added when the workbook is another agency's."""
    if not report.readable:
        return report
    name, code = report.values.get("id.name"), str(report.values.get("id.code") or "").strip().upper()
    if code and office.code:
        other = code != office.code.strip().upper()
    else:
        other = bool(name_key(name)) and name_key(name) != name_key(office.name)
    if other:
        sheet, span = workbook_layout().locate("id.code" if code and office.code else "id.name")
        report.findings.insert(0, registered("COL-OTHER-AGENCY", file=report.file, sheet=sheet,
                                             cell=cell_ref(span.row, span.col), found=name or code,
                                             office=office.name))
    return report
