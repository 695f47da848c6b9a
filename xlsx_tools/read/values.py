"""Cell values exactly as the user meant them, parsed before any schema sees them.

Each stored cell becomes a typed value and, where it is not what the template asks for, a located
problem: text in a number cell (``"12件"``, ``"１２"``, ``"1,234"``), a placeholder for none
(``"—"``, ``"/"``, ``"无"``), an Excel error value, a blank. Arithmetic treats text as Excel does
(as 0), so the validator agrees with the template's live checks; the number a text stands for is
named in the problem as the fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .xmlparts import RawCell

#: a number as people type it: sign, thousands commas, decimals (no unit)
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_UNITS = ("万元", "元", "件", "个", "条", "项", "起", "次", "份")
#: a count this large cannot be a count (Excel keeps 15 significant digits): a pasted code or ID number
_COUNT_LIMIT = 10**15
#: Excel's limit for the text of one cell
MAX_TEXT = 32767
#: what a spreadsheet client or a CSV export would take for the start of a formula
FORMULA_LEADS = ("=", "+", "-", "@")
#: characters XML 1.0 and Excel cannot hold in a cell (tab, line feed and carriage return can)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


@dataclass
class Problem:
    """What is wrong with one cell: a key of the findings registry and the facts for its message."""

    key: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cell:
    value: Any = None
    problems: list[Problem] = field(default_factory=list)
    raw: Any = None
    formula: str | None = None


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and punctuation), no zero-width or non-breaking spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\u200b-\u200d\ufeff]", "", text).strip()


def stored(raw: RawCell | None, strings: list[str]) -> tuple[Any, str | None]:
    """The stored value of a cell as Python data, and its formula; shared strings resolved."""
    if raw is None:
        return None, None
    value: Any = raw.value
    if raw.kind == "s" and value not in (None, ""):
        value = strings[int(value)]  # an IndexError means a corrupt file, handled by the caller
    elif raw.kind == "n" and value not in (None, ""):
        value = float(value)
        if value.is_integer() and abs(value) < 2**53:
            value = int(value)
    elif raw.kind == "b" and value not in (None, ""):
        value = value in ("1", "true")
    elif raw.kind == "e":
        value = ExcelError(value or "#N/A")
    return value, raw.formula


class ExcelError(str):
    """An Excel error value such as ``#REF!``, kept distinct from ordinary text."""


def number(raw: RawCell | None, strings: list[str], integer: bool, placeholders: tuple[str, ...]) -> Cell:
    """A number cell: counts (whole ≥ 0 checked later by the schema) or 万元 amounts."""
    if raw is not None and raw.kind == "n" and raw.formula is None and raw.value:  # the usual cell
        try:
            number_ = float(raw.value)
        except ValueError:
            pass
        else:
            if math.isfinite(number_):
                value = int(number_) if number_.is_integer() and abs(number_) < 2**53 else number_
                cell = Cell(value=value, raw=value)
                if integer and abs(number_) >= _COUNT_LIMIT:
                    cell.problems.append(Problem("S6/too-large", {"raw": raw.value}))
                return cell
    value, formula = stored(raw, strings)
    cell = Cell(raw=value, formula=formula)
    if formula is not None and value in (None, ""):
        cell.problems.append(Problem("F-UNCALCULATED", {"formula": formula}))
        return cell
    if value is None or (isinstance(value, str) and not value.strip()):
        cell.problems.append(Problem("S7"))
        return cell
    if isinstance(value, ExcelError):
        cell.problems.append(Problem("S6-EXCEL-ERROR", {"raw": str(value)}))
        return cell
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        cell.problems.append(Problem("S6/text", {"raw": str(value)}))
        return cell
    if isinstance(value, float) and not math.isfinite(value):
        cell.problems.append(Problem("S6/text", {"raw": str(value)}))
        return cell
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = normalise_text(value)
    if text in placeholders or text in {normalise_text(p) for p in placeholders}:
        cell.value = 0
        cell.problems.append(Problem("S6/placeholder", {"raw": value}))
        return cell
    stripped, unit = split_unit(text)
    if NUMBER.fullmatch(stripped):
        # Excel's SUM skips text, so the sums (and the template's live checks) count it as 0; the
        # number it stands for goes into the message as the fix
        if unit == "元" and not integer:  # an amount in 元 where 万元 are asked: the figure to type, converted
            wan = (Decimal(stripped.replace(",", "")) / 10000).normalize()
            cell.problems.append(Problem("S6/yuan", {"raw": value, "meant": format(wan, "f")}))
            return cell
        meant = float(stripped.replace(",", ""))
        meant = int(meant) if meant.is_integer() else meant
        cell.problems.append(Problem("S6/text-number", {"raw": value, "meant": meant}))
        return cell
    cell.problems.append(Problem("S6/text", {"raw": value}))
    return cell


