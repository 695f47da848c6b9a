"""The ``nianbao`` command: a thin layer over the library (resolve arguments, call, render)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import __version__
from ..format.declaration import load
from ..format.findings import Finding, worst
from ..read import pool
from ..read.container import Limits
from ..write.output import OutputError
from .collecting import serve
from .common import Progress, merge_roster
from .registers import register, tally
from .years import archive, compare, open_archive

DEFAULT_TEMPLATE = "年报模板.xlsx"


def _kinds() -> list[str]:
    return list(load().identity_field("kind").choices)


def _label(name: str) -> str:
    return load().identity_field(name).label


def _roster_columns() -> str:
    return "、".join(_label(n) for n in load().roster["columns"])


def _echo_findings(findings: list[Finding]) -> None:
    from ..check.render import COLOURS

    for f in findings:
        click.secho(f.render(), fg=COLOURS.get(f.severity), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """政府信息公开工作年度报告工具：生成模板、校验报表、汇总报表、生成年报文稿、导入已发布的年报。

    \b
    示例：
      nianbao template -o 年报模板.xlsx --year 2025
      nianbao template --roster 名录.xlsx --outdir 各单位模板 --year 2025
      nianbao validate 收到的报表/
      nianbao merge 收到的报表/ -o 汇总.xlsx --roster 名录.xlsx
      nianbao import 往年年报/ -o 往年工作簿/ --roster 名录.xlsx
      nianbao report 科技局2025.xlsx -o 年报文稿/
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
    from ..check.identity import check_identity, normalise
    from ..consolidate import roster as roster_mod
    from ..write import template as template_mod

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
@click.option("--timeout", type=float, default=pool.Budget().seconds, show_default=True,
              help="读取单个文件的时限（秒）。")
def validate(inputs, output_format, annotate, max_uncompressed_mb, max_parts, jobs, timeout) -> None:
    """校验年报工作簿，逐单元格指出问题。

    INPUTS 可以是文件或文件夹（递归查找 .xlsx/.xlsm，以及误报的 .xls/.ods 等）；依申请公开台账按台账的要求校验。
    退出码：0 无错误（可有警告），1 有错误或文件无法读取，2 用法错误。

    \b
    示例：
      nianbao validate 科技局.xlsx
      nianbao validate 收到的报表/ --format json > 校验结果.json
      nianbao validate 收到的报表/ --annotate 标注副本/
    """
    from ..check.validate import validate_paths
    from ..register.limits import registers_among

    limits = Limits(max_uncompressed_mb=max_uncompressed_mb, max_parts=max_parts)
    reports = registers_among(validate_paths(inputs, limits, jobs, pool.Budget(seconds=timeout)), limits)
    if annotate is not None:
        from ..write.annotate import annotate_reports

        try:
            done = annotate_reports(reports, annotate)
        except OutputError as exc:
            raise click.ClickException(str(exc)) from exc
        for file, reason in done.skipped:
            click.secho(f"未生成标注副本：{file}：{reason}", fg="yellow", err=True)
        click.echo(f"已写出 {len(done.written)} 份标注副本到 {annotate}", err=True)
    _echo_reports(reports, output_format)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="汇总表输出文件（.xlsx），不能位于输入文件夹之内。")
@click.option("--region", help="汇总表的所属地区（默认：纳入单位中最常见的所属地区）。")
@click.option("--year", type=int, help="汇总的报告年度（默认：收到报表中最常见的年度）；其他年度的报表退回。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位名录（.xlsx），用于列出未报送的单位和不在名录中的报送单位。")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上年汇总表（nianbao merge 生成），用于跨年度核对（X1、X2、C4）。")
@click.option("--jobs", type=int, default=None, help="并行读取的进程数（默认：CPU 核数）。")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另存全部问题为 JSON 文件。")
@click.option("--prefer", type=click.Choice(["newest"]),
              help="同一单位报送了不同文件时，采用填报日期较晚的一份（默认：两份均退回并报错）。")
