"""What one office, and the collection as a whole, may put on the server: uploads per hour, bytes
stored per office, bytes in the whole data folder, and how many unreadable files each office keeps
(the newest few: what cannot be read is kept as evidence, not for ever).

A refusal is a Chinese sentence for the page and a line in the board's log; a file that would pass
a limit is refused before its body is read when the limit is already reached, else once its size
is known, and nothing of it is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .state import Office, Store

MB = 1024 * 1024


@dataclass(frozen=True)
class Quotas:
    uploads_per_hour: int = 30  # per office, through its link (files the board adds are not counted)
    office_mb: float = 200.0  # stored per office (identical files counted once)
    data_gb: float = 20.0  # every stored file together
    keep_unreadable: int = 3  # unreadable files kept per office: the newest


def refusal(store: Store, quotas: Quotas, office: Office, by_board: bool = False, size: int = 0) -> str | None:
    """Why ``office`` may not store another file of ``size`` bytes now (logged), or None."""
    why = _why(store, quotas, office, by_board, size)
    if why is not None:
        store.log(f"{office.name}：{why}", office.id)
    return why


def _why(store: Store, quotas: Quotas, office: Office, by_board: bool, size: int) -> str | None:
    if not by_board and quotas.uploads_per_hour > 0:
        since = dt.datetime.now() - dt.timedelta(hours=1)
        recent = store.uploads_since(office.id, since)
        if len(recent) >= quotas.uploads_per_hour:
            wait = max(1, int((recent[0] + dt.timedelta(hours=1) - dt.datetime.now()).total_seconds() // 60) + 1)
            return (f"一小时内最多上传 {quotas.uploads_per_hour} 次，本单位已达到上限，这次上传没有保存。"
                    f"请 {wait} 分钟后再试。")
    office_cap = quotas.office_mb * MB
    if store.stored_bytes(office.id) + size > office_cap:
        return (f"本单位在服务器上保存的文件已达 {quotas.office_mb:g} MB 的上限，这次上传没有保存。"
                "请联系汇总单位清理。")
    folder_cap = quotas.data_gb * 1024 * MB
    if store.stored_bytes() + size > folder_cap:
        return (f"收集目录已达 {quotas.data_gb:g} GB 的总容量上限，这次上传没有保存。"
                "请告知汇总单位。")
    return None
