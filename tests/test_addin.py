"""The built add-in (nianbao_addin.xlam) read back: a sound zip, our ribbon calling a callback its
VBA defines, xlwings' VBA of the installed version, the imported module importable; and
install/uninstall into a Windows user's XLSTART with Chinese in every path."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import xlwings
from click.testing import CliRunner

from xlsx_tools.cli import main
from xlsx_tools.excel import addin
from xlsx_tools.format.declaration import load
from xlsx_tools.read.container import open_package
from xlsx_tools.read.xmlparts import parse_tree

SPEC = load().addin
WIN_PYTHON = r"C:\Users\张三\AppData\Local\Programs\Python\Python311\python.exe"


def vba_modules(path: Path) -> dict[str, str]:
    """Module name → VBA source, decompressed from the add-in's vbaProject.bin by oletools."""
    with warnings.catch_warnings():  # oletools calls a pyparsing API that pyparsing deprecated
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(str(path))
        try:
            return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()


def settings_sheet(path: Path) -> tuple[str, dict[str, str]]:
    """The add-in's xlwings settings sheet: its name and key → value (column A → B)."""
    package = open_package(path.read_bytes(), path.name, macros=True)  # the add-in is a macro file by design
    (name,) = package.sheets
    cells = package.cells(name, 50, 2).cells
    text = {pos: (package.shared_strings[int(c.value)] if c.kind == "s" else c.value) for pos, c in cells.items()}
    return name, {text[(r, 1)]: text.get((r, 2)) for r in range(1, 51) if (r, 1) in text}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return addin.build(tmp_path_factory.mktemp("加载项 输出"))


def test_build_writes_a_sound_zip_under_the_declared_name(built):
    assert built.name == SPEC["file"]
    with zipfile.ZipFile(built) as zf:
        assert zf.testzip() is None
        types = zf.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types  # Excel opens it as an add-in


def test_ribbon_is_well_formed_with_our_tab_and_a_callback_the_vba_defines(built):
    with zipfile.ZipFile(built) as zf:
        ribbon = parse_tree(zf.read(addin.RIBBON_PART))
    ns = "{" + addin.CUSTOMUI_NS + "}"
    (tab,) = ribbon.iter(ns + "tab")
    (button,) = ribbon.iter(ns + "button")
    assert tab.get("label") == SPEC["tab"] and button.get("label") == SPEC["button"]
    assert button.get("imageMso") and button.get("screentip") and button.get("supertip")
    module, _, sub = button.get("onAction").partition(".")
    source = vba_modules(built)[module]
    assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)", source, re.M)
    # the callback imports the module named after the add-in's own file
    assert "ThisWorkbook.Name" in source and 'RunPython "import " & mymodule' in source


def test_vba_is_xlwings_own_for_the_installed_version(built):
    main_module = vba_modules(built)["xlwings"]
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in main_module
    assert f'"xlwings64-{xlwings.__version__}.dll"' in main_module


