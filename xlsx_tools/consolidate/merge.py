"""Consolidation: many agency workbooks in, one accounted-for district summary out.

Every file found is read and validated by the same library as ``nianbao validate`` (in worker
processes, each file under a time limit) and ends in exactly one state: included, rejected
(any error: it adds nothing, rule C2), skipped (not a workbook) or duplicate (byte-identical, or a
resubmission that ``--prefer newest`` set aside). Sums are cell-wise over the included files;
万元 amounts are summed as exact decimals. The records it works on are :mod:`submissions`'; the
cross-year checks are :mod:`crossyear`'s. Nothing here writes a file: see :mod:`summary`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..check.validate import collect, read_all
from ..format.declaration import Format, load
from ..format.findings import registered
from ..read import pool
from ..read.container import Limits
from ..read.reader import Report
from . import crossyear
from .context import Context, RosterIndex, judge, level_name
from .roster import Roster
from .submissions import (
    DUPLICATE,
    INCLUDED,
    REJECTED,
    SKIPPED,
    Consolidation,
    MergeError,
    Missing,
    Submission,
    to_submission,
)


@dataclass
class Options:
    year: int | None = None
    region: str | None = None
    prefer_newest: bool = False
    limits: Limits | None = None
    budget: pool.Budget | None = None
    jobs: int | None = None
    today: dt.date | None = None
    #: decisions taken on findings in earlier runs (see :mod:`reviewed`), shown again on the same findings
    reviews: dict[tuple[str, str, str, str], tuple[str, str]] | None = None
    #: what findings call each file (its path as a string → a name), where a path is not for users
    names: dict[str, str] | None = None


def check_output(inputs: Iterable[Path], output: Path, extra: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output that is an input or lies in an input folder (the next run
    would read it), and an output folder that is missing or not writable."""
    for target in (output, *extra):
        resolved = Path(os.path.abspath(target)).resolve()
        for item in inputs:
            root = Path(item).resolve()
            if resolved == root:
                raise MergeError(f"输出文件 {target} 就是输入文件，会覆盖收到的报表；请换一个输出路径。")
            if root.is_dir() and resolved.is_relative_to(root):
                raise MergeError(f"输出文件 {target} 位于输入文件夹 {item} 之内，下次汇总会把它当作报表读入；"
                                 "请保存到输入文件夹以外。")
        folder = resolved.parent
        if not folder.is_dir():
            raise MergeError(f"输出目录不存在：{folder}")
        if not os.access(folder, os.W_OK):
            raise MergeError(f"输出目录不可写入：{folder}")


def consolidate(inputs: Iterable[Path], options: Options | None = None, roster: Roster | None = None,
                previous=None, progress: Callable[[int], None] | None = None,
                on_found: Callable[[int], None] | None = None, fmt: Format | None = None,
                convert: Callable[[Report], Any] = to_submission,
                to_submission_of: Callable[[Any], Submission] = lambda r: r,
                kept: list | None = None) -> Consolidation:
    """Read, validate and classify every file under ``inputs``; sum the included ones.

    ``convert`` (run in the workers) may keep more of each report than a :class:`Submission`; then
    ``to_submission_of`` takes the submission out of it and ``kept`` receives every converted report.
    """
    kept = kept if kept is not None else []
    fmt = fmt or load()
    options = options or Options()
    files, notes = collect(inputs, report_ignored=True)
    files.sort(key=str)
    if on_found is not None:  # the files to read (the others are skipped at once)
        on_found(len(files))
    names = [options.names.get(str(f), str(f)) for f in files] if options.names else None
    read = read_all(files, options.limits, options.jobs, options.budget, convert=convert, done=progress,
                    names=names)
    if convert is not to_submission:  # the caller keeps more of each report (the archive): split it off
        kept.extend(read)
        read = [to_submission_of(r) for r in read]
    submissions = sorted(read + [to_submission(r) for r in notes], key=lambda s: s.file)
    return classify(submissions, options, roster, previous, fmt)


