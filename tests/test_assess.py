"""`nianbao assess` (issue 31): a region's published reports judged as a careful reader judges them.

The region is made from the samples' real reports: one published on time, one late (the page's
公开日期), one with a 2019-style row whose total no longer adds up, one whose tables are pictures
(no table text at all), one whose text contradicts its table, one scan, one copied from last year,
the real report whose 表三 lacks columns, and a roster naming an agency that published nothing. Each
row of the assessment is what a reader finds in that report, worst first.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest
from batches import nianbao
from conftest import SEEDS
from openpyxl import Workbook, load_workbook
from zoo import render, scanned_pdf

from xlsx_tools.consolidate.roster import read_roster
from xlsx_tools.format.declaration import load
from xlsx_tools.published.assessbook import write_html, write_workbook
from xlsx_tools.published.assessment import assess, category

FMT = load()
SEED_NAME = "洛龙区科技园街道办事处"
SEED = (SEEDS / f"{SEED_NAME}2024年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
FENGQUAN = SEEDS / "凤泉区科学技术局2024年政府信息公开工作年度报告.txt"
TITLE = SEED.splitlines()[2]
OLD_ROW = ("(六) 其他处理\t1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t", "(六) 其他处理\t")


def renamed(name: str, text: str = SEED) -> str:
    return text.replace(SEED_NAME, name)


def with_date(text: str, published: str) -> str:
    """The site's metadata block before the title, as a web page has it."""
    title = text.splitlines()[2]
    block = f"名称：{title}\n索引号：114103/2025-00012\n发布机构：某单位\t公开日期：{published}\n"
    return text.replace(title, block, 1)


def last_year(text: str) -> str:
    """The same report a year earlier: every year one less, one figure changed."""
    return text.replace("2025", "2026x").replace("2024", "2023").replace("2026x", "2024").replace("17 起", "12 起")


def pictures(text: str) -> str:
    """The tables published as pictures: none of their rows is text."""
    return "\n".join(line for line in text.splitlines() if "\t" not in line)


