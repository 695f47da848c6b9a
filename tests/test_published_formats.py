"""`nianbao import` of reports as they are published: PDFs made from workbooks (`nianbao report` →
LibreOffice → PDF) import back to exactly the workbook's values and texts, and so do Word 97 and WPS
documents; scanned, encrypted and broken files each get their own clear finding, never a traceback
or a guess; text copied out of a PDF splits into cells at its runs of spaces."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from batches import nianbao
from fills import write_filled
from livecases import random_fill, with_blanks
from roundtrip import FMT, SAMPLES, carried, differing
from zoo import scanned_pdf

from xlsx_tools.check.validate import validate_paths
from xlsx_tools.published.conversion import import_one

SEEDS = (3, 41, 977)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, libreoffice):
    """The samples and three random balanced fills, as PDFs made by `nianbao report`."""
    work = tmp_path_factory.mktemp("pdfs")
    (work / "in").mkdir()
    fills = [write_filled(work / "in" / f"随机{seed}.xlsx", random_fill(seed)) for seed in SEEDS]
    # empty cells where the fill has zeros (表四's stay filled: see test_layout_text for why)
    blanks = [write_filled(work / "in" / "空白单元格.xlsx", with_blanks(random_fill(8), 8, 30, keep=("t4.",)))]
    workbooks = [*SAMPLES, *fills, *blanks]
    proc = nianbao("report", *workbooks, "-o", work / "pdf", "--format", "pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {w: work / "pdf" / f"{w.stem}.pdf" for w in workbooks}


def test_pdfs_of_generated_reports_import_back_exactly(pdfs, tmp_path):
    assert len(pdfs) == len(SAMPLES) + len(SEEDS) + 1
    proc = nianbao("import", *pdfs.values(), "-o", tmp_path / "back")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    for workbook, pdf in pdfs.items():
        back = carried(tmp_path / "back" / f"{pdf.stem}.xlsx")
        assert differing(carried(workbook), back) == {}, workbook.name


def test_every_imported_value_names_its_page(pdfs, tmp_path):
    outcome = import_one(next(iter(pdfs.values())), tmp_path / "a.xlsx")
    tables = [p for p in outcome.imported.placed if p.key.startswith("t")]
    assert len(tables) > 100
    assert all(p.line.where.startswith("第") and "页第" in p.line.where and "表格" in p.line.where for p in tables)
    texts = [p for p in outcome.imported.placed if p.key.startswith("s")]
    assert texts and all("页第" in p.line.where for p in texts)


def test_a_scanned_pdf_is_its_own_finding(tmp_path):
    outcome = import_one(scanned_pdf(tmp_path / "扫描件.pdf"), tmp_path / "x.xlsx")
    assert [f.code for f in outcome.findings] == ["IMP-SCANNED"]
    assert "扫描件" in outcome.findings[0].message and "原始文档" in outcome.findings[0].hint
    assert outcome.target is None and not (tmp_path / "x.xlsx").exists()


def test_an_encrypted_pdf_is_a_finding(pdfs, tmp_path, libreoffice):
    docx = tmp_path / "加密.docx"
    made = nianbao("report", SAMPLES[0], "-o", tmp_path / "d", "--format", "docx")
    assert made.returncode == 0
    next((tmp_path / "d").glob("*.docx")).rename(docx)
    options = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    subprocess.run([libreoffice.binary, f"-env:UserInstallation={libreoffice.profile.as_uri()}", "--headless",
                    "--convert-to", options, "--outdir", str(tmp_path), str(docx)], capture_output=True, timeout=300)
    encrypted = tmp_path / "加密.pdf"
    assert encrypted.exists()
    outcome = import_one(encrypted, tmp_path / "x.xlsx")
    assert [f.code for f in outcome.findings] == ["IMP-UNREADABLE"] and "加密" in outcome.findings[0].message


@pytest.mark.parametrize("data", [b"%PDF-1.4", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", b"not a pdf at all"])
def test_a_broken_pdf_is_a_finding(tmp_path, data):
    path = tmp_path / "坏.pdf"
    path.write_bytes(data)
    outcome = import_one(path, tmp_path / "x.xlsx")
    assert [f.code for f in outcome.findings] == ["IMP-UNREADABLE"]
    assert "PDF" in outcome.findings[0].message


def test_too_many_pages_names_the_flag(pdfs, tmp_path):
    source = next(iter(pdfs.values()))
    proc = nianbao("import", source, "-o", tmp_path / "x.xlsx", "--max-pages", "2")
    assert proc.returncode == 1 and "--max-pages" in proc.stdout
    assert not (tmp_path / "x.xlsx").exists()


# -- text copied out of a PDF (`pdftotext -layout`): columns separated by runs of spaces ----------------
def test_text_laid_out_with_spaces_splits_into_cells_and_drops_page_numbers():
    from xlsx_tools.published.plaintext import text_lines

    text = ("第二段  保留原样\n规章                   0              0             0\n"
            "一、本年新收政府信息公开申请数量         17   0     0    0    0   0    17\n"
            "   —3—\n\x0c第 3 页\n-4-\n3 / 12\n行政许可                               12\n行政处罚\t5")
    lines = text_lines(text)
    assert [ln.cells for ln in lines] == [
        ("第二段", "保留原样"),
        ("规章", "0", "0", "0"),
        ("一、本年新收政府信息公开申请数量", "17", "0", "0", "0", "0", "0", "17"),
        ("行政许可", "12"),
        ("行政处罚", "5"),  # tabs still separate cells
    ]
    assert [ln.page for ln in lines] == [1, 1, 1, 2, 2]  # the form feed starts page 2
    assert lines[1].x[1:] == (21.5, 36.5, 50.5)  # the column each number's middle stands at
    assert lines[3].where == "第2页第8行" and lines[4].x == ()  # tab-separated cells have no places


def unspaced(values: dict) -> dict:
    """Texts without the spaces between Chinese and Latin letters or digits: Writer sets a gap there
    that pdftotext prints as a space or not, so that a typed space and none read alike."""
    cjk = r"[\u3000-\u9fff\uff00-\uffef]"

    def strip(v):
        return re.sub(rf"(?<={cjk}) +(?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) +(?={cjk})", "", v) if isinstance(v, str) else v

    return {k: strip(v) for k, v in values.items()}


def test_pdftotext_layout_of_every_generated_report_imports_exactly(pdfs, tmp_path):
    """The loop closed on text copied out of the PDFs: every table value exactly (labels wrapped
    over lines, printed one character a line, the header repeated on a new page, empty cells), every
    text exactly but for the spaces beside digits a PDF's text layer does not keep."""
    for workbook, pdf in pdfs.items():
        text = tmp_path / f"{pdf.stem}.txt"
        subprocess.run(["pdftotext", "-layout", str(pdf), str(text)], check=True)
        laid = text.read_text(encoding="utf-8")
        assert "\f" in laid and "  " in laid
        outcome = import_one(text, tmp_path / f"{pdf.stem}.xlsx")
        assert {f.code for f in outcome.findings if f.code.startswith("IMP")} <= {"IMP-KIND", "IMP-INTRO"}, \
            [f.render() for f in outcome.findings]
        expected, back = carried(workbook), carried(outcome.target)
        tables = [k for k in expected if k.startswith("t")]
        assert {k: back[k] for k in tables} == {k: expected[k] for k in tables}, workbook.name
        assert differing(unspaced(expected), unspaced(back)) == {}, workbook.name
    assert any(v is None for v in carried(workbook).values())  # the last fill has empty cells


