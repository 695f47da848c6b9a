"""Cell addresses in A1 notation: column letters and numbers, references, quoted sheet names.

Pure arithmetic on names: the layout, the formulas and the XML reader all spell and parse
addresses here, without importing openpyxl on the validation path.
"""

from __future__ import annotations

import re


def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def get_column_letter(col: int) -> str:
    """1 → A, 27 → AA (as openpyxl's)."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_A1 = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def parse_ref(ref: str) -> tuple[int, int]:
    """(row, column) of an A1 reference; (0, 0) for anything else."""
    m = _A1.fullmatch(ref or "")
    if not m:
        return (0, 0)
    return int(m.group(2)), column_number(m.group(1))


def sheet_ref(name: str) -> str:
    """A sheet name as formulas write it, always quoted (CJK names and 、 need it in some clients)."""
    return "'" + name.replace("'", "''") + "'"


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    return f"{d}{get_column_letter(col)}{d}{row}"
