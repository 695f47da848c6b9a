"""The summary for the people who read it: 概览 first (one row per agency, a total row equal to the
statutory tables, charts LibreOffice draws) and a printout that is legible and short."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from agencies import agency, write
from batches import nianbao
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout

ROOT = Path(__file__).resolve().parent.parent
FMT = load()
SPEC = FMT.summary["overview"]
FIRST = 6  # the first agency row (header on row 5)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """Five agencies, one with appeals that were corrected, merged into a summary."""
    folder = tmp_path_factory.mktemp("district")
    values = [agency(n) for n in range(4)]
    values.append(agency(4, {"t4.suit_direct.corrected": 2, "t4.suit_direct.upheld": 0, "t4.suit_direct.pending": 0,
                             "t3.other_fee_unpaid.natural": 0}))
    for n, v in enumerate(values):
        write(folder / "in" / f"{n}.xlsx", v)
    out = folder / "汇总.xlsx"
    proc = nianbao("merge", folder / "in", "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, values


@pytest.fixture(scope="module")
def sample_summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "汇总.xlsx"
    proc = nianbao("merge", ROOT / "samples" / "报表" / "2024", "-o", out, "--roster", ROOT / "samples" / "名录.xlsx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _rows(path: Path) -> tuple[list[str], list[list], list]:
    ws = load_workbook(path, data_only=True)[SPEC["sheet"]]
    header = [c.value for c in ws[FIRST - 1]]
    rows = [list(r) for r in ws.iter_rows(min_row=FIRST, values_only=True)]
    body = [r for r in rows if isinstance(r[0], int)]
    total = rows[len(body)]
    return header, body, total


def _sum(v: dict, *keys: str) -> float:
    return sum(v[k] for k in keys)


def test_the_summary_opens_on_the_overview(district):
    wb = load_workbook(district[0])
    assert wb.sheetnames[0] == SPEC["sheet"]
    assert wb.active.title == SPEC["sheet"]


def test_one_row_per_agency_with_the_indicators_people_compare(district):
    path, values = district
    header, body, _ = _rows(path)
    col = {label: header.index(label) for label in header if label}
    assert [r[1] for r in body] == sorted((v["id.name"] for v in values), key=[r[1] for r in body].index)
    assert {r[1] for r in body} == {v["id.name"] for v in values}
    t3_cols = ("natural", "business", "research", "nonprofit", "legal", "other")
    for row in body:
        v = next(v for v in values if v["id.name"] == row[1])
        new = _sum(v, *(f"t3.new.{c}" for c in t3_cols))
        granted = _sum(v, *(f"t3.granted.{c}" for c in t3_cols))
        closed = sum(v[f.key] for f in FMT.table("t3").fields
                     if not f.is_total and f.row.parent in ("results", "denied", "unavailable", "unprocessed", "other")
                     and f.row.key != "results_total")
        assert row[col["本年新收申请"]] == new
        assert row[col["予以公开"]] == granted
        assert row[col["本年办结"]] == closed
        assert row[col["予以公开占办结比例"]] == pytest.approx(granted / closed)
        assert row[col["行政复议"]] == _sum(v, "t4.review.upheld", "t4.review.corrected", "t4.review.other",
                                          "t4.review.pending")
        assert row[col["诉讼结果纠正"]] == _sum(v, "t4.suit_direct.corrected", "t4.suit_after_review.corrected")
        assert row[col["规范性文件现行有效"]] == v["t2.normative_docs.in_force"]
        assert row[col["收费金额（万元）"]] == pytest.approx(v["t2.fees.amount"])


def test_the_total_row_equals_the_statutory_tables(district):
    path, _ = district
    header, _, total = _rows(path)
    wb = load_workbook(path, data_only=True)
    layout = workbook_layout(FMT, True)

    def table(key):
        sheet, span = layout.locate(key)
        return wb[sheet].cell(span.row, span.col).value

    from xlsx_tools.consolidate.overview import keys

    checked = 0
    for column in SPEC["columns"]:
        shown = total[header.index(column["label"])]
        if "sum" in column:
            assert shown == pytest.approx(sum(table(k) for ref in column["sum"] for k in keys(FMT, ref))), column
        else:
            part, whole = (table(keys(FMT, ref)[0]) for ref in column["share"])
            assert shown == pytest.approx(part / whole)
        checked += 1
    assert checked == len(SPEC["columns"]) and total[1] == SPEC["total_label"]


def test_rows_sort_without_the_total_row(district):
    ws = load_workbook(district[0])[SPEC["sheet"]]
    _, body, _ = _rows(district[0])
    ref = ws.auto_filter.ref
    assert ref.startswith(f"A{FIRST - 1}:") and ref.endswith(str(FIRST + len(body) - 1))


def _chart_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]


def _chart_values(path: Path, chart_xml: str) -> list:
    """The values of the cells a chart's series take their numbers from."""
    from openpyxl.utils import range_boundaries

    wb = load_workbook(path, data_only=True)
    out = []
    for ref in re.findall(r"<(?:c:)?val>.*?<(?:c:)?f>([^<]+)</(?:c:)?f>", chart_xml, re.S):
        sheet, rng = ref.rsplit("!", 1)
        ws = wb[sheet.strip("'")]
        c0, r0, c1, r1 = range_boundaries(rng.replace("$", ""))
        out += [ws.cell(r, c).value for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    assert out, "a chart with no series"
    return out


def test_three_charts_each_with_data(district):
    path, _ = district
    charts = _chart_parts(path)
    assert len(charts) == 3
    titles = [SPEC[name]["title"] for name in ("applications_chart", "outcome_chart", "appeals_chart")]
    for title in titles:
        assert sum(title in xml for xml in charts) == 1, title
    for xml in charts:
        numbers = [v for v in _chart_values(path, xml) if isinstance(v, (int, float))]
        assert numbers and any(numbers), xml[:200]


def test_a_chart_with_nothing_to_show_is_left_out_and_said(sample_summary):
    """The sample agencies had no 复议 or 诉讼: no empty frame, a line says why instead."""
    charts = _chart_parts(sample_summary)
    assert len(charts) == 2
    assert not any(SPEC["appeals_chart"]["title"] in xml for xml in charts)
    ws = load_workbook(sample_summary)[SPEC["sheet"]]
    said = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "未绘制" in c.value]
    assert said == [SPEC["empty_chart"].format(titles=SPEC["appeals_chart"]["title"])]


