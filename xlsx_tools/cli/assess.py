"""``nianbao assess``: a region's published reports judged, one row per report, worst first."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..write.output import OutputError
from .archive import DB_HELP, open_archive
from .common import deadline_option, merge_roster, roster_columns, worker_limits


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="评估结果工作簿（.xlsx）。")
@click.option("--previous", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="上年已发布的年报（文件或文件夹，可多次给出），用于找出照抄上年的句子。")
@click.option("--archive", "db", metavar="年报库", help=DB_HELP.replace("默认 年报库.sqlite，不存在时新建", "须已存在")
              + "上年年报取自年报库。")
@click.option("--year", type=int, metavar="年度", help="只评估这一年度的年报（其他年度的只用作上年对照）。")
@deadline_option
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"单位名录（.xlsx，{roster_columns()}）：列出未找到年报的单位。")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存一份网页（单个 .html 文件），便于传阅。")
@click.option("--workbooks", type=click.Path(file_okay=False, path_type=Path),
              help="把每份年报导入后的工作簿保存到这个文件夹（默认不保存）。")
@worker_limits
def assess(folders, output, previous, db, year, deadline, roster, html_path, workbooks, jobs, budget) -> None:
    """评估已发布的年报：是否按时公布、表格是否完整、勾稽关系、正文与表格是否一致、格式与标题、是否照抄上年。

    \b
    FOLDERS 中的每份年报（文本、Word、网页、PDF）都会导入并校验，结果写入工作簿：
    概览（评估结论和各类问题的统计图）、评估结果（每份年报一行，问题多的在前）、
    问题清单（每个问题在原文中的页码和行）、重复句子、未找到（给出 --roster 时）。
    上年年报取自 --previous 或 --archive；FOLDERS 中同一单位上一年度的年报也会用作对照。
    原文件不会被改动。退出码：0 没有不合格的年报，1 有不合格或需人工核查的年报，2 用法错误。

    \b
    示例：
      nianbao assess 2024年报/ -o 2024评估.xlsx --previous 2023年报/ --roster 名录.xlsx --html 2024评估.html
      nianbao assess 2024年报/ -o 2024评估.xlsx --archive 年报库.sqlite --year 2024
    """
    from ..consolidate.submissions import MergeError
    from ..published.assessbook import write_html, write_workbook
    from ..published.assessment import assess as run
    from ..published.conversion import ImportUsage

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError(f"-o 须是 .xlsx 文件，不能是 {output.name}。")
    store = None
    if db:
        if "://" not in db and not Path(db).is_file():
            raise click.UsageError(f"年报库 {db} 不存在。")
        store = open_archive(db)
    try:
        result = run(folders, previous, store, year, deadline, merge_roster(roster), workbooks, jobs, budget)
        written = [write_workbook(result, output)]
        if html_path:
            written.append(write_html(result, html_path))
    except (ImportUsage, MergeError) as exc:
        raise click.UsageError(str(exc)) from exc
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if store is not None:
            store.close()
    _echo(result)
    for path in written:
        click.echo(f"已写出 {path}")
    sys.exit(1 if any(r.verdict in ("fail", "manual") for r in result.reports) else 0)


def _echo(result) -> None:
    from ..format.declaration import load

    spec = load().assess
    colours = {"fail": "red", "manual": "magenta", "fair": "yellow", "pass": "green"}
    for r in result.reports:
        date = f"{r.published.value.isoformat()} {spec['on_time'][r.on_time]}" if r.published else "发布日期未注明"
        click.secho(f"{spec['verdicts'][r.verdict]}  {r.name or r.source.name}  {r.year or ''}  "
                    f"错误 {r.errors} · 警告 {r.warnings} · {date}", fg=colours[r.verdict])
    for g in result.missing:
        click.secho(f"未找到  {g.values.get('name')}", fg="magenta")
    counts = {v: sum(r.verdict == v for r in result.reports) for v in spec["verdicts"]}
    shown = "，".join(f"{spec['verdicts'][v]} {n} 份" for v, n in counts.items())
    click.echo(f"共评估 {len(result.reports)} 份年报：{shown}"
               + (f"；名录中 {len(result.missing)} 个单位未找到年报" if result.missing else "") + "。")
