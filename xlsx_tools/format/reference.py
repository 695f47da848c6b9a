"""The rules reference: every code a user can meet, made from the declaration and the findings
registry, as docs/RULES.md (kept equal to this by a test) and as ``nianbao rules [CODE]``.

Each code has one or more situations (a severity each): what is checked or what the finding says,
where in the workbook (the cells a check marks), when it is checked, and how to fix it. Nothing here
is written by hand except the few sentences that say when a family of checks runs; the rest is the
declaration's own wording, so the reference cannot drift from what the tool says.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from .address import cell_ref, parse_ref
from .declaration import Format, load
from .findings import GROUPS, STRUCTURE_KEY
from .layout import WorkbookLayout, input_ranges, workbook_layout
from .rules import Check, cellwise, each_items, expand, marked_keys

#: the families a code belongs to, by its form, in the order the reference lists them
FAMILIES = (
    ("基本信息各项", r"I\d+"),
    ("表格结构与填写", r"S\d+(-[A-Z-]+)?|S-[A-Z-]+"),
    ("勾稽关系与表格合理性", r"R\d+"),
    ("跨年度核对与同比", r"[XY]\d+"),
    ("正文与表格一致", r"T\d+"),
    ("文字部分", r"F\d+"),
    ("汇总", r"C\d+"),
    ("文件本身", r"F-(?!ROSTER-|TEXT-INVALID)[A-Z-]+"),
    ("单位名录与预填信息", r"F-ROSTER-[A-Z-]+|F-TEXT-INVALID"),
    ("文字单元格", r"T-[A-Z-]+"),
    ("依申请公开台账", r"REG-[A-Z-]+"),
    ("在线收集", r"COL-[A-Z-]+"),
    ("导入已发布的年报", r"IMP-[A-Z-]+"),
)
#: when a declared rule is checked, by how it is checked
LIVE = "模板“校验”表随填随算；nianbao validate、merge、report、收集页面上传时同样检查"
CELLS = "模板中出错的单元格变色；nianbao validate 等读取工作簿时逐个单元格报告"
STRUCTURE = "读取工作簿时对照模板核对工作表和表格的行列、标签（validate 等所有读取工作簿的命令）"
NARRATIVE = "读取工作簿时，把正文中写到的数字与表格比较（validate 等所有读取工作簿的命令）"
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
_BLANK = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Situation:
    """One way a code is raised."""

    severity: str
    text: str  # what is checked, or what the finding says
    hint: str
    when: str
    cells: str = ""  # where in the workbook: sheet and cells
    items: str = ""  # a rule checked item by item: the items


@dataclass(frozen=True)
class Entry:
    code: str
    family: str
    situations: tuple[Situation, ...]


def family(code: str) -> str:
    for name, pattern in FAMILIES:
        if re.fullmatch(pattern, code):
            return name
    raise ValueError(f"no family for code {code}")


def _order(code: str) -> tuple:
    names = [name for name, _ in FAMILIES]
    return names.index(family(code)), [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]


def _cells(layout: WorkbookLayout, keys: list[str]) -> str:
    """``表三!D29:J29`` style: the cells of ``keys``, runs along a row or down a column joined."""
    by_sheet: dict[str, list] = {}
    for key in dict.fromkeys(keys):
        sheet, span = layout.locate(key)
        by_sheet.setdefault(sheet, []).append(span)
    out = []
    for sheet, spans in by_sheet.items():
        runs: list[list] = []
        for span in sorted(spans, key=lambda s: (s.col, s.row)):
            if runs and runs[-1][1].col == span.col and runs[-1][1].row + 1 == span.row:
                runs[-1][1] = span
            else:
                runs.append([span, span])
        refs = [a.ref if a is b else f"{a.ref}:{b.ref}" for a, b in runs]
        merged = _join_rows(refs)
        out.append(f"{sheet}!" + "、".join(merged))
    return "；".join(out)


def _join_rows(refs: list[str]) -> list[str]:
    """``D29``, ``E29`` … ``J29`` → ``D29:J29`` (single cells side by side on one row)."""
    singles = [r for r in refs if ":" not in r]
    if len(singles) < 3:
        return refs
    rows: dict[int, list[int]] = {}
    for r in singles:
        row, col = parse_ref(r)
        rows.setdefault(row, []).append(col)
    out = [r for r in refs if ":" in r]
    for row, cols in rows.items():
        cols.sort()
        start = prev = cols[0]
        for c in [*cols[1:], None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            out.append(cell_ref(row, start) if start == prev else f"{cell_ref(row, start)}:{cell_ref(row, prev)}")
            if c is not None:
                start = prev = c
    return out


def _rule_situations(fmt: Format, layout: WorkbookLayout, derived: dict[str, list[str]]) -> dict[str, list]:
    out: dict[str, list[Situation]] = {}
    for rule in fmt.rules:
        found = expand(fmt, rule)
        blanks = {name: "…" for name, _ in rule.each}
        text = rule.title.format(**blanks) if blanks else rule.title
        items = ""
        if len(found) > 1:
            labels = ["×".join(label for _, label in combo)
                      for combo in itertools.product(*(each_items(fmt, src) for _, src in rule.each))]
            items = "、".join(labels) + f"（共 {len(found)} 项）"
        if found:
            when = CELLS if all(cellwise(c) for c in found) else LIVE
            cells = _check_cells(fmt, layout, found)
        else:
            when = rule.checked or ("由 " + rule.covered_by + " 一并检查" if rule.covered_by else "")
            when = when or "；".join(dict.fromkeys(derived.get(rule.code, ())))
            cells = ""
        out.setdefault(rule.code, []).append(Situation(rule.severity, text, rule.hint, when, cells, items))
    return out


def _check_cells(fmt: Format, layout: WorkbookLayout, found: list[Check]) -> str:
    """The cells a rule's checks mark: each check's primary cell, or a cell-wise check's tables."""
    if all(cellwise(c) for c in found):
        tables = [fmt.table(c.tree.args[0].id) for c in found]  # type: ignore[attr-defined]
        return "；".join(f"{t.sheet}!" + "、".join(_plain(s) for s, _ in input_ranges(t, layout)) for t in tables)
    return _cells(layout, [k for c in found for k in marked_keys(fmt, c)[:1]])