@click.option("--timeout", type=float, default=pool.Budget().seconds, show_default=True,
              help="读取单个文件的时限（秒）。")
@click.option("--max-uncompressed-mb", type=float, default=Limits().max_uncompressed_mb, show_default=True,
              help="单个文件解压后的大小上限（MB），防止“压缩炸弹”。")
@click.option("--max-parts", type=int, default=Limits().max_parts, show_default=True,
              help="单个文件内部部件数上限。")
@click.option("--archive", "archive_db", help="年报库（SQLite 文件或 PostgreSQL 地址）：本次纳入的年报存入其中；"
              "不给 --previous 时，上年数据取自年报库。")
@click.option("--reviewed", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上次的汇总表：其“问题清单”中填写的核实结果和说明保留到本次（有 --archive 时存入年报库）。")
def merge(inputs, output, region, year, roster, previous, jobs, report_path, prefer, timeout,
          max_uncompressed_mb, max_parts, archive_db, reviewed) -> None:
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
    from ..consolidate.merge import Options, check_output, consolidate
    from ..consolidate.submissions import MergeError

    if output.suffix.lower() != ".xlsx":
        raise click.UsageError("汇总表须保存为 .xlsx 文件（-o 汇总.xlsx）。")
    try:
        check_output(inputs, output, [report_path] if report_path else [])
        roster_data = merge_roster(roster)
        previous_data = None
        if previous is not None:
            from ..consolidate.crossyear import read_previous

            previous_data = read_previous(previous)
    except MergeError as exc:
        raise click.UsageError(str(exc)) from exc
    options = Options(year=year, region=region, prefer_newest=prefer == "newest", jobs=jobs,
                      limits=Limits(max_uncompressed_mb=max_uncompressed_mb, max_parts=max_parts),
                      budget=pool.Budget(seconds=timeout))
    progress = Progress()
    store, kept, more = (open_archive(archive_db), [], {}) if archive_db else (None, [], {})
    options.reviews = _reviews(reviewed, store)
    if store is not None:
        from ..archive.records import submission_of, to_archived

        more = {"convert": to_archived, "to_submission_of": submission_of, "kept": kept}
        if previous_data is None:
            previous_data = store.previous_year
    try:
        result = consolidate(inputs, options, roster_data, previous_data, progress.advance, progress.start, **more)
    except MergeError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.finish()
    if store is not None:
        added = store.store([a for a in kept if a.submission.status == "included"], "merge",
                            "、".join(map(str, inputs)))
        store.close()
        click.echo(f"年报库 {archive_db}：入库 {len(added.stored)} 份，已在库中 {len(added.same)} 份。")
    from ..consolidate.summary import write_summary

    try:
        write_summary(result, output)
        if report_path is not None:
            from ..consolidate.merge import report_json
            from ..write.output import write_atomic

            write_atomic(report_path, lambda tmp: tmp.write_text(report_json(result, output), encoding="utf-8"))
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_merge(result, output, report_path)
    sys.exit(1 if result.has_errors else 0)


@main.command("import")
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="一个报告时可以是 .xlsx 文件；多个报告时是文件夹（每个报告一个同名 .xlsx）。")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"单位名录（.xlsx），按单位名称填写{_roster_columns()}。")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="输出格式：text 供人阅读，json 供程序处理。")
@click.option("--max-mb", type=float, default=None,
              help=f"单个报告文件的大小上限（MB，默认 {load().importer['max_mb']}）。")
@click.option("--max-pages", type=int, default=None, help=f"PDF 的页数上限（默认 {load().importer['max_pages']}）。")
@click.option("--timeout", type=float, default=pool.Budget().seconds, show_default=True,
              help="单个文件导入的时限（秒），超时的文件报告后跳过。")
