"""Writing outputs atomically: a temporary file beside the target, verified, then moved into place.

openpyxl's ``save`` truncates its target first, so saving straight over an existing output would
lose it on any failure. Here a failure leaves the earlier file untouched and no temporary behind.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..format.oserrors import describe

if TYPE_CHECKING:  # openpyxl is only needed by those who write workbooks
    from openpyxl import Workbook


class OutputError(Exception):
    """Our own environment failed (folder missing, not writable, target held open)."""


def save_workbook(wb: Workbook, target: Path, verify: Callable[[Path], None] | None = None) -> Path:
    """Save an openpyxl workbook to ``target`` atomically (see :func:`write_atomic`)."""
    return write_atomic(target, wb.save, verify)


def write_atomic(target: Path, write: Callable[[Path], None], verify: Callable[[Path], None] | None = None) -> Path:
    """Write ``target`` through a temporary file beside it: ``write(tmp)``, fsync, ``verify(tmp)``
    (re-open and check), then move it into place.

    Any failure before the move removes the temporary file and leaves an earlier ``target``
    untouched. If the move itself is refused (on Windows: the target is open in Excel/WPS), the
    verified temporary file is kept and its path is named in the error, so nothing is lost.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出目录不存在：{folder}")
    sweep(folder, target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在 {folder} 中写入文件：{describe(exc)}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, _mode_for(target))  # mkstemp makes it private; outputs are shared files
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if verify is not None:
            verify(tmp)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    try:
        os.replace(tmp, target)
    except PermissionError as exc:
        kept = _kept_beside(tmp, target)
        raise OutputError(
            f"无法替换 {target}（文件可能正在 Excel/WPS 中打开）。新文件已保存为 {kept}，"
            "关闭原文件后可手工改名。"
        ) from exc
    return target


#: a temporary output older than this is a killed run's leftover, swept by the next write beside it
STALE_SECONDS = 3600


def sweep(folder: Path, target: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the leftovers of killed runs writing ``target`` (hidden ``.name.*.tmp.xlsx`` files
    older than ``older_than`` seconds; a run still writing one is younger); the removed."""
    now, gone = time.time(), []
    for path in folder.glob(f".{glob.escape(target.stem)}.*.tmp{glob.escape(target.suffix)}"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > older_than:
                path.unlink()
                gone.append(path)
    return gone


def _kept_beside(tmp: Path, target: Path) -> Path:
    """The verified new file, when the target is held open: kept under a visible name of its own
    (never a temporary name that a later run would sweep)."""
    used = {p.name.casefold() for p in target.parent.iterdir()}
    kept = target.parent / unique_name(f"{target.stem}（新）{target.suffix}", used)
    try:
        os.replace(tmp, kept)
        return kept
    except OSError:
        return tmp


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … before its suffix: the first not in ``used``
    (compared without case, as Windows and macOS compare file names); the one returned is added."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    used.add(candidate.casefold())
    return candidate


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or what the user's umask gives a new file."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
