"""Text copied out of a PDF, made by hand artefact by artefact (issue 17, item 2): a seed laid out
with spaces as ``pdftotext -layout`` lays it out (tests/layout.py), then one artefact at a time —
labels wrapped with their numbers on the first, a middle or the last line, labels printed one
character a line, page breaks with running headers, page numbers and the table header repeated,
thousands separators, empty cells, paragraphs wrapped at the margin. Each imports to the seed's own
values or gives a finding naming its line; none misplaces a value."""

from __future__ import annotations

import re

import pytest
from conftest import SEEDS
from layout import lay_out, lines_of, numbers_at, replace_line, row, values_of

from xlsx_tools.format.declaration import load
from xlsx_tools.published.document import Document
from xlsx_tools.published.matcher import import_document
from xlsx_tools.published.plaintext import text_lines

FMT = load()
SEED = (SEEDS / "洛龙区科技园街道办事处2024年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
LAID = lay_out(SEED)
QUIET = {"IMP-INTRO", "IMP-KIND"}  # the two notes every import of this seed gets


def run(text: str):
    return import_document(Document("年报.txt", "文本", text_lines(text)), FMT)


def numbers(result) -> dict:
    """Every table value read (published totals too, whether or not they are written)."""
    return {p.key: p.value for p in result.placed if p.key.startswith("t")}


def texts(result) -> dict:
    return {k: v for k, v in result.values.items() if k.startswith("s")}


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


BASE = run(SEED)


def test_the_seed_laid_out_with_spaces_imports_as_the_seed():
    laid = run(LAID)
    assert "\t" not in LAID and numbers(laid) == numbers(BASE) and len(numbers(BASE)) > 100
    assert texts(laid) == texts(BASE) and codes(laid) == QUIET


# -- labels wrapped over lines ------------------------------------------------------------------------
LONG = "2. 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"


@pytest.mark.parametrize("label,pieces", [
    ("2. 其他法律行政法规禁止公开", ["2. 其他法律", "行政法规禁止", "公开"]),
    (LONG, ["2. 申请人逾期未按收费通知", "要求缴纳费用、行政机关不再处", "理其政府信息公开申请"]),
    ("5. 要求行政机关确认或重新出具已获取信息", ["5. 要求行政机关确认或重新出具已获", "取信息"]),
])
@pytest.mark.parametrize("on", [0, 1, -1], ids=["first", "middle", "last"])
def test_a_wrapped_label_with_its_numbers_on_any_of_its_lines(label, pieces, on):
    values = values_of(LAID, label)
    on = on % len(pieces)
    wrapped = [row(p, values if i == on else [], indent=4) for i, p in enumerate(pieces)]
    result = run(replace_line(LAID, label, wrapped))
    assert numbers(result) == numbers(BASE)
    assert codes(result) == QUIET  # the whole label was found: not even a note that it was cut short


def test_a_label_cut_short_with_nothing_after_it_is_placed_with_a_note():
    values = values_of(LAID, "2. 其他法律行政法规禁止公开")
    result = run(replace_line(LAID, "2. 其他法律行政法规禁止公开", [row("2. 其他法律行政法规", values)]))
    assert numbers(result) == numbers(BASE)
    (note,) = [f for f in result.findings if f.code == "IMP-PARTIAL-LABEL"]
    assert "2. 其他法律行政法规" in note.message and "禁止公开" in note.message and "第" in note.extra["where"]


# -- labels printed one character a line ---------------------------------------------------------------
def test_group_labels_printed_down_the_rows_one_character_a_line():
    lines = LAID.split("\n")
    first = lines_of(LAID, "(一) 予以公开")
    last = lines_of(LAID, "3. 其他")
    outer, inner = "三、本年度办理结果", "（三）不予公开"
    out = lines[:first]
    for i, line in enumerate(lines[first:last + 1]):
        line = line.replace("三、本年度办理结果   ", "").replace("(三) 不予公开   ", "")
        left = outer[i] if i < len(outer) else " "
        mid = inner[i - 2] if 2 <= i < 2 + len(inner) else " "
        out += [f"{left}   {mid}   {line}"]
        if i % 3 == 2:
            out += ["    （"]  # a bracket alone on a line of its own, as pdftotext prints it
    result = run("\n".join(out + lines[last + 1:]))
    assert numbers(result) == numbers(BASE)
    assert codes(result) == QUIET


# -- pages ------------------------------------------------------------------------------------------------
RUNNING = "洛龙区科技园街道办事处2024年政府信息公开工作年度报告"


@pytest.mark.parametrize("page_number", ["— {n} —", "-{n}-", "第 {n} 页", "{n} / 4", "第{n}页，共4页"])
def test_page_breaks_with_running_header_page_number_and_the_table_header_repeated(page_number):
    lines = LAID.split("\n")
    header = lines[lines_of(LAID, "(本列数据的勾稽关系为"):lines_of(LAID, "一、本年新收")]
    breaks = {lines_of(LAID, "二、主动公开政府信息情况") - 1: [],
              lines_of(LAID, "8. 属于行政查询事项"): header,
              lines_of(LAID, "五、存在的主要问题及改进情况") - 1: []}
    out = [RUNNING]
    for i, line in enumerate(lines):
        out.append(line)
        if i in breaks:
            n = len([b for b in breaks if b <= i])
            out += ["", "", " " * 30 + page_number.format(n=n), f"\f    {RUNNING}", *breaks[i]]
    text = "\n".join(out)
    assert text.count("\f") == 3 and text.count(RUNNING) == 4
    result = run(text)
    assert numbers(result) == numbers(BASE) and texts(result) == texts(BASE)
    assert codes(result) == QUIET  # no unknown line, no repeated row, the header's repeat passed over
    where = [p.line.where for p in result.placed if p.key == "t3.unavailable_not_held.natural"]
    assert where and where[0].startswith("第3页第")


# -- numbers ----------------------------------------------------------------------------------------------
def test_thousands_separators():
    values = ["1,017", "0", "2,500", "0", "0", "0", "3,517"]
    text = replace_line(LAID, "一、本年新收", [row("一、本年新收政府信息公开申请数量", values)])
    result = run(text)
    assert [numbers(result)[f"t3.new.{c}"] for c in ("natural", "research", "total")] == [1017, 2500, 3517]


def test_an_empty_cell_stands_in_its_column():
    values = values_of(LAID, "3. 危及“三安全一稳定”")
    values[2] = ""  # 科研机构 left empty: nothing printed there
    text = replace_line(LAID, "3. 危及“三安全一稳定”", [row("3. 危及“三安全一稳定”", values)])
    regulations = values_of(text, "规章")
    regulations[1] = ""
    text = replace_line(text, "规章", [row("规章", regulations)])
    result = run(text)
    expected = dict(numbers(BASE))
    del expected["t3.denied_security.research"], expected["t2.regulations.repealed"]
    assert numbers(result) == expected  # the rest in their own columns: 其他 is not shifted into 科研机构
    assert codes(result) == QUIET  # an empty cell is a blank, as in a Word table (the validator says S7)


def test_numbers_that_stand_under_no_column_are_a_finding_not_a_guess():
    values = values_of(LAID, "4. 保护第三方合法权益")
    shifted = "4. 保护第三方合法权益" + " " * 8 + "   ".join(values[:5])  # five numbers squeezed together
    result = run(replace_line(LAID, "4. 保护第三方合法权益", [shifted]))
    (finding,) = [f for f in result.findings if f.code == "IMP-UNALIGNED"]
    assert "保护第三方合法权益" in finding.message and "5 个" in finding.message and "7 个" in finding.message
    assert finding.extra["where"].startswith("第") and finding.severity == "error"
    assert not any(k.startswith("t3.denied_third_party.") for k in result.values)


def test_table_four_with_an_empty_cell_is_a_finding_when_its_header_cannot_place_it():
    """表四's one value row: its columns are known only from its header, and a Chinese header's
    places are not kept by pdftotext. A number missing there is reported, never shifted."""
    line = LAID.split("\n")[lines_of(LAID, "四、政府信息公开行政复议") + 5]
    values = line.split()
    values[3] = ""
    text = LAID.replace(line, numbers_at(values, 0))
    result = run(text)
    assert "IMP-UNALIGNED" in codes(result)
    assert not any(k.startswith("t4.") for k in result.values)


def test_a_number_glued_to_its_label_stays_a_finding():
    result = run(replace_line(LAID, "行政处罚", ["行政处罚3"]))
    assert "IMP-GLUED" in codes(result) and "t2.penalty.decisions" not in result.values


# -- paragraphs wrapped at the margin ---------------------------------------------------------------------
def _wrapped(text: str, width: int, indent: str) -> str:
    out = []
    for line in text.split("\n"):
        if len(line) <= width or "   " in line:
            out.append(indent + line if line.strip() else line)
            continue
        chunks = []
        while line:  # a break never falls beside a space (a PDF's text layer loses a space at a break)
            cut = width if len(line) > width else len(line)
            while 0 < cut < len(line) and " " in (line[cut - 1], line[cut]):
                cut -= 1
            chunks.append(line[:cut])
            line = line[cut:]
        out += [indent + chunks[0], *chunks[1:]]
    return "\n".join(out)


def test_paragraphs_wrapped_by_pdftotext_are_joined_back():
    text = _wrapped(LAID, 30, "  ")  # each paragraph's first line indented, as pdftotext prints it
    at = lines_of(text, "五、存在的主要问题及改进情况")
    lines = text.split("\n")
    text = "\n".join(lines[:at + 3] + [lines[at + 3][:10], "", "  — 3 —", "\f" + lines[at + 3][10:]] + lines[at + 4:])
    result = run(text)
    assert texts(result) == texts(BASE)
    assert numbers(result) == numbers(BASE)


def test_paragraphs_copied_out_of_a_pdf_viewer_are_joined_back():
    text = _wrapped(LAID, 30, "")  # no indentation, no form feeds: only the margin shows the wrapping
    result = run(text)
    assert texts(result) == texts(BASE)


def test_short_lines_of_their_own_stay_lines():
    result = run(LAID)  # the seed's paragraphs are one line each: nothing is joined
    assert all("\n" in v or len(v) < 300 for v in texts(result).values())
    assert texts(result) == texts(BASE)


# -- the column a number stands in ----------------------------------------------------------------------
def test_numbers_go_to_the_nearest_columns_in_order_or_nowhere():
    from xlsx_tools.published.columns import align, header_places

    columns = [10, 16, 22, 28, 34]
    assert align([10, 16.5, 33], columns) == [0, 1, 4]
    assert align([10, 13, 16], columns) is None  # 13 stands between two columns
    assert align([10, 16, 22, 28, 34, 40], columns) is None  # more numbers than columns
    assert align([10, float("nan")], columns) is None  # a place not known
    words = [("结果", 10.2), ("维持", 9.8), ("结果", 16), ("纠正", 16.1), ("总计", 22), ("行政复议", 16)]
    assert header_places(words, ["结果维持", "结果纠正", "总计"], 3) == [10.0, 16.05, 22.0]
    assert header_places(words, ["结果维持", "结果纠正", "总计"], 4) is None


def test_the_blank_form_laid_out_with_spaces_imports_as_blank_rows():
    """The national blank form copied out of a PDF: labels, no numbers (issue 17, item 6)."""
    blank = "\n".join(re.sub(r"(?<=\s)[\d.,]+(?=\s|$)", "", ln).rstrip() if "  " in ln else ln
                      for ln in LAID.split("\n"))
    assert not re.search(r"\s\d+\s*$", blank.split("三、收到和处理")[1].split("五、")[0], re.MULTILINE)
    result = run(blank)
    assert numbers(result) == {} and codes(result) == QUIET  # no table missing, no row missing, nothing unknown


def test_a_bare_number_is_a_page_number_only_at_a_page_edge():
    lines = LAID.split("\n")
    at = lines_of(LAID, "8. 属于行政查询事项")
    text = "\n".join(lines[:at + 1] + ["", "                 7", "\f" + lines[at + 1]] + lines[at + 2:])
    result = run(text)
    assert numbers(result) == numbers(BASE) and codes(result) == QUIET  # 「7」 ends page 1: a page number
    inside = "\n".join(lines[:at + 1] + ["                 7"] + lines[at + 1:])
    assert "IMP-UNPLACED" in codes(run(inside))  # in the middle of a page it is a number nobody placed


@pytest.mark.parametrize("on", [0, 1, -1], ids=["first", "middle", "last"])
def test_a_label_numbered_1_wrapped_over_blank_lines(on):
    """The issue's PDF text: a label numbered 「2、」, wrapped over three lines with blank lines between
    them, its numbers on one of them; the row is read and （七）总计 agrees with its parts."""
    pieces = ["2、申请人逾期未按收费通知", "要求缴纳费用、行政机关不再处", "理其政府信息公开申请"]
    values = values_of(LAID, LONG)
    on = on % len(pieces)
    wrapped = []
    for i, p in enumerate(pieces):
        wrapped += ([""] if i else []) + [row(p, values if i == on else [], indent=4)]
    result = run(replace_line(LAID, LONG, wrapped))
    assert numbers(result) == numbers(BASE)
    assert codes(result) <= QUIET | {"IMP-NEAR-LABEL"}
