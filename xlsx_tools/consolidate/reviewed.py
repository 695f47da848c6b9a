"""Decisions taken on a summary's findings, read back: in 问题清单 a reviewer sets 核实结果
(已核实 / 需修改) and writes 说明 next to a finding; the next run shows them again on the same
finding of the same file (matched by the file's SHA-256 from 报送情况, the code, the sheet and
the cell), so a warning checked once is not open again next time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..format.declaration import Format, load
from ..read import values as cellvalues
from ..read.container import OWN_FILES, Refused, open_package
from ..read.xmlparts import read_cells
from .submissions import MergeError

MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Review:
    """One decision: on which finding of which file, what, and why."""

    sha256: str
    code: str
    sheet: str
    cell: str
    verdict: str
    note: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.sha256, self.code, self.sheet, self.cell)


def _grid(package, name: str, width: int) -> dict[int, dict[int, Any]]:
    part = package.sheets.get(name)
    if part is None:
        raise MergeError(f"其中没有“{name}”表，不是 nianbao 写出的汇总表。")
    cells = read_cells(package.read(part), MAX_ROWS, width)
    grid: dict[int, dict[int, Any]] = {}
    for (r, c), raw in cells.cells.items():
        grid.setdefault(r, {})[c] = cellvalues.stored(raw, package.shared_strings)[0]
    return grid


def _header(grid: dict[int, dict[int, Any]], first: str) -> tuple[int, dict[str, int]]:
    for r in sorted(grid)[:10]:
        if grid[r].get(1) == first:
            return r, {str(v): c for c, v in grid[r].items() if v is not None}
    raise MergeError(f"找不到表头“{first}”")


def read_reviews(path: Path, fmt: Format | None = None) -> list[Review]:
    """Every finding of the summary at ``path`` whose 核实结果 is set."""
    fmt = fmt or load()
    spec = fmt.summary
    try:
        package = open_package(Path(path).read_bytes(), str(path), OWN_FILES)
        files = _grid(package, spec["files"]["sheet"], len(spec["files"]["headers"]))
        found = _grid(package, spec["findings"]["sheet"], len(spec["findings"]["headers"]))
    except (Refused, OSError) as exc:
        detail = exc.finding.message if isinstance(exc, Refused) else str(exc)
        raise MergeError(f"无法读取已核实的汇总表 {path}：{detail}") from exc
    except MergeError as exc:
        raise MergeError(f"已核实的汇总表 {path}：{exc}") from exc
    files_header, fcols = _header(files, spec["files"]["headers"][0])
    sha = {row.get(fcols["文件"]): row.get(fcols["SHA-256"]) for r, row in files.items() if r > files_header}
    header, cols = _header(found, spec["findings"]["headers"][0])
    verdict_col, note_col = cols[spec["findings"]["verdict"]], cols[spec["findings"]["note"]]
    out = []
    for r in sorted(found):
        row = found[r]
        verdict = row.get(verdict_col)
        if r <= header or verdict not in spec["findings"]["verdicts"]:
            continue
        digest = sha.get(row.get(cols["文件"]))
        if digest:
            out.append(Review(str(digest), str(row.get(cols["规则"]) or ""), str(row.get(cols["工作表"]) or ""),
                              str(row.get(cols["单元格"]) or ""), str(verdict), str(row.get(note_col) or "")))
    return out


def by_finding(reviews: list[Review]) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    return {r.key: (r.verdict, r.note) for r in reviews}
