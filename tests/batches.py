"""Helpers for tests that run batches: the CLI as a subprocess, input fingerprints, rosters, and
summaries read back (expected sums computed from the values a test wrote, in exact decimals)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

from agencies import agency
from openpyxl import Workbook, load_workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.read.container import OWN_FILES, open_package

FMT = load()
INPUT_KEYS = [f.key for f in FMT.table_fields if not f.is_total]


def nianbao(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def roster(path: Path, members: list[int]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for n in members:
        v = agency(n)
        ws.append([v["id.name"], v["id.code"], v["id.kind"], v["id.region"]])
    wb.save(path)
    return path


def summed(values: list[dict]) -> dict[str, Decimal]:
    """The expected sums, in exact decimals, from the values the test itself wrote."""
    return {k: sum((Decimal(str(v.get(k) or 0)) for v in values), Decimal(0)) for k in INPUT_KEYS}


def table_values(path: Path) -> dict[str, Decimal]:
    """The summary's input cells as a spreadsheet client stores them (read with openpyxl)."""
    wb = load_workbook(path, data_only=True)
    layout = workbook_layout()
    out = {}
    for key in INPUT_KEYS:
        sheet, span = layout.locate(key)
        out[key] = Decimal(str(wb[sheet].cell(span.row, span.col).value))
    return out


def rows_of(path: Path, sheet: str, first: int) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [r for r in wb[sheet].iter_rows(min_row=first, values_only=True)]
    wb.close()
    return rows


def sheet_contents(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's cells as stored (formulas as their text), to compare two summaries."""
    wb = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def detail_row_xml(path: Path, text: str) -> str:
    """The saved XML of the summary's 明细 row that holds ``text`` (escaped as XML escapes it)."""
    part = open_package(path.read_bytes(), path.name, OWN_FILES).sheets[FMT.summary["detail"]["sheet"]]
    xml = zipfile.ZipFile(path).read(part).decode()
    return next(r for r in re.findall(r"<row .*?</row>", xml) if text in r)
