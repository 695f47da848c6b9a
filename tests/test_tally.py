"""`nianbao tally` (issue 19): 表三 and 表四 counted from the application register exactly as a
hand count, every number traced to its rows, the identities and the cross-year chain holding by
construction, bad register rows named at their cells, and nothing overwritten silently."""

from __future__ import annotations

import pytest
from batches import nianbao
from fills import correct_values, write_filled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from registers import HAND, HAND_2025, HAND_CASES, HAND_CASES_2025, D, application, write_register

from xlsx_tools.archive.changes import compare_reports
from xlsx_tools.check.validate import validate_paths
from xlsx_tools.format.declaration import load
from xlsx_tools.read.reader import read_path
from xlsx_tools.register.count import count
from xlsx_tools.register.layout import register_layout
from xlsx_tools.register.rows import read_register

FMT = load()
TABLES = ("t3", "t4")


def nonzero(values: dict) -> dict:
    return {k: v for k, v in values.items() if v}


def inputs(path) -> dict:
    values = read_path(path).values
    return {f.key: values.get(f.key) for f in FMT.table_fields if f.table in TABLES and not f.is_total}


@pytest.mark.parametrize("rule", ["received", "concluded"])
def test_a_hand_counted_year(tmp_path, rule):
    path = write_register(tmp_path / "台账.xlsx", HAND, HAND_CASES)
    register = read_register(path.read_bytes(), path.name)
    assert register.findings == []
    tally = count(register, 2025, rule)
    assert nonzero(tally.values) == {**HAND_2025, **HAND_CASES_2025[rule]}
    assert [r.id for r in tally.basis["t3.new.natural"]] == ["A3", "A4", "A5"]
    assert [r.id for r in tally.basis["t3.carry_over.natural"]] == ["A3", "A4"]  # 12-31 in, 01-02 out; open


def test_tally_writes_the_tables_into_the_report_and_nothing_else(tmp_path):
    report = write_filled(tmp_path / "年报.xlsx", {**correct_values(), "id.year": 2025})
    before, digest = read_path(report).values, report.read_bytes()
    register = write_register(tmp_path / "台账.xlsx", HAND, HAND_CASES)
    out = tmp_path / "统计后.xlsx"
    proc = nianbao("tally", register, "--year", "2025", "--into", report, "-o", out, "--replace")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = read_path(out).values
    assert {k: v for k, v in after.items() if not k.startswith(TABLES)} == \
        {k: v for k, v in before.items() if not k.startswith(TABLES)}  # identity, 表二 and texts untouched
    written = inputs(out)
    assert nonzero(written) == {**HAND_2025, **HAND_CASES_2025["received"]}
    assert all(v == 0 for k, v in written.items() if k not in HAND_2025 and k not in HAND_CASES_2025["received"])
    (report_found,) = validate_paths([out])
    assert not [f for f in report_found.findings if f.sheet in ("表三", "表四") and f.severity != "info"]
    assert "S-EXTRA-SHEET" not in {f.code for f in report_found.findings}  # 统计依据 is ours
    basis = list(load_workbook(out)[FMT.register["basis"]].iter_rows(min_row=3, values_only=True))
    by_item = {(r[1], r[2]): r for r in basis}
    row = by_item[("一、本年新收政府信息公开申请数量", "自然人")]
    assert row[3] == 3 and "A3（申请登记第5行）" in row[4] and "A5（申请登记第7行）" in row[4]
    assert report.read_bytes() == digest  # written to -o: the original is unchanged


def test_different_numbers_already_there_stop_the_run_unless_replaced(tmp_path):
    report = write_filled(tmp_path / "年报.xlsx", {**correct_values(), "id.year": 2025})
    register = write_register(tmp_path / "台账.xlsx", HAND, HAND_CASES)
    digest = report.read_bytes()
    proc = nianbao("tally", register, "--year", "2025", "--into", report)
    assert proc.returncode == 1 and "未写入" in proc.stderr and "--replace" in proc.stderr
    assert "一、本年新收政府信息公开申请数量—自然人：工作簿" in proc.stderr
    assert report.read_bytes() == digest  # nothing written
    proc = nianbao("tally", register, "--year", "2025", "--into", report, "--replace")
    assert proc.returncode == 0 and nonzero(inputs(report)) == {**HAND_2025, **HAND_CASES_2025["received"]}
    again = nianbao("tally", register, "--year", "2025", "--into", report)
    assert again.returncode == 0  # the same numbers: no difference


