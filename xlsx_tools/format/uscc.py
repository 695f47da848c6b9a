"""The 统一社会信用代码 check digit (GB 32100-2015).

Eighteen characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V); the last
is a check character computed from the first seventeen with weights 3**i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


def check_char(first17: str) -> str:
    """The check character for the first seventeen characters (upper-case alphabet)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """True when ``code`` is 18 characters of the alphabet with a correct check character.

    Lower-case letters are accepted (people type them); callers store the upper-case form.
    """
    code = code.strip().upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    return check_char(code[:17]) == code[17]


def complete(first17: str) -> str:
    """Append the check character: a valid code from seventeen characters (for tests and samples)."""
    first17 = first17.upper()
    return first17 + check_char(first17)
