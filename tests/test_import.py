"""nianbao import: the five real published reports import exactly; artefacts do not misplace values.

The expected numbers below were written by hand from the report texts in samples/原文 (the seeds),
not produced by the importer: every table cell is 0 except the ones listed, and the cells a report
does not publish are listed as blank.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from batches import nianbao
from conftest import ROOT, SEEDS
from openpyxl import load_workbook
from zoo import render_docx, render_html

from xlsx_tools.consolidate.roster import read_roster
from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.published.conversion import import_one, import_paths
from xlsx_tools.published.document import Document
from xlsx_tools.published.matcher import import_document
from xlsx_tools.published.sources import read_document
from xlsx_tools.published.webpage import html_lines
from xlsx_tools.published.word import docx_lines
from xlsx_tools.read.reader import read_path

FMT = load()
KINDS, MAX_MB = FMT.importer["suffixes"], FMT.importer["max_mb"]
NOW = dt.datetime(2026, 11, 22, 9, 30)

# 表三's rows under （三）–（六): in seed 003 each of them lost its 其他 cell (and the table its 总计)
DETAIL_ROWS = [
    "denied_secret", "denied_law", "denied_security", "denied_third_party", "denied_internal",
    "denied_process", "denied_enforcement", "denied_inquiry", "unavailable_not_held",
    "unavailable_needs_creation", "unavailable_unclear", "unprocessed_petition", "unprocessed_repeat",
    "unprocessed_publication", "unprocessed_mass_repeat", "unprocessed_confirm",
    "other_no_correction", "other_fee_unpaid", "other_other",
]


@dataclass
class Seed:
    file: str
    name: str
    year: int
    kind: str
    nonzero: dict[str, int] = field(default_factory=dict)
    blank: tuple[str, ...] = ()
    computed: tuple[str, ...] = ()  # cells the report does not publish, computed by the template
    starts: dict[str, str] = field(default_factory=dict)  # text field → how it begins
    contains: dict[str, str] = field(default_factory=dict)


SEED_DATA = [
    Seed("洛龙区科技园街道办事处2024年政府信息公开工作年度报告.txt", "洛龙区科技园街道办事处", 2024, "乡镇街道",
         nonzero={"t2.penalty.decisions": 3,
                  "t3.new.natural": 17, "t3.new.total": 17,
                  "t3.granted.natural": 17, "t3.granted.total": 17,
                  "t3.results_total.natural": 17, "t3.results_total.total": 17},
         starts={"s1.proactive": "2024 年，科技园街道在区委、区政府的正确领导下",
                 "s1.on_request": "（二）依申请公开。2024 年共收到 17 起依申请公开事项",
                 "s1.management": "（三）政府信息管理。一是狠抓责任落实。",
                 "s1.platform": "（四）政府信息公开平台建设。科技园街道扎实推进",
                 "s1.oversight": "（五）信息公开监督保障。落实落细",
                 "s5.text": "(一) 存在主要问题\n2024年，街道持续深化改革",
                 "s6.text": "本单位2024年度未收取政府信息公开信息处理费。"},
         contains={"s1.proactive": "\n（一）主动公开。政府网站设置科技园街道专栏", "s5.text": "\n(二) 改进情况\n"}),
    Seed("卫东区东工人镇街道办事处2024年政府信息公开工作年度报告.txt", "卫东区东工人镇街道办事处", 2024, "乡镇街道",
         starts={"s1.proactive": "2024 年，东工人镇街道办事处根据",
                 "s1.on_request": "(二) 依申请公开情况：2024 年，我街道未收到政府信息公开申请。",
                 "s1.management": "(三) 政府信息管理情况：严格落实",
                 "s1.platform": "(四) 平台建设情况：认真落实上级相关规定",
                 "s1.oversight": "(五) 监督保障情况：一是严格落实",
                 "s5.text": "一是政务公开内容质量有待进一步提高",
                 "s6.text": "依据《国务院办公厅关于印发<政府信息公开信息处理费管理办法>的通知》"},
         contains={"s1.proactive": "\n(一) 2024 年，东工人镇街道办事处主动向外公开", "s5.text": "\n二是加强业务培训"}),
    Seed("洛龙区定鼎门街道办事处2023年政府信息公开工作年度报告.txt", "洛龙区定鼎门街道办事处", 2023, "乡镇街道",
         starts={"s1.proactive": "2023 年，我街道坚持“以公开为常态，不公开为例外”原则",
                 "s1.on_request": "（二）依申请公开办理情况。2023 年我街道未收到公众依申请公开办理的事项。",
                 "s1.management": "（三）政府信息管理情况。健全工作制度",
                 "s1.platform": "（四）政府信息公开平台建设情况。一是提高认识",
                 "s1.oversight": "（五）政府信息公开监督保障情况。一是组织学习培训",
                 "s5.text": "2023年我街道在政府信息公开工作中，仍存在部分问题需要加以改进。",
                 "s6.text": "本单位2023年度未收取政府信息公开信息处理费。"},
         contains={"s1.proactive": "\n（一）主动公开情况。2023 年我街道通过多种方式", "s5.text": "\n二是信息公开队伍"}),
    Seed("凤泉区科学技术局2024年政府信息公开工作年度报告.txt", "凤泉区科学技术局", 2024, "部门",
         blank=tuple(f"t3.{r}.other" for r in DETAIL_ROWS),
         computed=tuple(f"t3.{r.key}.total" for r in FMT.table("t3").leaf_rows),  # no 总计 column
         starts={"s1.proactive": "凤泉区科技局自 2024 年 6 月份成立以来",
                 "s1.on_request": "（二）依申请公开办理情况\n2024 年，未收到信息公开申请事项。",
                 "s1.management": "（三）政府信息管理情况\n按照政府信息公开工作统一部署和要求",
                 "s1.platform": "（四）政府信息公开平台建设情况\n加强日常管理",
                 "s1.oversight": "（五）监督保障情况\n针对政务公开工作的新形势",
                 "s5.text": "我局政府信息公开工作存在的主要问题：一是日常管理还需要进一步加强",
                 "s6.text": "2024 年，我单位无政府信息公开收费项目。"},
         contains={"s1.proactive": "\n（一）主动公开情况\n2024 年，凤泉区科技局坚持实事求是",
                   "s5.text": "\n下步改进措施：\n"}),
    Seed("偃师区伊洛街道办事处2024年政府信息公开工作年度报告.txt", "偃师区伊洛街道办事处", 2024, "乡镇街道",
         starts={"s1.proactive": "本报告依据《中华人民共和国政府信息公开条例》规定编制",
                 "s1.on_request": "(二) 依申请公开。伊洛街道在政府信息公开网站上公开了办事指南",
                 "s1.management": "(三) 政府信息管理。建立健全政府信息管理机制",
                 "s1.platform": "(四) 政府信息公开平台建设。着力优化完善",
                 "s1.oversight": "(五) 监督保障。按照政务公开要求",
                 "s5.text": "(一) 存在的主要问题。信息公开内容的深度和广度有待进一步拓展",
                 "s6.text": "按照《政府信息公开信息处理费管理办法》规定，本单位 2024 年未收取政府信息公开处理费。"},
         contains={"s1.proactive": "\n(一) 主动公开。2024 年，我街道通过多种渠道", "s5.text": "\n(二) 改进措施。"}),
]
IDS = [s.name for s in SEED_DATA]


def expected_numbers(seed: Seed) -> dict:
    """Every table cell of the seed as the reader should see it: 0, a listed number, or blank."""
    out = {f.key: seed.nonzero.get(f.key, 0) for f in FMT.table_fields}
    for key in seed.blank:
        out[key] = None
    return out


def read_seed(seed: Seed) -> Document:
    return read_document(SEEDS / seed.file, KINDS, MAX_MB)


def imported(tmp_path: Path, seed: Seed, **kw):
    return import_one(SEEDS / seed.file, tmp_path / f"{seed.name}.xlsx", now=NOW, **kw)


def table_values(report) -> dict:
    return {f.key: report.values.get(f.key) for f in FMT.table_fields}


def test_the_bundled_texts_are_the_seeds():
    """samples/原文 holds the five published reports the import tests know."""
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(s.file for s in SEED_DATA)


@pytest.mark.parametrize("seed", SEED_DATA, ids=IDS)
def test_each_seed_imports_exactly(tmp_path, seed):
    outcome = imported(tmp_path, seed)
    report = read_path(outcome.target)
    assert table_values(report) == expected_numbers(seed)
    assert (report.values["id.name"], report.values["id.year"], report.values["id.kind"]) == (
        seed.name, seed.year, seed.kind)
    for key, start in seed.starts.items():
        assert report.values[key].startswith(start), (key, report.values[key][:60])
    for key, part in seed.contains.items():
        assert part in report.values[key], key
    assert not {f.code for f in outcome.findings} & {"IMP-UNPLACED", "IMP-UNKNOWN-LINE", "IMP-MISSING-ROW",
                                                     "IMP-GLUED", "IMP-CONFLICT", "IMP-LONG-ROW", "IMP-TITLE"}


def test_the_truncated_table_is_reported_not_guessed(tmp_path):
    """Seed 003 lost its 总计 column and, on the rows under （三）–（六）, its 其他 cell too."""
    seed = SEED_DATA[3]
    outcome = imported(tmp_path, seed)
    codes = [f.code for f in outcome.findings]
    assert codes.count("IMP-TOTAL-COMPUTED") == 1 and codes.count("IMP-SHORT-ROW") == 1
    short = next(f for f in outcome.findings if f.code == "IMP-SHORT-ROW")
    assert short.extra["where"] == "第56行–第74行（19 行）"
    layout = workbook_layout()
    report = read_path(outcome.target)
    blanks = {(f.sheet, f.cell) for f in report.findings if f.code == "S7"}
    assert blanks == {(layout.locate(k)[0], layout.locate(k)[1].ref) for k in seed.blank}
    # the missing 总计 column is the template's formula again, so the reader derives each row's sum
    assert report.values["t3.denied_secret.total"] == 0 and "t3.denied_secret.total" not in outcome.imported.values


@pytest.mark.parametrize("seed", SEED_DATA, ids=IDS)
def test_every_value_is_traced_to_its_line(seed):
    """Each placed number is one of the numbers on the line it names, in the line's own text."""
    doc = read_seed(seed)
    result = import_document(doc, FMT)
    text = (SEEDS / seed.file).read_text(encoding="utf-8").splitlines()
    for p in result.placed:
        if p.key.startswith("t"):
            line = text[int(p.line.where[1:-1]) - 1]
            assert str(p.value) in [c.strip() for c in line.split("\t")], p
    record_keys = {p.key for p in result.placed}
    published = {k for k, v in expected_numbers(seed).items() if v is not None and k not in seed.computed}
    assert published <= record_keys


