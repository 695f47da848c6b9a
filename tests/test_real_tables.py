"""Real published tables vary (issue 17, item 5): labels reworded, a value cell merged over several
rows, cells padded with empty paragraphs and ``&nbsp;``. Each variant is made from a generated
report (Word and web page) and imports to the workbook's values, or places the row with a finding
naming both labels, or reports the merged cell; nothing is dropped so that the totals break, and
nothing is copied or shifted silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from batches import nianbao
from conftest import SEEDS
from fills import write_filled
from livecases import random_fill
from lxml import html as lxml_html
from roundtrip import carried, differing

from xlsx_tools.format.declaration import load
from xlsx_tools.published.conversion import import_one
from xlsx_tools.published.document import Document
from xlsx_tools.published.matcher import import_document
from xlsx_tools.published.plaintext import text_lines

FMT = load()
SEED = (SEEDS / "洛龙区科技园街道办事处2024年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")


def run(text: str):
    return import_document(Document("年报.txt", "文本", text_lines(text)), FMT)


def numbers(result) -> dict:
    return {p.key: p.value for p in result.placed if p.key.startswith("t")}


BASE = run(SEED)


# -- labels reworded ----------------------------------------------------------------------------------
@pytest.mark.parametrize("declared,reworded", [
    ("2. 其他法律行政法规禁止公开", "2. 其他法律、行政法规禁止公开"),  # a character added
    ("1. 本机关不掌握相关政府信息", "1. 本机关不掌握该政府信息"),  # a near-synonym
    ("5. 要求行政机关确认或重新出具已获取信息", "5. 要求行政机关确认及重新出具已获取信息"),  # 或/及 swapped
    ("4. 保护第三方合法权益", "4. 保护第三方的合法权益"),
    ("一、本年新收政府信息公开申请数量", "一、本年收政府信息公开申请数量"),  # a character dropped
    ("四、结转下年度继续办理", "四、结转下年度办理"),
])
def test_a_reworded_label_is_placed_with_a_finding_naming_both(declared, reworded):
    assert SEED.count(declared) == 1
    result = run(SEED.replace(declared, reworded))
    assert numbers(result) == numbers(BASE)  # placed: nothing dropped, the totals still add up
    (near,) = [f for f in result.findings if f.code == "IMP-NEAR-LABEL"]
    assert reworded.replace(" ", "") in near.message.replace(" ", "")
    assert declared.replace(" ", "") in near.message.replace(" ", "") and near.severity == "warning"
    assert near.extra["where"].startswith("第") and "%" in near.message


@pytest.mark.parametrize("declared,blend,row", [
    ("1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "1. 申请人逾期不补正或未缴纳费用、行政机关不再处理其政府信息公开申请", "t3.other_no_correction."),
    ("一、本年新收政府信息公开申请数量", "一、本年结转政府信息公开申请数量", "t3.new."),  # 本年新收 + 上年结转
])
def test_a_label_close_to_two_rows_is_not_guessed(declared, blend, row):
    result = run(SEED.replace(declared, blend))
    assert "IMP-NEAR-LABEL" not in {f.code for f in result.findings}
    assert {"IMP-UNPLACED", "IMP-MISSING-ROW"} <= {f.code for f in result.findings}
    assert not any(k.startswith(row) for k in numbers(result))


def test_a_label_far_from_every_row_is_reported():
    result = run(SEED.replace("4. 保护第三方合法权益", "4. 其他不宜公开的情形"))
    assert "IMP-UNPLACED" in {f.code for f in result.findings}
    assert not any(k.startswith("t3.denied_third_party.") for k in numbers(result))


# -- merged value cells and padded cells, in Word and on a web page -----------------------------------------
@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A generated report of a fill with numbers everywhere, as .docx and .html."""
    work = tmp_path_factory.mktemp("tables")
    values = random_fill(41)
    for c in ("natural", "business", "research", "nonprofit", "legal", "other"):  # numbers to merge over
        assert values[f"t3.denied_secret.{c}"] == values[f"t3.denied_secret.{c}"]
    workbook = write_filled(work / "填报.xlsx", values)
    assert nianbao("report", workbook, "-o", work, "--format", "docx,html").returncode == 0
    return workbook, work / "填报.docx", work / "填报.html"


