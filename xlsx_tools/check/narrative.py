"""Numbers the narrative states, compared with the tables (T1–T5, S8): "共收到 17 起依申请公开事项"
must agree with 表三. The patterns are declared; a finding quotes the sentence that disagrees."""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import pandas as pd

from ..format.declaration import Format, load

_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
NARRATIVE = ("s1", "s6")  # the sections whose statements are compared


@dataclass(frozen=True)
class Statement:
    id: str
    code: str
    pattern: re.Pattern
    values: tuple[ast.expr, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Stated:
    """One statement that disagrees with the tables, in one report."""

    key: str  # the narrative field it was found in
    sentence: str
    number: int
    table: tuple[float, ...]  # the values it could have matched


@cache
def statements(fmt: Format | None = None) -> tuple[Statement, ...]:
    fmt = fmt or load()
    sources = tuple(p.key for key in NARRATIVE for p in fmt.section(key).parts)
    out = []
    for n, spec in enumerate(fmt.statements):
        values = tuple(ast.parse(v, mode="eval").body for v in spec["values"])
        out.append(Statement(f"{spec['code']}:said{n + 1}", spec["code"], re.compile(spec["pattern"]), values,
                             sources))
    return tuple(out)


@lru_cache(maxsize=8192)
def sentences(text: str) -> tuple[tuple[str, str], ...]:
    """A text split at 。；;！!？? and line breaks, as (the sentence as written, its NFKC form for
    matching). Cached: every statement reads the same texts."""
    out = []
    for raw in _SENTENCE.findall(text):
        raw = raw.strip()
        if raw:
            out.append((raw, unicodedata.normalize("NFKC", raw)))
    return tuple(out)


def disagreements(statement: Statement, df: pd.DataFrame, evaluator) -> dict[int, list[Stated]]:
    """Row index → the sentences whose stated number matches none of the statement's values."""
    out: dict[int, list[Stated]] = {}
    candidates: list[dict] | None = None  # the table values, computed once a sentence matches
    for key in statement.sources:
        if key not in df:
            continue
        for index, text in zip(df.index.tolist(), df[key].tolist(), strict=True):
            if not isinstance(text, str) or not text:
                continue
            for sentence, normal in sentences(text):
                for m in statement.pattern.finditer(normal):
                    if candidates is None:
                        candidates = [_by_index(evaluator.value(v), df.index) for v in statement.values]
                    allowed = tuple(c[index] for c in candidates)
                    n = int(m.group("n"))
                    if not any(abs(n - a) < 1e-9 for a in allowed if a == a):
                        out.setdefault(index, []).append(Stated(key, sentence, n, allowed))
    return out


def _by_index(value, index) -> dict:
    series = value if isinstance(value, pd.Series) else pd.Series(value, index=index)
    return pd.to_numeric(series, errors="coerce").astype(float).to_dict()
