"""``nianbao validate``: every workbook checked, each finding located to its cell."""

from __future__ import annotations

from pathlib import Path

import click

from ..write.output import OutputError
from .common import context_options, echo_reports, output_format_option, reading_limits


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@output_format_option
@click.option("--annotate", type=click.Path(file_okay=False, path_type=Path),
              help="为每个文件写一份标注副本到此目录：问题单元格标色并加批注，另附“校验结果”表。")
@context_options
@reading_limits
def validate(inputs, output_format, annotate, context, limits, jobs, budget) -> None:
    """校验年报工作簿，逐单元格指出问题。

    INPUTS 可以是文件或文件夹（递归查找 .xlsx/.xlsm，以及误报的 .xls/.ods 等）；依申请公开台账按台账的要求校验。
    给出 --year、--roster、--previous 时，每份报表还按本次收集的年度、名录和上年汇总核对，
    结论与收集页面上传、nianbao merge 汇总时完全一致。
    退出码：0 无错误（可有警告），1 有错误或文件无法读取，2 用法错误。

    \b
    示例：
      nianbao validate 科技局.xlsx
      nianbao validate 收到的报表/ --format json > 校验结果.json
      nianbao validate 收到的报表/ --annotate 标注副本/
      nianbao validate 收到的报表/ --year 2025 --roster 名录.xlsx
    """
    from ..check.validate import validate_paths
    from ..register.limits import registers_among

    reports = registers_among(validate_paths(inputs, limits, jobs, budget), limits)
    if context is not None:
        from ..consolidate.context import judge_reports

        judge_reports(reports, context)
    if annotate is not None:
        from ..write.annotate import annotate_reports

        try:
            done = annotate_reports(reports, annotate)
        except OutputError as exc:
            raise click.ClickException(str(exc)) from exc
        for file, reason in done.skipped:
            click.secho(f"未生成标注副本：{file}：{reason}", fg="yellow", err=True)
        click.echo(f"已写出 {len(done.written)} 份标注副本到 {annotate}", err=True)
    echo_reports(reports, output_format)
