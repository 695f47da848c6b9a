"""`nianbao compare` (issue 18): two years field by field with Y1/Y2 and the cross-year checks,
every sentence repeated from last year listed with its similarity (Y3 when a section is more than
half reused), from the archive (SQLite and PostgreSQL) or from two files; a workbook and a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from batches import nianbao
from fills import correct_values, write_filled
from lxml import html as lxml_html
from openpyxl import load_workbook
from test_archive import chained

from xlsx_tools.archive.changes import compare_reports
from xlsx_tools.archive.reuse import compare_texts, normalised, sentences
from xlsx_tools.archive.store import Archive
from xlsx_tools.format.declaration import load
from xlsx_tools.format.uscc import complete
from xlsx_tools.read.reader import Report

FMT = load()


def report(values: dict, file: str = "本年.xlsx") -> Report:
    return Report(file, values, [], True, file.ljust(64, "0"), 1)


def codes(comparison) -> list[str]:
    return [f.code for f in comparison.every_finding]


# -- counts ----------------------------------------------------------------------------------------------------
def test_a_count_five_times_over_is_y1_and_one_gone_to_zero_is_y2():
    last, now = chained()
    last["t2.penalty.decisions"], now["t2.penalty.decisions"] = 12, 61  # ×5.1, the larger ≥ 20
    last["t2.licensing.decisions"], now["t2.licensing.decisions"] = 25, 0  # ≥ 20 → 0
    found = compare_reports([report(last, "上年.xlsx")], [report(now)]).every_finding
    y1 = [f for f in found if f.code == "Y1"]
    y2 = [f for f in found if f.code == "Y2"]
    assert [(f.sheet, "行政处罚" in f.message, "12" in f.message, "61" in f.message) for f in y1] == [
        ("表二", True, True, True)]
    assert len(y2) == 1 and "行政许可" in y2[0].message and y2[0].cell and y2[0].file == "本年.xlsx"


def test_ordinary_changes_and_small_numbers_are_quiet():
    last, now = chained()
    last["t2.penalty.decisions"], now["t2.penalty.decisions"] = 12, 59  # not quite ×5
    last["t2.licensing.decisions"], now["t2.licensing.decisions"] = 19, 0  # under 20 last year
    last["t2.enforcement.decisions"], now["t2.enforcement.decisions"] = 0, 19  # ×∞ but under 20
    comparison = compare_reports([report(last, "上年.xlsx")], [report(now)])
    assert not {"Y1", "Y2"} & set(codes(comparison))
    change = next(c for c in comparison.agencies[0].changes if c.key == "t2.penalty.decisions")
    assert (change.last, change.now, change.delta, round(change.rate, 4)) == (12, 59, 47, 3.9167)


def test_the_cross_year_checks_come_along():
    last, now = chained(shift=2)  # 上年结转 is not last year's 结转下年度
    assert "X1" in codes(compare_reports([report(last, "上年.xlsx")], [report(now)]))
    last, now = chained()
    assert "X1" not in codes(compare_reports([report(last, "上年.xlsx")], [report(now)]))


# -- narrative reuse -------------------------------------------------------------------------------------------
def test_sentences_are_compared_without_numbers_spaces_or_width():
    assert normalised("2024 年共收到 17 件，（一）") == normalised("2025年共收到２３件,(一)")
    assert sentences("一是加强。二是完善！三是？\n四", FMT) == ["一是加强。", "二是完善！", "三是？", "四"]


def test_every_copied_sentence_is_listed_with_its_similarity_and_y3_fires():
    last, now = chained()
    last["s5.text"] = ("2024年我局政务公开工作还存在一些不足：一是公开内容不够丰富，二是政策解读形式单一。"
                       "下一步，我局将进一步加强业务培训，提高信息发布质量。同时完善考核机制，强化监督检查。")
    now["s5.text"] = ("2025 年我局政务公开工作还存在一些不足：一是公开内容不够丰富，二是政策解读形式单一。"
                      "下一步，我局将进一步加强业务培训，提高信息发布的质量。同时完善考核机制，强化监督检查。")
    comparison = compare_reports([report(last, "上年.xlsx")], [report(now)])
    (section,) = [s for s in comparison.agencies[0].sections if s.title.startswith("五")]
    assert len(section.pairs) == 3 and section.share == 1.0
    exact = [p for p in section.pairs if p.similarity == 100]
    near = [p for p in section.pairs if p.similarity < 100]
    assert len(exact) == 2 and len(near) == 1 and near[0].similarity >= 90  # 「的」 added: near-identical
    assert near[0].now.endswith("提高信息发布的质量。") and near[0].last.endswith("提高信息发布质量。")
    (y3,) = [f for f in comparison.every_finding if f.code == "Y3" and "五、" in f.message]
    assert "100%" in y3.message and "3 句" in y3.message


def test_a_rewritten_section_is_quiet():
    last, now = chained()
    last["s5.text"] = "2024年我局政务公开工作还存在一些不足：一是公开内容不够丰富，二是政策解读形式单一。"
    now["s5.text"] = "本年度新设政策问答栏目，解读材料增至四十余篇；群众留言答复时限压缩到三个工作日以内。"
    sections = compare_texts(last, now, FMT)
    assert all(not s.pairs for s in sections if s.title.startswith("五"))
    found = compare_reports([report(last, "上年.xlsx")], [report(now)]).every_finding
    assert not [f for f in found if f.code == "Y3" and "五、" in f.message]
    assert [f for f in found if f.code == "Y3" and "一、" in f.message]  # section 一 is the same both years


# -- the district, from the archive; and from two files ------------------------------------------------------------
def _district(tmp_path: Path, db: str) -> Path:
    """Two agencies over two years in the archive: one copies its texts, one is new this year."""
    last, now = chained()
    now["t2.penalty.decisions"] = 80  # Y1 against 12
    copied = dict(now)
    copied["s1.proactive"] = last["s1.proactive"].replace("2024", "2025")
    other = correct_values()
    other.update({"id.name": "某市某区教育局", "id.code": complete("11410300MB0000002"), "id.year": 2025})
    for year, fills in ((2024, {"科技局": last}), (2025, {"科技局": copied, "教育局": other})):
        folder = tmp_path / str(year)
        folder.mkdir()
        for name, values in fills.items():
            write_filled(folder / f"{name}{year}.xlsx", values)
    archive = Archive(db)
    added = archive.add([tmp_path / "2024", tmp_path / "2025"])
    archive.close()
    assert len(added.stored) == 3, [f.message for s in added.rejected for f in s.errors]
    return tmp_path


def test_the_district_compared_from_the_archive(db, tmp_path):
    _district(tmp_path, db)
    out = tmp_path / "同比.xlsx"
    proc = nianbao("compare", "--db", db, "--year", "2025", "-o", out, "--html", tmp_path / "同比.html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = load_workbook(out)
    assert book.sheetnames == list(FMT.compare["workbook"].values())
    rows = [r for r in book["同比概览"].iter_rows(min_row=5, values_only=True) if r[1]]
    names = [r[1] for r in rows]
    assert names == ["某市某区教育局", "某市某区科学技术局", "合计"]
    assert rows[0][2] == "本年新增" and rows[1][2] is None
    problems = {r[2] for r in book["同比问题"].iter_rows(min_row=4, values_only=True)}
    assert {"Y1", "C4"} <= problems  # the surge, and the agency added to the district
    reused = [r for r in book["文字重复"].iter_rows(min_row=4, values_only=True) if r[0] == "某市某区科学技术局"]
    assert any(r[1].startswith("一、") and r[5] == 100 for r in reused)
    page = lxml_html.fromstring((tmp_path / "同比.html").read_bytes())
    assert not page.xpath("//script|//link|//img")  # one self-contained page
    assert [h.text_content() for h in page.xpath("//h2")] == list(FMT.compare["workbook"].values())
    assert "某市某区教育局" in page.text_content()


@pytest.mark.slow  # a scenario: two merges, then compare
def test_one_agency_from_two_workbooks_and_a_district_from_two_summaries(tmp_path):
    last, now = chained()
    now["t2.penalty.decisions"] = 80
    before, after = write_filled(tmp_path / "上年.xlsx", last), write_filled(tmp_path / "本年.xlsx", now)
    proc = nianbao("compare", before, after, "-o", tmp_path / "单位同比.xlsx")
    assert proc.returncode == 0 and "比较 1 个单位" in proc.stdout, proc.stdout + proc.stderr
    fields = list(load_workbook(tmp_path / "单位同比.xlsx")["逐项对比"].iter_rows(min_row=4, values_only=True))
    penalty = next(r for r in fields if r[1] and "行政处罚" in r[1])
    assert penalty[3:7] == (12, 80, 68, round(68 / 12, 4))
    for year in (2024, 2025):
        (tmp_path / str(year)).mkdir()
    write_filled(tmp_path / "2024" / "科技局.xlsx", last)
    write_filled(tmp_path / "2025" / "科技局.xlsx", now)
    for year in (2024, 2025):
        assert nianbao("merge", tmp_path / str(year), "-o", tmp_path / f"{year}汇总.xlsx").returncode == 0
    proc = nianbao("compare", tmp_path / "2024汇总.xlsx", tmp_path / "2025汇总.xlsx", "-o", tmp_path / "全区同比.xlsx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = load_workbook(tmp_path / "全区同比.xlsx")
    assert "Y1" in {r[2] for r in book["同比问题"].iter_rows(min_row=4, values_only=True)}
    wrong = nianbao("compare", before, tmp_path / "2025汇总.xlsx", "-o", tmp_path / "x.xlsx")
    assert wrong.returncode == 2 and "同为" in wrong.stderr


def test_the_comparison_opens_in_libreoffice(tmp_path, libreoffice):
    last, now = chained()
    before, after = write_filled(tmp_path / "上年.xlsx", last), write_filled(tmp_path / "本年.xlsx", now)
    assert nianbao("compare", before, after, "-o", tmp_path / "同比.xlsx").returncode == 0
    (pdf,) = libreoffice.convert([tmp_path / "同比.xlsx"], tmp_path / "pdf", "pdf")
    assert pdf.stat().st_size > 5000


def test_one_engine_whatever_the_door(tmp_path):
    """The same two years of a district through the three doors — two summary files, the archive,
    merge --previous — give the same cross-year findings (X2, C4); the two compare doors give the
    same surges (Y1, Y2) too (行政许可 1210 → 131 among them). Only Y3 needs the agencies' texts,
    which a summary does not keep."""
    from xlsx_tools.archive.changes import compare_summaries
    from xlsx_tools.consolidate.crossyear import read_previous
    from xlsx_tools.consolidate.merge import Options, consolidate
    from xlsx_tools.consolidate.summary import write_summary

    last, now = chained()
    now["t2.penalty.decisions"] = 80  # Y1 against 12
    now["t2.regulations.in_force"] += 3  # X2: not last year's + issued − repealed
    gone = correct_values() | {"id.name": "某市某区教育局", "id.code": complete("11410300MB0000002"), "id.year": 2024}
    lic_last, lic_now = chained()  # another agency, its two years chained too
    for values, year, decisions in ((lic_last, 2024, 1210), (lic_now, 2025, 131)):  # Y1: a fall to a ninth
        values.update({"id.name": "某市某区民政局", "id.code": complete("11410300MB0000003"), "id.year": year,
                       "t2.licensing.decisions": decisions})
    for year, fills in ((2024, {"科技局": last, "教育局": gone, "民政局": lic_last}),
                        (2025, {"科技局": now, "民政局": lic_now})):
        (tmp_path / str(year)).mkdir()
        for name, values in fills.items():
            write_filled(tmp_path / str(year) / f"{name}.xlsx", values)
    summaries = {}
    for year in (2024, 2025):
        result = consolidate([tmp_path / str(year)], Options(year=year))
        assert result.counts()["included"] == len(list((tmp_path / str(year)).iterdir()))
        summaries[year] = write_summary(result, tmp_path / f"{year}汇总.xlsx")
    merged = consolidate([tmp_path / "2025"], Options(year=2025), previous=read_previous(summaries[2024]))
    assert merged.counts()["included"] == 2, [(s.file, [f.message for f in s.errors]) for s in merged.submissions]
    archive = Archive(tmp_path / "库.sqlite")
    archive.add([tmp_path / "2024", tmp_path / "2025"])
    from_db = compare_reports(archive.reports(2024), archive.reports(2025))
    archive.close()
    from_files = compare_summaries(read_previous(summaries[2024]), read_previous(summaries[2025]))

    def said(findings, codes) -> set:
        return {(f.code, f.severity, f.sheet, f.cell, f.message) for f in findings if f.code in codes}

    cross = ("X1", "X2", "C4")
    by_merge = said(merged.all_findings, cross)
    assert {code for code, *_ in by_merge} == {"X2", "C4"}
    assert said(from_db.every_finding, cross) == said(from_files.every_finding, cross) == by_merge
    surges = ("Y1", "Y2")
    assert said(from_db.every_finding, surges) == said(from_files.every_finding, surges)
    assert any("1210" in m and "131" in m for *_, m in said(from_files.every_finding, surges))
