"""`nianbao report`: the published report generated from a checked workbook, read back by
`nianbao import` to exactly the workbook's values, refused (or drafted) when the workbook has errors,
and rendered by LibreOffice into pages that look like a published report."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from batches import nianbao
from fills import correct_values, write_filled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from livecases import random_fill, with_blanks
from lxml import html as lxml_html
from roundtrip import FMT, ROOT, SAMPLES, carried, differing

from xlsx_tools.read.reader import read_path


def round_trip(workbooks: list[Path], work: Path) -> dict[str, dict[str, dict]]:
    """kind → workbook name → the values `nianbao import` reads back from the generated report."""
    out = work / "文稿"
    proc = nianbao("report", *workbooks, "-o", out, "--format", "docx,html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    back: dict[str, dict[str, dict]] = {}
    for kind in ("docx", "html"):
        docs = sorted(out.glob(f"*.{kind}"))
        assert len(docs) == len(workbooks)
        proc = nianbao("import", *docs, "-o", work / kind)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        back[kind] = {p.stem: carried(work / kind / f"{p.stem}.xlsx") for p in docs}
    return back


@pytest.mark.slow  # every sample through .docx, .html and the import
def test_every_sample_reads_back_to_exactly_its_values(tmp_path):
    back = round_trip(SAMPLES, tmp_path)
    for kind, found in back.items():
        for workbook in SAMPLES:
            assert differing(carried(workbook), found[workbook.stem]) == {}, (kind, workbook.name)


_TEXT = st.text(alphabet=st.sampled_from(list("政府信息公开工作年度报告本机关加强推进完善制度平台建设，。、；：“”")),
                min_size=1, max_size=60)


@pytest.mark.slow  # a generated corpus: random fills through .docx and .html and back
def test_random_valid_fills_read_back_to_exactly_their_values(tmp_path):
    """Random balanced tables and random narrative (several paragraphs) through the library: each
    example's .docx and .html import back to exactly the workbook's values and texts."""
    from xlsx_tools.published.conversion import import_paths
    from xlsx_tools.report.batch import make_reports

    names = iter(range(10_000))

    @settings(max_examples=6, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(seed=st.integers(0, 10_000), lines=st.lists(_TEXT, min_size=1, max_size=3), problems=_TEXT)
    def run(seed, lines, problems):
        work = tmp_path / str(next(names))
        work.mkdir()
        values = random_fill(seed)
        values["s1.management"] = "\n".join(lines)
        values["s5.text"] = "存在问题：" + problems
        path = write_filled(work / "单位.xlsx", values)
        made = make_reports([path], work / "文稿", ["docx", "html"])
        assert [o.status for o in made.outcomes] == ["written"], made.outcomes[0].findings
        for document in made.outcomes[0].targets:
            import_paths([document], work / document.suffix[1:])
            back = carried(work / document.suffix[1:] / "单位.xlsx")
            assert differing(carried(path), back) == {}, document.suffix

    run()


def test_a_workbook_with_an_error_is_refused_and_drafted_only_on_request(tmp_path):
    v = correct_values()
    v["t3.new.natural"] += 1  # R1
    path = write_filled(tmp_path / "有错误.xlsx", v)
    refused = nianbao("report", path, "-o", tmp_path / "out")
    assert refused.returncode == 1
    assert "未生成" in refused.stdout and "[R1]" in refused.stdout
    assert not list((tmp_path / "out").glob("*"))
    drafted = nianbao("report", path, "-o", tmp_path / "draft", "--draft", "--format", "docx,html")
    assert drafted.returncode == 1 and "草稿" in drafted.stdout
    docx = tmp_path / "draft" / "有错误.docx"
    with zipfile.ZipFile(docx) as z:
        headers = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"word/header\d+\.xml", n)]
        body = z.read("word/document.xml").decode()
    assert headers and all(FMT.report["draft"] in h for h in headers)
    assert FMT.report["appendix"] in body and "R1" in body
    page = (tmp_path / "draft" / "有错误.html").read_text(encoding="utf-8")
    assert FMT.report["draft"] in page and FMT.report["appendix"] in page


def test_warnings_are_listed_and_do_not_block(tmp_path):
    v = correct_values()
    v["t4.suit_direct.pending"] = None  # S7, a warning
    path = write_filled(tmp_path / "有警告.xlsx", v)
    proc = nianbao("report", path, "-o", tmp_path / "out", "--format", "html")
    assert proc.returncode == 0 and "[S7]" in proc.stdout
    assert (tmp_path / "out" / "有警告.html").exists()


def test_narrative_is_printed_as_written(tmp_path):
    v = correct_values()
    v["s5.text"] = "=SUM(A1)是公式样的文字\n\n第二段  保留原样"
    path = write_filled(tmp_path / "文字.xlsx", v)
    proc = nianbao("report", path, "-o", tmp_path / "out", "--format", "docx,html")
    assert proc.returncode == 0, proc.stdout
    import docx

    texts = [p.text for p in docx.Document(str(tmp_path / "out" / "文字.docx")).paragraphs]
    assert "=SUM(A1)是公式样的文字" in texts and "第二段  保留原样" in texts
    page = (tmp_path / "out" / "文字.html").read_text(encoding="utf-8")
    assert "=SUM(A1)是公式样的文字" in page


def test_control_characters_are_removed_and_a_bare_none_is_printed_as_such():
    from xlsx_tools.report.composition import paragraphs

    assert paragraphs("第一段\x07结束\r\n\r\n第二段\x1b", FMT) == ["第一段结束", "第二段"]
    assert paragraphs("无", FMT) == [FMT.report["empty"]]
    assert paragraphs(None, FMT) == []


def test_the_web_page_is_self_contained_with_the_statutory_merges(tmp_path):
    proc = nianbao("report", SAMPLES[0], "-o", tmp_path, "--format", "html")
    assert proc.returncode == 0
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    for banned in ("<script", "<link", "<img", "@import", "url("):
        assert banned not in page.lower()
    tree = lxml_html.fromstring(page.encode("utf-8"))
    tables = tree.findall(".//table")
    assert len(tables) == 3
    for table, width in zip(tables, (4, 10, 15), strict=True):
        occupied: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(table.findall(".//tr")):
            c = 0
            for cell in row:
                while occupied.get((r, c)):
                    c += 1
                for dr in range(int(cell.get("rowspan", 1))):
                    for dc in range(int(cell.get("colspan", 1))):
                        occupied[(r + dr, c + dc)] = True
                c += int(cell.get("colspan", 1))
            assert max(col for (row_, col) in occupied if row_ == r) + 1 == width
    assert "申请人情况" in tables[1].findall(".//th")[1].text_content()
    assert tables[1].find(".//th[@colspan='7']") is not None and tables[2].find(".//th[@colspan='10']") is not None


@pytest.mark.slow  # a merge, then the report of its summary
def test_a_district_summary_makes_a_report_with_its_region(tmp_path):
    merged = tmp_path / "汇总.xlsx"
    assert nianbao("merge", ROOT / "samples" / "报表" / "2024", "-o", merged).returncode == 0
    proc = nianbao("report", merged, "-o", tmp_path / "out", "--format", "html", "--draft")
    assert proc.returncode in (0, 1), proc.stderr
    page = (tmp_path / "out" / "汇总.html").read_text(encoding="utf-8")
    region = read_path(merged).values["id.region"]
    assert FMT.summary["title"].format(region=region, year=2024) in re.sub(r"<br>", "", page)


def test_without_libreoffice_the_other_formats_are_written_and_the_pdf_explained(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xlsx_tools.cli import main
    from xlsx_tools.write import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    result = CliRunner().invoke(main, ["report", str(SAMPLES[0]), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert FMT.report["no_pdf"] in result.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".html"]


# -- the PDF, rendered -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, libreoffice):
    out = tmp_path_factory.mktemp("pdf")
    proc = nianbao("report", *SAMPLES, "-o", out, "--format", "pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = sorted(out.glob("*.pdf"))
    assert len(found) == len(SAMPLES) and not list(out.glob("*.docx"))
    return found


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_pdf_pages_fit_the_text_block_with_every_glyph(pdfs, tmp_path):
    spec = FMT.report
    mm = 72 / 25.4
    left = spec["margins_mm"]["left"] * mm - 2
    right = (spec["paper_mm"][0] - spec["margins_mm"]["right"]) * mm + 2
    for pdf in pdfs:
        pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))
        assert 3 <= pages <= 12, (pdf.name, pages)
        boxes = _run("pdftotext", "-bbox", str(pdf), "-")
        words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', boxes)
        assert words
        outside = [(x0, x1) for x0, x1 in words if float(x0) < left or float(x1) > right]
        assert not outside, (pdf.name, outside[:5])  # no table wider than the text block
        fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
        assert fonts and all(" yes " in f for f in fonts)  # every font embedded
        assert any("CJK" in f or "UKai" in f for f in fonts), fonts
        text = re.sub(r"\s+", "", _run("pdftotext", str(pdf), "-"))
        assert "三、收到和处理政府信息公开申请情况" in text and "申请人情况" in text
        assert "—1—" in text and f"—{pages}—" in text  # page numbers on every page
    _run("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdfs[0]), str(tmp_path / "p"))
    assert next(tmp_path.glob("p*.png")).stat().st_size > 10_000


@pytest.mark.slow  # CLI subprocesses (the quick tier's budget)
def test_the_signature_closes_the_report_with_the_unit_and_its_date(tmp_path):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    path = write_filled(tmp_path / "落款.xlsx", correct_values())
    assert nianbao("report", path, "-o", tmp_path / "out", "--format", "docx", "--signature").returncode == 0
    paragraphs = [p for p in docx.Document(str(tmp_path / "out" / "落款.docx")).paragraphs if p.text]
    name, date = paragraphs[-2:]
    assert (name.text, date.text) == (correct_values()["id.name"], "2026年1月20日")
    assert name.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    plain = nianbao("report", path, "-o", tmp_path / "plain", "--format", "docx")
    assert plain.returncode == 0
    last = [p.text for p in docx.Document(str(tmp_path / "plain" / "落款.docx")).paragraphs if p.text][-1]
    assert last == correct_values()["s6.text"]


def test_the_documents_name_the_agency_the_title_and_today(tmp_path):
    """Not python-docx's template (author python-docx, created 2013-12-23): the PDF inherits these."""
    import datetime as dt

    import docx

    source = write_filled(tmp_path / "科技局.xlsx", correct_values())
    assert nianbao("report", source, "-o", tmp_path / "out", "--format", "docx,html").returncode == 0
    core = docx.Document(next((tmp_path / "out").glob("*.docx"))).core_properties
    name = correct_values()["id.name"]
    assert core.author == core.last_modified_by == name
    assert name in core.title and "政府信息公开工作年度报告" in core.title
    assert core.created.date() == core.modified.date() == dt.datetime.now(dt.UTC).date()
    page = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert f'<meta name="author" content="{name}">' in page and f'content="{dt.date.today():%Y-%m-%d}"' in page