def split_unit(text: str) -> tuple[str, str]:
    """``"12件"`` → ``("12", "件")``: a unit people type after a number, split off (``""`` if none)."""
    for unit in _UNITS:
        if text.endswith(unit):
            return text[: -len(unit)].strip(), unit
    return text, ""


def text(raw: RawCell | None, strings: list[str]) -> Cell:
    """A text cell (identity, narrative): numbers become their digits, errors are problems."""
    value, formula = stored(raw, strings)
    cell = Cell(raw=value, formula=formula)
    if formula is not None and value in (None, ""):
        cell.problems.append(Problem("F-UNCALCULATED", {"formula": formula}))
    elif isinstance(value, ExcelError):
        cell.problems.append(Problem("S6-EXCEL-ERROR", {"raw": str(value)}))
    elif isinstance(value, float):
        cell.value = repr(value)
    elif value is not None:
        cell.value = str(value).strip() if not isinstance(value, bool) else str(value)
        if isinstance(value, str):
            cell.problems.extend(_text_problems(cell.value))
    return cell


def _text_problems(text: str) -> list[Problem]:
    """What agency text would do in a summary: look like a formula, carry characters a cell cannot
    hold, or be longer than a cell can hold."""
    problems = []
    if text.startswith(FORMULA_LEADS) and len(text) > 1:
        problems.append(Problem("T-FORMULA-LIKE", {"lead": text[0]}))
    controls = CONTROL.findall(text)
    if controls:
        sample = "、".join(dict.fromkeys(f"U+{ord(c):04X}" for c in controls))
        problems.append(Problem("T-CONTROL-CHAR", {"count": len(controls), "sample": sample}))
    if len(text) > MAX_TEXT:
        problems.append(Problem("T-TOO-LONG", {"length": len(text), "limit": MAX_TEXT}))
    return problems


def year(raw: RawCell | None, strings: list[str]) -> Cell:
    """报告年度: a number, or digits typed as text (" 2025 "); anything else stays text for I4.

    The template's live check coerces digit text the same way, so both agree.
    """
    cell = text(raw, strings)
    if isinstance(cell.raw, int) and not isinstance(cell.raw, bool):
        cell.value = cell.raw
    elif isinstance(cell.value, str) and cell.value.strip().isascii() and cell.value.strip().isdigit():
        cell.value = int(cell.value.strip())
    return cell


def serial_date(value: Any, date1904: bool) -> dt.date | None:
    """The day an Excel serial number stands for (None for anything else)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 2958466:
        base = _EPOCH_1904 if date1904 else _EXCEL_EPOCH
        return (base + dt.timedelta(days=float(value))).date()
    return None


def date(raw: RawCell | None, strings: list[str], date1904: bool) -> Cell:
    """填报日期: a date cell (an Excel serial or an ISO date). Text that looks like a date stays
    text, as the template's live check sees it, and I7 asks for a real date."""
    value, _ = stored(raw, strings)
    cell = text(raw, strings)
    serial = serial_date(value, date1904)
    if serial is not None:
        cell.value = serial
    elif isinstance(value, str) and raw is not None and raw.kind == "d":
        try:
            cell.value = dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    return cell