@pytest.mark.parametrize("seed", SEED_DATA, ids=IDS)
def test_word_and_web_renderings_import_to_the_same_values(tmp_path, seed):
    text = (SEEDS / seed.file).read_text(encoding="utf-8")
    from_text = import_document(read_seed(seed), FMT)
    from_docx = import_document(Document("x.docx", "Word 文档", docx_lines(
        render_docx(text, tmp_path / "x.docx").read_bytes(), MAX_MB)), FMT)
    from_html = import_document(Document("x.html", "网页", html_lines(render_html(text))), FMT)
    expected = {k: v for k, v in expected_numbers(seed).items() if v is not None}
    for result in (from_docx, from_html):
        numbers = {k: v for k, v in result.values.items() if k.startswith("t")}
        assert numbers == {k: v for k, v in from_text.values.items() if k.startswith("t")}
        assert result.values["id.name"] == seed.name and result.values["id.year"] == seed.year
        for key, start in seed.starts.items():
            assert result.values[key].startswith(start.split("\n")[0]), key
    derived = {k: v for k, v in from_text.values.items() if k.startswith("t")}
    assert all(expected[k] == v for k, v in derived.items())


def test_the_samples_are_the_seeds_imported_with_the_roster(tmp_path):
    """samples/报表 holds what `nianbao import` makes of samples/原文 with samples/名录.xlsx."""
    roster = read_roster(ROOT / "samples" / "名录.xlsx")
    outcomes = import_paths([SEEDS], tmp_path / "out", roster, now=NOW)
    assert len(outcomes) == 5 and all(o.target for o in outcomes)
    for o in outcomes:
        sample = ROOT / "samples" / "报表" / str(o.imported.values["id.year"]) / o.target.name
        ours, theirs = read_path(o.target).values, read_path(sample).values
        assert {k: v for k, v in ours.items() if k != "id.filled_on"} == {
            k: v for k, v in theirs.items() if k != "id.filled_on"}
        assert ours["id.code"] and ours["id.region"]
        assert not [f for f in o.report.findings if f.severity == "error"], o.report.findings


