"""Digits a recogniser misread, pointed at by the statute's identities (issue 32, Deliver 3): the
declaration's equalities as linear equations, and the finding that names the one recognised cell
explaining the broken ones, with what was read, its confidence and the value that would make them
hold — never applied. Lines are marked recognised here by hand, so no OCR engine is needed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from roundtrip import ROOT, SAMPLES, carried

from xlsx_tools.check.equations import equations
from xlsx_tools.format.declaration import Field, load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.format.rules import checks
from xlsx_tools.published.document import Document, Seen
from xlsx_tools.published.matcher import import_document
from xlsx_tools.published.plaintext import text_lines

FMT = load()
TEXT = ROOT / "samples" / "原文" / "洛龙区科技园街道办事处2024年政府信息公开工作年度报告.txt"
GRANTED = "第43行"  # 「(一) 予以公开」 with 17 from 自然人, of 17 in all
REVIEW = "第72行"  # 表四's one row of values


def _scanned(changes: dict[str, dict[int, tuple[str, float]]] | None = None, recognised: bool = True) -> Document:
    """The sample's text as if recognised from a picture: every table line's cells seen at 0.99,
    ``changes`` putting other text (and a confidence) into a line's cells."""
    doc = Document(TEXT.name, "PDF 文档")
    for line in text_lines(TEXT.read_text(encoding="utf-8")):
        cells = list(line.cells)
        seen = [Seen(0.99, (i / 10, 0.5, (i * 10 + 9) / 100, 0.52)) for i in range(len(cells))]
        for i, (text, confidence) in (changes or {}).get(line.where, {}).items():
            cells[i] = text
            seen[i] = Seen(confidence, seen[i].box, empty=not text)
        ocr = tuple(seen) if recognised and len(cells) > 1 else ()
        doc.lines.append(dataclasses.replace(line, cells=tuple(cells), ocr=ocr))
    return doc


def _digits(imported):
    return [f for f in imported.findings if f.code == "IMP-OCR-DIGIT"]


def test_the_identities_are_the_declarations_equalities_and_hold_on_every_sample():
    """Every equation comes from an equality check (R1 column identities, row and column totals, 表四's
    totals); none from an inequality or a text test; each holds on the samples and breaks when
    any one of its cells changes."""
    eqs = equations(FMT)
    codes = {e.check.code for e in eqs}
    assert {"R1", "R2", "R3", "R6"} <= codes
    for check in checks(FMT):
        source = check.rule.expr or ""
        if "<=" in source or "mentions" in source or ">=" in source:
            assert all(e.check is not check for e in eqs), check.id
    for sample in SAMPLES:
        values = {k: Decimal(str(v or 0)) for k, v in carried(sample).items() if isinstance(FMT.field(k), Field)}
        for e in eqs:
            assert e.residual(values) == 0, (sample.name, e.check.id)
            key = next(iter(e.terms))
            assert e.residual({**values, key: values[key] + 1}) != 0


def test_a_misread_digit_is_named_with_the_value_the_identities_ask_for():
    """「17」 read as 「12」 at 0.61 breaks （七）总计's 自然人 sum and the row's 总计: the cell alone
    explains both, so it is named with what was read, the confidence and 17 — and left as read."""
    imported = import_document(_scanned({GRANTED: {2: ("12", 0.61)}}), FMT)
    (finding,) = _digits(imported)
    sheet, span = workbook_layout(FMT).locate("t3.granted.natural")
    assert (finding.sheet, finding.cell, finding.severity) == (sheet, span.ref, "warning")
    assert "识别为“12”（置信度 0.61）" in finding.message and "应为 17，未自动更正" in finding.message
    assert finding.message.startswith(GRANTED) and "“自然人”列：（七）总计等于各项办理结果之和" in finding.message
    assert imported.values["t3.granted.natural"] == 12


def test_an_unread_cell_is_named_with_the_value_it_should_hold():
    imported = import_document(_scanned({GRANTED: {2: ("", 1.0)}}), FMT)
    (finding,) = [f for f in imported.findings if f.code == "IMP-OCR-DIGIT"]
    assert "没有识别出数字" in finding.message and "应为 17" in finding.message
    assert "t3.granted.natural" not in imported.values


def test_a_right_table_a_text_source_and_two_misreads_in_one_identity_name_nothing():
    assert _digits(import_document(_scanned(), FMT)) == []
    typed = import_document(_scanned({GRANTED: {2: ("12", 0.61)}}, recognised=False), FMT)
    assert _digits(typed) == []  # typed text is what the agency published: the validator says the rest
    both = import_document(_scanned({GRANTED: {2: ("12", 0.61), 3: ("5", 0.6)}}), FMT)
    assert _digits(both) == []  # no single cell explains it


def test_among_cells_that_would_each_explain_a_total_the_doubtful_one_is_named():
    """表四's 行政复议 total is one equation: any of its five cells could be the misread one. Read
    with confidence alike, none is named; the only one read with low confidence is."""
    sure = _scanned({REVIEW: {0: ("3", 0.97)}})
    assert _digits(import_document(sure, FMT)) == []
    (finding,) = _digits(import_document(_scanned({REVIEW: {0: ("3", 0.42)}}), FMT))
    assert "识别为“3”（置信度 0.42）" in finding.message and "应为 0" in finding.message


def test_a_misread_value_records_its_cell_box_and_confidence():
    imported = import_document(_scanned({GRANTED: {2: ("12", 0.61)}}), FMT)
    (placed,) = [p for p in imported.placed if p.key == "t3.granted.natural"]
    assert placed.seen == Seen(0.61, (0.2, 0.5, 0.29, 0.52))
    from xlsx_tools.published.record import workbook

    rows = list(workbook(imported, FMT)[FMT.importer["sheet"]].iter_rows(values_only=True))
    (row,) = [r for r in rows if r[5] == GRANTED and r[4] == 12]
    assert "文字识别（置信度 0.61；位置：左起 20%–29%，上起 50%–52%）" in row[7]


def test_assess_reads_a_report_by_hand_when_its_broken_identities_may_be_a_misread():
    """Only 勾稽 errors and a digit the identities point at: 需人工核查, that finding first; another
    kind of error as well, or no recognised digit: 不合格."""
    from xlsx_tools.check.validate import Report
    from xlsx_tools.format.findings import Finding
    from xlsx_tools.published.assessment import judge
    from xlsx_tools.published.conversion import Outcome

    def verdict(imported, *codes):
        errors = [Finding(code, "error", f"{code} 未通过") for code in codes]
        report = Report(TEXT.name, findings=errors)
        outcome = Outcome(TEXT, imported=imported, findings=imported.findings, report=report)
        assessed = judge(outcome, FMT)
        return assessed.verdict, assessed.findings[0].finding.code

    misread = import_document(_scanned({GRANTED: {2: ("12", 0.61)}}), FMT)
    assert verdict(misread, "R3", "R2") == ("manual", "IMP-OCR-DIGIT")
    assert verdict(misread, "R3", "T1")[0] == "fail"
    typed = import_document(_scanned({GRANTED: {2: ("12", 0.61)}}, recognised=False), FMT)
    assert verdict(typed, "R3", "R2") == ("fail", "R3")
