"""Narrative reuse: which sentences of this year's report repeat last year's.

Each narrative section is cut into sentences (at 。！？；). A sentence is compared as normalised:
full-width and half-width alike (NFKC), no spaces, every year and every other number masked, so
that "2024年共收到 17 件" and "2025 年共收到 23 件" are the same sentence. Each of this year's
sentences is matched to the most similar of last year's in the same section (rapidfuzz); at least
``reused`` similar, it is reused. A section's reuse rate is the share of its characters in reused
sentences; above ``reuse_warning`` it is Y3 (for the sections ``warn_sections`` names).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..format.declaration import Format, load
from ..format.findings import Finding, registered

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Pair:
    """A sentence of this year and the one of last year it repeats."""

    section: str  # the section's title
    now: str
    last: str
    similarity: float  # 0–100


@dataclass
class SectionReuse:
    title: str
    characters: int  # of this year's compared sentences
    reused: int  # of those reused
    pairs: list[Pair] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.reused / self.characters if self.characters else 0.0


def normalised(sentence: str) -> str:
    """A sentence as compared: NFKC, no spaces, numbers (years too) masked."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", sentence))
    return _NUMBER.sub("#", text)


def sentences(text: Any, fmt: Format) -> list[str]:
    """A text's sentences (each with its closing mark), as written."""
    ends = re.escape(fmt.compare["sentence_end"])
    return [s.strip() for s in re.findall(rf"[^{ends}]*[{ends}]?", str(text or "")) if s.strip(" \n")]


def section_texts(values: dict[str, Any], fmt: Format) -> dict[str, str]:
    """Each compared narrative section's text (its parts joined), by section title."""
    out = {}
    for section in fmt.narrative_sections:
        if section.key in fmt.compare["sections"]:
            out[section.title] = "\n".join(str(values.get(p.key) or "") for p in section.parts)
    return out


def compare_texts(last: dict[str, Any], now: dict[str, Any], fmt: Format | None = None) -> list[SectionReuse]:
    """Every compared section of this year against the same section of last year."""
    from rapidfuzz import fuzz, process

    fmt = fmt or load()
    spec = fmt.compare
    before, after = section_texts(last, fmt), section_texts(now, fmt)
    out = []
    for title, text in after.items():
        mine = [s for s in sentences(text, fmt) if len(normalised(s)) >= spec["sentence_floor"]]
        theirs = [s for s in sentences(before.get(title, ""), fmt) if len(normalised(s)) >= spec["sentence_floor"]]
        keys = [normalised(s) for s in theirs]
        result = SectionReuse(title, sum(len(normalised(s)) for s in mine), 0)
        for sentence in mine:
            best = process.extractOne(normalised(sentence), keys, scorer=fuzz.ratio) if keys else None
            if best is not None and best[1] >= spec["reused"]:
                result.pairs.append(Pair(title, sentence, theirs[best[2]], round(best[1], 1)))
                result.reused += len(normalised(sentence))
        out.append(result)
    return out


def overall(sections: list[SectionReuse]) -> float:
    characters = sum(s.characters for s in sections)
    return sum(s.reused for s in sections) / characters if characters else 0.0


def flags(sections: list[SectionReuse], file: str, fmt: Format | None = None) -> list[Finding]:
    """Y3 for each section more than ``reuse_warning`` reused."""
    fmt = fmt or load()
    limit = fmt.compare["reuse_warning"]
    warned = {sec.title for sec in fmt.narrative_sections if sec.key in fmt.compare["warn_sections"]}
    return [registered("Y3/reuse", file=file, section=s.title, share=s.share, count=len(s.pairs))
            for s in sections if s.share > limit and s.title in warned]
