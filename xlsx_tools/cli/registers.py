"""``nianbao register`` (the register workbook) and ``nianbao tally`` (表三 and 表四 counted from it)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..write.output import OutputError
from .common import package_limits


@click.command()
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, required=True, help="统计的报告年度。")
@click.option("--into", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="写入这个年报工作簿（只写表三、表四的填报单元格；基本信息和文字不变）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="写成新的年报工作簿（与 --into 同用时，另存为此文件，原文件不变）。")
@click.option("--replace", is_flag=True, help="工作簿中已有不同的数字时，用台账的统计结果替换（默认列出差异后停止）。")
@click.option("--rule", type=click.Choice(["received", "concluded"]), default=None,
              help="表四统计口径：received 按收到日期（默认），concluded 按结案日期。")
@package_limits
def tally(register, year, into, output, replace, rule, limits) -> None:
    """从依申请公开台账统计表三、表四，写入年报工作簿。

    REGISTER 是全年登记的台账（申请登记、复议诉讼两张表）。本年新收按收到日期，上年结转为本年以前收到、
    本年以前未答复的申请，各项办理结果按答复日期，结转下年度为年底仍未答复的申请；表四按所选口径。写入的工作簿增加“统计依据”表，
    列出每个不为 0 的数字由台账中哪些行（编号和行号）统计而来。台账中有无法统计的行时，列出后不写入。
    退出码：0 已写入，1 台账有错误或与工作簿中已有数字不同（未写入），2 用法错误。

    \b
    示例：
      nianbao tally 依申请台账.xlsx --year 2025 --into 科技局2025年报.xlsx
      nianbao tally 依申请台账.xlsx --year 2025 -o 科技局2025年报.xlsx
    """
    from ..check.render import COLOURS
    from ..format.declaration import load
    from ..register.tally import TallyError, tally_register

    if into is None and output is None:
        raise click.UsageError("请用 --into 指定写入的年报工作簿，或用 -o 指定新工作簿。")
    target = output or into
    if target.suffix.lower() != ".xlsx":
        raise click.UsageError("年报工作簿须为 .xlsx 文件。")
    try:
        outcome = tally_register(register, year, target, into, replace, rule, limits)
    except (TallyError, OutputError) as exc:
        raise click.ClickException(str(exc)) from exc
    for note in outcome.notes:
        click.secho(f"注意：{note}", fg=COLOURS["warning"], err=True)
    if outcome.register.errors or not outcome.register.readable:
        for f in outcome.register.findings:
            click.secho(f"  {f.render()}", fg=COLOURS.get(f.severity), err=True)
        count = len(outcome.register.errors)
        click.secho(f"台账 {register} 有 {count} 处无法统计，未写入。", fg=COLOURS["error"], err=True)
        sys.exit(1)
    fmt = load()
    if outcome.target is None:
        click.secho(f"{target} 中已有 {len(outcome.differences)} 个数字与台账统计不同，未写入（用 --replace 替换）：",
                    fg=COLOURS["error"], err=True)
        for key, before, after in outcome.differences:
            click.echo(f"  {'—'.join(fmt.field(key).labels)}：工作簿 {before}，台账 {after}", err=True)
        sys.exit(1)
    t = outcome.tally
    filled = sum(1 for v in t.values.values() if v)
    click.echo(f"已从 {register} 统计 {t.year} 年度：申请 {len(outcome.register.applications)} 行、"
               f"复议诉讼 {len(outcome.register.cases)} 行，{filled} 个单元格不为 0；写入 {outcome.target}"
               f"（统计依据见“{fmt.register['basis']}”表）。")


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="台账工作簿（.xlsx）。")
@click.option("--agency", default="", help="单位名称（写在台账标题中）。")
@click.option("--year", type=int, default=None, help="“统计”表统计的年度（默认今年；以后可在表中修改）。")
def register(output, agency, year) -> None:
    """生成依申请公开台账工作簿（无宏，Excel、WPS、LibreOffice 均可使用）。

    “申请登记”表每件申请一行，“复议诉讼”表每个案件一行：申请人类型、办理结果、案件类型、结果都从下拉列表选择
    （选项就是年报表三、表四的标签），日期列只能填日期，每列有填写提示。“统计”表随填随算，显示台账对应的
    表三、表四和“一＋二＝（七）＋四”的核对结果。年底用 nianbao tally 把统计结果写入年报工作簿。

    \b
    示例：
      nianbao register -o 依申请台账.xlsx --agency 某区科学技术局 --year 2025
    """
    from ..register.book import build, save

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("台账须保存为 .xlsx 文件。")
    wb, values = build(agency, year)
    try:
        save(wb, values, output)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成依申请公开台账：{output}")