def test_text_copied_one_cell_a_line_is_reported_never_misplaced(pdfs, tmp_path):
    """pdftotext without -layout (as most PDF viewers copy) prints a table one cell a line, labels
    first, numbers after: the rows and columns are gone. Nothing is placed from it, and it says so."""
    workbook = next(w for w in pdfs if w.stem.startswith("随机"))
    text = tmp_path / "raw.txt"
    subprocess.run(["pdftotext", str(pdfs[workbook]), str(text)], check=True)
    outcome = import_one(text, tmp_path / "raw.xlsx")
    expected = carried(workbook)
    placed = {p.key: p.value for p in outcome.imported.placed if p.key.startswith("t")}
    assert all(expected[k] == v for k, v in placed.items())  # whatever is placed is right
    runs = [f for f in outcome.findings if f.code == "IMP-CELL-PER-LINE"]
    assert runs and all(f.severity == "error" and "pdftotext -layout" in f.hint for f in runs)
    assert sum(int(re.search(r"(\d+) 个数字", f.message)[1]) for f in runs) > 50


def test_the_generated_pdfs_show_the_artefacts_of_text_copied_out_of_a_pdf(pdfs, tmp_path):
    """What the test above goes through, seen in the texts themselves: characters of a label one a
    line, a label wrapped with its numbers on a middle line. 表三 starts a page and fits it, so its
    header is never repeated in our PDFs (tests/test_layout_text.py imports a repeated header)."""
    seen = set()
    for workbook in SAMPLES:
        text = tmp_path / f"{workbook.stem}.txt"
        subprocess.run(["pdftotext", "-layout", str(pdfs[workbook]), str(text)], check=True)
        lines = [ln.strip() for ln in text.read_text(encoding="utf-8").splitlines()]
        if sum(len(ln) == 1 for ln in lines) >= 10:
            seen.add("vertical")
        at = next(i for i, ln in enumerate(lines) if "5.要求行政机关确认或重新出具已获" in ln)
        if re.fullmatch(r"(\S\s+)?[\d\s]+", lines[at + 1]) and "取信息" in lines[at + 2]:
            seen.add("numbers between")
        assert sum("申请人情况" in ln for ln in lines) == 1, workbook.name  # 表三 whole on one page
    assert seen == {"vertical", "numbers between"}