@pytest.mark.slow  # a PDF per length of the text before the tables
def test_no_table_is_cut_by_a_page_break_whatever_comes_before_it(tmp_path, libreoffice):
    """As the text before the tables grows, each table's heading, first and last row stay on one
    page (表三's labels that run down several rows are never cut); the PDF says who wrote it."""
    import pdfplumber

    for n in range(0, 44, 4):
        v = correct_values() if n % 8 else with_blanks(random_fill(n), n, 30, keep=("t4.",))  # and empty cells
        v["s1.proactive"] += "本单位持续推进政务公开标准化规范化建设，按要求做好各项工作。" * n
        (tmp_path / "in").mkdir(exist_ok=True)
        write_filled(tmp_path / "in" / f"长{n:02d}.xlsx", v)
    done = nianbao("report", tmp_path / "in", "-o", tmp_path / "pdf", "--format", "pdf")
    assert done.returncode == 0, done.stderr
    tables = {"表二": ("二、主动公开政府信息情况", "第二十条第（一）项", "行政事业性收费"),
              "表三": ("三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量",
                       "四、结转下年度继续办理"),
              "表四": ("四、政府信息公开行政复议、行政诉讼情况", "未经复议直接起诉", "复议后起诉")}
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(pdfs) == 11
    for pdf in pdfs:
        with pdfplumber.open(pdf) as doc:
            pages = [re.sub(r"\s+", "", p.extract_text() or "") for p in doc.pages]
            assert doc.metadata.get("Author"), doc.metadata  # the agency, not python-docx
        for table, texts in tables.items():
            on = [[n for n, p in enumerate(pages) if t in p] for t in texts]
            assert all(on) and len({found[0] for found in on}) == 1, (pdf.name, table, on)
