"""Rule expressions of the declaration, parsed and expanded into concrete checks.

A rule's ``expr`` is a condition in a small Python-syntax language over field keys
(``t3.new.{c} + t3.carried_in.{c} == ...``). It is parsed with :mod:`ast` and never evaluated by
Python: each backend (worksheet formulas now, stacked-frame checks in the validator) walks the tree.
Only the node types listed here are accepted, so a typo in the declaration fails loudly at load.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from functools import cache

from .declaration import Field, Format, IdentityField, Rule, Section, Table, load

#: functions an expression may call, with their argument kinds
FUNCTIONS = {
    "present": "field",  # text/identity field (or a section: all its parts) is not blank
    "uscc": "field",  # 统一社会信用代码 well-formed with a correct check character
    "choice": "field",  # one of the field's declared choices
    "year": "field",  # a four-digit year from the format's first year on
    "date": "field",  # a date
    "mentions": "fields+phrases",  # any of the fields contains any of the phrases
    "valid_cells": "table",  # every input cell of the table is well-typed
    "no_blanks": "table",  # no input cell of the table is blank
    "no_placeholders": "table",  # no number cell holds "—", "/", "无" instead of 0
    "row_total": "field",  # a cell of a total row equals the sum down its column
    "column_total": "field",  # a cell of a total column equals the sum across its row
}
#: the parts each total function sums, by Field attribute
TOTAL_PARTS = {"row_total": "down", "column_total": "across"}
#: functions whose finding belongs to individual cells rather than to the check as a whole
CELLWISE = {"valid_cells", "no_blanks", "no_placeholders"}

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.BinOp, ast.Add,
    ast.Sub, ast.Constant, ast.Name, ast.Attribute, ast.Call, ast.Tuple, ast.Load,
)


class RuleError(ValueError):
    """The declaration holds an expression this module cannot interpret."""


@dataclass(frozen=True)
class Check:
    """One concrete check: a rule bound to a column/row/table, with its parsed condition."""

    id: str
    rule: Rule
    title: str
    tree: ast.expr

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def severity(self) -> str:
        return self.rule.severity


def dotted(node: ast.expr) -> str | None:
    """``t3.new.total`` for an attribute chain or name, None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def resolve(fmt: Format, node: ast.expr):
    """What a reference names: a field, a section (all its parts) or a table."""
    name = dotted(node)
    if name is None:
        raise RuleError(f"not a reference: {ast.unparse(node)}")
    if name in fmt.fields:
        return fmt.field(name)
    for s in fmt.sections:
        if s.key == name and s.parts:
            return s
    for t in fmt.tables:
        if t.key == name:
            return t
    raise RuleError(f"unknown field, section or table: {name}")


def text_keys(target) -> list[str]:
    """The field keys a reference stands for: a section's parts, or the field itself."""
    return [p.key for p in target.parts] if isinstance(target, Section) else [target.key]


def top_call(tree: ast.expr) -> str | None:
    """The function a condition is a call of (``row_total`` …), or None for any other condition."""
    return tree.func.id if isinstance(tree, ast.Call) else None  # type: ignore[attr-defined]


def _validate(fmt: Format, tree: ast.expr, source: str) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise RuleError(f"{source}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Compare) and len(node.ops) != 1:
            raise RuleError(f"{source}: chained comparisons are not allowed")
        if isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else None
            if fn not in FUNCTIONS or node.keywords:
                raise RuleError(f"{source}: unknown function {ast.unparse(node.func)}")
            kind = FUNCTIONS[fn]
            args = node.args
            if kind == "fields+phrases":
                if len(args) < 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                            for a in args[1:]):
                    raise RuleError(f"{source}: mentions(fields, 'phrase', ...) expected")
                targets = args[0].elts if isinstance(args[0], ast.Tuple) else [args[0]]
                for t in targets:
                    resolve(fmt, t)
            elif len(args) != 1:
                raise RuleError(f"{source}: {fn}() takes one argument")
            else:
                target = resolve(fmt, args[0])
                if kind == "table" and not isinstance(target, Table):
                    raise RuleError(f"{source}: {fn}() needs a table")
                if fn in TOTAL_PARTS and not getattr(target, TOTAL_PARTS[fn], ()):
                    raise RuleError(f"{source}: {ast.unparse(args[0])} is not a {fn.replace('_', ' ')}")
    for node in ref_nodes(tree):
        resolve(fmt, node)