# -- PDFs whose tables have no ruling lines: cells from the words' places ------------------------------------
@pytest.fixture(scope="module")
def unruled(tmp_path_factory, libreoffice):
    """Reports whose tables are printed without lines (the table style removed from the .docx) as
    PDFs: a sample, a random fill, and a fill with empty cells in every table, 表四 too."""
    from docx import Document as Docx

    work = tmp_path_factory.mktemp("unruled")
    (work / "in").mkdir()
    blanks = write_filled(work / "in" / "空白单元格.xlsx", with_blanks(random_fill(15), 15, 30))
    fill = write_filled(work / "in" / "随机.xlsx", random_fill(41))
    workbooks = [SAMPLES[1], fill, blanks]
    assert nianbao("report", *workbooks, "-o", work / "docx", "--format", "docx").returncode == 0
    for docx in (work / "docx").glob("*.docx"):
        document = Docx(docx)
        for table in document.tables:
            table.style = None
        document.save(docx)
    made = libreoffice_pdf(libreoffice, sorted((work / "docx").glob("*.docx")), work / "pdf")
    return {w: made[w.stem] for w in workbooks}


def libreoffice_pdf(libreoffice, documents: list[Path], outdir: Path) -> dict[str, Path]:
    subprocess.run([libreoffice.binary, f"-env:UserInstallation={libreoffice.profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, documents)],
                   capture_output=True, timeout=300, check=True)
    return {p.stem: p for p in outdir.glob("*.pdf")}


def test_pdfs_whose_tables_have_no_ruling_lines_import_exactly(unruled, tmp_path):
    import pdfplumber

    for workbook, pdf in unruled.items():
        with pdfplumber.open(pdf) as document:
            assert not any(page.find_tables() for page in document.pages)  # nothing ruled to go by
        outcome = import_one(pdf, tmp_path / f"{pdf.stem}.xlsx")
        # printed today, a 2024 report's PDF has its own date after 31 January 2025: the weak warning
        found = {f.code for f in outcome.findings if f.code.startswith("IMP")
                 and (f.code, f.severity) != ("IMP-LATE", "warning")}
        assert found <= {"IMP-KIND", "IMP-INTRO"}, [f.render() for f in outcome.findings]
        assert differing(carried(workbook), carried(outcome.target)) == {}, workbook.name
    blank = carried(list(unruled)[-1])
    assert any(blank[k] is None for k in blank if k.startswith("t4.") and not k.endswith(".total"))


# -- Word 97 and WPS documents, through LibreOffice -------------------------------------------------
@pytest.fixture(scope="module")
def word97(tmp_path_factory, libreoffice):
    """A generated report saved by LibreOffice as a Word 97 .doc, and the same bytes named .wps."""
    work = tmp_path_factory.mktemp("doc")
    assert nianbao("report", SAMPLES[0], "-o", work, "--format", "docx").returncode == 0
    docx = next(work.glob("*.docx"))
    subprocess.run([libreoffice.binary, f"-env:UserInstallation={libreoffice.profile.as_uri()}", "--headless",
                    "--convert-to", "doc:MS Word 97", "--outdir", str(work), str(docx)],
                   capture_output=True, timeout=300)
    doc = docx.with_suffix(".doc")
    assert doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # an OLE2 compound file, as Word 97 writes
    wps = work / "金山文字.wps"
    wps.write_bytes(doc.read_bytes())
    return doc, wps


def test_word97_and_wps_documents_import_exactly(word97, tmp_path):
    for source in word97:
        outcome = import_one(source, tmp_path / f"{source.suffix[1:]}.xlsx")
        assert outcome.target is not None, [f.render() for f in outcome.findings]
        assert differing(carried(SAMPLES[0]), carried(outcome.target)) == {}, source.suffix


def test_without_libreoffice_a_word97_document_is_explained(word97, tmp_path, monkeypatch):
    from xlsx_tools.write import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    outcome = import_one(word97[0], tmp_path / "x.xlsx")
    assert [f.code for f in outcome.findings] == ["IMP-UNREADABLE"]
    assert "LibreOffice" in outcome.findings[0].message and ".docx" in outcome.findings[0].message


def test_a_broken_word97_document_is_a_finding(tmp_path, libreoffice):
    path = tmp_path / "坏.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    outcome = import_one(path, tmp_path / "x.xlsx")
    assert [f.code for f in outcome.findings] in (["IMP-UNREADABLE"], ["IMP-NO-TABLES"])
    assert outcome.target is None


# -- a time limit per file, one bad file costing only itself ----------------------------------------------
@pytest.mark.slow  # waits out the time limit
def test_a_source_that_hangs_or_kills_its_worker_costs_only_itself(tmp_path, monkeypatch):
    import os
    import shutil
    import time

    from conftest import SEEDS

    from xlsx_tools.published import conversion
    from xlsx_tools.read.pool import Budget

    real = conversion.read_document

    def troubled(path, *args, **kwargs):  # inherited by the forked workers
        if Path(path).stem == "慢":
            time.sleep(60)
        if Path(path).stem == "崩":
            os._exit(3)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(conversion, "read_document", troubled)
    folder = tmp_path / "in"
    folder.mkdir()
    seed = sorted(SEEDS.iterdir())[1]
    for name in ("好", "慢", "崩", "也好"):
        shutil.copyfile(seed, folder / f"{name}{seed.suffix}")
    start = time.monotonic()
    outcomes = conversion.import_paths([folder], tmp_path / "out", budget=Budget(seconds=3), jobs=2)
    assert time.monotonic() - start < 40
    by_name = {o.source.stem: o for o in outcomes}
    assert [f.code for f in by_name["慢"].findings] == ["IMP-TIMEOUT"] and "--timeout" in by_name["慢"].findings[0].hint
    assert [f.code for f in by_name["崩"].findings] == ["IMP-CRASH"]
    assert by_name["好"].target is not None and by_name["也好"].target is not None


# -- the blank national form: tables with labels and no numbers ---------------------------------------------
def test_the_blank_form_imports_as_blank_cells_not_as_missing_tables(tmp_path, libreoffice):
    blank = tmp_path / "空白表.xlsx"
    assert nianbao("template", "-o", blank, "--year", "2025", "--agency", "某区某局", "--kind", "部门").returncode == 0
    made = nianbao("report", blank, "-o", tmp_path / "文稿", "--format", "docx,html,pdf", "--draft")
    assert made.returncode == 1, made.stdout  # drafted: the blank form has errors
    for document in sorted((tmp_path / "文稿").iterdir()):
        outcome = import_one(document, tmp_path / f"{document.suffix[1:]}.xlsx")
        codes = [f.code for f in outcome.findings]
        assert outcome.target is not None, codes
        for unwanted in ("IMP-NO-TABLES", "IMP-MISSING-ROW", "IMP-UNKNOWN-LINE", "IMP-UNPLACED"):
            assert unwanted not in codes, (document.suffix, unwanted)
        values = carried(outcome.target)
        assert all(values[f.key] is None for f in FMT.table_fields if not f.is_total), document.suffix
        (report,) = validate_paths([outcome.target])
        assert {f.sheet for f in report.findings if f.code == "S7"} == {"表二", "表三", "表四"}