def roster(folder: Path, names: list[str]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for n, name in enumerate(names, 1):
        ws.append([n, name, "", "乡镇街道", "某区"])
    path = folder / "名录.xlsx"
    wb.save(path)
    return path


#: agency → (how it is published, the verdict, the kinds of problem a careful reader finds)
REGION = {
    "甲街道办事处": ("html", "不合格", {"timeliness"}),
    "乙街道办事处": ("docx", "不合格", {"format", "arithmetic", "tables"}),
    "丁街道办事处": ("txt", "不合格", {"tables"}),
    "戊街道办事处": ("txt", "基本合格", {"text"}),
    SEED_NAME: ("txt", "基本合格", {"reuse"}),
    "凤泉区科学技术局": ("txt", "基本合格", {"tables"}),
    "丙街道办事处": ("html", "合格", set()),
}


def build_region(folder: Path, formats: dict[str, str] | None = None, libreoffice=None) -> dict[str, Path]:
    """The region's published reports under ``folder``/2024 and last year's under ``folder``/2023."""
    kinds = {name: kind for name, (kind, _, _) in REGION.items()} | (formats or {})
    texts = {
        "甲街道办事处": with_date(renamed("甲街道办事处"), "2025-03-10"),
        # a 2019-style row, and a row that does not add up to its printed 总计 (18 natural persons, 总计 17)
        "乙街道办事处": renamed("乙街道办事处",
                            SEED.replace(*OLD_ROW).replace("申请数量\t\t17\t", "申请数量\t\t18\t", 1)),
        "丁街道办事处": pictures(renamed("丁街道办事处")),
        "戊街道办事处": renamed("戊街道办事处", SEED.replace("共收到 17 起", "共收到 25 起")),
        SEED_NAME: SEED,
        "丙街道办事处": with_date(renamed("丙街道办事处"), "2025-01-20"),
    }
    now = folder / "2024"
    made = {name: render(text, now, f"{name}2024年报", (kinds[name],), libreoffice)[kinds[name]]
            for name, text in texts.items()}
    made["凤泉区科学技术局"] = now / FENGQUAN.name
    made["凤泉区科学技术局"].write_bytes(FENGQUAN.read_bytes())
    made["扫描件"] = scanned_pdf(now / "某局2024年报（扫描件）.pdf")
    render(last_year(SEED), folder / "2023", f"{SEED_NAME}2023年报", ("txt",))
    return made


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    made = build_region(folder)
    names = [*REGION, "己街道办事处"]
    result = assess([folder / "2024"], previous=[folder / "2023"], roster=read_roster(roster(folder, names)))
    return folder, made, result


def test_each_report_gets_what_a_careful_reader_finds(region):
    _, made, result = region
    rows = {r.name or r.source.name: r for r in result.reports}
    assert set(rows) == {*REGION, "某局2024年报（扫描件）.pdf"}
    for name, (_, verdict, kinds) in REGION.items():
        r = rows[name]
        assert FMT.assess["verdicts"][r.verdict] == verdict, (name, [loc.finding.code for loc in r.findings])
        found = {k for k, n in r.counts.items() if n}
        assert found == kinds, (name, found, [(loc.finding.code, loc.category) for loc in r.findings])
    scan = rows["某局2024年报（扫描件）.pdf"]
    assert scan.verdict == "manual" and scan.findings[0].finding.code == "IMP-SCANNED"
    assert [g.values["name"] for g in result.missing] == ["己街道办事处"]


def test_the_worst_come_first(region):
    _, _, result = region
    order = [r.verdict for r in result.reports]
    assert order == sorted(order, key=["fail", "manual", "fair", "pass"].index)
    fails = [r for r in result.reports if r.verdict == "fail"]
    assert [r.errors for r in fails] == sorted((r.errors for r in fails), reverse=True)


def test_publication_dates_and_their_sources(region):
    _, _, result = region
    rows = {r.name: r for r in result.reports}
    late, timely = rows["甲街道办事处"], rows["丙街道办事处"]
    assert (late.on_time, late.published.value, late.published.source) == ("late", dt.date(2025, 3, 10), "网页信息栏")
    assert (timely.on_time, timely.published.value) == ("yes", dt.date(2025, 1, 20))
    assert rows[SEED_NAME].on_time == "unknown" and rows[SEED_NAME].published is None
    imp = next(loc for loc in late.findings if loc.finding.code == "IMP-LATE")
    assert imp.origin and "2025-03-10" in imp.finding.message and "2025-01-31" in imp.finding.message


def test_sentences_reused_from_last_year(region):
    _, _, result = region
    rows = {r.name: r for r in result.reports}
    copied = rows[SEED_NAME]
    assert copied.previous == f"{SEED_NAME}2023年报.txt" and copied.reused >= 5 and copied.reuse_share > 0.9
    assert any(loc.finding.code == "Y3" for loc in copied.findings)
    others = [r for r in result.reports if r.name and r.name != SEED_NAME]
    assert all(r.reuse is None and r.reused == 0 for r in others)  # no report of theirs a year before


def test_every_finding_is_located_in_the_original(region):
    _, _, result = region
    rows = {r.name: r for r in result.reports}
    old = next(loc for loc in rows["乙街道办事处"].findings if loc.finding.code == "IMP-OLD-ROW")
    assert old.origin.startswith("第") and "表格" in old.origin  # a Word table's row
    arithmetic = [loc for loc in rows["乙街道办事处"].findings if loc.category == "arithmetic"]
    assert arithmetic and all(loc.place.startswith("表三!") and loc.labels.startswith("表三") for loc in arithmetic)
    text = next(loc for loc in rows["戊街道办事处"].findings if loc.finding.code == "T1")
    assert text.origin.startswith("第") and "25" in text.finding.message
    blank = next(loc for loc in rows["凤泉区科学技术局"].findings if loc.finding.code == "S7")
    assert "19 个单元格" in blank.place and blank.origin.startswith("第")  # one problem, not 19
    unread = [loc for loc in rows["丁街道办事处"].findings if loc.finding.code == "IMP-TABLE-UNREAD"]
    assert len(unread) == 3 and not any(loc.finding.code in ("T1", "T2", "S7") for loc in rows["丁街道办事处"].findings)


def test_fields_a_published_report_never_carries_are_left_out(region):
    _, _, result = region
    codes = {loc.finding.code for r in result.reports for loc in r.findings}
    assert not codes & {"I2", "I3", "I5", "I6", "I7"}
    assert category("R2", FMT) == "arithmetic" and category("T1", FMT) == "text" and category("I6", FMT) == ""


def test_the_workbook_and_the_page_say_the_same(region, tmp_path):
    _, _, result = region
    book = write_workbook(result, tmp_path / "评估.xlsx")
    page = write_html(result, tmp_path / "评估.html").read_text(encoding="utf-8")
    wb = load_workbook(book)
    assert wb.sheetnames == ["概览", "评估结果", "问题清单", "重复句子", "未找到"]
    rows = list(wb["评估结果"].iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == [r.name or "（未识别）" for r in result.reports]
    assert [r[3] for r in rows] == [FMT.assess["verdicts"][r.verdict] for r in result.reports]
    for r in result.reports:
        assert (r.name or "（未识别）") in page
    assert "己街道办事处" in page and "不合格" in page
    cached = load_workbook(book, data_only=True)["概览"]
    counted = {cached.cell(n, 1).value: cached.cell(n, 2).value for n in range(5, 9)}
    assert counted == {"不合格": 3, "需人工核查": 1, "基本合格": 3, "合格": 1}


def test_without_anything_to_assess_it_is_a_usage_error(tmp_path):
    (tmp_path / "空").mkdir()
    proc = nianbao("assess", tmp_path / "空", "-o", tmp_path / "评估.xlsx")
    assert proc.returncode == 2 and "没有找到可导入的年报" in proc.stderr
    assert not (tmp_path / "评估.xlsx").exists()


def test_a_missing_archive_is_a_usage_error_not_a_new_database(tmp_path):
    SEEDS_COPY = tmp_path / "年报"
    SEEDS_COPY.mkdir()
    (SEEDS_COPY / "a.txt").write_text(SEED, encoding="utf-8")
    proc = nianbao("assess", SEEDS_COPY, "-o", tmp_path / "评估.xlsx", "--archive", tmp_path / "无.sqlite")
    assert proc.returncode == 2 and "不存在" in proc.stderr and not (tmp_path / "无.sqlite").exists()


# -- the command, real clients, the archive -------------------------------------------------------------
@pytest.mark.slow
def test_the_command_on_a_region_in_every_format(tmp_path, libreoffice, gnumeric):
    """`nianbao assess` as a subprocess on the region with a PDF, last year's report in the same
    folder (--year keeps it out of the rows and uses it for the reuse), the roster and --html; the
    overview's formulas are what LibreOffice and Gnumeric compute."""
    formats = {"丙街道办事处": "pdf", "戊街道办事处": "docx"}
    build_region(tmp_path, formats, libreoffice)
    (tmp_path / "2024" / f"{SEED_NAME}2023年报.txt").write_bytes((tmp_path / "2023" / f"{SEED_NAME}2023年报.txt")
                                                               .read_bytes())
    names = [*REGION, "己街道办事处"]
    out, page = tmp_path / "评估.xlsx", tmp_path / "评估.html"
    proc = nianbao("assess", tmp_path / "2024", "-o", out, "--roster", roster(tmp_path, names), "--html", page,
                   "--year", "2024")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # three reports fail
    assert "共评估 8 份年报：不合格 3 份，需人工核查 1 份，基本合格 3 份，合格 1 份" in proc.stdout
    assert "未找到  己街道办事处" in proc.stdout
    rows = {r[1]: r for r in load_workbook(out)["评估结果"].iter_rows(min_row=4, values_only=True)}
    for name, (_, verdict, _) in REGION.items():
        assert rows[name][3] == verdict, (name, rows[name])
    assert rows["丙街道办事处"][6:9] == ("2025-01-20", "网页信息栏", "按时")  # the PDF's page text carries the date
    assert rows["戊街道办事处"][12] == 1  # 正文与表格不符, from a Word document
    assert rows[SEED_NAME][15] >= 5 and rows[SEED_NAME][17] == f"{SEED_NAME}2023年报.txt"
    overview = load_workbook(out)["概览"]
    assert any("未评估（年度为 2023" in str(c.value) for c in overview["A"] if c.value)
    assert len(overview._charts) == 2
    ours = _numbers(out)
    for client in (libreoffice.convert([out], tmp_path / "lo")[0], gnumeric.convert([out], tmp_path / "gn")[0]):
        assert _numbers(client) == ours, client
    assert ours[(5, 2)] == 3 and ours[(9, 2)] == 8  # 不合格 3, 合计 8
    text = page.read_text(encoding="utf-8")
    assert text.count("<table>") >= 5 and "己街道办事处" in text and "网页信息栏" in text


def _numbers(path: Path) -> dict:
    with warnings.catch_warnings():  # Gnumeric writes no default cell style; openpyxl says so
        warnings.simplefilter("ignore", UserWarning)
        ws = load_workbook(path, data_only=True)["概览"]
    return {(c.row, c.column): c.value for row in ws.iter_rows(min_row=5, max_col=3) for c in row
            if isinstance(c.value, (int, float))}


@pytest.mark.slow
def test_last_years_report_from_the_archive(tmp_path, db):
    """--archive: the sentences copied from the same agency's archived report of the year before."""
    from xlsx_tools.archive.store import Archive

    archived = Path(__file__).resolve().parents[1] / "samples" / "报表" / "2023"
    store = Archive(db)
    try:
        added = store.add([archived])
        assert len(added.stored) == 1, added
    finally:
        store.close()
    name = "洛龙区定鼎门街道办事处"
    text = (SEEDS / f"{name}2023年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / f"{name}2024.txt").write_text(text.replace("2024", "2025").replace("2023", "2024"), encoding="utf-8")
    store = Archive(db)
    try:
        result = assess([folder], archive=store)
    finally:
        store.close()
    (row,) = result.reports
    assert row.previous.startswith("年报库：") and row.reused >= 5 and row.reuse_share > 0.9
    assert row.counts["reuse"] >= 1 and row.verdict == "fair"


def test_the_samples_published_reports():
    """The bundled real reports, as a reader finds them: 凤泉区科学技术局's 表三 lacks its 总计 column and
    the 其他 column of its detail rows (基本合格, 表格不完整); the others are complete and consistent;
    none gives a publication date; with --year 2024 洛龙区定鼎门街道办事处 (only a 2023 report) is not found."""
    samples = Path(__file__).resolve().parents[1] / "samples"
    listed = read_roster(samples / "名录.xlsx")
    result = assess([samples / "原文"], roster=listed, year=2024)
    rows = {r.name: r for r in result.reports}
    assert [r.name for r in result.reports][0] == "凤泉区科学技术局"
    fengquan = rows.pop("凤泉区科学技术局")
    assert (fengquan.verdict, fengquan.tables_complete, fengquan.errors) == ("fair", False, 0)
    assert {loc.finding.code for loc in fengquan.findings if loc.category == "tables"} == {
        "IMP-TOTAL-COMPUTED", "IMP-SHORT-ROW", "S7"}
    assert set(rows) == {"偃师区伊洛街道办事处", "卫东区东工人镇街道办事处", "洛龙区科技园街道办事处"}
    assert all(r.verdict == "pass" and r.tables_complete and r.on_time == "unknown" for r in rows.values())
    assert [g.values["name"] for g in result.missing] == ["洛龙区定鼎门街道办事处"]
    assert [(s.name, s.year) for s in result.skipped] == [("洛龙区定鼎门街道办事处", 2023)]


def test_a_2019_format_report_is_named_and_failed_and_a_lock_file_is_no_report(tmp_path):
    """A report in the 2019 format is not imported, yet its row names the agency (so the roster does
    not call it missing) and fails on S5; Word's lock file beside a report is not a row at all."""
    old = SEED.replace("信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
                       "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量").replace(*OLD_ROW)
    (tmp_path / "旧格式.txt").write_text(old, encoding="utf-8")
    (tmp_path / "~$旧格式.docx").write_bytes(b"Word's lock file")
    (tmp_path / "名录").mkdir()
    result = assess([tmp_path], roster=read_roster(roster(tmp_path / "名录", [SEED_NAME])))
    (row,) = result.reports
    assert (row.name, row.year, row.verdict) == (SEED_NAME, 2024, "fail")
    assert [(loc.finding.code, loc.category) for loc in row.findings if loc.finding.severity == "error"] == [
        ("S5", "format")]
    assert result.missing == []
