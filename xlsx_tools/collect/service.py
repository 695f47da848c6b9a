"""The collection itself, apart from the web: the roster's offices, an upload taken in (stored,
validated, counted), each office's status, and the workbooks handed out — personalised templates,
annotated copies, the summary (the very merge of ``nianbao merge`` over the uploads that count),
the 报送情况 list and the 上传链接 list.

Whatever reads an uploaded file runs in the checker's worker processes (:mod:`jobs`), one office's
work one piece at a time, so a flood from one link waits behind itself and never in front of the
other offices.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anyio import to_thread

from ..consolidate.context import Context, judge_reports
from ..consolidate.crossyear import Previous
from ..consolidate.roster import Agency, Roster, safe_filename
from ..format.declaration import Format, load
from ..read import pool
from ..read.container import Limits
from ..write.stamping import Stamper
from . import jobs, quotas, state
from .checking import Checker, for_office
from .state import Office, Store, Upload

BOARD = 0  #: the turn of the board's own work (the summary, the lists): offices are roster rows from 1


class Unavailable(Exception):
    """A workbook the server could not make in time or within memory: the message says so in Chinese."""


@dataclass
class Row:
    """One office on the board."""

    office: Office
    status: str
    uploads: int
    last: dt.datetime | None
    counted: Upload | None
    timing: str = ""  # against the deadline: 还有 N 天 / 逾期 N 天 / 按时报送 / 逾期 N 天报送


class Collection:
    def __init__(self, store: Store, roster: Roster, year: int, deadline: dt.date | None = None,
                 limits: Limits | None = None, checker: Checker | None = None, fmt: Format | None = None,
                 previous: Previous | None = None, limited: quotas.Quotas | None = None):
        self.quotas = limited or quotas.Quotas()
        self.store, self.roster, self.year, self.deadline = store, roster, year, deadline
        #: how every upload is judged beyond its own cells: exactly as the summary's merge judges it
        self.context = Context(year, roster, previous, level=0)
        self.fmt = fmt or load()
        self.limits = limits
        self.checker = checker or Checker(limits)
        self.agencies: dict[int, Agency] = {a.row: a for a in roster.agencies}
        self.offices = store.sync_offices([(a.row, str(a.values.get("name") or ""), a.values.get("code"))
                                           for a in roster.agencies])
        self._stamper: Stamper | None = None
        self._turns: dict[int, asyncio.Lock] = {}
        self._failed: set[int] = set()  # uploads whose annotated copy could not be made (not tried again)
        for folder in ("templates", "annotated"):
            (store.folder / folder).mkdir(exist_ok=True)

    def days_left(self, today: dt.date | None = None) -> int | None:
        return None if self.deadline is None else (self.deadline - (today or dt.date.today())).days

    # taking an upload in ------------------------------------------------------------------
    def over_quota(self, office: Office, by_board: bool = False, size: int = 0) -> str | None:
        """Why the office may not store a file of ``size`` bytes now (said on the board's log), or None."""
        return quotas.refusal(self.store, self.quotas, office, by_board, size)

    async def accept(self, office: Office, tmp: Path, filename: str, by_board: bool = False) -> int | str:
        """Store the upload's file, validate it, count it; its id (or why a quota refused it, the
        file removed). One office's uploads are checked one at a time (a flood from one link waits
        behind itself, not in front of the others)."""
        async with self._turn(office.id):
            refused = self.over_quota(office, by_board, tmp.stat().st_size)
            if refused:
                remove_quietly(tmp)
                return refused
            sha, size = await to_thread.run_sync(self.store.keep, tmp)  # (hashing 20 MB: not in the loop)
            report = for_office(await self.checker.check(self.store.path_of(sha), filename, sha), office)
            judge_reports([report], self.context, self.fmt)
            upload_id = self.store.record(office.id, sha, filename, size, by_board, report.readable, report.findings)
            if not report.readable:
                self.store.prune_unreadable(office.id, self.quotas.keep_unreadable)
        return upload_id

    def _turn(self, owner: int) -> asyncio.Lock:
        """One office's (or the board's) work goes to the workers one piece at a time."""
        return self._turns.setdefault(owner, asyncio.Lock())

    async def _offload(self, owner: int, job: Callable, *args) -> str:
        """``job`` run in a worker, in ``owner``'s turn; Unavailable when it overran or failed."""
        async with self._turn(owner):
            try:
                return await asyncio.wrap_future(self.checker.service.submit(job, *args))
            except pool.Lost as lost:
                why = (f"超过了 {self.checker.budget.seconds:g} 秒的处理时限" if lost.reason == "timeout"
                       else "处理时内存不足或进程异常退出")
                raise Unavailable(why) from None
            except pool.Failed as failed:
                memory = str(failed).startswith("MemoryError")
                raise Unavailable("处理时内存不足" if memory else "生成时出错") from failed

    # the board ----------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        by_office: dict[int, list[Upload]] = {}
        for u in self.store.uploads():
            by_office.setdefault(u.office_id, []).append(u)
        out = []
        for office in self.offices:
            files = by_office.get(office.id, [])
            chosen = state.counted(files)
            out.append(Row(office, state.status(files), len(files), files[-1].received_at if files else None,
                           chosen, self._timing(chosen)))
        return out

    def _timing(self, chosen: Upload | None, today: dt.date | None = None) -> str:
        if self.deadline is None:
            return ""
        if chosen is not None:
            late = (chosen.received_at.date() - self.deadline).days
            return f"逾期 {late} 天报送" if late > 0 else "按时报送"
        days = self.days_left(today)
        return f"还有 {days} 天" if days >= 0 else f"逾期 {-days} 天"

    # workbooks handed out -----------------------------------------------------------------
    async def template_for(self, office: Office) -> Path:
        """The office's personalised template (its identity prefilled), written once (our own
        template, not an upload: made in a thread, not a worker)."""
        target = self.store.folder / "templates" / f"{office.id}.xlsx"
        if not target.exists():
            async with self._turn(office.id):
                if not target.exists():
                    await to_thread.run_sync(self._stamp, office, target)
        return target

    def _stamp(self, office: Office, target: Path) -> None:
        if self._stamper is None:
            self._stamper = Stamper(self.fmt)
        self._stamper.write(target, {**self.agencies[office.id].values, "year": self.year})

    def template_name(self, office: Office) -> str:
        return f"{safe_filename(office.name)}{self.year}年报模板.xlsx"

    async def annotated(self, upload: Upload) -> Path:
        """The upload with its findings marked at their cells, made once in a worker and kept."""
        target = self.store.folder / "annotated" / f"{upload.id}.xlsx"
        if upload.id in self._failed:
            raise Unavailable("文件过大或过于复杂，未能生成")
        if not target.exists():
            try:
                await self._offload(upload.office_id, jobs.annotated_copy, str(self.store.path_of(upload.sha256)),
                                    upload.name, upload.readable, upload.findings, str(target))
            except Unavailable:
                self._failed.add(upload.id)
                raise
        return target

    async def summary(self, target: Path) -> Path:
        """``nianbao merge`` over the uploads that count, in the collection's context, made in a
        worker; each file is called by its office and the name it was uploaded under (never by a
        server path)."""
        files = [(str(self.store.path_of(row.counted.sha256)), f"{row.office.name}：{row.counted.name}")
                 for row in self.rows() if row.counted is not None]
        return Path(await self._offload(BOARD, jobs.summary, files, str(self.store.folder / "tmp"), self.year,
                                        self.limits, self.roster, self.context.previous, str(target)))

    async def status_book(self, target: Path, today: dt.date | None = None) -> Path:
        """报送情况: one row per roster agency."""
        days = self.days_left(today)
        title = f"{self.year} 年度年报报送情况（导出于 {dt.datetime.now():%Y-%m-%d %H:%M}"
        name, code = (self.fmt.identity_field(n).label for n in ("name", "code"))
        headers = ("序号", name, code, "状态", "截止日期", "上传次数", "最后上传时间", "计入汇总的文件", "错误", "警告")
        rows = []
        for n, row in enumerate(self.rows(), 1):
            chosen = row.counted
            rows.append((n, row.office.name, row.office.code or "", row.status, row.timing, row.uploads,
                         row.last.strftime("%Y-%m-%d %H:%M") if row.last else "", chosen.name if chosen else "",
                         chosen.errors if chosen else "", chosen.warnings if chosen else ""))
        title += f"，距截止日 {days} 天）" if days is not None else "）"
        return Path(await self._offload(BOARD, jobs.list_book, str(target), "报送情况", title, headers, rows,
                                        (6, 36, 22, 16, 14, 10, 18, 36, 8, 8), "C3", True))

    def write_links(self, base_url: str, target: Path) -> Path:
        """上传链接.xlsx: each agency, its personal link and its template's link, for the consolidator
        to send out (each link is the office's key: send it to that office only)."""
        name, code = (self.fmt.identity_field(n).label for n in ("name", "code"))
        base = base_url.rstrip("/")
        rows = [(n, office.name, office.code or "", f"{base}/o/{office.token}", f"{base}/o/{office.token}/template")
                for n, office in enumerate(self.offices, 1)]
        title = f"{self.year} 年度年报上传链接（每个链接只发给对应单位，持有链接即可为该单位上传）"
        widths = (6, 36, 22, 60, 70)
        return Path(jobs.list_book(str(target), "上传链接", title, ("序号", name, code, "上传链接", "模板下载链接"),
                                   rows, widths))


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
