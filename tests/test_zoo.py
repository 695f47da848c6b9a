"""The zoo (issue 31): each real-world situation of a published report, made from a sample's real
text, as copied text, a web page, a Word document and a PDF (tests/zoo.py), imported: exact values,
or the finding a reader expects. The PDFs are printed by LibreOffice, so that column is slow."""

from __future__ import annotations

import datetime as dt

import pytest
from test_importer import BASE, SEED, _piped, edit, numbers
from zoo import FORMATS, render, render_docx

from xlsx_tools.published.conversion import import_one

OLD_ROW = ("(六) 其他处理\t1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t", "(六) 其他处理\t")
TITLE = SEED.splitlines()[2]
#: what every situation may add to the seed's own two notes without being wrong
QUIET = {"IMP-INTRO", "IMP-KIND", "IMP-NEAR-LABEL", "IMP-PARTIAL-LABEL", "IMP-DUPLICATE", "IMP-OUTSIDE"}


def _metadata(published: str) -> str:
    block = f"名称：{TITLE}\n索引号：114103/2025-00012\n发布机构：洛龙区科技园街道办事处\t公开日期：{published}\n"
    return SEED.replace(TITLE, block, 1)


def _pictures(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "\t" not in line)


SITUATIONS = {
    "plain": SEED,
    "metadata": _metadata("2025-01-20"),
    "late": _metadata("2025年3月10日"),
    "signed-late": SEED.rstrip("\n") + "\n\n洛龙区科技园街道办事处\n2025年3月1日\n",
    "old-row": edit(SEED, *OLD_ROW),
    "markdown": _piped(SEED),
    "one-space": edit(SEED, "行政许可\t0\t\t", "行政许可 0"),
    "pictures": _pictures(SEED),
}


def _expect(situation: str, kind: str, outcome) -> None:
    imported = outcome.imported
    codes = [f.code for f in outcome.findings]
    errors = {f.code for f in outcome.findings if f.severity == "error"}
    assert imported is not None and not imported.refused and outcome.target is not None, codes
    assert imported.values["id.name"] == "洛龙区科技园街道办事处" and imported.values["id.year"] == 2024
    published = next((f for f in imported.facts if f.name == "published"), None)
    if kind == "pdf" and situation in ("plain", "markdown", "one-space", "old-row", "pictures"):
        # no date on the page: the PDF's own 修改/创建日期 (today, as these PDFs are printed now) is the
        # weakest source, a warning, never an error
        assert published.source == "PDF 文档属性中的修改日期" or published.source == "PDF 文档属性中的创建日期"
        assert "IMP-LATE" in codes and "IMP-LATE" not in errors
        codes = [c for c in codes if c != "IMP-LATE"]
    if situation in ("plain", "markdown", "one-space", "metadata"):
        assert numbers(imported) == numbers(BASE), situation
        assert set(codes) <= QUIET, codes
    if situation == "metadata":
        assert (published.value, published.source) == (dt.date(2025, 1, 20), "网页信息栏")
    elif situation == "late":
        assert errors == {"IMP-LATE"} and (published.value, published.source) == (dt.date(2025, 3, 10), "网页信息栏")
        assert numbers(imported) == numbers(BASE)
    elif situation == "signed-late":
        assert errors == {"IMP-LATE"} and (published.value, published.source) == (dt.date(2025, 3, 1), "落款日期")
    elif situation == "old-row":
        assert errors == {"IMP-OLD-ROW"} and "S5" not in codes
        kept = {k: v for k, v in numbers(imported).items() if not k.startswith("t3.results_total.")}
        assert kept == {k: v for k, v in numbers(BASE).items() if not k.startswith("t3.other_no_correction.")}
    elif situation == "pictures":
        assert [c for c in codes if c == "IMP-TABLE-UNREAD"] == ["IMP-TABLE-UNREAD"] * 3 and not numbers(imported)
        assert not {"T1", "T2", "S7"} & {f.code for f in outcome.report_findings}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """Every situation as .txt, .html and .docx (the PDFs come from the slow fixture below)."""
    folder = tmp_path_factory.mktemp("zoo")
    return folder, {(s, kind): path for s, text in SITUATIONS.items()
                    for kind, path in render(text, folder, s, ("txt", "html", "docx")).items()}


@pytest.fixture(scope="module")
def pdfs(zoo, libreoffice):
    """Every situation's Word document printed by LibreOffice, in one run."""
    folder, made = zoo
    printed = libreoffice.convert([made[(s, "docx")] for s in SITUATIONS], folder / "pdf", "pdf")
    return {(path.stem, "pdf"): path for path in printed}


class Checked:
    """An import with its validation's findings (what `nianbao import` reports)."""

    def __init__(self, source, target):
        from xlsx_tools.check.validate import read_one, validate_reports

        target.mkdir(parents=True, exist_ok=True)
        found = import_one(source, target / f"{source.stem}.xlsx")  # in this process: as a worker does
        self.imported, self.findings, self.target = found.imported, found.findings, found.target
        report = read_one((str(found.target), str(found.target)), None)
        report.unread_tables |= found.imported.unread  # as conversion.import_paths does
        self.report_findings = validate_reports([report])[0].findings


@pytest.mark.parametrize("kind", [k if k != "pdf" else pytest.param(k, marks=pytest.mark.slow) for k in FORMATS])
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_each_situation_in_each_format(situation, kind, request, tmp_path):
    made = request.getfixturevalue("pdfs") if kind == "pdf" else request.getfixturevalue("zoo")[1]
    _expect(situation, kind, Checked(made[(situation, kind)], tmp_path / "out"))


def test_the_zoo_is_made_of_real_files(zoo, tmp_path):
    """The renderings are what they claim: a Word document python-docx opens with tables, a page with
    <table> rows, the text itself."""
    import docx

    folder, made = zoo
    assert made[("plain", "txt")].read_text(encoding="utf-8") == SEED
    document = docx.Document(made[("plain", "docx")])
    assert len(document.tables) >= 3 and document.paragraphs
    assert made[("plain", "html")].read_bytes().count(b"<tr>") > 40
    assert render_docx("正文\n一\t二", tmp_path / "x.docx").exists()
    one = import_one(made[("plain", "docx")], tmp_path / "one.xlsx")
    assert one.target is not None