def _pdf(libreoffice, path: Path, outdir: Path) -> Path:
    (pdf,) = libreoffice.convert([path], outdir, "pdf")
    return pdf


def _pdftext(pdf: Path, first: int, last: int) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) is required; .ci/run installs it"
    return subprocess.run([tool, "-f", str(first), "-l", str(last), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_the_charts_count_in_whole_numbers_with_legends_below_in_table_order(district):
    path, _ = district
    for xml in _chart_parts(path):
        assert "<legendPos val=\"b\"/>" in xml  # below: entries in the series' (the table's) order
        assert "object at 0x" not in xml and "<title>" in xml  # a plain text title
        if "<barChart>" in xml:
            unit = re.search(r'<majorUnit val="([\d.]+)"/>', xml)
            assert unit and float(unit[1]).is_integer() and 'formatCode="0"' in xml
    appeals = next(xml for xml in _chart_parts(path) if SPEC["appeals_chart"]["title"] in xml)
    heads = re.findall(r"<tx><strRef><f>[^<]*?!\$?([A-Z]+)\$?(\d+)</f>", appeals)  # each series' name cell
    ws = load_workbook(path)[SPEC["sheet"]]
    t4 = {i.key: i.label for i in FMT.table("t4").leaf_columns}
    assert [ws[f"{c}{r}"].value for c, r in heads] == [t4[c] for c in SPEC["appeals_chart"]["columns"]]


def test_a_small_district_prints_its_overview_on_one_page(district):
    ws = load_workbook(district[0])[SPEC["sheet"]]
    assert not ws.row_breaks.brk  # the charts fit beside and below the table
    anchors = [c.anchor._from for c in ws._charts]
    assert len({a.row for a in anchors}) == 2  # two beside the blocks, one below


def test_libreoffice_draws_the_charts_with_chinese_labels(district, libreoffice, tmp_path):
    """Rendered to PDF and PNG: the first page carries the table, the chart titles, the series names
    in the legends and the agencies as category labels (each name twice: table and chart)."""
    path, values = district
    pdf = _pdf(libreoffice, path, tmp_path)
    text = re.sub(r"\s+", "", _pdftext(pdf, 1, 1))  # the table and the charts beside and below it
    for name in ("applications_chart", "outcome_chart", "appeals_chart"):
        assert re.sub(r"\s+", "", SPEC[name]["title"]) in text, name
    for label in SPEC["applications_chart"]["columns"]:
        assert text.count(label) >= 2, label  # column header and legend
    for v in values:
        assert text.count(v["id.name"]) >= 2, v["id.name"]
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 20_000  # a drawn page, not a blank one


def test_the_sample_summary_prints_legibly_in_under_20_pages(sample_summary, libreoffice, tmp_path):
    pdf = _pdf(libreoffice, sample_summary, tmp_path)
    pages = _pages(pdf)
    assert pages < 20
    footers = [re.findall(r"(\S+)\s+第 \d+ 页，共 \d+ 页", _pdftext(pdf, p, p)) for p in range(1, pages + 1)]
    sheets = [f[-1] for f in footers if f]
    for name in [SPEC["sheet"], "表二", "表三", "表四", FMT.checks["sheet"], FMT.summary["findings"]["sheet"]]:
        assert name in sheets, (name, sheets)
    assert sheets.count(FMT.summary["detail"]["sheet"]) <= 1  # 明细 prints its title line only


def test_the_guide_says_how_to_print_the_detail_sheet(sample_summary):
    ws = load_workbook(sample_summary)[FMT.guide["sheet"]]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert SPEC["print_note"] in texts


@pytest.mark.slow  # a large district
def test_a_large_district_charts_its_busiest_agencies_the_tall_chart_from_a_new_page(tmp_path):
    from xlsx_tools.consolidate.overview import CHART_AGENCIES

    for n in range(CHART_AGENCIES + 5):
        write(tmp_path / "in" / f"{n:02d}.xlsx", agency(n))
    out = tmp_path / "汇总.xlsx"
    assert nianbao("merge", tmp_path / "in", "-o", out).returncode == 0
    ws = load_workbook(out)[SPEC["sheet"]]
    charts = _chart_parts(out)
    applications = next(xml for xml in charts if SPEC["applications_chart"]["title"] in xml)
    assert f"申请最多的 {CHART_AGENCIES} 家" in applications
    first_series = applications.split("</ser>")[0]  # its categories: the busiest agencies only
    names = _chart_values(out, first_series.replace("<val>", "<x>").replace("<cat>", "<val>"))
    assert len([v for v in names if v]) == CHART_AGENCIES
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    # the 表三 and 表四 charts beside their blocks under the table; the tall chart does not fit there
    assert len(breaks) == 1 and breaks[0] > FIRST + CHART_AGENCIES + 5


def test_the_lists_print_whole_texts_and_the_detail_prints_who_is_in_it(sample_summary):
    """问题清单's long texts wrap in rows tall enough for them (not cut by the next cell), and 明细
    prints its agencies (identity and file), not an empty page."""
    from xlsx_tools.format.layout import detail_column

    wb = load_workbook(sample_summary)
    ws = wb[FMT.summary["findings"]["sheet"]]
    rows = list(ws.iter_rows(min_row=4))
    long = [r for r in rows if any(isinstance(c.value, str) and len(c.value) > 30 for c in r)]
    assert long and all(ws.row_dimensions[r[0].row].height and ws.row_dimensions[r[0].row].height > 15 for r in long)
    assert all(r[1].alignment.wrap_text for r in rows if r[1].value)
    detail = wb[FMT.summary["detail"]["sheet"]]
    area = detail.print_area if isinstance(detail.print_area, str) else detail.print_area[0]
    last_col = get_column_letter(detail_column(FMT)["file"])
    names = [c.value for c in detail["A"] if c.value]
    assert area.endswith(f"${last_col}${detail.max_row}") and len(names) > 4
