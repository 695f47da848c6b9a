"""The importer against the artefacts of published reports (README: 能容忍的文字问题): each is made from a
real seed by a small edit, and must import to the seed's own values (or be a finding, never a
misplaced value)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import SEEDS

from xlsx_tools.check.validate import validate_paths
from xlsx_tools.consolidate.roster import Agency, Roster
from xlsx_tools.format.declaration import load
from xlsx_tools.published.conversion import import_one, import_paths
from xlsx_tools.published.document import Document
from xlsx_tools.published.matcher import import_document
from xlsx_tools.published.plaintext import decode, text_lines

FMT = load()
SEED = (SEEDS / "洛龙区科技园街道办事处2024年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
QUIET = (SEEDS / "卫东区东工人镇街道办事处2024年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 11, 22)


def run(text: str, roster: Roster | None = None):
    return import_document(Document("年报.txt", "文本", text_lines(text)), FMT, roster)


def numbers(result) -> dict:
    return {k: v for k, v in result.values.items() if k.startswith("t")}


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, count)


BASE = run(SEED)


def test_the_seed_itself_is_quiet():
    """A clean report raises nothing but the two notes every such report gets."""
    assert sorted(set(codes(run(QUIET)))) == ["IMP-INTRO", "IMP-KIND"]
    assert numbers(BASE)["t3.granted.natural"] == 17 and numbers(BASE)["t2.penalty.decisions"] == 3


@pytest.mark.parametrize("old,new", [
    ("\t商业企业\t科研机构\t社会公益组织\t法律服务机构", "\t商业 企业\t科研机构\t社会公益 组织\t法律服务 机构"),
    ("3. 危及“三安全一稳定”", '3.危及"三安全一稳定"'),
    ("(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)",
     "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("1. 申请人无正当理由", "1、申请人无正当理由"),
    ("三、本年度办理结果\t(一) 予以公开", "三、本年度办 理结果\t（一）予以公开"),
    ("行政处罚\t3", "行政处罚\t３"),  # a full-width digit
])
def test_punctuation_and_spaces_inside_labels(old, new):
    result = run(edit(SEED, old, new))
    assert numbers(result) == numbers(BASE)
    assert not set(codes(result)) - {"IMP-INTRO", "IMP-KIND"}


def test_a_wrapped_label_with_its_numbers_on_the_second_line():
    result = run(edit(SEED, "\t\t2. 其他法律行政法规禁止公开\t", "\t\t2. 其他法律行政法规禁止公\n开\t"))
    assert numbers(result) == numbers(BASE)
    assert not set(codes(result)) - {"IMP-INTRO", "IMP-KIND"}
    assert any(p.key == "t3.denied_law.natural" and "标签跨行" in p.note for p in result.placed)


def test_a_wrapped_label_with_its_numbers_on_the_first_line():
    line = next(ln for ln in SEED.splitlines() if "其他法律行政法规禁止公开" in ln)
    wrapped = line.replace("禁止公开", "禁止公") + "\n开"
    result = run(edit(SEED, line, wrapped))
    assert numbers(result) == numbers(BASE)
    # its last character 「开」 alone on the next line is the rest of the label, not a character printed down the page
    assert not {"IMP-PARTIAL-LABEL", "IMP-UNKNOWN-LINE"} & set(codes(result))


def test_page_break_repeats_of_the_header_and_a_row():
    lines = SEED.splitlines()
    header = [ln for ln in lines if ln.startswith("(本列数据") or ln.startswith("\t\t自然人") or "\t商业企业" in ln]
    at = next(i for i, ln in enumerate(lines) if "8. 属于行政查询事项" in ln)
    repeated = lines[:at + 1] + ["三、本年度办理结果"] + header + [lines[at]] + lines[at + 1:]
    result = run("\n".join(repeated))
    assert numbers(result) == numbers(BASE)
    assert set(codes(result)) - {"IMP-INTRO", "IMP-KIND"} == {"IMP-DUPLICATE"}


def test_pdf_vertical_text_one_character_per_line():
    vertical = "\n".join("三、 本 年 度 办 理 结 果".split())
    result = run(edit(SEED, "三、本年度办理结果\t", vertical + "\n\t"))
    assert numbers(result) == numbers(BASE)
    assert not set(codes(result)) - {"IMP-INTRO", "IMP-KIND"}


def test_a_label_glued_to_its_numbers_is_not_split():
    result = run(edit(SEED, "行政规范性文件\t0\t0\t0", "行政规范性文件000"))
    assert "IMP-GLUED" in codes(result) and "IMP-MISSING-ROW" in codes(result)
    assert not any(k.startswith("t2.normative_docs.") for k in result.values)
    assert {k: v for k, v in numbers(result).items()} == {
        k: v for k, v in numbers(BASE).items() if not k.startswith("t2.normative_docs.")}


def test_unknown_numbers_are_a_finding_not_a_value():
    result = run(edit(SEED, "四、结转下年度继续办理", "九、其他情况\t\t1\t0\t0\t0\t0\t0\t1\n四、结转下年度继续办理"))
    assert "IMP-UNPLACED" in codes(result) and numbers(result) == numbers(BASE)


def test_a_row_given_twice_with_other_numbers_keeps_the_first_and_says_so():
    result = run(edit(SEED, "行政强制\t0", "行政处罚\t5\t\t\n行政强制\t0"))
    assert "IMP-CONFLICT" in codes(result) and result.values["t2.penalty.decisions"] == 3


def test_a_row_with_more_numbers_than_columns_is_not_placed():
    result = run(edit(SEED, "规章\t0\t0\t0", "规章\t0\t0\t0\t7"))
    assert "IMP-LONG-ROW" in codes(result) and not any(k.startswith("t2.regulations.") for k in result.values)


def test_a_blank_total_cell_keeps_the_template_formula():
    line = next(ln for ln in SEED.splitlines() if "1. 属于国家秘密" in ln)
    result = run(edit(SEED, line, line.rsplit("\t", 1)[0]))
    short = [f for f in result.findings if f.code == "IMP-SHORT-ROW"]
    assert len(short) == 1 and "总计" in short[0].message
    assert "t3.denied_secret.total" not in result.values and result.values["t3.denied_secret.natural"] == 0


def test_title_variants_and_renamed_headings():
    text = edit(SEED, "四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政复议和行政诉讼情况")
    text = edit(text, "五、存在的主要问题及改进情况", "5、存在的主要问题和改进情况")
    result = run(text)
    assert codes(result).count("S1") == 2
    assert numbers(result) == numbers(BASE)
    assert result.values["s5.text"] == BASE.values["s5.text"]


def test_a_missing_section_and_a_missing_title():
    title = SEED.splitlines()[2]
    text = SEED.split("六、其他需要报告的事项")[0].replace(title, "")
    result = run(text)
    assert "S1" in codes(result) and "IMP-TITLE" in codes(result)
    assert "s6.text" not in result.values and "id.name" not in result.values
    assert numbers(result) == numbers(BASE)


def test_a_title_split_over_two_lines():
    result = run(edit(SEED, "洛龙区科技园街道办事处 2024 年", "洛龙区科技园街道办事处\n2024 年"))
    assert (result.values["id.name"], result.values["id.year"]) == ("洛龙区科技园街道办事处", 2024)
    assert "IMP-OUTSIDE" not in codes(result)


OLD_HEADER = ("信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
              "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量")
OLD_ROW = ("(六) 其他处理\t1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t", "(六) 其他处理\t")


@pytest.mark.parametrize("edits", [[OLD_HEADER], [OLD_HEADER, OLD_ROW]])
def test_the_2019_format_is_recognised_and_refused(tmp_path, edits):
    text = SEED
    for old, new in edits:
        text = edit(text, old, new)
    source = tmp_path / "2019.txt"
    source.write_text(text, encoding="utf-8")
    outcome = import_one(source, tmp_path / "2019.xlsx", now=NOW)
    assert outcome.target is None and not (tmp_path / "2019.xlsx").exists()
    assert [f.code for f in outcome.findings if f.severity == "error"] == ["S5"]


def test_a_2021_report_with_one_2019_style_row_imports_with_that_rows_finding(tmp_path):
    """The issue's report: 表三's （六）其他处理 printed as one row, the rest in the 2021 format. It is
    imported as 2021, the row is a finding at its line, and every other check still runs."""
    text = edit(SEED, *OLD_ROW)
    result = run(text)
    old = [f for f in result.findings if f.code == "IMP-OLD-ROW"]
    assert len(old) == 1 and old[0].message.startswith("第61行：“(六) 其他处理”")
    assert "S5" not in codes(result) and not result.refused
    kept = {k: v for k, v in numbers(result).items() if not k.startswith("t3.results_total.")}
    assert kept == {k: v for k, v in numbers(BASE).items() if not k.startswith("t3.other_no_correction.")}
    assert result.values["t3.results_total.natural"] == 17  # a total whose part is missing: kept as published
    source = tmp_path / "2021.txt"
    source.write_text(text, encoding="utf-8")
    outcome = import_one(source, tmp_path / "2021.xlsx", now=NOW)
    assert outcome.target is not None and outcome.target.exists()
    assert "IMP-OLD-ROW" in [f.code for f in outcome.findings]
    checked = validate_paths([outcome.target])[0]  # the workbook is checked like any other: the row's cells blank
    assert checked.readable and {(f.code, f.sheet, f.cell[1:]) for f in checked.findings if f.code == "S7"} == {
        ("S7", "表三", "26")}


def test_gb18030_text_and_the_roster():
    data = SEED.encode("gb18030")
    text, encoding = decode(data)
    assert encoding == "gb18030"
    roster = Roster("名录.xlsx", agencies=[Agency(7, {"name": "洛龙区科技园街道办事处", "code": "X", "kind": "部门",
                                                    "region": "某区"})])
    result = run(text, roster)
    assert numbers(result) == numbers(BASE)
    assert (result.values["id.code"], result.values["id.kind"], result.values["id.region"]) == ("X", "部门", "某区")
    assert "IMP-KIND" not in codes(result)
    other = run(text, Roster("名录.xlsx", agencies=[Agency(2, {"name": "别的单位"})]))
    assert "IMP-ROSTER" in codes(other) and "id.code" not in other.values


def test_a_published_total_that_disagrees_is_kept_and_reported(tmp_path):
    """(七）总计 typed as 15 while its rows sum to 17: the workbook holds 15 and the validator says R2;
    the narrative's 20 against the table's 17 is reported as T1."""
    text = edit(SEED, "(七) 总计\t17\t0\t0\t0\t0\t0\t17", "(七) 总计\t15\t0\t0\t0\t0\t0\t15")
    text = edit(text, "共收到 17 起", "共收到 20 起")
    source = tmp_path / "年报.txt"
    source.write_text(text, encoding="utf-8")
    (outcome,) = import_paths([source], tmp_path / "out", now=NOW)
    assert outcome.imported.values["t3.results_total.natural"] == 15
    found = {(f.code, f.sheet) for f in outcome.report.findings}
    assert {("R2", "表三"), ("R1", "表三"), ("T1", "一、总体情况")} <= found
    record = next(p for p in outcome.imported.placed if p.key == "t3.results_total.natural")
    assert record.written and record.note == FMT.importer["published_total"]
    agreeing = next(p for p in outcome.imported.placed if p.key == "t3.new.total")
    assert not agreeing.written and agreeing.note == FMT.importer["agrees"]


def test_an_oversized_source_is_refused_by_the_limit(tmp_path):
    source = tmp_path / "大.txt"
    source.write_bytes(SEED.encode() * 40)
    outcome = import_one(source, tmp_path / "大.xlsx", max_mb=0.01)
    assert [f.code for f in outcome.findings] == ["IMP-UNREADABLE"] and "--max-mb" in outcome.findings[0].message
    assert not Path(tmp_path / "大.xlsx").exists()


def test_a_repeated_section_heading_is_not_an_unknown_line():
    result = run(edit(SEED, "四、结转下年度继续办理", "三、收到和处理政府信息公开申请情况\n四、结转下年度继续办理"))
    assert numbers(result) == numbers(BASE) and "IMP-UNKNOWN-LINE" not in codes(result)


def test_a_gbk_web_page_without_a_charset():
    from xlsx_tools.published.webpage import html_lines

    page = ("<html><body><p>二、主动公开政府信息情况</p>"
            "<table><tr><td>行政处罚</td><td>3</td></tr></table></body></html>")
    lines = html_lines(page.encode("gb18030"))
    assert [ln.cells for ln in lines] == [("二、主动公开政府信息情况",), ("行政处罚", "3")]


def test_a_row_label_one_space_from_its_number_is_read():
    """「行政许可 0」 copied as plain text: one space is a cell boundary when the label is a row's."""
    result = run(edit(SEED, "行政许可\t0\t\t", "行政许可 0"))
    assert "IMP-GLUED" not in codes(result) and numbers(result) == numbers(BASE)
    glued = run(edit(SEED, "行政许可\t0\t\t", "行政许可0"))  # no space at all: still not split, still said
    assert "IMP-GLUED" in codes(glued) and "t2.licensing.decisions" not in glued.values


def _piped(text: str) -> str:
    """The seed as a conversion tool gives it in markdown: every tab-separated row a pipe row, a rule
    line under each table's first row, headings marked with ### and bold."""
    out, in_table = [], False
    for line in text.split("\n"):
        if "\t" in line:
            cells = line.split("\t")
            out.append("| " + " | ".join(cells) + " |")
            if not in_table:
                out.append("|" + "---|" * len(cells))
            in_table = True
            continue
        in_table = False
        if line[:2] in ("一、", "二、", "三、", "四、", "五、", "六、"):
            line = f"### **{line}**"
        out.append(line)
    return "\n".join(out)


def test_markdown_and_pipe_tables_read_like_any_other():
    piped = _piped(SEED)
    assert "| 行政许可 | 0 |" in piped and "### **三、收到和处理政府信息公开申请情况**" in piped
    result = run(piped)
    assert numbers(result) == numbers(BASE)
    assert not {"IMP-UNPLACED", "IMP-NO-TABLES", "S1/import-missing", "IMP-UNKNOWN-LINE"} & set(codes(result))


META = "名称：洛龙区科技园街道办事处 2024 年政府信息公开工作 年度报告\n索引号：11410311MB1234567X/2025-00012\n" \
       "发布机构：洛龙区科技园街道办事处\t发文日期：2025-01-18\t公开日期：{published}\n"


def _with_metadata(published: str) -> str:
    title = SEED.splitlines()[2]
    return SEED.replace(title, META.format(published=published), 1)


def test_a_web_pages_metadata_block_gives_the_date_not_the_name():
    result = run(_with_metadata("2025-01-20"))
    assert result.values["id.name"] == "洛龙区科技园街道办事处" and result.values["id.year"] == 2024
    facts = {f.name: (f.value, f.source) for f in result.facts}
    assert facts["published"] == (dt.date(2025, 1, 20), "网页信息栏")  # 公开日期 before 发文日期
    assert facts["index"][0] == "11410311MB1234567X/2025-00012" and facts["publisher"][0] == "洛龙区科技园街道办事处"
    assert "IMP-LATE" not in codes(result) and "IMP-OUTSIDE" not in codes(result)
    assert numbers(result) == numbers(BASE)


def test_a_report_published_after_31_january_is_late_and_says_its_source():
    result = run(_with_metadata("2025年2月3日"))
    late = [f for f in result.findings if f.code == "IMP-LATE"]
    assert len(late) == 1 and "2025-02-03" in late[0].message and "网页信息栏" in late[0].message
    assert "2025-01-31" in late[0].message
    signed = run(SEED.rstrip("\n") + "\n\n洛龙区科技园街道办事处\n2025年3月1日\n")  # no metadata: the signature's date
    assert [f.source for f in signed.facts] == ["落款日期"] and "IMP-LATE" in codes(signed)
    given = import_document(Document("年报.txt", "文本", text_lines(_with_metadata("2025-02-03"))), FMT,
                            deadline=dt.date(2025, 2, 28))
    assert "IMP-LATE" not in codes(given)  # a --deadline of its own


def test_the_publication_facts_are_in_the_import_record(tmp_path):
    source = tmp_path / "网页.txt"
    source.write_text(_with_metadata("2025-01-20"), encoding="utf-8")
    outcome = import_one(source, tmp_path / "网页.xlsx", now=NOW)
    from openpyxl import load_workbook

    rows = [r for r in load_workbook(outcome.target)["导入记录"].iter_rows(values_only=True) if any(r)]
    assert any(r[3:8] == ("发布日期", "2025-01-20", "第5行", r[6], "网页信息栏") for r in rows)
    assert any(r[3] == "索引号" and r[4] == "11410311MB1234567X/2025-00012" for r in rows)


def test_a_web_page_with_its_sites_metadata_table(tmp_path):
    """The issue's page: the site's metadata block (a table of 名称/索引号/发布机构/发布日期) before the
    report, the report's tables as HTML tables."""
    import html

    title = SEED.splitlines()[2]
    rows, body = [], []
    for line in SEED.splitlines()[3:]:
        if "\t" in line:
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if rows:
            body.append("<table>" + "".join(rows) + "</table>")
            rows = []
        if line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    meta = ("<table class='meta'><tr><td>索引号：</td><td>114103/2025-00012</td>"
            "<td>发布机构：</td><td>科技园街道</td></tr>"
            f"<tr><td>名称：</td><td colspan='3'>{html.escape(title)}</td></tr>"
            "<tr><td>发布日期：</td><td>2025-02-05</td></tr></table>")
    page = tmp_path / "年报.html"
    page.write_text(f"<html><head><meta charset='utf-8'></head><body>{meta}<h1>{html.escape(title)}</h1>"
                    f"{''.join(body)}</body></html>", encoding="utf-8")
    outcome = import_one(page, tmp_path / "年报.xlsx", now=NOW)
    imported = outcome.imported
    assert imported.values["id.name"] == "洛龙区科技园街道办事处"
    assert {f.name: f.value for f in imported.facts}["published"] == dt.date(2025, 2, 5)
    assert "IMP-LATE" in [f.code for f in outcome.findings]


def test_a_table_of_which_nothing_was_read_is_one_error_and_its_text_checks_wait(tmp_path):
    """表三 not read at all (here: gone from the text, as a picture would be): one IMP-TABLE-UNREAD,
    no row-by-row noise, and the text's "共收到 17 起" is not reported against an empty 表三."""
    lines = SEED.splitlines()
    start = lines.index("三、收到和处理政府信息公开申请情况")
    end = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    source = tmp_path / "无表三.txt"
    source.write_text("\n".join(lines[:start + 1] + lines[end:]), encoding="utf-8")
    (outcome,) = import_paths([source], tmp_path / "out", now=NOW)
    unread = [f for f in outcome.findings if f.code == "IMP-TABLE-UNREAD"]
    assert len(unread) == 1 and "表三" in unread[0].message
    assert not [f for f in outcome.findings if f.code == "IMP-MISSING-ROW" and "表三" in f.message]
    checked = outcome.report.findings
    assert any(f.sheet == "表三" and "暂不进行" in f.message for f in checked)  # said once: held, not "应为 0"
    assert not [f for f in checked if f.code.startswith("T") and "应为 0" in f.message], \
        [f.message for f in checked if f.code.startswith("T")]
    whole = tmp_path / "完整.txt"  # the quiet side: with 表三, the text is checked against it
    whole.write_text(SEED, encoding="utf-8")
    (complete,) = import_paths([whole], tmp_path / "out2", now=NOW)
    assert "IMP-TABLE-UNREAD" not in [f.code for f in complete.findings]
    assert not any("暂不进行" in f.message for f in complete.report.findings)


@pytest.mark.parametrize("numbered", ["1、属于国家秘密", "（1）属于国家秘密", "(1)属于国家秘密", "①属于国家秘密",
                                      "1）属于国家秘密"])
def test_sub_rows_numbered_in_any_style_are_read_without_a_warning(numbered):
    result = run(edit(SEED, "1. 属于国家秘密", numbered))
    assert numbers(result) == numbers(BASE)
    assert not set(codes(result)) - {"IMP-INTRO", "IMP-KIND"}  # not even IMP-NEAR-LABEL


def test_a_pdfs_own_date_is_the_weakest_source_and_only_a_warning():
    """No date on the page or under the signature: the PDF's document information (修改日期 before
    创建日期) gives the date, recorded with its source; after the deadline it is a warning (a site may
    save a file again later), before it nothing is said."""
    from xlsx_tools.published.pdfdoc import file_dates

    dates = file_dates({"CreationDate": b"D:20250120093000+08'00'", "ModDate": "D:20250302", "Producer": "x"})
    assert dates == [("修改日期", dt.date(2025, 3, 2)), ("创建日期", dt.date(2025, 1, 20))]
    assert file_dates({"ModDate": "D:20251399", "CreationDate": None}) == []  # no such day; none given
    late = import_document(Document("年报.pdf", "PDF 文档", text_lines(SEED), file_dates=dates), FMT)
    (finding,) = [f for f in late.findings if f.code == "IMP-LATE"]
    assert finding.severity == "warning" and "2025-03-02" in finding.message and "修改日期" in finding.message
    assert [(f.value, f.source) for f in late.facts] == [(dt.date(2025, 3, 2), "PDF 文档属性中的修改日期")]
    early = import_document(Document("年报.pdf", "PDF 文档", text_lines(SEED), file_dates=dates[1:]), FMT)
    assert "IMP-LATE" not in codes(early) and early.facts[0].value == dt.date(2025, 1, 20)
    signed = SEED.rstrip("\n") + "\n\n洛龙区科技园街道办事处\n2025年1月25日\n"  # a stronger source wins
    kept = import_document(Document("年报.pdf", "PDF 文档", text_lines(signed), file_dates=dates), FMT)
    assert "IMP-LATE" not in codes(kept) and [f.source for f in kept.facts] == ["落款日期"]
