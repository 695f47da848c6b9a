"""``nianbao merge``: the agencies' workbooks consolidated into one summary workbook.

The command wires what the library keeps apart: ``consolidate`` knows nothing of the archive, so
with ``--archive`` last year comes from the archive as a function and what was included is
stored there afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..archive.schema import shown
from ..write.output import OutputError
from .archive import open_archive
from .common import Progress, reading_limits, roster_and_previous


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="汇总表输出文件（.xlsx），不能位于输入文件夹之内。")
@click.option("--region", help="汇总表的所属地区（默认：纳入单位中最常见的所属地区）。")
@click.option("--year", type=int, help="汇总的报告年度（默认：收到报表中最常见的年度）；其他年度的报表退回。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位名录（.xlsx），用于列出未报送的单位和不在名录中的报送单位。")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上年汇总表（nianbao merge 生成），用于跨年度核对（X1、X2、C4）。")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存全部问题为 JSON 文件。")
@click.option("--prefer", type=click.Choice(["newest"]),
              help="同一单位报送了不同文件时，采用填报日期较晚的一份（默认：两份均退回并报错）。")
@click.option("--archive", "archive_db", help="年报库（SQLite 文件或 PostgreSQL 地址）：本次纳入的年报存入其中；"
              "不给 --previous 时，上年数据取自年报库。")
@click.option("--reviewed", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上次的汇总表：其“问题清单”中填写的核实结果和说明保留到本次（有 --archive 时存入年报库）。")
@reading_limits
def merge(inputs, output, region, year, roster, previous, report_path, prefer, archive_db, reviewed,
          limits, jobs, budget) -> None:
    """把各单位的年报工作簿汇总为一份汇总表。

    INPUTS 可以是文件或文件夹（递归查找 .xlsx/.xlsm；锁文件、隐藏文件和系统文件跳过）。
    每个文件都经过与 nianbao validate 相同的校验：有错误的文件整份退回，不计入合计。
    汇总表沿用模板格式（表二、表三、表四为各单位之和），并附“明细”“报送情况”“问题清单”“未报送”表；
    汇总表本身可以再作为上一级汇总的输入。
    退出码：0 全部纳入且无错误，1 有文件退回或有错误，2 用法错误（未读取任何文件）。

    \b
    示例：
      nianbao merge 收到的报表/ -o 汇总.xlsx --year 2025 --region 某市某区
      nianbao merge 收到的报表/ -o 汇总.xlsx --roster 名录.xlsx --previous 2024汇总.xlsx
      nianbao merge 各区汇总/ -o 全市汇总.xlsx
    """
    from ..consolidate.merge import Options

    roster_data, previous_data = _inputs(inputs, output, report_path, roster, previous)
    options = Options(year=year, region=region, prefer_newest=prefer == "newest", jobs=jobs, limits=limits,
                      budget=budget)
    store = open_archive(archive_db) if archive_db else None
    options.reviews = _reviews(reviewed, store)
    result = _consolidate(inputs, options, roster_data, previous_data, store, archive_db)
    _write(result, output, report_path)
    _echo(result, output, report_path)
    sys.exit(1 if result.has_errors else 0)


def _inputs(inputs, output: Path, report_path: Path | None, roster: Path | None, previous: Path | None):
    """The roster and last year's summary, after the outputs are known not to clobber an input."""
    from ..consolidate.merge import check_output
    from ..consolidate.submissions import MergeError

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("汇总表须保存为 .xlsx 文件（-o 汇总.xlsx）。")
    try:
        check_output(inputs, output, [report_path] if report_path else [])
        return roster_and_previous(roster, previous)
    except MergeError as exc:
        raise click.UsageError(str(exc)) from exc


def _consolidate(inputs, options, roster, previous, store, archive_db: str | None):
    """The merge itself; with an archive, last year read from it and the included reports stored."""
    from ..consolidate.merge import consolidate
    from ..consolidate.submissions import MergeError

    kept: list = []
    more = {}
    if store is not None:
        from ..archive.records import submission_of, to_archived

        more = {"convert": to_archived, "to_submission_of": submission_of, "kept": kept}
        previous = previous if previous is not None else store.previous_year
    progress = Progress()
    try:
        result = consolidate(inputs, options, roster, previous, progress.advance, progress.start, **more)
    except MergeError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.finish()
    if store is not None:
        added = store.store([a for a in kept if a.submission.status == "included"], "merge",
                            "、".join(map(str, inputs)))
        store.close()
        click.echo(f"年报库 {shown(archive_db)}：入库 {len(added.stored)} 份，已在库中 {len(added.same)} 份。")
    return result


def _write(result, output: Path, report_path: Path | None) -> None:
    from ..consolidate.merge import report_json
    from ..consolidate.summary import write_summary
    from ..write.output import write_atomic

    try:
        write_summary(result, output)
        if report_path is not None:
            write_atomic(report_path, lambda tmp: tmp.write_text(report_json(result, output), encoding="utf-8"))
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc


def _reviews(reviewed: Path | None, store):
    """Decisions on findings: read back from ``reviewed`` (kept in the archive when there is one)."""
    from ..consolidate.reviewed import by_finding, read_reviews
    from ..consolidate.submissions import MergeError

    try:
        decisions = read_reviews(reviewed) if reviewed is not None else []
    except MergeError as exc:
        raise click.UsageError(str(exc)) from exc
    if store is None:
        return by_finding(decisions)
    store.save_reviews(decisions, str(reviewed))
    return store.reviews()


def _echo(result, output: Path, report_path: Path | None) -> None:
    from ..check.render import COLOURS

    c = result.counts()
    missing = sum(m.situation == "on_roster" for m in result.missing)
    click.echo(f"收到文件 {len(result.submissions)} 个：纳入 {c['included']} 个（{result.agencies} 个单位），"
               f"退回 {c['rejected']} 个，重复 {c['duplicate']} 个，跳过 {c['skipped']} 个"
               + (f"；名录中未报送 {missing} 个单位" if result.roster_given else "") + "。")
    shown = 0
    for s in result.submissions:
        if s.status == "rejected" and shown < 10:
            first = s.errors[0]
            place = f" {first.sheet}!{first.cell}" if first.sheet and first.cell else ""
            click.secho(f"  退回 {s.file}：[{first.code}]{place} {first.message}", fg=COLOURS["error"], err=True)
            shown += 1
    if c["rejected"] > shown:
        click.secho(f"  ……另有 {c['rejected'] - shown} 个文件退回，详见汇总表“报送情况”。",
                    fg=COLOURS["error"], err=True)
    click.echo(f"汇总表：{output}（问题清单、报送情况、未报送见其中各表）")
    if report_path is not None:
        click.echo(f"问题 JSON：{report_path}")
