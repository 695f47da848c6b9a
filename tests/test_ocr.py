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
    return {SAMPLES[0]: scan}


@pytest.mark.slow
def test_a_scanned_report_imports_its_tables_and_never_a_wrong_number(scans, tmp_path):
    """表二 and 表三 come back exactly; every table value read equals the workbook's; a value not read
    is blank with a finding, never a guess; the title gives the agency and year; each value names
    its page and that it was recognised."""
    for workbook, scan in scans.items():
        outcome = import_one(scan, tmp_path / f"{scan.stem}.xlsx")
        assert outcome.target is not None, [f.render() for f in outcome.findings]
        expected, back = carried(workbook), carried(outcome.target)
        for table in ("t2.", "t3."):
            keys = [k for k in expected if k.startswith(table)]
            assert {k: back[k] for k in keys} == {k: expected[k] for k in keys}, (workbook.name, table)
        wrong = {k: (expected[k], back[k]) for k in expected if k.startswith("t") and back[k] is not None
                 and back[k] != expected[k]}
        assert wrong == {}
        assert back["id.name"] == expected["id.name"] and back["id.year"] == expected["id.year"]
        placed = [p for p in outcome.imported.placed if p.key.startswith("t")]
        assert placed and all("（文字识别）" in p.line.where and "页" in p.line.where for p in placed)
        assert all(0 < min(p.line.ocr) <= 1 for p in placed)
