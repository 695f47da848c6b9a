"""``nianbao addin``: the Excel add-in with its 校验 button, built, installed and removed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..write.output import OutputError


@click.group()
def addin() -> None:
    """Excel 加载项：功能区“政务公开年报”选项卡上的“校验”按钮（仅 Windows/macOS 版 Excel）。

    \b
    示例：
      nianbao addin install        # Windows：装入 Excel 启动文件夹，并记录当前 Python
      nianbao addin uninstall
      nianbao addin build -o 发布/  # 只生成 nianbao_addin.xlam
    """


@addin.command("build")
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="加载项写入的文件夹（文件名固定，按钮靠它找到 Python 模块）。")
@click.option("--python", "python", is_flag=False, flag_value=sys.executable, default=None,
              help="在加载项中记录按钮使用的 Python（只写 --python 则记录当前这个）。")
def addin_build(outdir, python) -> None:
    """用已安装的 xlwings 生成加载项 nianbao_addin.xlam（无需 Excel）。"""
    from ..excel import addin as addin_mod

    settings = addin_mod.current_settings(executable=python) if python else None
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        path = addin_mod.build(outdir, settings)
    except (addin_mod.AddinError, OutputError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成加载项：{path}")


@addin.command("install")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="装入这个文件夹（默认：Excel 的用户启动文件夹 XLSTART）。")
def addin_install(folder) -> None:
    """把加载项装入 Excel 启动文件夹，并记录当前 Python，使“校验”按钮无需设置即可使用。"""
    _outcome("install", folder)


@addin.command("uninstall")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="从这个文件夹删除（默认：Excel 的用户启动文件夹 XLSTART）。")
def addin_uninstall(folder) -> None:
    """从 Excel 启动文件夹删除加载项。"""
    _outcome("uninstall", folder)


def _outcome(action: str, folder: Path | None) -> None:
    from ..excel import addin as addin_mod

    try:
        outcome = getattr(addin_mod, action)(folder)
    except (addin_mod.AddinError, OutputError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("\n".join(outcome.lines))