def classify(submissions: list[Submission], options: Options | None = None, roster: Roster | None = None,
             previous=None, fmt: Format | None = None) -> Consolidation:
    """Put every submission (in path order) in its state, check it against the roster and last
    year, and sum the included ones: the merge after the reading (the archive's export starts here)."""
    fmt = fmt or load()
    options = options or Options()
    for s in submissions:
        s.status = SKIPPED if not s.errors and not s.sha256 else ""
    _byte_identical(submissions)
    candidates = [s for s in submissions if not s.status and not s.errors]
    year = _year(candidates, options.year) or _common(s.identity.get("year") for s in submissions)
    if not isinstance(year, int):
        raise MergeError(_no_year(submissions, fmt.identity_field("year").label))
    if callable(previous):  # last year looked up once this year is known (the archive)
        previous = previous(year)
    if previous is not None and previous.year not in (None, year - 1):
        raise MergeError(f"上年汇总 {previous.file} 的年度为 {previous.year}，本次汇总的是 {year} 年度。")
    level, tie = _level([s for s in candidates if s.identity.get("year") == year])
    context = Context(year, roster, previous, None if tie else level)
    for s in submissions:
        if not s.status:
            judge(s, context, fmt)
    _resubmissions([s for s in candidates if not s.errors], options.prefer_newest)
    for s in submissions:
        if s.status:
            continue
        if s.errors:
            s.status = REJECTED
            s.findings.append(registered("C2/rejected", file=s.file, errors=len(s.errors)))
        else:
            s.status = INCLUDED
    included = sorted((s for s in submissions if s.status == INCLUDED), key=lambda s: (s.key, s.file))
    region = options.region or _common(s.identity.get("region") for s in included) or ""
    result = Consolidation(year, str(region), level + 1, options.today or dt.date.today(), submissions, included,
                           _sums(included, fmt), roster_given=roster is not None, reviews=options.reviews or {})
    if roster is not None:
        _check_roster(result, roster, context.index)
    if previous is not None:
        result.findings += crossyear.check_summary(result, previous, fmt)
    return result


def _byte_identical(submissions: list[Submission]) -> None:
    first: dict[str, Submission] = {}
    for s in submissions:
        if not s.sha256 or s.status:
            continue
        kept = first.setdefault(s.sha256, s)
        if kept is not s:
            s.status = DUPLICATE
            s.note = kept.file
            s.findings.append(registered("F-DUPLICATE", file=s.file, other=kept.file))


def _no_year(submissions: list[Submission], label: str, shown: int = 20) -> str:
    """Why no year could be found: each file's own first error (the cause, not its consequence)."""
    reasons = [f"  {s.file}：{s.errors[0].message}" for s in submissions if s.errors]
    if not reasons:
        return f"收到的报表都没有填写{label}，请用 --year 指定汇总哪一年度。"
    more = [f"  ……另有 {len(reasons) - shown} 个文件"] if len(reasons) > shown else []
    return "\n".join(["没有一份报表可以汇总，各文件的原因如下：", *reasons[:shown], *more])


def _common(values: Iterable[Any]) -> Any:
    counted = Counter(v for v in values if v not in (None, ""))
    return counted.most_common(1)[0][0] if counted else None


def _year(candidates: list[Submission], wanted: int | None) -> int | None:
    if wanted is not None:
        return wanted
    years = Counter(s.identity.get("year") for s in candidates if isinstance(s.identity.get("year"), int))
    ranked = years.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        raise MergeError("收到的报表年度不一（" + "、".join(f"{y} 年 {n} 份" for y, n in ranked)
                         + "），请用 --year 指定汇总哪一年度。")
    return ranked[0][0] if ranked else None


def _level(candidates: list[Submission]) -> tuple[int, bool]:
    """The level the batch is at (the most common), and whether two levels tie. Files of any other
    level are rejected, since a summary merged with its own agencies would count them twice; a tie
    rejects both sides."""
    levels = Counter(s.level for s in candidates).most_common()
    if not levels:
        return 0, False
    if len(levels) > 1 and levels[0][1] == levels[1][1]:
        for s in candidates:
            others = "、".join(level_name(lv) for lv, _ in levels if lv != s.level)
            s.findings.append(registered("C5/level", file=s.file, found=level_name(s.level), others=others))
        return 0, True
    return levels[0][0], False