def each_items(fmt: Format, source) -> list[tuple[str, str]]:
    """(key, label) pairs an ``each`` source expands to."""
    if isinstance(source, tuple):
        labels = {i.key: i.label for t in fmt.tables for i in t.leaf_rows}
        return [(k, labels[k]) for k in source]
    if source == "tables":
        return [(t.key, t.name) for t in fmt.tables]
    table, _, axis = source.partition(".")
    t = fmt.table(table)
    items = t.leaf_columns if axis == "columns" else t.leaf_rows
    return [(i.key, i.label) for i in items]


def expand(fmt: Format, rule: Rule) -> list[Check]:
    """The checks of one rule: one per ``each`` binding, or one when the rule has no ``each``."""
    if not rule.expr:
        return []
    names = [name for name, _ in rule.each]
    choices = [each_items(fmt, src) for _, src in rule.each]
    out = []
    for combo in itertools.product(*choices) if choices else [()]:
        keys = {n: k for n, (k, _) in zip(names, combo, strict=True)}
        labels = {n: lb for n, (_, lb) in zip(names, combo, strict=True)}
        source = rule.expr.format(**keys)
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            raise RuleError(f"{rule.code}: {exc.msg} in {source!r}") from None
        _validate(fmt, tree, f"{rule.code} {source!r}")
        suffix = ":".join(([rule.tag] if rule.tag else []) + list(keys.values()))
        check_id = f"{rule.code}:{suffix}" if suffix else rule.code
        out.append(Check(check_id, rule, rule.title.format(**labels), tree))
    return out


@cache
def checks(fmt: Format | None = None) -> tuple[Check, ...]:
    """Every live check of the declaration, in declaration order, with unique ids."""
    fmt = fmt or load()
    out = [c for r in fmt.rules for c in expand(fmt, r)]
    ids = [c.id for c in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuleError(f"duplicate check ids (add a tag): {sorted(dupes)}")
    return tuple(out)


def ref_nodes(node: ast.expr) -> list[ast.expr]:
    """The reference nodes (names and attribute chains) of a condition, outermost only."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return [node]
    children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
    return [r for child in children for r in ref_nodes(child)]


def references(fmt: Format, tree: ast.expr) -> list[str]:
    """Field keys a condition reads, in order (sections expanded to their parts, tables skipped)."""
    out: list[str] = []
    for node in ref_nodes(tree):
        target = resolve(fmt, node)
        if isinstance(target, Table):
            continue
        for key in text_keys(target):
            if key not in out:
                out.append(key)
    return out


def cellwise(check: Check) -> bool:
    """Whether a check's findings belong to single cells (S6, S7) rather than to the check."""
    return top_call(check.tree) in CELLWISE


def marked_keys(fmt: Format, check: Check) -> list[str]:
    """The field keys a failing (non-cellwise) check points at; the first is its primary cell.

    A total check points at the total; otherwise the table cells it reads, or failing those the
    identity cells, or failing those the text cells.
    """
    tree = check.tree
    if top_call(tree) in TOTAL_PARTS:
        return [resolve(fmt, tree.args[0]).key]  # type: ignore[attr-defined]
    refs = references(fmt, tree)
    table_refs = [k for k in refs if isinstance(fmt.field(k), Field)]
    identity_refs = [k for k in refs if isinstance(fmt.field(k), IdentityField)]
    return table_refs or identity_refs or refs
