"""The collection itself, apart from the web: the roster's offices, an upload taken in (stored,
validated, counted), each office's status, and the workbooks handed out — personalised templates,
annotated copies, the summary (the very merge of ``nianbao merge`` over the uploads that count),
the 报送情况 list and the 上传链接 list.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..consolidate.context import Context, judge_reports
from ..consolidate.crossyear import Previous
from ..consolidate.merge import Options, consolidate
from ..consolidate.roster import Agency, Roster, safe_filename
from ..consolidate.summary import write_summary
from ..format.declaration import Format, load
from ..read.container import Limits
from ..read.reader import Report
from ..write import style
from ..write.annotate import annotate_file
from ..write.cells import set_text
from ..write.output import write_atomic
from ..write.stamping import Stamper
from . import state
from .checking import Checker, for_office
from .state import Office, Store, Upload


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
                 previous: Previous | None = None):
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
        for folder in ("templates", "annotated"):
            (store.folder / folder).mkdir(exist_ok=True)

    def days_left(self, today: dt.date | None = None) -> int | None:
        return None if self.deadline is None else (self.deadline - (today or dt.date.today())).days

    # taking an upload in ------------------------------------------------------------------
    async def accept(self, office: Office, tmp: Path, filename: str, by_board: bool = False) -> int:
        """Store the upload's file, validate it, count it; its id. One office's uploads are checked
        one at a time (a flood from one link waits behind itself, not in front of the others)."""
        sha, size = self.store.keep(tmp)
        async with self._turns.setdefault(office.id, asyncio.Lock()):
            report = for_office(await self.checker.check(self.store.path_of(sha), filename, sha), office)
        judge_reports([report], self.context, self.fmt)
        return self.store.record(office.id, sha, filename, size, by_board, report.readable, report.findings)

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
    def template_for(self, office: Office) -> Path:
        """The office's personalised template (its identity prefilled), written once."""
        target = self.store.folder / "templates" / f"{office.id}.xlsx"
        if not target.exists():
            if self._stamper is None:
                self._stamper = Stamper(self.fmt)
            self._stamper.write(target, {**self.agencies[office.id].values, "year": self.year})
        return target

    def template_name(self, office: Office) -> str:
        return f"{safe_filename(office.name)}{self.year}年报模板.xlsx"

    def annotated(self, upload: Upload) -> Path:
        """The upload with its findings marked at their cells, written once."""
        target = self.store.folder / "annotated" / f"{upload.id}.xlsx"
        if not target.exists():
            report = Report(upload.name, findings=list(upload.findings), readable=upload.readable)
            annotate_file(self.store.path_of(upload.sha256).read_bytes(), report, target, self.fmt)
        return target

    def summary(self, target: Path) -> Path:
        """``nianbao merge`` over the uploads that count, in the collection's context; each file is
        called by its office and the name it was uploaded under (never by a server path)."""
        with tempfile.TemporaryDirectory(dir=self.store.folder / "tmp") as folder:
            names = {}
            for row in self.rows():
                if row.counted is not None:
                    copy = Path(folder) / f"{row.office.id}.xlsx"
                    shutil.copyfile(self.store.path_of(row.counted.sha256), copy)
                    names[str(copy)] = f"{row.office.name}：{row.counted.name}"
            options = Options(year=self.year, limits=self.limits, names=names)
            result = consolidate([Path(folder)], options, self.roster, self.context.previous)
            return write_summary(result, target, self.fmt)

    def status_book(self, target: Path, today: dt.date | None = None) -> Path:
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
        wb = _list_book("报送情况", title + (f"，距截止日 {days} 天）" if days is not None else "）"), headers, rows,
                        (6, 36, 22, 16, 14, 10, 18, 36, 8, 8))
        wb.active.freeze_panes = wb.active.cell(3, 3)
        style.a4(wb.active, landscape=True)
        return write_atomic(target, wb.save)

    def write_links(self, base_url: str, target: Path) -> Path:
        """上传链接.xlsx: each agency, its personal link and its template's link, for the consolidator
        to send out (each link is the office's key: send it to that office only)."""
        name, code = (self.fmt.identity_field(n).label for n in ("name", "code"))
        base = base_url.rstrip("/")
        rows = [(n, office.name, office.code or "", f"{base}/o/{office.token}", f"{base}/o/{office.token}/template")
                for n, office in enumerate(self.offices, 1)]
        title = f"{self.year} 年度年报上传链接（每个链接只发给对应单位，持有链接即可为该单位上传）"
        wb = _list_book("上传链接", title, ("序号", name, code, "上传链接", "模板下载链接"), rows, (6, 36, 22, 60, 70))
        return write_atomic(target, wb.save)


def _list_book(sheet: str, title: str, headers: tuple[str, ...], rows: list[tuple],
               widths: tuple[int, ...]) -> Workbook:
    """A one-sheet workbook listing ``rows`` under a title and a header row (text always as text)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    set_text(ws.cell(1, 1), title)
    ws.cell(1, 1).font = style.font(12, bold=True)
    for c, text in enumerate(headers, 1):
        cell = ws.cell(2, c, text)
        cell.font, cell.fill, cell.border = style.font(10, bold=True), style.fill(style.HEADER), style.BORDER
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            cell = ws.cell(r, c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.border = style.BORDER
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    return wb


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
