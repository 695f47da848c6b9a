"""What the commands share: the reading limits as option decorators (one declaration of each flag
for every command that reads files), the roster a merge or an import takes, a progress bar while
files are read, the texts the options name, and the way findings and reports are printed."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..format.declaration import load
from ..format.findings import Finding
from ..read import pool
from ..read.container import Limits

JOBS_HELP = "并行读取的进程数（默认：CPU 核数）。"


def package_limits(command: Callable) -> Callable:
    """``--max-uncompressed-mb`` and ``--max-parts``, given to the command as ``limits`` (a
    :class:`read.container.Limits`): what one workbook may unpack to, against zip bombs."""

    @click.option("--max-uncompressed-mb", type=float, default=Limits().max_uncompressed_mb, show_default=True,
                  help="单个文件解压后的大小上限（MB），防止“压缩炸弹”。")
    @click.option("--max-parts", type=int, default=Limits().max_parts, show_default=True,
                  help="单个文件内部部件数上限。")
    @functools.wraps(command)
    def with_limits(*args, max_uncompressed_mb: float, max_parts: int, **kwargs):
        return command(*args, limits=Limits(max_uncompressed_mb=max_uncompressed_mb, max_parts=max_parts), **kwargs)

    return with_limits


def worker_limits(command: Callable) -> Callable:
    """``--jobs`` and ``--timeout``, given to the command as ``jobs`` and ``budget`` (a
    :class:`read.pool.Budget`): each file read in a worker process under a time limit."""

    @click.option("--jobs", type=click.IntRange(min=1), default=None, help=JOBS_HELP)
    @click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=pool.Budget().seconds,
                  show_default=True, help="处理单个文件的时限（秒），超时的文件报告后跳过，不影响其他文件。")
    @functools.wraps(command)
    def with_workers(*args, jobs: int | None, timeout: float, **kwargs):
        return command(*args, jobs=jobs, budget=pool.Budget(seconds=timeout), **kwargs)

    return with_workers


def reading_limits(command: Callable) -> Callable:
    """Both: a command reading untrusted workbooks in worker processes."""
    return package_limits(worker_limits(command))


def context_options(command: Callable) -> Callable:
    """``--year``, ``--roster`` and ``--previous``, given to the command as ``context`` (a
    :class:`consolidate.context.Context`, None when none is given): each workbook judged as the
    upload page and ``nianbao merge`` judge it."""

    @click.option("--year", type=int, help="本次收集的报告年度：其他年度的报表为错误（C5），与汇总时一样。")
    @click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="单位名录（.xlsx）：不在名录中、名称与名录不一致的报表给出警告（C5），与汇总时一样。")
    @click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="上年汇总表（nianbao merge 生成）：与上年数据核对（X1、X2），与汇总时一样。")
    @functools.wraps(command)
    def with_context(*args, year: int | None, roster: Path | None, previous: Path | None, **kwargs):
        if year is None and roster is None and previous is None:
            return command(*args, context=None, **kwargs)
        from ..consolidate.context import Context
        from ..consolidate.submissions import MergeError

        try:
            roster_data, previous_data = roster_and_previous(roster, previous)
        except MergeError as exc:
            raise click.UsageError(str(exc)) from exc
        return command(*args, context=Context(year, roster_data, previous_data), **kwargs)

    return with_context


def identity_label(name: str) -> str:
    """The 基本信息 label of an identity field (单位名称 …), as the template shows it."""
    return load().identity_field(name).label


def roster_columns() -> str:
    return "、".join(identity_label(n) for n in load().roster["columns"])


def merge_roster(path: Path | None):
    """The roster at ``path`` (None: none given), its own findings printed (a repeated row, a bad
    code …: the same at every command that reads a roster); MergeError when it names no agency."""
    if path is None:
        return None
    from ..consolidate.roster import read_roster
    from ..consolidate.submissions import MergeError

    roster = read_roster(path)
    if not roster.agencies:
        problem = roster.findings[0].render() if roster.findings else "名录为空"
        raise MergeError(f"名录无法使用：{problem}")
    echo_findings(roster.findings)
    return roster


def roster_and_previous(roster: Path | None, previous: Path | None):
    """The roster (see :func:`merge_roster`) and last year's summary, each None when not given;
    MergeError when either cannot be used (validate, merge, archive add, report and serve alike)."""
    roster_data = merge_roster(roster)
    if previous is None:
        return roster_data, None
    from ..consolidate.crossyear import read_previous

    return roster_data, read_previous(previous)


def echo_findings(findings: list[Finding]) -> None:
    """Findings on stderr, one line each, coloured by severity."""
    from ..check.render import COLOURS

    for f in findings:
        click.secho(f.render(), fg=COLOURS.get(f.severity), err=True)


def echo_reports(reports, output_format: str) -> None:
    """Print reports as text or JSON and exit 1 when any has an error (validate and import)."""
    from ..check import render

    if output_format == "json":
        click.echo(render.as_json(reports))
    else:
        for line, colour in render.text_lines(reports):
            click.secho(line, fg=colour)
    sys.exit(render.exit_code(reports))


def deadline_option(command: Callable) -> Callable:
    """``--deadline YYYY-MM-DD``, given as ``deadline`` (a date, or None: 31 January after each year)."""

    @click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="日期",
                  help="按时公布的截止日期（默认为报告年度次年的 1 月 31 日），例如 2025-01-31。")
    @functools.wraps(command)
    def with_deadline(*args, deadline, **kwargs):
        return command(*args, deadline=deadline.date() if deadline else None, **kwargs)

    return with_deadline


def output_format_option(command: Callable) -> Callable:
    """``--format text|json``, given as ``output_format``."""
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="输出格式：text 供人阅读，json 供程序处理。")(command)


class Progress:
    """A progress bar on stderr while files are read, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(length=total, label="读取报表", file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
