"""The words of a published report: the title (the agency's name and the year, its identity
completed from the roster) and the narrative sections, section 一 divided into （一）…（五）.

Lines before the first heading are the front matter the title is looked for in; lines of a
narrative section are its text. Each text is placed with the lines it came from.
"""

from __future__ import annotations

import re

from ..consolidate.roster import Roster, name_key
from ..format.declaration import Format
from .document import Line
from .imported import Imported
from .labels import MARKDOWN
from .metadata import front_facts


def identity(front: list[Line], out: Imported, fmt: Format, roster: Roster | None) -> None:
    """单位名称 and 年度 from the title, the rest of 基本信息 from the roster (or the name)."""
    pattern = re.compile(fmt.importer["title_pattern"])
    facts, metadata_lines, titles = front_facts(front, fmt)  # a web page's 名称/索引号/发布日期 block
    out.facts += facts
    shown = {id(ln): titles.get(i, ln.text) for i, ln in enumerate(front)}  # 名称：… read without its label
    # the title on one line, or the agency's name on the line above the rest of it
    candidates = [(ln,) for ln in front] + list(zip(front, front[1:], strict=False))
    used: tuple[Line, ...] = ()
    for lines in candidates:
        text = "".join(re.sub(r"\s+", "", MARKDOWN.sub("", shown[id(ln)])) for ln in lines)
        m = pattern.match(text)
        if m and m["name"]:
            used = lines
            out.set("id.name", m["name"], lines[0])
            out.set("id.year", int(m["year"]), lines[-1])
            _agency(m["name"], lines[0], out, fmt, roster)
            break
    else:
        out.note("IMP-TITLE")
    rest = [ln for i, ln in enumerate(front) if ln not in used and i not in metadata_lines]
    if rest:
        out.note("IMP-OUTSIDE", count=len(rest), first=rest[0].where, last=rest[-1].where, text=rest[0].text[:30])


def _agency(name: str, line: Line, out: Imported, fmt: Format, roster: Roster | None) -> None:
    """单位类型, 统一社会信用代码 and 所属地区: from the roster, else 单位类型 from the name."""
    if roster is not None:
        agency = next((a for a in roster.agencies if name_key(a.values.get("name")) == name_key(name)), None)
        if agency is None:
            out.note("IMP-ROSTER", name=name, roster=roster.file)
        else:
            where = Line(f"{roster.file} 第{agency.row}行", (name,))
            for field_name in ("code", "kind", "region"):
                value = agency.values.get(field_name)
                if value not in (None, ""):
                    out.set(f"id.{field_name}", value, where, "来自名录")
            if agency.values.get("kind"):
                return
    for rule in fmt.importer["kinds"]:
        if re.search(rule["pattern"], name):
            out.set("id.kind", rule["kind"], line, "按单位名称推断")
            out.note("IMP-KIND", kind=rule["kind"])
            return


def sections(narrative: dict[str, list[Line]], headings: dict[str, Line], out: Imported, fmt: Format) -> None:
    """Each narrative section's lines as its text; section 一's divided at （一）…（五） in order."""
    spec = fmt.importer
    for section in fmt.narrative_sections:
        lines = narrative.get(section.key, [])
        if not lines:
            if section.key not in headings:
                out.note("S1/import-missing", title=section.title)
            continue
        parts = section.parts
        if len(parts) == 1:
            _text(parts[0].key, lines, out, fmt)
            continue
        chunks: list[list[Line]] = [[] for _ in parts]
        current, intro = 0, []
        for ln in lines:
            m = re.match(spec["part_pattern"], MARKDOWN.sub("", ln.text))
            n = spec["numerals"].find(m["n"]) + 1 if m and len(m["n"]) == 1 else 0
            if current < n <= len(parts):  # （一）…（五） in order; a later （二） inside a part stays
                current = n
                if _bare_heading(ln.text, parts[n - 1].label):  # the heading alone: not the part's text
                    continue
            if current == 0:
                intro.append(ln)
            else:
                chunks[current - 1].append(ln)
        if intro:
            chunks[0][:0] = intro
            out.note("IMP-INTRO", intro[0], part=parts[0].label)
        for part, chunk in zip(parts, chunks, strict=True):
            if chunk:
                _text(part.key, chunk, out, fmt)


def _bare_heading(text: str, label: str) -> bool:
    """Whether a line is only a part's heading (「（一）主动公开」, 「(一)主动公开：」), no sentence after it."""
    def bare(t: str) -> str:
        return re.sub(r"[\s()（）:：。.]", "", MARKDOWN.sub("", t))

    return bare(text) == bare(label)


def _text(key: str, lines: list[Line], out: Imported, fmt: Format) -> None:
    limit = fmt.types["text"].max_length
    text = ""
    for ln in lines:
        line = MARKDOWN.sub("", " ".join(ln.cells)).strip()
        text += ln.joint if ln.joint is not None and text else ("\n" if text else "")
        text += line
    if len(text) > limit:
        out.note("IMP-TEXT-LONG", lines[0], label=fmt.field(key).label, limit=limit)
        text = text[:limit]
    where = lines[0].where if len(lines) == 1 else f"{lines[0].where}–{lines[-1].where}"
    out.set(key, text, Line(where, (text[:60],)))
