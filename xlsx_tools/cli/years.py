"""``nianbao archive`` (the reports of every year kept in one database) and ``nianbao compare``
(two years side by side)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..read import pool
from ..write.output import OutputError
from .common import Progress

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
        raise click.ClickException(f"无法打开年报库 {db}：{type(exc).__name__}：{str(exc).splitlines()[0]}") from exc


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
@click.option("--jobs", type=int, default=None, help="并行读取的进程数（默认：CPU 核数）。")
@click.option("--timeout", type=float, default=pool.Budget().seconds, show_default=True,
              help="每个文件的读取时限（秒）。")
def archive_add(inputs, db, jobs, timeout) -> None:
    """校验 INPUTS 中的报表（与 nianbao merge 相同），把没有错误的存入年报库。

    同一文件（内容相同）只存一次；同一单位同一年度的新文件存为新版本，旧版本保留并标为“已被替代”。
    有错误的文件只列出，不入库。整批在一个事务中写入：中途中断时年报库保持原样。
    退出码：0 全部入库或已在库中，1 有文件未入库（有错误），2 用法错误。
    """
    store = open_archive(db)
    progress = Progress()
    try:
        added = store.add(inputs, jobs=jobs, budget=pool.Budget(seconds=timeout), progress=progress.advance)
    finally:
        progress.finish()
        store.close()
    click.echo(f"入库 {len(added.stored)} 份，已在库中 {len(added.same)} 份，有错误未入库 {len(added.rejected)} 份，"
               f"跳过 {len(added.skipped)} 个文件。年报库：{db}")
    for older, newer in added.superseded:
        click.echo(f"  新版本 {newer}（替代 {older}，旧版本保留）")
    for s in added.rejected:
        first = s.errors[0] if s.errors else None
        detail = f"[{first.code}] {first.sheet}!{first.cell} {first.message}" if first else "缺少报告年度"
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
        raise click.UsageError(f"年报库 {db} 不存在。")
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
        raise click.UsageError(f"年报库 {db} 不存在。")
    store = open_archive(db)
    try:
        result = store.export(year)
        write_summary(result, output)
    except (ArchiveError, OutputError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"已导出 {year} 年度 {len(result.included)} 份年报的汇总：{output}")


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", help=DB_HELP + "与 --year 一起使用时，从年报库取上年和本年。")
@click.option("--year", type=int, help="本年度（与 --db 一起使用）；上年为其前一年。")
@click.option("--agency", help="只比较这个单位（名称中含有这些字，或代码与之相同）。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="同比分析工作簿（.xlsx）。")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存一份网页（单个 .html 文件）。")
def compare(files, db, year, agency, output, html_path) -> None:
    """同比分析：上年与本年逐项对比、标出突变和归零、列出照抄上年的句子。

    两种用法：给出 --db 和 --year，从年报库取全区（或 --agency 指定的单位）上年和本年的现行版本；
    或者给出两个文件 FILES：上年和本年的年报工作簿（同一单位），或上年和本年的汇总表。
    结果写入工作簿（同比概览、逐项对比、同比问题、文字重复），--html 另存为网页。
    退出码：0 没有错误级问题，1 有错误级问题（如 X1），2 用法错误。

    \b
    示例：
      nianbao compare --db 年报库.sqlite --year 2025 -o 2025同比.xlsx --html 2025同比.html
      nianbao compare 科技局2024.xlsx 科技局2025.xlsx -o 科技局同比.xlsx
      nianbao compare 2024汇总.xlsx 2025汇总.xlsx -o 全区同比.xlsx
    """
    from ..archive.changes import compare_reports
    from ..archive.comparebook import write_html, write_workbook

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("同比分析须保存为 .xlsx 文件（-o 同比.xlsx）。")
    if db and year and not files:
        store = open_archive(db)
        try:
            last, now = store.reports(year - 1), store.reports(year)
        finally:
            store.close()
        if agency:
            last, now = ([r for r in rs if _named(r, agency)] for rs in (last, now))
        if not now:
            raise click.ClickException(f"年报库中没有 {year} 年度{('“' + agency + '”的') if agency else '的'}报表。")
        scope = agency or _common_region(now)
        comparison = compare_reports(last, now, scope)
    elif len(files) == 2 and not db:
        comparison = _from_files(*files)
    else:
        raise click.UsageError("请给出 --db 和 --year，或者上年和本年两个文件。")
    try:
        write_workbook(comparison, output)
        if html_path is not None:
            write_html(comparison, html_path)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    found = comparison.every_finding
    reused = sum(len(s.pairs) for a in comparison.agencies for s in a.sections)
    click.echo(f"{comparison.last_year}—{comparison.year} 年度：比较 {len(comparison.agencies)} 个单位，"
               f"同比问题 {len(found)} 项，与上年相同或几乎相同的句子 {reused} 句。")
    click.echo(f"同比分析：{output}" + (f"；网页：{html_path}" if html_path else ""))
    sys.exit(1 if any(f.severity == "error" for f in found) else 0)


def _named(report, agency: str) -> bool:
    return agency in str(report.values.get("id.name") or "") or agency == report.values.get("id.code")


def _common_region(reports) -> str:
    from collections import Counter

    regions = Counter(str(r.values.get("id.region") or "") for r in reports)
    return regions.most_common(1)[0][0] if regions else ""


def _from_files(last: Path, now: Path):
    """Two workbooks of one agency, or two summaries."""
    from ..archive.changes import compare_reports, compare_summaries
    from ..check.validate import validate_paths
    from ..consolidate.crossyear import read_previous
    from ..consolidate.submissions import MergeError

    reports = validate_paths([last, now])
    levels = [r.level for r in reports]
    unreadable = [r for r in reports if not r.readable]
    if unreadable:
        raise click.ClickException(f"无法读取 {unreadable[0].file}：{unreadable[0].findings[0].message}")
    if levels[0] != levels[1]:
        raise click.UsageError("两个文件须同为单位年报，或同为汇总表。")
    if levels[0] == 0:
        return compare_reports([reports[0]], [reports[1]], str(reports[1].values.get("id.name") or ""))
    try:
        before, after = read_previous(last), read_previous(now)
    except MergeError as exc:
        raise click.ClickException(str(exc)) from exc
    return compare_summaries(before, after, str(reports[1].values.get("id.region") or ""))