def _t3_rows(document):
    """表三 of a python-docx document, and its rows by their row label."""
    table = next(t for t in document.tables if any("本年新收" in c.text for c in t.rows[3].cells))
    rows = {}
    for r in table.rows:
        texts = [c.text for c in r.cells]
        label = next((t for t in texts if t.startswith(("1.", "2.", "3."))), None)
        rows.setdefault(label, r)
    return table, rows


def test_a_value_cell_merged_over_rows_in_word_is_reported_not_copied(documents, tmp_path):
    from docx import Document as Docx

    workbook, docx, _ = documents
    document = Docx(docx)
    table, rows = _t3_rows(document)
    first, second = rows["1.属于国家秘密"], rows["2.其他法律行政法规禁止公开"]
    column = len(first.cells) - 7  # 自然人
    merged = first.cells[column].merge(second.cells[column])
    merged.text = "9"
    path = tmp_path / "合并.docx"
    document.save(path)
    outcome = import_one(path, tmp_path / "合并.xlsx")
    back, expected = carried(outcome.target), carried(workbook)
    assert back["t3.denied_secret.natural"] == 9  # as printed, in the merge's first cell
    assert back["t3.denied_law.natural"] is None  # not a copy of it
    assert {k: back[k] for k in expected if k.startswith("t3.denied_law.") and not k.endswith(("natural", "total"))} \
        == {k: expected[k] for k in expected if k.startswith("t3.denied_law.") and not k.endswith(("natural", "total"))}
    (finding,) = [f for f in outcome.findings if f.code == "IMP-MERGED-CELL"]
    assert "其他法律行政法规禁止公开" in finding.message and "自然人" in finding.message


def test_a_value_cell_spanning_rows_on_a_web_page_keeps_the_other_columns_in_place(documents, tmp_path):
    workbook, _, page = documents
    root = lxml_html.fromstring(page.read_bytes())
    rows = root.xpath("//tr[th[contains(., '1.属于国家秘密')]] | //tr[th[contains(., '2.其他法律行政法规禁止公开')]]")
    first, second = rows
    first_values, second_values = first.xpath("./td"), second.xpath("./td")
    first_values[0].set("rowspan", "2")  # 自然人 spans the two rows; the second row loses its own cell
    second.remove(second_values[0])
    path = tmp_path / "合并.html"
    path.write_bytes(lxml_html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>"))
    outcome = import_one(path, tmp_path / "合并.xlsx")
    back, expected = carried(outcome.target), carried(workbook)
    assert back["t3.denied_law.natural"] is None
    for c in ("business", "research", "nonprofit", "legal", "other"):  # not shifted one column left
        assert back[f"t3.denied_law.{c}"] == expected[f"t3.denied_law.{c}"], c
    assert back["t3.denied_secret.natural"] == expected["t3.denied_secret.natural"]
    assert [f.code for f in outcome.findings].count("IMP-MERGED-CELL") == 1


def test_cells_padded_with_empty_paragraphs_and_nbsp_import_exactly(documents, tmp_path):
    from docx import Document as Docx

    workbook, docx, page = documents
    document = Docx(docx)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                cell.add_paragraph("")
                cell.paragraphs[0].insert_paragraph_before("\u00a0")
    document.save(tmp_path / "填充.docx")
    html = re.sub(r"(<t[dh][^>]*>)", r"\1&nbsp;<p></p>", page.read_text(encoding="utf-8"))
    html = html.replace("</td>", "&#160;</td>")
    (tmp_path / "填充.html").write_text(html, encoding="utf-8")
    assert "&nbsp;<p></p>" in html
    for name in ("填充.docx", "填充.html"):
        outcome = import_one(tmp_path / name, tmp_path / f"{name}.xlsx")
        assert differing(carried(workbook), carried(outcome.target)) == {}, name


def test_the_unchanged_documents_import_exactly(documents, tmp_path):
    workbook, docx, page = documents
    for source in (docx, page):
        outcome = import_one(source, tmp_path / f"{source.suffix}.xlsx")
        assert differing(carried(workbook), carried(outcome.target)) == {}
        assert not {"IMP-MERGED-CELL", "IMP-NEAR-LABEL"} & {f.code for f in outcome.findings}


def test_merged_group_labels_are_no_finding(documents):
    """Word and web tables merge 表三's group labels over their rows: that is layout, not a finding."""
    _, docx, page = documents
    assert b"rowspan" in Path(page).read_bytes() or b"vMerge" in docx.read_bytes()
