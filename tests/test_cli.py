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
