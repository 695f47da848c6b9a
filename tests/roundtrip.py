"""What a published report carries of a workbook, and how two such sets of values differ: the
measure of every round trip through a generated report (`nianbao report` → `nianbao import`)."""

from __future__ import annotations

from pathlib import Path

from xlsx_tools.format.declaration import load
from xlsx_tools.read.reader import read_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "报表" / "2024").glob("*.xlsx"))
FMT = load()
#: what a published report carries of 基本信息: the unit's name and the year (in its title)
CARRIED = ("id.name", "id.year")


def carried(path: Path) -> dict:
    """A workbook's values that a published report carries: tables, texts, name and year."""
    values = read_path(path).values
    return {k: values.get(k) for k in FMT.fields if not k.startswith("id.") or k in CARRIED}


def differing(a: dict, b: dict) -> dict:
    """key → (a's value, b's value) where they differ (blank and empty text count as the same)."""
    return {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k) and not (a[k] in (None, "") and b.get(k) in (None, ""))}
