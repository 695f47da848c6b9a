"""What the command groups share: reading a roster for a merge, a progress bar while files are read."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def merge_roster(path: Path | None):
    if path is None:
        return None
    from ..consolidate.roster import read_roster
    from ..consolidate.submissions import MergeError

    roster = read_roster(path)
    if not roster.agencies:
        problem = roster.findings[0].render() if roster.findings else "名录为空"
        raise MergeError(f"名录无法使用：{problem}")
    return roster


class Progress:
    """A progress bar on stderr while files are read, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(length=total, label="读取报表", file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
