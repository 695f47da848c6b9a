"""The format is declared once: no module writes a statutory label, sheet name or cell address."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

SOURCES = sorted((ROOT / "xlsx_tools").rglob("*.py"))
# an A1 address in a string literal, such as "D6", "$J$29" or "B5:D6"
ADDRESS = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]{1,7}(:\$?[A-Z]{1,3}\$?[0-9]{1,7})?$")


def _declared_texts(fmt) -> set[str]:
    texts = {fmt.guide["sheet"], fmt.identity_sheet["sheet"], fmt.checks["sheet"]}
    for t in fmt.tables:
        texts |= {t.sheet, t.name, t.title}
        for b in t.blocks:
            texts |= {i.label for i in (*b.rows, *b.columns)} | {b.caption, b.stub}
    for s in fmt.sections:
        texts |= {s.title, s.sheet, *s.variants} | {p.label for p in s.parts}
    texts |= {f.label for f in fmt.identity} | {c for f in fmt.identity for c in f.choices}
    return {t for t in texts if t}


def _string_literals(path) -> list[str]:
    """String constants of a module, docstrings excluded (they document, they do not act)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_statutory_text_outside_the_declaration(fmt):
    declared = _declared_texts(fmt)
    # Very short labels (其他, 总计, 规章…) also occur as ordinary words; compare whole literals for
    # those and substrings for the distinctive ones.
    distinctive = {t for t in declared if len(t) >= 5}
    offenders = []
    for path in SOURCES:
        for literal in _string_literals(path):
            if literal in declared or any(t in literal for t in distinctive):
                offenders.append((path.name, literal[:40]))
    assert not offenders


def test_no_cell_address_outside_the_declaration(fmt):
    codes = {r.code for r in fmt.rules}  # rule codes such as I1 or R10 are not addresses
    offenders = [(p.name, s) for p in SOURCES for s in _string_literals(p) if ADDRESS.match(s) and s not in codes]
    assert not offenders


def test_the_guards_can_fire(fmt, tmp_path):
    """The scans above find a label or an address when one is written into a module."""
    bad = tmp_path / "bad.py"
    bad.write_text('LABEL = "一、本年新收政府信息公开申请数量"\nCELL = "J29"\n', encoding="utf-8")
    literals = _string_literals(bad)
    assert any(lit in _declared_texts(fmt) for lit in literals)
    assert any(ADDRESS.match(lit) for lit in literals)
