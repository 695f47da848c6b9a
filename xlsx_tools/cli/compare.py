"""``nianbao compare``: two years side by side, from the archive or from two files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..write.output import OutputError
from .archive import DB_HELP, open_archive
from .common import package_limits


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", help=DB_HELP + "与 --year 一起使用时，从年报库取上年和本年。")
@click.option("--year", type=int, help="本年度（与 --db 一起使用）；上年为其前一年。")
@click.option("--agency", help="只比较这个单位（名称中含有这些字，或代码与之相同）。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="同比分析工作簿（.xlsx）。")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存一份网页（单个 .html 文件）。")
@package_limits
def compare(files, db, year, agency, output, html_path, limits) -> None:
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
        comparison = _from_files(*files, limits)
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


def _from_files(last: Path, now: Path, limits):
    """Two workbooks of one agency, or two summaries."""
    from ..archive.changes import compare_reports, compare_summaries
    from ..check.validate import validate_paths
    from ..consolidate.crossyear import read_previous
    from ..consolidate.submissions import MergeError

    reports = validate_paths([last, now], limits)
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