def test_three_years_of_one_register_chain_without_x1(tmp_path):
    rows = HAND + [
        application("B1", D(2026, 2, 1), "自然人", "（一）予以公开", D(2026, 2, 20)),
        application("B2", D(2026, 10, 30), "商业企业", "2.重复申请", D(2026, 11, 20)),
        application("B5", D(2026, 11, 2), "商业企业"),  # open today
        application("B3", D(2024, 6, 1), "自然人", "（一）予以公开", D(2024, 6, 5)),
        application("B4", D(2024, 12, 31), "社会公益组织", "1.信访举报投诉类申请", D(2025, 1, 3)),
    ]
    register = write_register(tmp_path / "台账.xlsx", rows, HAND_CASES)
    reports = []
    for year in (2024, 2025, 2026):
        out = tmp_path / f"{year}.xlsx"
        assert nianbao("tally", register, "--year", year, "-o", out).returncode == 0
        reports.append(read_path(out))
    for last, now in zip(reports, reports[1:], strict=False):
        for c in register_layout().applicants.values():
            assert now.values[f"t3.carried_in.{c}"] == last.values[f"t3.carry_over.{c}"]
        assert "X1" not in {f.code for f in compare_reports([last], [now]).every_finding}


@pytest.mark.parametrize("year, into_year, named", [
    (2026, 2025, ("2026 年度", "2023—2025 年", "报告年度为 2025")),  # the case, with --replace
    (2025, 2024, ("2025 年度", "2023—2025 年", "报告年度为 2024")),  # the workbook is last year's
    (2022, None, ("2022 年度", "2023—2025 年")),  # the register starts after the year
])
def test_a_year_the_register_or_the_workbook_does_not_share_is_refused(tmp_path, year, into_year, named):
    register = write_register(tmp_path / "台账.xlsx", HAND, HAND_CASES)
    args = ["tally", register, "--year", year, "--replace"]
    if into_year is not None:
        report = write_filled(tmp_path / "年报.xlsx", {**correct_values(), "id.year": into_year})
        digest = report.read_bytes()
        args += ["--into", report]
    else:
        args += ["-o", tmp_path / "新.xlsx"]
    proc = nianbao(*args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "年度不一致，未写入" in proc.stderr and all(n in proc.stderr for n in named), proc.stderr
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr
    if into_year is not None:
        assert report.read_bytes() == digest
    else:
        assert not (tmp_path / "新.xlsx").exists()


def test_an_unfinished_year_is_tallied_with_a_warning(tmp_path):
    from xlsx_tools.register.tally import tally_register

    rows = [application("N1", D(2026, 3, 1), "自然人", "（一）予以公开", D(2026, 3, 9))]
    register = write_register(tmp_path / "台账.xlsx", rows)
    out = tally_register(register, 2026, tmp_path / "年报.xlsx", today=D(2026, 12, 7))
    assert out.target is not None and out.notes == [
        "2026 年度尚未结束（今天是 2026-12-07）：统计的只是到今天为止台账中登记的申请，年度结束后请重新统计。"]
    done = tally_register(register, 2026, tmp_path / "年报2.xlsx", today=D(2027, 1, 5))
    assert done.target is not None and done.notes == []  # the year has ended: nothing to say


@pytest.mark.parametrize("typed, suggested", [("部分公开", "（二）部分公开"), ("部分", "（二）部分公开"),
                                              ("予以公开了", "（一）予以公开")])
def test_a_mistyped_result_is_pointed_to_the_label_that_contains_it(tmp_path, typed, suggested):
    bad = application("X9", D(2025, 3, 3), "自然人", typed, D(2025, 4, 1))
    path = write_register(tmp_path / "台账.xlsx", HAND + [bad], HAND_CASES)
    (found,) = read_register(path.read_bytes(), path.name).findings
    assert found.code == "REG-LABEL" and suggested in found.hint, found.hint


def test_a_busy_year_lists_its_rows_in_cells_excel_can_hold(tmp_path):
    rows = [application(f"2025-{i:05d}", D(2025, 3, 1), "自然人", "（一）予以公开", D(2025, 3, 5)) for i in range(3000)]
    register = write_register(tmp_path / "台账.xlsx", rows)
    out = tmp_path / "年报.xlsx"
    assert nianbao("tally", register, "--year", "2025", "-o", out).returncode == 0
    basis = [r for r in load_workbook(out)[FMT.register["basis"]].iter_rows(min_row=3, values_only=True)
             if r[1] == "一、本年新收政府信息公开申请数量" and r[2] == "自然人"]
    assert len(basis) > 1 and basis[0][3] == 3000 and all(r[3] is None for r in basis[1:])
    assert all(len(r[4]) <= 32_767 for r in basis)  # Excel cuts (or refuses) a longer cell
    listed = [place for r in basis for place in r[4].split("、")]
    assert listed == [f"2025-{i:05d}（申请登记第{i + 3}行）" for i in range(3000)]


@pytest.mark.parametrize("change,code,column", [
    ({"received": "2025-13-40"}, "REG-DATE", "收到日期"),
    ({"received": None}, "REG-EMPTY", "收到日期"),
    ({"applicant": "个人"}, "REG-LABEL", "申请人类型"),
    ({"result": "予以公开了", "replied": D(2025, 4, 1)}, "REG-LABEL", "办理结果"),
    ({"replied": D(2025, 2, 1), "result": "（一）予以公开"}, "REG-ORDER", "答复日期"),  # before it was received
    ({"result": "（一）予以公开"}, "REG-NO-REPLY", "答复日期"),
    ({"replied": D(2025, 4, 1)}, "REG-NO-RESULT", "办理结果"),
    ({"consulted": "三天"}, "REG-COUNT", "征求意见天数"),
    ({"id": "A1"}, "REG-DUPLICATE-ID", "编号"),
])
def test_a_bad_row_is_named_at_its_cell(tmp_path, change, code, column):
    bad = {**application("X9", D(2025, 3, 3), "自然人"), **change}
    path = write_register(tmp_path / "台账.xlsx", HAND + [bad], HAND_CASES)
    register = read_register(path.read_bytes(), path.name)
    (found,) = register.findings
    col = 1 + [c["label"] for c in FMT.register["columns"]].index(column)
    cell = f"{chr(64 + col)}{3 + len(HAND)}"
    assert (found.code, found.sheet, found.cell, found.severity) == (code, "申请登记", cell, "error")
    if code == "REG-LABEL" and column == "申请人类型":
        assert "自然人" in found.hint  # the closest declared entry is suggested
    proc = nianbao("tally", path, "--year", "2025", "-o", tmp_path / "x.xlsx")
    assert proc.returncode == 1 and code in proc.stderr and not (tmp_path / "x.xlsx").exists()


def test_text_dates_as_people_type_them_are_dates(tmp_path):
    rows = [application("T1", "2025年3月4日", "自然人", "（一）予以公开", "2025/3/20"),
            application("T2", "2025.12.31", "自然人")]
    path = write_register(tmp_path / "台账.xlsx", rows)
    register = read_register(path.read_bytes(), path.name)
    assert register.findings == [] and register.applications[0].values["received"] == D(2025, 3, 4)
    assert nonzero(count(register, 2025).values) == {"t3.new.natural": 2, "t3.granted.natural": 1,
                                                     "t3.carry_over.natural": 1}


APPLICANTS = list(register_layout().applicants)
RESULTS = list(register_layout().results)


@st.composite
def registers(draw):
    rows = []
    for n in range(draw(st.integers(0, 40))):
        received = D(2024, 1, 1) + __import__("datetime").timedelta(days=draw(st.integers(0, 3 * 365)))
        answered = draw(st.booleans())
        replied = received + __import__("datetime").timedelta(days=draw(st.integers(0, 60))) if answered else None
        rows.append(application(f"R{n}", received, draw(st.sampled_from(APPLICANTS)),
                                draw(st.sampled_from(RESULTS)) if answered else None, replied))
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=registers(), year=st.sampled_from([2024, 2025, 2026]))
def test_random_registers_give_tables_whose_identities_hold_and_equal_an_independent_count(tmp_path, rows, year):
    path = write_register(tmp_path / "台账.xlsx", rows)
    tally = count(read_register(path.read_bytes(), path.name), year)
    start, end = D(year, 1, 1), D(year, 12, 31)
    layout = register_layout()
    for label, c in layout.applicants.items():
        mine = [r for r in rows if r["applicant"] == label]
        new = sum(start <= r["received"] <= end for r in mine)
        carried = sum(r["received"] < start and not (r["replied"] and r["replied"] < start) for r in mine)
        answered = sum(bool(r["replied"]) and start <= r["replied"] <= end for r in mine)
        carry = sum(r["received"] <= end and not (r["replied"] and r["replied"] <= end) for r in mine)
        results = sum(tally.values[f"t3.{k}.{c}"] for k in layout.results.values())
        assert (tally.values[f"t3.new.{c}"], tally.values[f"t3.carried_in.{c}"], results,
                tally.values[f"t3.carry_over.{c}"]) == (new, carried, answered, carry)
        assert new + carried == answered + carry  # R1 by construction


