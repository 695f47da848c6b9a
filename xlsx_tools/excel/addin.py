"""The Excel add-in with the 校验 button: built from the installed xlwings, installed into XLSTART.

xlwings ships a ribbon add-in (``quickstart_addin_ribbon.xlam``) whose VBA is xlwings' own for
that exact version (it declares ``xlwings64-<version>.dll``) and whose ribbon callback runs
``import <add-in file name>; <that>.main()``. Building copies it with no Excel needed:

* the ribbon XML is replaced by ours (tab, group, button, labels and icon from the declaration),
  keeping the callback the VBA defines;
* its settings sheet (``_<project>.conf``) can be switched on with the interpreter recorded, so the
  button finds the right Python without anyone editing xlwings settings;
* the VBA project is copied byte for byte: it always matches the xlwings that is installed.

The file name is declared (``nianbao_addin.xlam``) and the module of that name ships in the wheel.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ..format.declaration import Format, load
from ..format.oserrors import describe
from ..read.strings import parse_shared_strings
from ..read.xmlparts import XMLError, parse_tree
from ..write.output import OutputError, write_atomic

RIBBON_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
WORKBOOK_PART = "xl/workbook.xml"
STRINGS_PART = "xl/sharedStrings.xml"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
SOURCE_NAME = "quickstart_addin_ribbon.xlam"
_CONF = re.compile(r'name="_(\w+)\.conf"')


class AddinError(Exception):
    """The add-in cannot be built or installed (xlwings missing or changed, folder not writable)."""


@dataclass(frozen=True)
class Settings:
    """What the add-in's settings sheet records (xlwings' keys); empty means xlwings' default."""

    interpreter_win: str = ""
    interpreter_mac: str = ""
    conda_path: str = ""
    conda_env: str = ""

    def cells(self) -> dict[str, str]:
        # the workbook's own folder stays off sys.path: a stray .py beside a report (Downloads,
        # a shared drive) must not run on a click, and OneDrive URLs there break xlwings (#2017)
        return {"Interpreter_Win": self.interpreter_win, "Interpreter_Mac": self.interpreter_mac,
                "Conda Path": self.conda_path, "Conda Env": self.conda_env,
                "ADD_WORKBOOK_TO_PYTHONPATH": "false"}


@dataclass
class Outcome:
    """What an install or uninstall did (``path``) and what the user should read (``lines``)."""

    path: Path | None = None
    lines: list[str] = field(default_factory=list)


def source() -> Path:
    """xlwings' own ribbon add-in, from the xlwings that is installed."""
    try:
        import xlwings
    except ImportError as exc:
        raise AddinError("未安装 xlwings，无法生成加载项：请先运行 pip install xlwings") from exc
    path = Path(xlwings.__file__).parent / SOURCE_NAME
    if not path.is_file():
        raise AddinError(f"xlwings {xlwings.__version__} 中没有 {SOURCE_NAME}，无法生成加载项")
    return path