def _resubmissions(candidates: list[Submission], prefer_newest: bool) -> None:
    """Two different files of one agency and year: an error on both, unless ``--prefer newest``
    finds one strictly later 填报日期 (the others are then set aside, and say so)."""
    groups: dict[tuple, list[Submission]] = defaultdict(list)
    for s in candidates:
        groups[(s.key, s.identity.get("year"))].append(s)
    for group in groups.values():
        if len(group) < 2:
            continue
        newest = _newest(group) if prefer_newest else None
        for s in group:
            others = "、".join(o.file for o in group if o is not s)
            if newest is None:
                key = "C5/undecided" if prefer_newest else "C5/resubmitted"
                s.findings.append(registered(key, file=s.file, agency=s.name, others=others))
            elif s is not newest:
                s.status, s.note = DUPLICATE, newest.file
                s.findings.append(registered("C5/superseded", file=s.file, newer=newest.file,
                                             date=newest.identity.get("filled_on")))


def _newest(group: list[Submission]) -> Submission | None:
    dated = [s for s in group if isinstance(s.identity.get("filled_on"), dt.date)]
    if len(dated) != len(group):
        return None
    dated.sort(key=lambda s: s.identity["filled_on"])
    if dated[-1].identity["filled_on"] == dated[-2].identity["filled_on"]:
        return None
    return dated[-1]


def _sums(included: list[Submission], fmt: Format) -> dict[str, Any]:
    sums: dict[str, Any] = {}
    for n, f in enumerate(fmt.table_fields):
        total: Any = 0
        for s in included:
            v = s.numbers[n]
            if v is not None:
                total += v
        sums[f.key] = total
    return sums


def _check_roster(result: Consolidation, roster: Roster, index: RosterIndex) -> None:
    """C5: roster agencies with no included file, included files from agencies off the roster (each
    file's own roster findings are :func:`context.judge`'s). The roster's own problems (a row without
    a name …) are the run's findings too."""
    result.findings[:0] = roster.findings
    matched: set[int] = set()
    for s in result.included:
        agency = index.agency_of(s)
        if agency is None:
            result.missing.append(Missing("off_roster", dict(s.identity), s.file))
        else:
            matched.add(id(agency))
    tried = defaultdict(list)
    for s in result.submissions:
        if s.status in (REJECTED, DUPLICATE) and s.identity.get("name"):
            agency = index.agency_of(s)
            if agency is not None:
                tried[id(agency)].append(s)
    for agency in roster.agencies:
        if id(agency) in matched:
            continue
        files = [s for s in tried[id(agency)] if s.status == REJECTED]
        why = ("文件有错误，已退回：" + "、".join(s.file for s in files)) if files else "没有收到文件"
        result.missing.append(Missing("on_roster", dict(agency.values), why))
        result.findings.append(registered("C5/missing", file=roster.file, agency=agency.values.get("name", ""),
                                          why=why))


def report_json(result: Consolidation, output: Path | None = None) -> str:
    """Every file and every finding of the run, for machines (``--report``)."""
    import json

    files = [{"file": s.file, "sha256": s.sha256, "size": s.size, "agency": s.name, "code": s.identity.get("code"),
              "status": s.status, "errors": len(s.errors), "warnings": s.count("warning"),
              "infos": s.count("info"), "first_error": s.errors[0].message if s.errors else None, "note": s.note}
             for s in result.submissions]
    doc = {
        "summary": {"output": str(output) if output else None, "region": result.region, "year": result.year,
                    "level": result.level, "agencies": result.agencies, "files": len(result.submissions),
                    **result.counts()},
        "files": files,
        "findings": [f.to_dict() for f in result.all_findings],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
