from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

# xlwings' JSON book (the add-in tests) needs this before xlwings is imported: noncommercial use
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

sys.path.insert(0, str(Path(__file__).parent))

from archives import db  # noqa: E402, F401 - the archive tests' databases (SQLite, PostgreSQL)
from fills import CODE, correct_values, write_filled  # noqa: E402
from gnumeric import Gnumeric, find_ssconvert  # noqa: E402
from libreoffice import LibreOffice, find_soffice  # noqa: E402

from xlsx_tools.format.declaration import load  # noqa: E402
from xlsx_tools.format.layout import workbook_layout  # noqa: E402
from xlsx_tools.format.uscc import complete  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "samples" / "原文"  # the five real published reports (samples/README.md)
OTHER = complete("12410300MB1234567")
#: what a published report does not carry (so its imported sample lacks it): typed in, the sample is clean
CONTACT = {"id.filler": "张三", "id.phone": "0379-12345678", "id.filled_on": dt.datetime(2025, 1, 20)}
#: the sample with no finding but the missing contact details
CLEAN_SAMPLE = ROOT / "samples" / "报表" / "2024" / "卫东区东工人镇街道办事处2024年政府信息公开工作年度报告.xlsx"


def pytest_sessionstart(session):
    """The package byte-compiled once, as ``pip install`` leaves it: with PYTHONDONTWRITEBYTECODE set
    (some machines set it), every ``nianbao`` subprocess of the tests would otherwise compile every
    module from source again, about 0.3 s each (the compiled files go to the ignored __pycache__)."""
    import compileall

    compileall.compile_dir(str(ROOT / "xlsx_tools"), quiet=1)


# -- tiers -----------------------------------------------------------------------------------------
#: fixtures that start a real client, build the large corpus or make a file hang until its time
#: limit stops it: a test using any is marked slow
SLOW_FIXTURES = {"libreoffice", "gnumeric", "bad_corpus", "saved_every_error", "browser", "hang_on"}
#: programs only tests marked slow may start; in the quick tier each is a stand-in that fails loudly,
#: so a test that needs one and lacks the marker fails instead of quietly slowing the tier down
SLOW_PROGRAMS = ("soffice", "libreoffice", "ssconvert", "chromium", "chromedriver")


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (SLOW_FIXTURES & set(item.fixturenames) or params.get("db") == "postgresql"
                or params.get("client") in SLOW_FIXTURES):  # a client fixture asked for by name
            item.add_marker(pytest.mark.slow)


#: a test the quick tier runs that takes longer than this is named at the end of the run, for its
#: author to make it faster or mark it slow (a note, not a failure: these machines are noisy)
QUICK_SECONDS = 5.0
_LONG_QUICK: list[tuple[float, str]] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and "slow" not in report.keywords and report.duration > QUICK_SECONDS:
        _LONG_QUICK.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter):
    if _LONG_QUICK:
        terminalreporter.section(f"quick-tier tests over {QUICK_SECONDS:g} s (make faster, or mark slow)")
        for seconds, nodeid in sorted(_LONG_QUICK, reverse=True):
            terminalreporter.write_line(f"{seconds:5.1f} s  {nodeid}")


