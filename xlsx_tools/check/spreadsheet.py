"""The few worksheet functions the template's formulas use, evaluated in Python as Excel, WPS,
LibreOffice and Gnumeric evaluate them.

A cell's content is ``None`` (blank), a number (dates as their serial number), ``str``, ``bool``
or an :class:`Error` (``#VALUE!`` …). Functions return the same kinds; an error argument gives an
error result wherever the spreadsheet's function would. These are the semantics :mod:`formulas`
needs to compute the cached value of every formula nianbao writes, no more.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ERROR_CODES  # the error values a cell may hold
from openpyxl.utils.datetime import to_excel

#: a text a spreadsheet turns into a number where a number is needed ("2025", " 3.5e2")
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: relative tolerance of a spreadsheet's "=" on numbers (both Excel and LibreOffice ignore the
#: last bits, so 0.1+0.2=0.3 holds)
_EQUAL = 1e-14


@dataclass(frozen=True)
class Error:
    """An error value (``#VALUE!``) as a cell holds it or a function returns it."""

    code: str = "#VALUE!"

    def __str__(self) -> str:
        return self.code


VALUE = Error("#VALUE!")


def content(value: Any) -> Any:
    """A Python value as a cell's content: dates to serial numbers, error codes to :class:`Error`."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return to_excel(value)
    if isinstance(value, str) and value in ERROR_CODES:
        return Error(value)
    if isinstance(value, float) and not math.isfinite(value):
        return Error("#NUM!")
    return value


def is_number(value: Any) -> bool:
    """A number as a range function counts one (TRUE/FALSE are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_error(value: Any) -> bool:
    return isinstance(value, Error)


def first_error(*values: Any) -> Error | None:
    return next((v for v in values if isinstance(v, Error)), None)


def number_text(value: float | int) -> str:
    """A number as the General format writes it into text (``TRIM(9116.36)`` is "9116.36")."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}E{exponent[0]}{int(exponent[1:]):02d}"
    return text


def as_text(value: Any) -> Any:
    """A value where text is needed (``LEN``, ``SEARCH``, ``&``): blank is ""."""
    if value is None:
        return ""
    if isinstance(value, (Error, str)):
        return value
    return number_text(value)


def to_number(value: Any) -> Any:
    """A value where arithmetic needs a number (``--x``, ``x+1``): text must read as one."""
    if value is None:
        return 0
    if isinstance(value, (Error, bool)):
        return value if isinstance(value, Error) else int(value)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMERIC.fullmatch(text):
            return VALUE
        number = float(text)
        return int(number) if number.is_integer() else number
    return value


def trim(value: Any) -> Any:
    """``TRIM()``: spaces at the ends removed and runs of spaces inside made one."""
    text = as_text(value)
    if isinstance(text, Error):
        return text
    return re.sub(" +", " ", text.strip(" "))


def length(value: Any) -> Any:
    text = as_text(value)
    return text if isinstance(text, Error) else len(text)


def add(a: Any, b: Any, sign: int = 1) -> Any:
    a, b = to_number(a), to_number(b)
    return first_error(a, b) or a + sign * b


def compare(a: Any, op: str, b: Any) -> Any:
    """A comparison operator: numbers below text below TRUE/FALSE, text compared without case."""
    err = first_error(a, b)
    if err:
        return err
    a, b = _comparable(a), _comparable(b)
    if a[0] != b[0]:
        order = (a[0] > b[0]) - (a[0] < b[0])
    elif a[0] == 0:
        x, y = a[1], b[1]
        order = 0 if abs(x - y) <= _EQUAL * max(abs(x), abs(y)) else (x > y) - (x < y)
    else:
        order = (a[1] > b[1]) - (a[1] < b[1])
    return {"=": order == 0, "<>": order != 0, "<": order < 0, "<=": order <= 0,
            ">": order > 0, ">=": order >= 0}[op]


def _comparable(value: Any) -> tuple[int, Any]:
    if value is None:  # a blank is 0 next to a number and "" next to text; 0 is its usual side
        return (0, 0)
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, str):
        return (1, value.casefold())
    return (0, value)


def both(values: list[Any]) -> Any:
    """``AND()``: an error among the arguments is the result."""
    return first_error(*values) or all(values)


def either(values: list[Any]) -> Any:
    """``OR()``: an error among the arguments is the result."""
    return first_error(*values) or any(values)


def negate(value: Any) -> Any:
    return value if isinstance(value, Error) else not value


def search(phrase: str, value: Any) -> bool:
    """``ISNUMBER(SEARCH(phrase, cell))``: the phrase, without case, ``?`` and ``*`` as wildcards."""
    text = as_text(value)
    if isinstance(text, Error):
        return False
    return _wildcards(phrase).search(text) is not None


def _wildcards(pattern: str) -> re.Pattern:
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "~":
            escaped = True
        elif ch == "?":
            out.append(".")
        elif ch == "*":
            out.append(".*")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


# -- functions over a range (the cells' contents, in order) -----------------------------------------
def range_sum(cells: list[Any]) -> Any:
    """``SUM(range)``: numbers only (text and TRUE/FALSE in a range are skipped); an error wins."""
    err = first_error(*cells)
    if err:
        return err
    return sum(v for v in cells if is_number(v))


def count_numbers(cells: list[Any]) -> int:
    return sum(1 for v in cells if is_number(v))


def count_filled(cells: list[Any]) -> int:
    return sum(1 for v in cells if v is not None)


def count_blank(cells: list[Any]) -> int:
    """``COUNTBLANK``: empty cells and cells holding empty text."""
    return sum(1 for v in cells if v is None or v == "")


def count_below_zero(cells: list[Any]) -> int:
    """``COUNTIF(range,"<0")``."""
    return sum(1 for v in cells if is_number(v) and v < 0)


def count_equal_text(cells: list[Any], criterion: str) -> int:
    """``COUNTIF(range, "text")`` for a criterion that is plain text (no wildcards, no operator)."""
    wanted = criterion.casefold()
    return sum(1 for v in cells if isinstance(v, str) and v.casefold() == wanted)


def fractions(cells: list[Any]) -> Any:
    """``(MOD(SUM(a),1)<>0)+(MOD(SUM(b),1)<>0)+…``: how many hold a fraction (text and blank are 0
    to ``SUM``); an error value in any cell is the sum's result."""
    err = first_error(*cells)
    if err:
        return err
    total = 0
    for v in cells:
        x = float(range_sum([v]))
        total += (x - math.floor(x)) != 0
    return total


def find_position(char: str, alphabet: str) -> Any:
    """``FIND(char, alphabet)``: 1-based, case-sensitive; FIND("", …) is 1."""
    if char == "":
        return 1
    at = alphabet.find(char)
    return VALUE if at < 0 else at + 1


def mid(text: str, start: int, count: int) -> str:
    return text[start - 1:start - 1 + count]


def date_serial(year: int, month: int, day: int) -> int:
    return int(to_excel(dt.datetime(year, month, day)))