def test_the_module_the_button_imports_is_importable_and_has_main():
    name = Path(SPEC["file"]).stem
    assert name.isidentifier()
    module = importlib.import_module(name)
    assert callable(module.main)
    done = subprocess.run([sys.executable, "-c", f"import {name}; print({name}.main.__module__)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "xlsx_tools.excel.button", done.stderr


def test_a_plain_build_leaves_xlwings_settings_alone(built):
    name, _ = settings_sheet(built)
    assert name.startswith("_")  # xlwings ignores a settings sheet whose name starts with "_"


def test_install_on_windows_records_python_in_xlstart(tmp_path):
    appdata = tmp_path / "C" / "Users" / "张三" / "AppData" / "Roaming"
    settings = addin.Settings(interpreter_win=WIN_PYTHON)
    outcome = addin.install(settings=settings, platform="win32", env={"APPDATA": str(appdata)})
    expected = appdata / "Microsoft" / "Excel" / "XLSTART" / SPEC["file"]
    assert outcome.path == expected and expected.is_file()
    assert any(WIN_PYTHON in line for line in outcome.lines)
    name, values = settings_sheet(expected)
    assert not name.startswith("_") and name.endswith(".conf")  # switched on
    assert values["Interpreter_Win"] == WIN_PYTHON
    assert values["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    keys = list(values)
    assert keys == keys[: keys.index("ADD_WORKBOOK_TO_PYTHONPATH") + 1]  # no gap: xlwings stops at a blank
    addin.verify(expected)

    again = addin.install(settings=settings, platform="win32", env={"APPDATA": str(appdata)})
    assert again.path == expected and list(expected.parent.iterdir()) == [expected]  # replaced, no temp left

    gone = addin.uninstall(platform="win32", env={"APPDATA": str(appdata)})
    assert gone.path == expected and not expected.exists()
    assert addin.uninstall(platform="win32", env={"APPDATA": str(appdata)}).path is None


def test_install_without_appdata_says_so():
    with pytest.raises(addin.AddinError, match="APPDATA"):
        addin.install(platform="win32", env={})


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_install_elsewhere_prints_what_to_do(platform, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = addin.install(platform=platform, env={})
    assert outcome.path is None and outcome.lines and not list(tmp_path.iterdir())
    assert any("nianbao validate" in line or "xlwings runpython install" in line for line in outcome.lines)
    steps = "\n".join(outcome.lines)
    for option in re.findall(r"nianbao addin build (--[\w-]+)", steps):  # the steps name real options
        assert option in CliRunner().invoke(main, ["addin", "build", "--help"]).output


def test_conda_environments_are_activated(tmp_path):
    env = tmp_path / "miniconda3" / "envs" / "年报"
    (env / "conda-meta").mkdir(parents=True)
    conda = tmp_path / "miniconda3" / "Scripts" / "conda.exe"
    s = addin.current_settings(str(env / "python.exe"), str(env), {"CONDA_EXE": str(conda)}, "win32")
    assert (s.conda_path, s.conda_env) == (str(tmp_path / "miniconda3"), str(env))
    plain = addin.current_settings(WIN_PYTHON, str(tmp_path), {}, "win32")
    assert (plain.interpreter_win, plain.conda_path) == (WIN_PYTHON, "")
    assert addin.current_settings("/usr/bin/python3", str(tmp_path), {}, "darwin").interpreter_mac == "/usr/bin/python3"


def test_verify_refuses_a_ribbon_that_calls_nothing_the_vba_defines(built, tmp_path):
    broken = tmp_path / SPEC["file"]
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == addin.RIBBON_PART:
                data = data.replace(b"RibbonMyAddin.RunMain", b"Ribbon.Missing")
            dst.writestr(info, data)
    with pytest.raises(addin.AddinError):
        addin.verify(broken)
    addin.verify(built)


def test_cli_build_install_uninstall(tmp_path):
    runner = CliRunner()
    out = tmp_path / "发布"
    done = runner.invoke(main, ["addin", "build", "-o", str(out)])
    assert done.exit_code == 0 and (out / SPEC["file"]).is_file(), done.output
    recorded = runner.invoke(main, ["addin", "build", "-o", str(tmp_path / "带路径"), "--python"])
    assert recorded.exit_code == 0, recorded.output
    assert settings_sheet(tmp_path / "带路径" / SPEC["file"])[1]["Interpreter_Win" if sys.platform != "darwin"
                                                                  else "Interpreter_Mac"] == sys.executable
    folder = tmp_path / "启动 文件夹"
    assert runner.invoke(main, ["addin", "install", "--dir", str(folder)]).exit_code == 0
    assert (folder / SPEC["file"]).is_file()
    assert runner.invoke(main, ["addin", "uninstall", "--dir", str(folder)]).exit_code == 0
    assert not (folder / SPEC["file"]).exists()


def test_install_while_excel_holds_the_add_in_leaves_nothing_behind(tmp_path, monkeypatch):
    from xlsx_tools.write import output

    folder = tmp_path / "XLSTART"
    addin.install(folder, addin.Settings(interpreter_win=WIN_PYTHON))
    before = (folder / SPEC["file"]).read_bytes()

    def held(src, dst):  # what Windows says while Excel has the file open
        raise PermissionError(13, "另一个程序正在使用此文件")

    monkeypatch.setattr(output.os, "replace", held)
    with pytest.raises(addin.AddinError, match="关闭 Excel"):
        addin.install(folder, addin.Settings(interpreter_win=r"D:\新\python.exe"))
    assert [p.name for p in folder.iterdir()] == [SPEC["file"]]  # no second add-in for Excel to load
    assert (folder / SPEC["file"]).read_bytes() == before
