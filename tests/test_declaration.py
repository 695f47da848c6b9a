"""The declaration against the statute's shape and against five real published reports."""

from __future__ import annotations

import re
import tomllib
import unicodedata

import pytest
from conftest import ROOT, SEEDS

from xlsx_tools.format.declaration import DECLARATION_FILE, parse
from xlsx_tools.format.rules import RuleError, checks, expand


def _norm(text: str) -> str:
    """The declaration's label normalisation: NFKC, no whitespace, one kind of quote."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s#]+", "", text)
    return re.sub(r"[“”\"]", '"', text)


def _raw():
    with open(ROOT / "schemas" / DECLARATION_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_table_shapes_match_the_statute(fmt):
    t2, t3, t4 = (fmt.table(k) for k in ("t2", "t3", "t4"))
    assert [len(b.leaf_rows) * len(b.leaf_columns) for b in t2.blocks] == [6, 1, 2, 1]
    assert len(t3.leaf_rows) == 25 and len(t3.leaf_columns) == 7  # S3: 25 rows × 7 columns
    assert len(t4.fields) == 15  # S4
    assert sum(1 for f in t3.fields if not f.is_total) == 24 * 6
    results_total = fmt.field("t3.results_total.natural")
    assert len(results_total.down) == 21  # R2: the 21 result rows, no subtotal rows


def test_field_keys_are_unique_and_stable(fmt):
    keys = list(fmt.fields)
    assert len(keys) == len(set(keys))
    assert fmt.field("t3.granted.natural").labels == ("（一）予以公开", "自然人")
    assert fmt.field("t2.fees.amount").type == "amount_wan"
    assert all(f.type == "count" for f in fmt.table_fields if f.key != "t2.fees.amount")


def test_labels_use_full_width_punctuation(fmt):
    labels = [i.label for t in fmt.tables for b in t.blocks for i in (*b.rows, *b.columns)]
    labels += [b.caption for t in fmt.tables for b in t.blocks] + [s.title for s in fmt.sections]
    assert labels
    for label in labels:
        assert not re.search(r'[(),:"]', label), label


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_every_table_label_occurs_in_the_real_reports(fmt, seed):
    """Every declared label of 表二–表四 is found in each published report once normalised."""
    text = _norm(seed.read_text(encoding="utf-8"))
    for t in fmt.tables:
        for b in t.blocks:
            for item in (*b.rows, *b.columns):
                assert _norm(item.label) in text, (seed.name, item.label)
            for extra in (b.caption, b.stub):
                if extra:
                    assert _norm(extra) in text, (seed.name, extra)
        assert _norm(t.title) in text


def test_section_titles_occur_in_the_real_reports(fmt):
    for seed in SEEDS.glob("*.txt"):
        text = _norm(seed.read_text(encoding="utf-8"))
        for s in fmt.sections:
            assert any(_norm(v) in text for v in (s.title, *s.variants)), (seed.name, s.title)


def test_2019_signature_is_distinct_from_2021(fmt):
    labels_2021 = {_norm(i.label) for t in fmt.tables for b in t.blocks for i in (*b.rows, *b.columns)}
    captions_2021 = {_norm(b.caption) for t in fmt.tables for b in t.blocks}
    for label in fmt.format2019["signature_labels"]:
        assert _norm(label) not in labels_2021 | captions_2021
    assert fmt.format2019["t3_rows"] == len(fmt.table("t3").leaf_rows) - 2


def test_every_rule_of_format_md_is_declared_with_a_known_severity(fmt):
    codes = {r.code for r in fmt.rules}
    expected = {f"S{i}" for i in range(1, 10)} | {f"R{i}" for i in range(1, 11)} | {"X1", "X2", "X3"}
    expected |= {f"T{i}" for i in range(1, 7)} | {f"F{i}" for i in range(1, 6)} | {f"C{i}" for i in range(1, 6)}
    assert expected <= codes
    assert {r.severity for r in fmt.rules} <= set(fmt.severities)


def test_check_ids_are_unique_and_expanded_per_column_and_row(fmt):
    ids = [c.id for c in checks(fmt)]
    assert len(ids) == len(set(ids))
    assert sum(i.startswith("R1:") for i in ids) == 7
    assert sum(i.startswith("R3:") for i in ids) == 25
    assert sum(i.startswith("R6:") for i in ids) == 3


@pytest.mark.parametrize("bad, message", [
    ("t3.nonexistent.natural == 0", "unknown field"),
    ("t3.new.natural == 0 == 1", "chained"),
    ("__import__('os')", "unknown function"),
    ("t3.new.natural * 2 == 0", "not allowed"),
    ("row_total(t3.new.natural)", "not a row total"),
    ("valid_cells(t3.new.natural)", "needs a table"),
])
def test_a_bad_rule_expression_fails_loudly(bad, message):
    data = _raw()
    data["rules"] = [{"code": "R1", "severity": "error", "title": "x", "hint": "y", "expr": bad}]
    fmt = parse(data)
    with pytest.raises(RuleError, match=message):
        expand(fmt, fmt.rules[0])


def test_a_broken_reference_in_the_declaration_fails_at_load():
    data = _raw()
    data["tables"][1]["blocks"][0]["rows"][-2]["total_of"].append("no_such_row")
    with pytest.raises(ValueError, match="no_such_row"):
        parse(data)