# -- the CLI ----------------------------------------------------------------------------------
def test_cli_imports_a_folder_and_validates_what_it_wrote(tmp_path):
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in SEEDS.iterdir()}
    run = nianbao("import", SEEDS, "-o", tmp_path / "out", "--roster", ROOT / "samples" / "名录.xlsx")
    assert run.returncode == 0, run.stdout + run.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(s.file.replace(".txt", ".xlsx") for s in SEED_DATA)
    assert "[IMP-TOTAL-COMPUTED]" in run.stdout and "[S7]" in run.stdout  # import and validation findings
    assert before == {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in SEEDS.iterdir()}


def test_cli_one_report_to_one_file_without_roster_reports_the_missing_code(tmp_path):
    target = tmp_path / "一份.xlsx"
    run = nianbao("import", SEEDS / SEED_DATA[0].file, "-o", target)
    assert run.returncode == 1 and target.is_file()
    assert "[I2]" in run.stdout and "[IMP-KIND]" in run.stdout
    wb = load_workbook(target, read_only=True)
    assert wb.sheetnames[-1] == FMT.importer["sheet"]
    wb.close()


def test_cli_refuses_several_reports_into_one_file(tmp_path):
    run = nianbao("import", SEEDS, "-o", tmp_path / "x.xlsx")
    assert run.returncode == 2 and "文件夹" in run.stderr
    assert not (tmp_path / "x.xlsx").exists()
    (tmp_path / "空文件夹").mkdir()
    run = nianbao("import", tmp_path / "空文件夹", "-o", tmp_path / "out")
    assert run.returncode == 2 and "没有找到" in run.stderr


