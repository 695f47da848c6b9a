"""OCR of scanned reports (issue 32, first part): a page with no text layer is recognised (RapidOCR,
the `ocr` extra), its tables cut into cells by their ruling lines, so a scan imports as a ruled PDF
does; without the extra, a clear Chinese message says how to install it. The scans are made from
our own report PDFs, rasterised at 200 dpi, so the true value of every cell is known."""

from __future__ import annotations

import subprocess

import pytest
from batches import nianbao
from roundtrip import SAMPLES, carried
from zoo import scanned_pdf

from xlsx_tools.published import ocr
from xlsx_tools.published.conversion import import_one
from xlsx_tools.published.ocr import Word, as_number
from xlsx_tools.published.scan import _split


def test_letters_that_look_like_digits_are_digits_only_in_a_number():
    assert [as_number(t) for t in ("O", "1O", "Q", "0", "17", "o")] == ["0", "10", "0", "0", "17", "0"]
    assert [as_number(t) for t in ("Of", "其他", "O.5", "")] == ["Of", "其他", "O.5", ""]


def test_a_word_across_a_ruling_line_is_cut_in_proportion():
    """Two narrow cells read as one word (「结果结果」) are cut where the row's vertical line stands;
    a word outside any row, or inside one cell, stays whole."""
    rows = [(100, 160, [0, 40, 80, 120])]
    both = Word(2, 110, 78, 150, "结果结果", 0.9)
    inside = Word(42, 110, 78, 150, "总计", 0.8)
    outside = Word(2, 200, 118, 230, "结果维持纠正", 0.9)
    cut = _split([both, inside, outside], rows)
    assert [(w.text, round(w.x0), round(w.x1)) for w in cut] == [
        ("结果", 2, 40), ("结果", 40, 78), ("总计", 42, 78), ("结果维持纠正", 2, 118)]


def test_without_the_ocr_extra_a_scan_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    outcome = import_one(scanned_pdf(tmp_path / "扫描件.pdf"), tmp_path / "x.xlsx")
    (finding,) = outcome.findings
    assert finding.code == "IMP-SCANNED" and 'pip install "nianbao[ocr]"' in finding.message
    assert outcome.target is None


@pytest.fixture(scope="module")
def scans(tmp_path_factory, libreoffice):
    """The first sample's report as `nianbao report` prints it, each page rasterised at 200 dpi into
    an image-only PDF: a scan whose every value is known."""
    if not ocr.available():
        import os

        if os.environ.get("CI") == "true":
            pytest.fail("the OCR extra is required under CI=true (pip install '.[test]' brings it)")
        pytest.skip("the OCR extra is not installed (pip install 'nianbao[ocr]')")
    from PIL import Image

    work = tmp_path_factory.mktemp("scans")
    made = nianbao("report", SAMPLES[0], "-o", work / "pdf", "--format", "pdf")
    assert made.returncode == 0, made.stdout + made.stderr
    (pdf,) = (work / "pdf").glob("*.pdf")
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(work / "page")], check=True)
    pages = [Image.open(p).convert("RGB") for p in sorted(work.glob("page-*.png"))]
    scan = work / f"{SAMPLES[0].stem}（扫描件）.pdf"
    pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=200)
    spoiled = [pages[0], *(_spoiled(p, n) for n, p in enumerate(pages[1:], 1))]
    worn = work / f"{SAMPLES[0].stem}（歪斜、JPEG、横放、盖章）.pdf"
    spoiled[0].save(worn, save_all=True, append_images=spoiled[1:], resolution=200)
    return {"scan": (SAMPLES[0], scan), "worn": (SAMPLES[0], worn), "mixed": (SAMPLES[0], _mixed(pdf, scan, work))}


def _spoiled(page, n: int):
    """A page as real scans come: turned 2° one way or the other, saved as JPEG at quality 60, one
    page a quarter turn round, a red seal stamped over the table."""
    import io

    from PIL import Image, ImageDraw

    if n == 1:
        return page.rotate(2, fillcolor="white")
    if n == 2:
        buffer = io.BytesIO()
        page.rotate(-2, fillcolor="white").save(buffer, "JPEG", quality=60)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    if n == 3:
        return page.rotate(90, expand=True, fillcolor="white")
    stamped = page.copy()
    draw = ImageDraw.Draw(stamped)
    w, h = stamped.size
    draw.ellipse((w * 0.45, h * 0.25, w * 0.45 + 330, h * 0.25 + 330), outline=(220, 30, 30), width=10)
    draw.line((w * 0.45 + 40, h * 0.25 + 165, w * 0.45 + 290, h * 0.25 + 165), fill=(220, 30, 30), width=8)
    return stamped


def _mixed(text_pdf, scan, work):
    """The report's first half as the text PDF, its second half scanned: one document."""
    import pypdfium2 as pdfium

    text, scanned = pdfium.PdfDocument(str(text_pdf)), pdfium.PdfDocument(str(scan))
    half = len(text) // 2
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(text, list(range(half)))
    mixed.import_pages(scanned, list(range(half, len(scanned))))
    path = work / "半扫描.pdf"
    mixed.save(str(path))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["scan", "worn", "mixed"])
def test_a_scanned_report_imports_exactly(scans, kind, tmp_path):
    """Every table value comes back exactly from a clean 200 dpi scan and from a PDF half text and
    half scanned; from one whose pages are askew, JPEG-worn, a quarter turn round and stamped with a
    red seal, never a wrong number (a value not read is blank and said). The title gives the agency
    and year; each recognised value names its page, that it was recognised and its confidence."""
    workbook, scan = scans[kind]
    target = tmp_path / f"{scan.stem}.xlsx"
    # through the command, as users run it: the recogniser is loaded in an import worker (under its
    # memory limit), never in this test process, whose later forks it would weigh on
    proc = nianbao("import", scan, "-o", target)
    assert proc.returncode in (0, 1) and target.exists(), proc.stdout + proc.stderr
    expected, back = carried(workbook), carried(target)
    keys = [k for k in expected if k.startswith("t")]
    if kind == "worn":  # not yet exact (issue 32 goes on): never a wrong number, a value not read is said
        wrong = {k: (expected[k], back[k]) for k in keys if back[k] is not None and back[k] != expected[k]}
        missing = [k for k in keys if back[k] is None and expected[k] is not None]
        assert wrong == {} and len(missing) <= 2 and ("[S7]" in proc.stdout or not missing), proc.stdout
    else:
        assert {k: back[k] for k in keys} == {k: expected[k] for k in keys}, proc.stdout
    assert back["id.name"] == expected["id.name"] and back["id.year"] == expected["id.year"]
    from openpyxl import load_workbook

    rows = load_workbook(target)["导入记录"].iter_rows(values_only=True)
    record = [r for r in rows if r[1] in ("表二", "表三", "表四")]
    recognised = [r for r in record if "（文字识别）" in str(r[5])]
    assert recognised and all("页" in r[5] and "文字识别（本行最低置信度 0." in str(r[7]) for r in recognised)
    assert (len(recognised) == len(record)) == (kind != "mixed")