def import_(reports, output, roster, output_format, max_mb, max_pages, timeout) -> None:
    """把已发布的年报（文本 .txt、Word .docx、网页 .html、PDF）导入为填好的年报工作簿。

    \b
    从标题读出单位名称和年度，把表二、表三、表四的每个数值和各部分文字填入模板；
    每个数值都在工作簿的“导入记录”表中注明原文位置，无法对应的内容逐条列出。
    导入的工作簿随即经过与 nianbao validate 相同的校验（原文的总计错误、正文与表格不符等都会报告）。
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
        outcomes = import_paths(reports, output, merge_roster(roster), max_mb, max_pages=max_pages,
                                budget=pool.Budget(seconds=timeout))
    except (ImportUsage, MergeError) as exc:
        raise click.UsageError(str(exc)) from exc
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_reports([o.as_report() for o in outcomes], output_format)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（每个工作簿一组同名的 .docx、.html、.pdf）。")
@click.option("--format", "formats", default="docx,html,pdf", show_default=True,
              help="要生成的格式，逗号分隔：docx、html、pdf。")
@click.option("--draft", is_flag=True,
              help="未通过校验的工作簿也生成，每页页眉标“草稿（未通过校验）”，错误项列在附录。")
@click.option("--signature", is_flag=True, help="在文末加落款（单位名称和填报日期）。")
def report(inputs, outdir, formats, draft, signature) -> None:
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
    from ..check.render import finding_lines
    from ..published.reporting import FORMATS, make_reports

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.UsageError(f"--format 只能是 {','.join(FORMATS)} 中的一个或几个：{formats}")
    try:
        run = make_reports(inputs, outdir, wanted, draft, signature)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from exc
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
    sys.exit(run.exit_code)


def _echo_reports(reports, output_format: str) -> None:
    """Print reports as text or JSON and exit 1 when any has an error (validate and import)."""
    from ..check import render

    if output_format == "json":
        click.echo(render.as_json(reports))
    else:
        for line, colour in render.text_lines(reports):
            click.secho(line, fg=colour)
    sys.exit(render.exit_code(reports))


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


def _echo_merge(result, output: Path, report_path: Path | None) -> None:
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


@main.group()
def addin() -> None:
    """Excel 加载项：功能区“政务公开年报”选项卡上的“校验”按钮（仅 Windows/macOS 版 Excel）。

    \b
    示例：
      nianbao addin install        # Windows：装入 Excel 启动文件夹，并记录当前 Python
      nianbao addin uninstall
      nianbao addin build -o 发布/  # 只生成 nianbao_addin.xlam
    """


@addin.command("build")
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="加载项写入的文件夹（文件名固定，按钮靠它找到 Python 模块）。")
@click.option("--python", "python", is_flag=False, flag_value=sys.executable, default=None,
              help="在加载项中记录按钮使用的 Python（只写 --python 则记录当前这个）。")
def addin_build(outdir, python) -> None:
    """用已安装的 xlwings 生成加载项 nianbao_addin.xlam（无需 Excel）。"""
    from ..excel import addin as addin_mod

    settings = addin_mod.current_settings(executable=python) if python else None
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        path = addin_mod.build(outdir, settings)
    except (addin_mod.AddinError, OutputError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已生成加载项：{path}")


@addin.command("install")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="装入这个文件夹（默认：Excel 的用户启动文件夹 XLSTART）。")
def addin_install(folder) -> None:
    """把加载项装入 Excel 启动文件夹，并记录当前 Python，使“校验”按钮无需设置即可使用。"""
    _addin_outcome("install", folder)


@addin.command("uninstall")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="从这个文件夹删除（默认：Excel 的用户启动文件夹 XLSTART）。")
def addin_uninstall(folder) -> None:
    """从 Excel 启动文件夹删除加载项。"""
    _addin_outcome("uninstall", folder)


def _addin_outcome(action: str, folder: Path | None) -> None:
    from ..excel import addin as addin_mod

    try:
        outcome = getattr(addin_mod, action)(folder)
    except (addin_mod.AddinError, OutputError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("\n".join(outcome.lines))


for command in (archive, compare, tally, register, serve):
    main.add_command(command)