def ribbon_xml(callback: str, fmt: Format | None = None) -> bytes:
    """Our ribbon: one tab with one large 校验 button calling the VBA's ``callback``."""
    spec = (fmt or load()).addin
    ElementTree.register_namespace("", CUSTOMUI_NS)
    ui = ElementTree.Element(f"{{{CUSTOMUI_NS}}}customUI")
    tabs = ElementTree.SubElement(ElementTree.SubElement(ui, f"{{{CUSTOMUI_NS}}}ribbon"), f"{{{CUSTOMUI_NS}}}tabs")
    tab = ElementTree.SubElement(tabs, f"{{{CUSTOMUI_NS}}}tab", id="nianbaoTab", label=spec["tab"])
    group = ElementTree.SubElement(tab, f"{{{CUSTOMUI_NS}}}group", id="nianbaoGroup", label=spec["group"])
    ElementTree.SubElement(group, f"{{{CUSTOMUI_NS}}}button", id="nianbaoCheck", label=spec["button"],
                           size="large", onAction=callback, imageMso=spec["image"],
                           screentip=spec["screentip"], supertip=spec["supertip"])
    body = ElementTree.tostring(ui, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode("utf-8")


def callbacks(ribbon: bytes) -> list[str]:
    """The ``onAction`` callbacks a ribbon XML names."""
    return [el.get("onAction") for el in parse_tree(ribbon).iter() if el.get("onAction")]


def build_bytes(settings: Settings | None = None, fmt: Format | None = None) -> bytes:
    """The add-in as bytes: xlwings' ribbon add-in with our ribbon and, if given, settings."""
    fmt = fmt or load()
    with zipfile.ZipFile(source()) as src:
        infos = src.infolist()
        parts = {info.filename: src.read(info) for info in infos}
    theirs = callbacks(parts[RIBBON_PART])
    if len(set(theirs)) != 1:
        raise AddinError(f"xlwings 加载项的功能区回调无法识别：{theirs}")
    parts[RIBBON_PART] = ribbon_xml(theirs[0], fmt)
    if settings is not None:
        _switch_on(parts, settings)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            dst.writestr(info.filename, parts[info.filename])
    return out.getvalue()


def _switch_on(parts: dict[str, bytes], settings: Settings) -> None:
    """Rename ``_<project>.conf`` to ``<project>.conf`` (xlwings then reads it) and fill column B.

    The parts are edited as text: a parse and re-serialise would drop the namespace declarations
    that ``mc:Ignorable`` refers to, and Excel would call the file damaged.
    """
    workbook = parts[WORKBOOK_PART].decode("utf-8")
    found = _CONF.search(workbook)
    if not found:
        raise AddinError("xlwings 加载项中没有设置表（_….conf），无法记录 Python 路径")
    sheet_part = _sheet_part(parts, f"_{found.group(1)}.conf")
    parts[WORKBOOK_PART] = workbook.replace(found.group(0), f'name="{found.group(1)}.conf"', 1).encode("utf-8")
    strings = parse_shared_strings(parts[STRINGS_PART])
    sheet = parts[sheet_part].decode("utf-8")
    for key, value in settings.cells().items():
        if value:
            sheet = _set(sheet, strings, key, value)
    parts[sheet_part] = sheet.encode("utf-8")


def _inline(ref: str, text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" s="1" t="inlineStr"><is><t>{text}</t></is></c>'


def _set(sheet: str, strings: list[str], key: str, value: str) -> str:
    """Column B of ``key``'s row in the settings sheet; a key not listed gets a row right below
    the list (xlwings reads column A from A1 down to the first blank)."""
    listed = rf'<c r="A(\d+)"[^>]*t="s"[^>]*><v>{strings.index(key)}</v></c>' if key in strings else None
    cell = re.search(listed, sheet) if listed else None
    if cell is not None:
        row = cell.group(1)
        sheet = sheet.replace(cell.group(0), cell.group(0) + _inline(f"B{row}", value), 1)
        return re.sub(rf'(<row r="{row}"[^>]*?) spans="\d+:\d+"', r"\1", sheet, count=1)
    last = 1
    while re.search(rf'<c r="A{last + 1}"[^>]*>(<v>|<is>)', sheet):
        last += 1
    row = last + 1
    new = f'<row r="{row}">{_inline(f"A{row}", key)}{_inline(f"B{row}", value)}</row>'
    later = next((m for m in re.finditer(r'<row r="(\d+)"', sheet) if int(m.group(1)) > row), None)
    if re.search(rf'<row r="{row}"', sheet):
        raise AddinError(f"xlwings 加载项的设置表第 {row} 行已有内容，无法加入“{key}”")
    at = later.start() if later else sheet.index("</sheetData>")
    return sheet[:at] + new + sheet[at:]


def _sheet_part(parts: dict[str, bytes], name: str) -> str:
    rels = parse_tree(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    for sheet in parse_tree(parts[WORKBOOK_PART]).iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") == name:
            rid = next(v for k, v in sheet.attrib.items() if k.endswith("}id"))
            return "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
    raise AddinError(f"xlwings 加载项中找不到工作表 {name}")


def verify(path: Path, fmt: Format | None = None) -> None:
    """Re-open a built add-in: a zip whose ribbon is well-formed, ours, and calls the VBA's callback."""
    fmt = fmt or load()
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            ribbon, vba = zf.read(RIBBON_PART), zf.read(VBA_PART)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise AddinError(f"生成的加载项已损坏：{exc}") from exc
    if bad is not None:
        raise AddinError(f"生成的加载项已损坏：{bad}")
    with zipfile.ZipFile(source()) as src:
        if vba != src.read(VBA_PART):
            raise AddinError("生成的加载项中的 VBA 与已安装的 xlwings 不一致")
        expected = callbacks(src.read(RIBBON_PART))
    try:
        labels = [el.get("label") for el in parse_tree(ribbon).iter() if el.get("label")]
    except XMLError as exc:
        raise AddinError(f"生成的加载项的功能区 XML 有误：{exc}") from exc
    if callbacks(ribbon) != expected[:1] or fmt.addin["button"] not in labels:
        raise AddinError("生成的加载项的功能区与预期不符")


def build(folder: Path, settings: Settings | None = None, fmt: Format | None = None) -> Path:
    """Write the add-in into ``folder`` under its declared name (atomically, verified)."""
    fmt = fmt or load()
    data = build_bytes(settings, fmt)
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"输出目录不存在：{folder}")
    return write_atomic(folder / fmt.addin["file"], lambda tmp: tmp.write_bytes(data), lambda tmp: verify(tmp, fmt))


def current_settings(executable: str | None = None, prefix: str | None = None,
                     env: Mapping[str, str] | None = None, platform: str | None = None) -> Settings:
    """The settings that make the button run this Python (conda environments are activated first,
    or their DLLs are not found)."""
    executable, prefix = executable or sys.executable, prefix or sys.prefix
    env = os.environ if env is None else env
    platform = platform or sys.platform
    conda_path = conda_env = ""
    conda_exe = env.get("CONDA_EXE", "")
    if (Path(prefix) / "conda-meta").is_dir() and conda_exe:
        conda_path, conda_env = str(Path(conda_exe).parent.parent), prefix
    if platform == "darwin":
        return Settings(interpreter_mac=executable)
    return Settings(interpreter_win=executable, conda_path=conda_path, conda_env=conda_env)


def startup_folder(env: Mapping[str, str]) -> Path:
    """Excel's per-user startup folder (XLSTART): every add-in there loads when Excel starts."""
    appdata = env.get("APPDATA")
    if not appdata:
        raise AddinError("找不到 APPDATA 环境变量，无法确定 Excel 的启动文件夹（XLSTART）；请用 --dir 指定")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def install(folder: Path | None = None, settings: Settings | None = None, platform: str | None = None,
            env: Mapping[str, str] | None = None, fmt: Format | None = None) -> Outcome:
    """On Windows: build the add-in with this Python recorded into XLSTART. Elsewhere: say what to do."""
    fmt = fmt or load()
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if not platform.startswith("win") and folder is None:
        return Outcome(lines=_elsewhere(platform, fmt))
    folder = Path(folder) if folder else startup_folder(env)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AddinError(f"无法创建文件夹 {folder}：{describe(exc)}") from exc
    settings = settings or current_settings(env=env, platform=platform)
    try:
        path = build(folder, settings, fmt)
    except OutputError as exc:
        # Excel holds the old add-in open. The new one must not wait beside it: Excel would load
        # every workbook in XLSTART, this one too
        target = Path(fmt.addin["file"])
        for left in folder.glob(f".{target.stem}.*.tmp{target.suffix}"):
            left.unlink(missing_ok=True)
        raise AddinError(f"无法替换 {folder / target}：Excel 可能正在运行，请关闭 Excel 后重试") from exc
    python = settings.interpreter_win or settings.interpreter_mac
    return Outcome(path, [f"已安装加载项：{path}", f"“{fmt.addin['button']}”按钮将使用的 Python：{python}",
                          f"重新启动 Excel 后，功能区会出现“{fmt.addin['tab']}”选项卡。"])


def uninstall(folder: Path | None = None, platform: str | None = None, env: Mapping[str, str] | None = None,
              fmt: Format | None = None) -> Outcome:
    """Remove the add-in from XLSTART (Windows) or from ``folder``."""
    fmt = fmt or load()
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if not platform.startswith("win") and folder is None:
        return Outcome(lines=[f"本系统上没有自动安装的加载项；如手工复制过 {fmt.addin['file']}，请直接删除该文件。"])
    path = (Path(folder) if folder else startup_folder(env)) / fmt.addin["file"]
    if not path.exists():
        return Outcome(None, [f"未安装加载项（{path} 不存在），无需卸载。"])
    try:
        path.unlink()
    except PermissionError as exc:
        raise AddinError(f"无法删除 {path}：Excel 可能正在运行，请关闭 Excel 后重试") from exc
    except OSError as exc:
        raise AddinError(f"无法删除 {path}：{describe(exc)}") from exc
    return Outcome(path, [f"已卸载加载项：{path}", "重新启动 Excel 后，“校验”按钮不再出现。"])


def _elsewhere(platform: str, fmt: Format) -> list[str]:
    name = fmt.addin["file"]
    if platform == "darwin":
        return [
            "macOS 上请手工安装（xlwings 需要先允许 Excel 调用 Python）：",
            "  1. 运行 xlwings runpython install",
            f"  2. 运行 nianbao addin build --python -o ~/Library/Group\\ Containers/UBF8T346G9.Office/"
            f"User\\ Content/Startup/Excel （生成 {name} 并记录当前 Python）",
            "  3. 重新启动 Excel；首次点“校验”时按提示允许访问。",
        ]
    return [
        "Excel 没有 Linux 版本，本系统上无法使用“校验”按钮。",
        "可以用 WPS 或 LibreOffice 打开模板：模板自带的“校验”工作表会实时显示问题；",
        "也可以运行 nianbao validate 报表.xlsx --annotate 标注 生成带标注的副本。",
    ]