def _plain(span) -> str:
    first = cell_ref(span.row, span.col)
    return first if (span.row, span.col) == (span.last_row, span.last_col) else \
        f"{first}:{cell_ref(span.last_row, span.last_col)}"


def _derived_when(fmt: Format) -> dict[str, list[str]]:
    """When each code without a condition is checked, from what raises it."""
    out: dict[str, list[str]] = {fmt.meta["structure_rule"]: [STRUCTURE]}
    for table in fmt.tables:
        out.setdefault(table.structure_rule, []).append(STRUCTURE)
    for statement in fmt.statements:
        out.setdefault(statement["code"], []).append(NARRATIVE)
    for scope, group in GROUPS:
        for key in group:
            for code in _codes_of(fmt, key):
                out.setdefault(code, []).append(scope)
    return out


def _codes_of(fmt: Format, key: str) -> list[str]:
    """The codes a registered key reports as: its own, or for a structure finding (``STRUCT/…``,
    whose caller names the code) every table's structure rule and the other sheets' one."""
    if key.split("/")[0] == STRUCTURE_KEY:
        return list(dict.fromkeys([fmt.meta["structure_rule"], *(t.structure_rule for t in fmt.tables)]))
    return [key.split("/")[0]]


@cache
def entries(fmt: Format | None = None) -> tuple[Entry, ...]:
    """Every code of the declaration and of the findings registry, in the reference's order."""
    fmt = fmt or load()
    layout = workbook_layout(fmt)
    situations = _rule_situations(fmt, layout, _derived_when(fmt))
    for scope, group in GROUPS:
        for key, (severity, message, hint) in group.items():
            for code in _codes_of(fmt, key):
                situations.setdefault(code, []).append(
                    Situation(severity, _BLANK.sub("…", message), _BLANK.sub("…", hint), scope))
    return tuple(Entry(code, family(code), tuple(found)) for code, found in sorted(situations.items(),
                                                                                key=lambda kv: _order(kv[0])))


def find(code: str, fmt: Format | None = None) -> Entry | None:
    """The entry of ``code`` (any case; ``S6/text`` finds S6), or None."""
    wanted = code.strip().upper().split("/")[0]
    return next((e for e in entries(fmt) if e.code == wanted), None)


def codes(fmt: Format | None = None) -> list[str]:
    return [e.code for e in entries(fmt)]


def _fields(s: Situation) -> list[tuple[str, str]]:
    return [(label, value) for label, value in (("逐项检查", s.items), ("位置", s.cells), ("何时检查", s.when),
                                                  ("修改提示", s.hint)) if value]


def text_lines(entry: Entry) -> list[str]:
    """One code as the terminal shows it."""
    lines = [f"[{entry.code}] {entry.family}"]
    for s in entry.situations:
        lines.append(f"  {SEVERITY[s.severity]}  {s.text}")
        lines += [f"        {label}：{value}" for label, value in _fields(s)]
    return lines


def markdown(fmt: Format | None = None) -> str:
    """docs/RULES.md."""
    all_entries = entries(fmt)
    out = [
        "# 规则编号一览",
        "",
        "本文件由 `nianbao rules --markdown` 根据年报格式的声明（`schemas/format-2021.toml`）和问题编号登记表"
        "（`xlsx_tools/format/findings.py`）生成，测试保证它与程序一致；请勿手工修改。"
        "在命令行中查一个编号：`nianbao rules R1`。",
        "",
        "级别：**错误** 必须改正（有错误的报表不能纳入汇总、不能生成年报文稿）；"
        "**警告** 须核实，确实无误的可以报送并说明；**提示** 供参考。"
        "文中“…”处在实际提示中是具体的单元格、数值或文字。",
        "",
    ]
    for name, _ in FAMILIES:
        mine = [e for e in all_entries if e.family == name]
        out += [f"- [{name}](#{_anchor(name)})：" + "、".join(f"`{e.code}`" for e in mine)]
    for name, _ in FAMILIES:
        out += ["", f"## {name}"]
        for e in (e for e in all_entries if e.family == name):
            out += ["", f"### {e.code}", ""]
            for s in e.situations:
                out.append(f"- **{SEVERITY[s.severity]}** {s.text}")
                out += [f"  - {label}：{value}" for label, value in _fields(s)]
    return "\n".join(out) + "\n"


def _anchor(title: str) -> str:
    return title.lower()