# -- time limits and impossible dates --------------------------------------------------------------------------
def test_the_limit_counts_working_days_of_the_official_calendar():
    from xlsx_tools.register.limits import due

    # 2025: National Day off 10-01…10-08, Sunday 09-28 and Saturday 10-11 worked instead
    assert due(D(2025, 9, 26), 20) == D(2025, 10, 30)
    assert due(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert due(D(2025, 10, 10), 1) == D(2025, 10, 11)  # a swapped working Saturday


@pytest.mark.parametrize("extra,replied,late", [
    ({}, D(2025, 10, 30), False),
    ({}, D(2025, 10, 31), True),
    ({"extended": "是"}, D(2025, 11, 20), False),  # 20 more working days
    ({"consulted": 5}, D(2025, 11, 5), False),  # consultation days not counted
    ({"corrected": D(2025, 10, 20)}, D(2025, 11, 14), False),  # the limit restarts at 补正
    ({"corrected": D(2025, 10, 20)}, D(2025, 11, 18), True),
])
def test_a_late_reply_is_a_warning_naming_its_dates(tmp_path, extra, replied, late):
    from xlsx_tools.register.limits import read_checked

    row = application("L1", D(2025, 9, 26), "自然人", "（一）予以公开", replied, **extra)
    path = write_register(tmp_path / "台账.xlsx", [row])
    found = [f for f in read_checked(path.read_bytes(), path.name).findings if f.code == "REG-LATE"]
    assert bool(found) == late
    if late:
        (f,) = found
        assert f.severity == "warning" and f.cell == "J3" and replied.isoformat() in f.message
        assert "2025-09-26" in f.message or "2025-10-20" in f.message
        proc = nianbao("tally", path, "--year", "2025", "-o", tmp_path / "年报.xlsx")
        assert proc.returncode == 0  # a warning never blocks the tally


def test_a_date_after_today_is_impossible(tmp_path):
    row = application("F1", D(2025, 3, 1), "自然人", "（一）予以公开", D(2099, 1, 1))
    path = write_register(tmp_path / "台账.xlsx", [row])
    register = read_register(path.read_bytes(), path.name)
    assert [(f.code, f.cell, f.severity) for f in register.findings] == [("REG-FUTURE", "J3", "error")]
    assert read_register(path.read_bytes(), path.name, today=D(2099, 1, 2)).findings == []


def test_a_year_the_calendar_does_not_know_is_said_not_guessed(tmp_path):
    from xlsx_tools.register.limits import read_checked

    row = application("O1", D(2003, 5, 1), "自然人", "（一）予以公开", D(2003, 9, 1))
    path = write_register(tmp_path / "台账.xlsx", [row])
    found = read_checked(path.read_bytes(), path.name).findings
    assert [(f.code, f.severity) for f in found] == [("REG-CALENDAR", "info")] and "2003" in found[0].message


def test_validate_recognises_a_register_and_checks_it(tmp_path):
    good = write_register(tmp_path / "台账.xlsx", HAND, HAND_CASES)
    bad = write_register(tmp_path / "坏台账.xlsx", HAND + [application("X1", "2025-13-01", "个人")], HAND_CASES)
    proc = nianbao("validate", good, bad)
    assert proc.returncode == 1, proc.stdout
    assert "F-NOT-TEMPLATE" not in proc.stdout  # a register is not a report with no tables
    assert "[REG-DATE] 错误  申请登记!B11" in proc.stdout and "[REG-LABEL] 错误  申请登记!C11" in proc.stdout
    assert "最接近的是“自然人”" in proc.stdout and "[REG-LATE] 警告" in proc.stdout
    assert nianbao("validate", good).returncode == 0  # warnings only
