"""``nianbao template``: the master template, one prefilled, or one per roster agency."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..format.declaration import load
from ..format.findings import worst
from ..write.output import OutputError
from .common import echo_findings, identity_label, roster_columns

DEFAULT_TEMPLATE = "年报模板.xlsx"


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=f"输出文件（默认：{DEFAULT_TEMPLATE}）。")
@click.option("--year", type=int, help="预填报告年度，例如 2025。")
@click.option("--agency", help=f"预填{identity_label('name')}。")
@click.option("--code", help=f"预填{identity_label('code')}（18 位）。")
@click.option("--region", help=f"预填{identity_label('region')}。")
@click.option("--kind", type=click.Choice(list(load().identity_field("kind").choices)),
              help=f"预填{identity_label('kind')}。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"单位名录（.xlsx，含{roster_columns()}列），为每个单位生成一份模板。")
@click.option("--outdir", type=click.Path(file_okay=False, path_type=Path),
              help="与 --roster 一起使用：个性化模板的输出目录。")
def template(output, year, agency, code, region, kind, roster, outdir) -> None:
    """生成年报填报模板（Excel 工作簿）。

    模板包含填报说明、基本信息、三张法定表格、文字部分和“校验”表；
    总计由公式自动计算，校验结果随填写实时更新，Excel、WPS、LibreOffice 均可使用。

    \b
    示例：
      nianbao template -o 年报模板.xlsx --year 2025
      nianbao template -o 区科技局.xlsx --agency 某区科学技术局 --code 11410000MB0000000X --kind 部门
      nianbao template --roster 名录.xlsx --outdir 各单位模板 --year 2025
    """
    if roster is not None:
        if outdir is None or output is not None or any((agency, code, region, kind)):
            raise click.UsageError(
                "--roster 须与 --outdir 一起使用，且不能同时使用 -o、--agency、--code、--region、--kind。")
        return _for_roster(roster, outdir, year)
    if outdir is not None:
        raise click.UsageError("--outdir 只能与 --roster 一起使用；单个模板请用 -o。")
    from ..check.identity import check_identity, normalise
    from ..write import template as template_mod

    values = {k: v for k, v in dict(name=agency, code=code, region=region, kind=kind, year=year).items()
              if v is not None}
    problems = check_identity(values)
    if problems:
        echo_findings(problems)
        raise click.UsageError("预填信息有误，请改正后重试。")
    target = output or Path(DEFAULT_TEMPLATE)
    try:
        template_mod.write(target, normalise(values))
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成模板：{target}")


def _for_roster(roster: Path, outdir: Path, year: int | None) -> None:
    from ..consolidate import roster as roster_mod

    result = roster_mod.write_personalised(roster_mod.read_roster(roster), outdir, year)
    echo_findings(result.findings)
    click.echo(f"已生成 {len(result.written)} 份模板，保存在 {outdir}")
    sys.exit(1 if worst(result.findings) == "error" else 0)
