"""Which column a number stands in, from where it stands on the line.

Text laid out by position (``pdftotext -layout``, a PDF table without ruling lines) prints nothing
for an empty cell: a row of the table shows fewer numbers than the table has columns, and only
their places say which columns they are in. A full row of the same table nearby gives each
column's place; the short row's numbers are matched to those places in order, each to the column
nearest it. A number that stands nowhere near any column leaves the row unmatched (the walk then
reports it short rather than guess).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: how far (as a share of the narrowest gap between two columns) a number may stand from its column
SLACK = 0.45


def align(numbers: Sequence[float], columns: Sequence[float]) -> list[int] | None:
    """For each number (its centre, left to right) the index of its column, in order, each column
    used at most once, the total distance least; None when a number stands farther from its
    column than ``SLACK`` of the narrowest column gap, when there are more numbers than columns,
    or when a place is not known (NaN)."""
    k, n = len(numbers), len(columns)
    if k > n or n == 0 or any(math.isnan(x) for x in (*numbers, *columns)):
        return None
    if k == 0:
        return []
    inf = float("inf")
    # best[i][j]: least cost of the first i numbers within the first j columns
    best = [[0.0] * (n + 1)] + [[inf] * (n + 1) for _ in range(k)]
    for i in range(1, k + 1):
        for j in range(i, n + 1):
            best[i][j] = min(best[i][j - 1], best[i - 1][j - 1] + abs(numbers[i - 1] - columns[j - 1]))
    chosen, j = [], n
    for i in range(k, 0, -1):
        while best[i][j] == best[i][j - 1]:
            j -= 1
        chosen.append(j - 1)
        j -= 1
    chosen.reverse()
    gaps = [b - a for a, b in zip(columns, columns[1:], strict=False)]
    slack = SLACK * min(gaps) if gaps else inf
    if any(abs(x - columns[c]) > slack for x, c in zip(numbers, chosen, strict=True)):
        return None
    return chosen


def header_places(words: Sequence[tuple[str, float]], labels: Sequence[str], expected: int) -> list[float] | None:
    """Where the columns stand, from the words of a header printed over several lines (each column's
    label stacked, 「结果」 over 「维持」): the places of the words that are pieces of the columns'
    labels, gathered where they stand within ``GATHER`` of each other; None unless that gives
    exactly ``expected`` columns."""
    places = sorted(x for word, x in words
                    if len(word) >= 2 and not math.isnan(x) and any(word in label for label in labels))
    if not places:
        return None
    groups = [[places[0]]]
    for x in places[1:]:
        if x - groups[-1][-1] > GATHER:
            groups.append([])
        groups[-1].append(x)
    return [sum(g) / len(g) for g in groups] if len(groups) == expected else None


#: how far apart (in characters) the words of one column's stacked label may stand
GATHER = 1.5


def bounds(values: Sequence, expected: int) -> tuple[int, int]:
    """Where a row's values (each ``blank`` or not) start and end once the empty cells it has
    beyond its columns are dropped: on the right first (a table drawn wider than its columns), then
    on the left (a label that moved into the first column leaves its own cell empty)."""
    start, end = 0, len(values)
    while end - start > expected and values[end - 1].blank:
        end -= 1
    while end - start > expected and values[start].blank:
        start += 1
    return start, end
