"""`nianbao template` through click's runner, and once as the installed console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from fills import CODE
from openpyxl import load_workbook

from xlsx_tools.cli import DEFAULT_TEMPLATE, main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def _identity(path, fmt, layout):
    wb = load_workbook(path)
    out = {}
    for f in fmt.identity:
        sheet, span = layout.locate(f.key)
        out[f.name] = wb[sheet].cell(span.row, span.col).value
    return out


def test_default_output_is_the_master_template(run, tmp_path, fmt, layout):
    result = run("template")
    assert result.exit_code == 0, result.output
    assert (tmp_path / DEFAULT_TEMPLATE).exists()
    assert set(_identity(tmp_path / DEFAULT_TEMPLATE, fmt, layout).values()) == {None}


def test_prefilled_identity(run, tmp_path, fmt, layout):
    result = run("template", "-o", "科技局.xlsx", "--year", "2025", "--agency", "某区科学技术局",
                 "--code", CODE.lower(), "--region", "某市某区", "--kind", "部门")
    assert result.exit_code == 0, result.output
    values = _identity(tmp_path / "科技局.xlsx", fmt, layout)
    assert values["name"] == "某区科学技术局" and values["code"] == CODE  # stored upper-case
    assert values["year"] == 2025 and values["kind"] == "部门" and values["region"] == "某市某区"


@pytest.mark.parametrize("args, code", [
    (["--code", "12345"], "I2"),
    (["--year", "2019"], "I4"),
    (["--agency", "  "], "I1"),
])
def test_bad_prefill_is_a_usage_error_naming_the_rule(run, tmp_path, args, code):
    result = run("template", "-o", "x.xlsx", *args)
    assert result.exit_code == 2
    assert f"[{code}]" in result.output
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("args", [
    ["--kind", "局"],
    ["--outdir", "d"],
    ["--roster", "missing.xlsx", "--outdir", "d"],
])
def test_usage_errors_exit_2(run, args):
    assert run("template", *args).exit_code == 2


def test_roster_needs_outdir_and_excludes_single_options(run, tmp_path, roster_file):
    assert run("template", "--roster", str(roster_file)).exit_code == 2
    assert run("template", "--roster", str(roster_file), "--outdir", "d", "--agency", "x").exit_code == 2


def test_unwritable_output_is_a_clear_error(run, tmp_path):
    result = run("template", "-o", str(tmp_path / "nowhere" / "x.xlsx"))
    assert result.exit_code == 1 and "输出目录不存在" in result.output


def test_help_is_chinese_with_examples(run):
    result = run("template", "--help")
    assert result.exit_code == 0 and "示例" in result.output and "--roster" in result.output


def _click_texts() -> tuple[set[str], set[str]]:
    """The texts click looks up through gettext (``_("…")``) and the singulars of ``ngettext``."""
    import ast
    import pathlib

    import click

    texts, plurals = set(), set()
    for path in pathlib.Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                if node.func.id == "_":
                    texts.add(node.args[0].value)
                elif node.func.id == "ngettext":
                    plurals.add(node.args[0].value)
    return texts, plurals


def test_our_chinese_texts_are_clicks_own():
    """Every text of the table is one click looks up: a click upgrade that rewords one fails here."""
    from xlsx_tools.cli.chinese import PLURALS, TEXTS

    texts, plurals = _click_texts()
    texts.add("required")  # looked up indirectly: _(extra["required"]), the value being "required"
    assert set(TEXTS) - texts == set()
    assert set(PLURALS) - plurals == set()
    # the texts a user meets on a usage error or in help are all covered
    user_facing = {"Usage:", "Options", "Error: {message}", "Try '{command} {option}' for help.",
                   "No such option {name!r}.", "Missing option", "Missing argument",
                   "Show this message and exit.", "{name} {filename!r} does not exist.",
                   "Invalid value for {param_hint}: {message}", "default: {default}"}
    assert user_facing <= set(TEXTS) and user_facing <= texts


@pytest.mark.parametrize("args, said", [
    (["register", "-o", "x.xlsx", "--code", "1"], "错误：没有 --code 这个选项。"),
    (["validate", "不存在.xlsx"], "路径“不存在.xlsx”不存在"),
    (["merge"], "错误：缺少参数"),
    (["validate", "--year", "abc", "x"], "“abc”不是有效的数字"),
    (["nosuch"], "没有 nosuch 这个命令"),
])
def test_usage_errors_are_chinese(args, said):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and said in result.output, result.output
    for english in ("Usage:", "Error:", "Try '", "does not exist", "No such", "Missing"):
        assert english not in result.output, result.output


def test_help_has_no_english_of_the_parser(run):
    text = run("serve", "--help").output
    assert "用法:" in text and "选项:" in text and "[默认：8080]" in text and "[必填]" in text
    assert "Show this message" not in text and "default:" not in text and "required" not in text


def test_serve_on_a_busy_port_says_what_to_do_and_writes_nothing(tmp_path):
    """The port is checked before anything is written: no data folder, no 上传链接.xlsx, no English."""
    import socket

    from batches import roster

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        data = tmp_path / "收集目录"
        done = subprocess.run(
            [sys.executable, "-m", "xlsx_tools.cli", "serve", "--roster", str(roster(tmp_path / "名录.xlsx", [1, 2])),
             "--year", "2025", "--data", str(data), "--port", str(port)],
            capture_output=True, text=True, timeout=120, env={**os.environ, "NIANBAO_BOARD_PASSWORD": "x" * 12})
    assert done.returncode == 2, done.stderr
    assert f"端口 {port} 已被占用" in done.stderr and f"--port {port + 1}" in done.stderr
    assert "Errno" not in done.stderr and "address already in use" not in done.stderr
    assert not data.exists()


def test_serve_with_a_data_folder_it_cannot_write_says_so(tmp_path):
    from batches import roster

    blocker = tmp_path / "是文件"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "xlsx_tools.cli", "serve", "--roster", str(roster(tmp_path / "名录.xlsx", [1])),
         "--year", "2025", "--data", str(blocker / "收集目录"), "--port", "0"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NIANBAO_BOARD_PASSWORD": "x" * 12})
    assert done.returncode == 2 and "无法使用收集目录" in done.stderr and "--data" in done.stderr, done.stderr
    assert "Errno" not in done.stderr and "Not a directory" not in done.stderr


def test_installed_console_script_runs(tmp_path):
    """The console script that pip installs, as a user would run it."""
    exe = shutil.which("nianbao") or os.path.join(os.path.dirname(sys.executable), "nianbao")
    assert os.path.exists(exe), "nianbao is not installed: pip install -e '.[test]'"
    help_run = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "template" in help_run.stdout
    out = tmp_path / "模板 2025.xlsx"
    done = subprocess.run([exe, "template", "-o", str(out), "--year", "2025"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert load_workbook(out).sheetnames[0]
