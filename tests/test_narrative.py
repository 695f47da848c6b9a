"""Numbers stated in the narrative against the tables (T1–T5, S8), on sentences from the real reports."""

from __future__ import annotations

import corpus
import pytest
from conftest import SEEDS
from fills import correct_values, fill

from xlsx_tools.check.narrative import sentences, statements
from xlsx_tools.check.validate import validate_reports
from xlsx_tools.read.reader import read_bytes
from xlsx_tools.write import template


def _validate(**changes):
    values = correct_values()
    values.update(changes)
    return validate_reports([read_bytes(corpus.save(fill(template.build(), values)), "t.xlsx")])[0]


def _said(report) -> set[str]:
    return {f.code for f in report.findings}


# (sentence in section 一（二）or 六, the code it must raise) — each also checked quiet when true
CASES = [
    ("本年度共收到政府信息公开申请 30 件，均已答复。", "T1"),  # the table says 23 (or 25 with carried over)
    ("2024 年共收到 17 起依申请公开事项。", "T1"),  # seed 000's wording
    ("本年度办结 30 件。", "T2"),
    ("结转下年度继续办理 9 件。", "T2"),
    ("上年度结转 5 件。", "T2"),
    ("予以公开 30 件。", "T3"),
    ("部分公开 9 件。", "T3"),
    ("予以公开及部分公开 30 件。", "T3"),
    ("本年度发生行政复议 5 件。", "T4"),
    ("本年度发生行政诉讼 5 起。", "T4"),
    ("现行有效行政规范性文件 3 件。", "T5"),
    ("本年制发规范性文件 7 件。", "T5"),
    ("数据统计期限自 2024 年 1 月 1 日起至 2024 年 12 月 31 日止。", "S8"),  # seed 004's wording
]
TRUE = [  # the same statements with the fill's real numbers: quiet
    "本年度共收到政府信息公开申请 23 件。", "本年度共收到政府信息公开申请 25 件（含上年结转）。",
    "本年度办结 22 件。", "结转下年度继续办理 3 件。", "上年度结转 2 件。", "予以公开 12 件。", "部分公开 3 件。",
    "予以公开及部分公开 15 件。", "本年度发生行政复议 2 件。", "本年度发生行政诉讼 2 起。",
    "现行有效行政规范性文件 10 件。", "本年制发规范性文件 2 件。",
    "数据统计期限自 2025 年 1 月 1 日起至 2025 年 12 月 31 日止。",
]


@pytest.mark.parametrize("sentence, code", CASES)
def test_a_wrong_number_is_quoted_at_its_cell(sentence, code):
    report = _validate(**{"s1.on_request": sentence})
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].sheet == "一、总体情况" and found[0].cell == "B4"
    assert sentence.rstrip("。") in found[0].message  # quoted as written, full-width punctuation kept
    assert _said(report) == {code}


@pytest.mark.parametrize("sentence", TRUE)
def test_a_true_number_is_quiet(sentence):
    assert _validate(**{"s1.on_request": sentence}).findings == []


def test_section_six_is_read_too():
    report = _validate(**{"s6.text": "本年度未收取信息处理费。本年度共收到政府信息公开申请 99 件。"})
    assert [(f.code, f.cell, f.sheet) for f in report.findings] == [("T1", "B3", "六、其他事项")]


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_the_seeds_statements_are_found(seed):
    """Every statement the real reports make about applications is recognised (they say 17 or 未收到)."""
    text = seed.read_text(encoding="utf-8")
    numbers = [int(m.group("n")) for s in statements() for _, sent in sentences(text)
               for m in s.pattern.finditer(sent) if s.code == "T1"]
    assert numbers in ([17], [])
    if "17 起" in text:
        assert numbers == [17]
