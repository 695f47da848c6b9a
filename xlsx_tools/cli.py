"""The ``nianbao`` command: a thin layer over the library (resolve arguments, call, render)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .container import Limits
from .declaration import load
from .findings import Finding, worst
from .output import OutputError

DEFAULT_TEMPLATE = "年报模板.xlsx"


def _kinds() -> list[str]:
    return list(load().identity_field("kind").choices)


def _label(name: str) -> str:
    return load().identity_field(name).label


def _roster_columns() -> str:
    return "、".join(_label(n) for n in load().roster["columns"])


def _echo_findings(findings: list[Finding]) -> None:
    from .render import COLOURS

    for f in findings:
        click.secho(f.render(), fg=COLOURS.get(f.severity), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """政府信息公开工作年度报告工具：生成模板、校验报表、汇总报表。

    \b
    示例：
      nianbao template -o 年报模板.xlsx --year 2025
      nianbao template --roster 名录.xlsx --outdir 各单位模板 --year 2025
    """


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=f"输出文件（默认：{DEFAULT_TEMPLATE}）。")
@click.option("--year", type=int, help="预填报告年度，例如 2025。")
@click.option("--agency", help=f"预填{_label('name')}。")
@click.option("--code", help=f"预填{_label('code')}（18 位）。")
@click.option("--region", help=f"预填{_label('region')}。")
@click.option("--kind", type=click.Choice(_kinds()), help=f"预填{_label('kind')}。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"单位名录（.xlsx，含{_roster_columns()}列），为每个单位生成一份模板。")
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
    from . import roster as roster_mod
    from . import template as template_mod
    from .identity import check_identity, normalise

    if roster is not None:
        if outdir is None or output is not None or any((agency, code, region, kind)):
            raise click.UsageError(
                "--roster 须与 --outdir 一起使用，且不能同时使用 -o、--agency、--code、--region、--kind。")
        result = roster_mod.write_personalised(roster_mod.read_roster(roster), outdir, year)
        _echo_findings(result.findings)
        click.echo(f"已生成 {len(result.written)} 份模板，保存在 {outdir}")
        sys.exit(1 if worst(result.findings) == "error" else 0)
    if outdir is not None:
        raise click.UsageError("--outdir 只能与 --roster 一起使用；单个模板请用 -o。")
    values = {k: v for k, v in dict(name=agency, code=code, region=region, kind=kind, year=year).items()
              if v is not None}
    problems = check_identity(values)
    if problems:
        _echo_findings(problems)
        raise click.UsageError("预填信息有误，请改正后重试。")
    target = output or Path(DEFAULT_TEMPLATE)
    try:
        template_mod.write(target, normalise(values))
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成模板：{target}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式：text 供人阅读，json 供程序处理。")
@click.option("--annotate", type=click.Path(file_okay=False, path_type=Path),
              help="为每个文件写一份标注副本到此目录：问题单元格标色并加批注，另附“校验结果”表。")
@click.option("--max-uncompressed-mb", type=float, default=Limits().max_uncompressed_mb, show_default=True,
              help="单个文件解压后的大小上限（MB），防止“压缩炸弹”。")
@click.option("--max-parts", type=int, default=Limits().max_parts, show_default=True,
              help="单个文件内部部件数上限。")
@click.option("--jobs", type=int, default=None, help="并行读取的进程数（默认：CPU 核数）。")
def validate(inputs, output_format, annotate, max_uncompressed_mb, max_parts, jobs) -> None:
    """校验年报工作簿，逐单元格指出问题。

    INPUTS 可以是文件或文件夹（递归查找 .xlsx/.xlsm，以及误报的 .xls/.ods 等）。
    退出码：0 无错误（可有警告），1 有错误或文件无法读取，2 用法错误。

    \b
    示例：
      nianbao validate 科技局.xlsx
      nianbao validate 收到的报表/ --format json > 校验结果.json
      nianbao validate 收到的报表/ --annotate 标注副本/
    """
    from . import render
    from .validate import validate_paths

    limits = Limits(max_uncompressed_mb=max_uncompressed_mb, max_parts=max_parts)
    reports = validate_paths(inputs, limits, jobs)
    if annotate is not None:
        from .annotate import annotate_reports

        try:
            done = annotate_reports(reports, annotate)
        except OutputError as exc:
            raise click.ClickException(str(exc)) from exc
        for file, reason in done.skipped:
            click.secho(f"未生成标注副本：{file}：{reason}", fg="yellow", err=True)
        click.echo(f"已写出 {len(done.written)} 份标注副本到 {annotate}", err=True)
    if output_format == "json":
        click.echo(render.as_json(reports))
    else:
        for line, colour in render.text_lines(reports):
            click.secho(line, fg=colour)
    sys.exit(render.exit_code(reports))


if __name__ == "__main__":
    main()
