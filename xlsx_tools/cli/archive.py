"""``nianbao archive``: the accepted reports of every year kept in one database (SQLite or
PostgreSQL), listed, and exported as a summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..archive.schema import shown
from ..format.findings import plain_detail
from ..write.output import OutputError
from .common import Progress, context_options, identity_label, reading_limits

DEFAULT_DB = "年报库.sqlite"
DB_HELP = f"年报库：SQLite 文件路径（默认 {DEFAULT_DB}，不存在时新建），或 PostgreSQL 地址（postgresql+psycopg://用户@主机/库名）。"


def open_archive(db: str):
    from ..archive.schema import ArchiveError
    from ..archive.store import Archive

    try:
        return Archive(db)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # the driver's own errors: a server that refuses, a file that is no database
        reason = plain_detail(str(exc) or type(exc).__name__)
        raise click.ClickException(f"无法打开年报库 {shown(db)}：{reason}") from exc


@click.group()
def archive() -> None:
    """年报库：保存每年通过校验的年报，供跨年度核对、导出汇总和同比分析。

    \b
    示例：
      nianbao archive add 收到的报表/                 # 校验并入库（默认 年报库.sqlite）
      nianbao archive list --year 2024
      nianbao archive export --year 2024 -o 2024汇总.xlsx
      nianbao merge 收到的报表/ -o 汇总.xlsx --archive 年报库.sqlite   # 上年数据自动取自年报库
    """


@archive.command("add")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", default=DEFAULT_DB, show_default=True, help=DB_HELP)
@context_options
@reading_limits
def archive_add(inputs, db, context, limits, jobs, budget) -> None:
    """校验 INPUTS 中的报表（与 nianbao merge 相同），把没有错误的存入年报库。

    同一文件（内容相同）只存一次；同一单位同一年度的新文件存为新版本，旧版本保留并标为“已被替代”。
    有错误的文件只列出，不入库。整批在一个事务中写入：中途中断时年报库保持原样。
    给出 --year、--roster、--previous 时，每份报表先按本次收集的年度、名录和上年汇总核对（与 merge、收集页面相同）。
    退出码：0 全部入库或已在库中，1 有文件未入库（有错误），2 用法错误。
    """
    store = open_archive(db)
    progress = Progress()
    try:
        added = store.add(inputs, limits, jobs=jobs, budget=budget, progress=progress.advance, context=context)
    finally:
        progress.finish()
        store.close()
    click.echo(f"入库 {len(added.stored)} 份，已在库中 {len(added.same)} 份，有错误未入库 {len(added.rejected)} 份，"
               f"跳过 {len(added.skipped)} 个文件。年报库：{shown(db)}")
    for older, newer in added.superseded:
        click.echo(f"  新版本 {newer}（替代 {older}，旧版本保留）")
    for s in added.rejected:
        first = s.errors[0] if s.errors else None
        place = f" {first.sheet}!{first.cell}" if first and first.sheet and first.cell else ""
        detail = f"[{first.code}]{place} {first.message}" if first else f"缺少{identity_label('year')}"
        click.secho(f"  未入库 {s.file}：{detail}", fg="red", err=True)
    sys.exit(1 if added.rejected else 0)


@archive.command("list")
@click.option("--db", default=DEFAULT_DB, show_default=True, help=DB_HELP)
@click.option("--year", type=int, help="只列这一年度。")
@click.option("--agency", help="只列名称中含有这些字（或代码与之相同）的单位。")
@click.option("--all", "every", is_flag=True, help="也列出已被替代的旧版本。")
def archive_list(db, year, agency, every) -> None:
    """列出年报库中的年报（默认只列各单位的现行版本）。"""
    if "://" not in db and not Path(db).exists():
        raise click.UsageError(f"年报库 {shown(db)} 不存在。")
    store = open_archive(db)
    rows = store.listing(year, agency, every)
    store.close()
    for r in rows:
        state = "现行" if r.current else f"已被替代（{r.superseded_at:%Y-%m-%d}）"
        click.echo(f"{r.year}\t{r.name}\t{r.code or ''}\t第{r.revision}版\t{state}\t"
                   f"警告 {r.warnings}\t入库 {r.added_at:%Y-%m-%d %H:%M}\t{r.file}")
    click.echo(f"共 {len(rows)} 份。")


@archive.command("export")
@click.option("--db", default=DEFAULT_DB, show_default=True, help=DB_HELP)
@click.option("--year", type=int, required=True, help="导出这一年度。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="汇总表（.xlsx）。")
def archive_export(db, year, output) -> None:
    """把年报库中某一年度各单位的现行版本汇总为汇总表（与对同样的文件运行 nianbao merge 的结果相同）。"""
    from ..archive.schema import ArchiveError
    from ..consolidate.summary import write_summary

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("汇总表须保存为 .xlsx 文件（-o 汇总.xlsx）。")
    if "://" not in db and not Path(db).exists():
        raise click.UsageError(f"年报库 {shown(db)} 不存在。")
    store = open_archive(db)
    try:
        result = store.export(year)
        write_summary(result, output)
    except (ArchiveError, OutputError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"已导出 {year} 年度 {len(result.included)} 份年报的汇总：{output}")