@pytest.fixture(scope="session")
def stand_ins(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quick-tier-bin")
    for name in SLOW_PROGRAMS:
        shim = folder / name
        shim.write_text(f'#!/bin/sh\necho "{name} 只能用于标记为 slow 的测试（pytest.mark.slow）" >&2\nexit 97\n')
        shim.chmod(0o755)
    return folder


@pytest.fixture(autouse=True)
def quick_tier(request, monkeypatch):
    """In a test not marked slow, the slow programs are stand-ins that fail (see SLOW_PROGRAMS)."""
    if request.node.get_closest_marker("slow") is None:
        folder = request.getfixturevalue("stand_ins")
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture(scope="session")
def fmt():
    return load()


@pytest.fixture(scope="session")
def layout():
    return workbook_layout()


def required(binary: str | None, what: str, package: str) -> str:
    """A real client's binary; missing, the test skips, and under CI=true it fails."""
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required under CI=true; .ci/run must install it")
        pytest.skip(f"{what} is not installed (apt-get install {package})")
    return binary


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> LibreOffice:
    """LibreOffice headless with a private profile."""
    binary = required(find_soffice(), "LibreOffice (soffice)", "libreoffice-calc-nogui")
    return LibreOffice(binary, tmp_path_factory.mktemp("lo-profile"))


@pytest.fixture(scope="session")
def gnumeric(tmp_path_factory) -> Gnumeric:
    """Gnumeric's ssconvert, the second spreadsheet client."""
    binary = required(find_ssconvert(), "Gnumeric (ssconvert)", "gnumeric")
    return Gnumeric(binary, tmp_path_factory.mktemp("gnumeric-home"))


@pytest.fixture(scope="session")
def bad_corpus(tmp_path_factory):
    """The bad-input corpus of docs/BAD-INPUTS.md (tests/corpus.py), built once per session."""
    import corpus

    return corpus.build(tmp_path_factory.mktemp("bad-input") / "corpus")


@pytest.fixture
def roster_file(tmp_path, fmt):
    """A roster as consolidators keep them: a title row, a blank row, extra columns, then rows."""
    labels = [fmt.identity_field(n).label for n in ("name", "code", "kind", "region")]
    wb = Workbook()
    ws = wb.active
    ws.title = "名录"
    ws.append(["某区政府信息公开年报报送单位名录"])
    ws.append([])
    ws.append(["序号", labels[0], " 统一社会 信用代码 ", labels[2], labels[3], "联系人"])  # spaces in a header
    ws.append([1, "某区科学技术局", CODE, "部门", "某市某区", "王"])
    ws.append([2, "某区某街道办事处", OTHER, "乡镇街道", "某市某区", ""])
    ws.append([])  # blank rows are skipped
    ws.append([3, "", complete("12410300MB7654321"), "部门", "", ""])  # no name: I1
    ws.append([4, "代码错误的单位", CODE[:17] + ("0" if CODE[17] != "0" else "1"), "部门", "", ""])  # I2
    ws.append([5, "类型错误的单位", "", "局", "", ""])  # I3
    ws.append([6, "某区/某局:分局", "", "其他", "", ""])  # name unsafe as a file name, no code
    path = tmp_path / "名录.xlsx"
    wb.save(path)
    return path




def write_every_error(folder: Path) -> tuple[Path, set[tuple[str, str, str]]]:
    """One workbook carrying an error of every kind a cell or rule can have, with its expected places."""
    v = correct_values()
    v.update({
        "id.name": None,  # I1
        "id.code": v["id.code"][:17] + ("0" if v["id.code"][17] != "0" else "1"),  # I2
        "id.kind": "局",  # I3
        "id.year": 25,  # I4
        "t3.new.natural": 18,  # R1 (自然人, 总计)
        "t3.denied_law.research": "x",  # S6 text
        "t2.penalty.decisions": -1,  # S6 negative
        "t2.normative_docs.in_force": 1,  # R9 warning
        "t4.suit_direct.pending": None,  # S7 warning
    })
    path = write_filled(folder / "每种错误.xlsx", v)
    expected = {("I1", "基本信息", "B3"), ("I2", "基本信息", "B4"), ("I3", "基本信息", "B5"), ("I4", "基本信息", "B7"),
                ("R1", "表三", "D6"), ("R1", "表三", "J6"), ("S6", "表三", "F11"), ("S6", "表二", "B12"),
                ("R9", "表二", "D6"), ("S7", "表四", "I6"), ("T1", "一、总体情况", "B4")}
    return path, expected


@pytest.fixture
def every_error(tmp_path):
    return write_every_error(tmp_path)


@pytest.fixture(scope="session")
def saved_every_error(tmp_path_factory, libreoffice):
    """The every-error workbook as a spreadsheet client saved it: every formula's result cached,
    as the values Excel shows the add-in."""
    path, expected = write_every_error(tmp_path_factory.mktemp("every-error"))
    (saved,) = libreoffice.convert([path], tmp_path_factory.mktemp("every-error-saved"))
    return saved, expected


@pytest.fixture
def hang_on(monkeypatch):
    """``hang_on("1.xlsx")``: reading that file hangs, as a pathological file would (in any worker)."""
    import time

    from xlsx_tools.check import validate as validate_mod

    real = validate_mod.read_path

    def install(name: str) -> None:
        def hangs(path, *args, **kwargs):
            if path.name == name:
                time.sleep(60)
            return real(path, *args, **kwargs)

        monkeypatch.setattr(validate_mod, "read_path", hangs)

    return install
