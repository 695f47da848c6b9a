"""``nianbao report``: the published report (.docx, .html, .pdf) made from checked workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..format.declaration import load
from ..write.output import OutputError
from .common import context_options, reading_limits


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（每个工作簿一组同名的 .docx、.html、.pdf）。")
@click.option("--format", "formats", default="docx,html,pdf", show_default=True,
              help="要生成的格式，逗号分隔：docx、html、pdf。")
@click.option("--draft", is_flag=True,
              help="未通过校验的工作簿也生成，每页页眉标“草稿（未通过校验）”，错误项列在附录。")
@click.option("--signature", is_flag=True, help="在文末加落款（单位名称和填报日期）。")
@context_options
@reading_limits
def report(inputs, outdir, formats, draft, signature, context, limits, jobs, budget) -> None:
    """由填好并通过校验的年报工作簿（或汇总表）生成要发布的年报文稿：Word、网页和 PDF。

    \b
    标题、六个部分、三张法定表格（合并表头、原文标签）都按格式生成，数字和文字与工作簿完全一致。
    工作簿先经过与 nianbao validate 相同的校验：有错误项的不生成（列出错误），除非使用 --draft；
    警告只列出，不影响生成。PDF 由 LibreOffice 转换，本机没有安装时只生成 .docx 和 .html 并说明。
    退出码：0 全部生成，1 有工作簿未通过校验（未生成或仅生成草稿）或无法读取，2 用法错误。

    \b
    示例：
      nianbao report 科技局2025.xlsx -o 年报文稿/
      nianbao report 收到的报表/ -o 年报文稿/ --format docx,html
    """
    from ..report.batch import FORMATS, make_reports

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.UsageError(f"--format 只能是 {','.join(FORMATS)} 中的一个或几个：{formats}")
    try:
        run = make_reports(inputs, outdir, wanted, draft, signature, jobs=jobs, limits=limits, budget=budget,
                           context=context)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo(run)
    sys.exit(run.exit_code)


def _echo(run) -> None:
    from ..check.render import finding_lines

    spec = load().report
    for o in run.outcomes:
        names = "、".join(str(t) for t in o.targets)
        if o.status == "refused":
            click.secho(spec["refused"].format(file=o.file, errors=len(o.errors)), fg="red")
        elif o.status == "drafted":
            click.secho(spec["drafted"].format(errors=len(o.errors), targets=names), fg="yellow")
        elif o.status == "written":
            click.secho(spec["written"].format(targets=names), fg="green")
        else:
            click.secho(f"{o.file}：{o.note or '无法读取'}", fg="red")
        for line, colour in finding_lines([f for f in o.findings if f.severity in ("error", "warning")]):
            click.secho(line, fg=colour)
    if run.pdf_missing:
        click.secho(spec["no_pdf"], fg="yellow", err=True)