def test_one_bad_source_costs_only_itself(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SEEDS / SEED_DATA[1].file, folder / "好.txt")
    (folder / "空.txt").write_bytes(b"")
    (folder / "坏.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "扫描件.pdf").write_bytes(b"%PDF-1.4")
    (folder / "~$好.docx").write_bytes(b"Word's lock file")
    (folder / "不是年报.html").write_bytes("<html><body><p>通知</p></body></html>".encode())
    run = nianbao("import", folder, folder / "扫描件.pdf", "-o", tmp_path / "out")
    assert run.returncode == 1
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["好.xlsx"]
    for name, code in (("空.txt", "IMP-UNREADABLE"), ("坏.docx", "IMP-UNREADABLE"),
                       ("扫描件.pdf", "IMP-UNREADABLE"), ("不是年报.html", "IMP-NO-TABLES"),
                       ("~$好.docx", "F-LOCKFILE")):
        block = run.stdout.split(name, 1)[1].split("\n", 2)[1]
        assert f"[{code}]" in block, (name, block)


def test_imported_workbooks_in_a_spreadsheet_client(tmp_path, libreoffice):
    """LibreOffice opens imported workbooks as a user would: the published total that disagrees fails
    R1/R2 on the 校验 sheet; the missing 总计 column is computed by the template's formulas."""
    from test_live_checks import _statuses

    text = (SEEDS / SEED_DATA[0].file).read_text(encoding="utf-8")
    changed = tmp_path / "改.txt"
    changed.write_text(text.replace("(七) 总计\t17\t0\t0\t0\t0\t0\t17", "(七) 总计\t15\t0\t0\t0\t0\t0\t15"),
                       encoding="utf-8")
    a = import_one(changed, tmp_path / "a.xlsx", now=NOW)
    b = import_one(SEEDS / SEED_DATA[3].file, tmp_path / "b.xlsx", now=NOW)
    saved = {p.stem: p for p in libreoffice.convert([a.target, b.target], tmp_path / "lo")}
    fail = FMT.marks["fail"]
    failing = {name: {i for i, v in _statuses(p).items() if v == fail} for name, p in saved.items()}
    assert {"R1:natural", "R2:natural"} <= failing["a"]
    assert not {i for i in failing["b"] if i.startswith(("R", "S6"))} and "S7:t3" in failing["b"]
    wb = load_workbook(saved["b"], data_only=True)
    layout = workbook_layout()
    for row in ("new", "denied_secret", "results_total"):
        sheet, span = layout.locate(f"t3.{row}.total")
        assert wb[sheet].cell(span.row, span.col).value == 0
    assert wb.sheetnames[-1] == FMT.importer["sheet"]


@pytest.mark.slow  # every seed imported twice
def test_a_batch_reuses_one_template_and_each_workbook_is_as_if_imported_alone(tmp_path):
    """The batch builds the template once and resets it between reports: every workbook (values, cached
    formula results and 导入记录) is exactly what importing that report alone writes."""
    when = dt.datetime(2026, 1, 5, 9, 30)
    sources = sorted(SEEDS.iterdir())
    batch = import_paths(sources, tmp_path / "batch", now=when)
    assert len([o for o in batch if o.target]) == len(sources)

    def contents(path):
        wb = load_workbook(path, data_only=True)
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}

    (tmp_path / "alone").mkdir()
    for source, outcome in zip(sources, batch, strict=True):
        alone = import_one(source, tmp_path / "alone" / f"{source.stem}.xlsx", now=when)
        assert contents(outcome.target) == contents(alone.target), source.name
