"""``nianbao import``: published reports read into filled workbooks, each value traced to its source."""

from __future__ import annotations

from pathlib import Path

import click

from ..format.declaration import load
from ..write.output import OutputError
from .common import deadline_option, echo_reports, merge_roster, output_format_option, roster_columns, worker_limits


@click.command("import")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="一个报告时可以是 .xlsx 文件；多个报告时是文件夹（每个报告一个同名 .xlsx）。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"单位名录（.xlsx），按单位名称填写{roster_columns()}。")
@output_format_option
@click.option("--max-mb", type=float, default=None,
              help=f"单个报告文件的大小上限（MB，默认 {load().importer['max_mb']}）。")
@click.option("--max-pages", type=int, default=None, help=f"PDF 的页数上限（默认 {load().importer['max_pages']}）。")
@deadline_option
@worker_limits
def import_(reports, output, roster, output_format, max_mb, max_pages, deadline, jobs, budget) -> None:
    """把已发布的年报（文本 .txt、Word .docx、网页 .html、PDF）导入为填好的年报工作簿。

    \b
    从标题读出单位名称和年度，把表二、表三、表四的每个数值和各部分文字填入模板；
    每个数值都在工作簿的“导入记录”表中注明原文位置，无法对应的内容逐条列出。
    导入的工作簿随即经过与 nianbao validate 相同的校验（原文的总计错误、正文与表格不符等都会报告）。
    网页的发布日期（或落款日期、PDF 文件属性）晚于截止日期的，报告未按时公布。
    REPORTS 可以是文件或文件夹（递归查找）。原文件不会被改动。
    退出码：0 无错误，1 有错误（导入或校验），2 用法错误。

    \b
    示例：
      nianbao import 科技局2024年报.txt -o 科技局2024.xlsx
      nianbao import 往年年报/ -o 往年工作簿/ --roster 名录.xlsx
    """
    from ..consolidate.submissions import MergeError
    from ..published.conversion import ImportUsage, import_paths

    try:
        outcomes = import_paths(reports, output, merge_roster(roster), max_mb, max_pages=max_pages, jobs=jobs,
                                budget=budget, deadline=deadline)
    except (ImportUsage, MergeError) as exc:
        raise click.UsageError(str(exc)) from exc
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_reports([o.as_report() for o in outcomes], output_format)
