"""A published report's text laid out as ``pdftotext -layout`` lays it out, made by hand from a
seed (tab-separated cells) so that each artefact of text copied out of a PDF can be made on its own:
columns separated by runs of spaces, numbers standing in fixed columns (an empty cell prints
nothing), labels wrapped or printed one character a line, pages ended by form feeds."""

from __future__ import annotations

import re

LABEL = 58  # the column the first number column stands at
STEP = 6  # columns between two number columns
NUMBER = re.compile(r"^[\d.,]+$")


def numbers_at(values: list[str], indent: int = 0) -> str:
    """Values (an empty string prints nothing) centred in the number columns, as a line's tail."""
    out = ""
    for j, value in enumerate(values):
        if value:
            start = LABEL + STEP * j - len(value) // 2 - indent
            out += " " * max(start - len(out), 2) + value
    return out


def row(label: str, values: list[str], indent: int = 0) -> str:
    """A table row laid out: the label from column ``indent``, the values in their columns."""
    head = " " * indent + label
    return head + numbers_at(values, len(head))[0:] if values else head


def lay_out(seed: str) -> str:
    """A seed's table lines laid out with spaces: label cells separated by three spaces, each
    value in its column (empty cells between values stay empty); other lines as they are."""
    out = []
    for line in seed.splitlines():
        if "\t" not in line:
            out.append(line)
            continue
        cells = [c.strip() for c in line.split("\t")]
        last_label = max((i for i, c in enumerate(cells) if c and not NUMBER.match(c)), default=-1)
        labels = [c for c in cells[:last_label + 1] if c]
        values = cells[last_label + 1:]
        while values and not values[-1]:
            values.pop()
        if values and not values[0] and any(values) and last_label >= 0:
            values = values[1:] if len(values) > 7 or not values[0] else values  # the seed's spare label column
        text = "   ".join(labels)
        out.append(text + numbers_at(values, len(text)) if any(values) else text)
    return "\n".join(out)


def lines_of(text: str, needle: str) -> int:
    """The index of the one line containing ``needle``."""
    found = [i for i, ln in enumerate(text.split("\n")) if needle in ln]
    assert len(found) == 1, (needle, found)
    return found[0]


def replace_line(text: str, needle: str, new: list[str]) -> str:
    lines = text.split("\n")
    at = lines_of(text, needle)
    return "\n".join(lines[:at] + new + lines[at + 1:])


def values_of(text: str, needle: str) -> list[str]:
    """The numbers on the line containing ``needle``, left to right."""
    line = text.split("\n")[lines_of(text, needle)]
    return re.findall(r"(?<=\s)[\d.,]+(?=\s|$)", line)
