"""The template's live checks as a user sees them: LibreOffice recalculates every filled workbook and
the saved 校验 sheet must show ✔ everywhere for the correct fill and ✘ on exactly the expected rows
for each broken one. Expected sets are written by hand from the arithmetic of each case."""

from __future__ import annotations

import pytest
from fills import T3, correct_values, write_filled
from openpyxl import load_workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.format.rules import checks


def _total_formula_overwrite(key: str, delta: int):
    """A person typing a number over a total formula (what copy-paste from another file does)."""
    def mutate(v):
        fmt = load()
        value = sum(v.get(k, 0) for k in fmt.field(key).total_of) + delta
        v[key] = value
    return mutate


def _t3(row: str, col: str) -> str:
    return f"t3.{row}.{col}"


def _quiet_year(v):
    """No new applications, last year's carried over and closed; the text says 未收到 (R5)."""
    for c in ("natural", "business", "research", "nonprofit", "legal", "other"):
        results = sum(v[k] for k in load().field(f"t3.results_total.{c}").total_of)
        v[_t3("new", c)] = 0
        v[_t3("carried_in", c)] = results + v[_t3("carry_over", c)]
    v["s1.on_request"] = "本年度未收到新的申请，上年结转申请均已办结。"


CASES = {
    # name: (mutation, expected failing check ids)
    "correct": (lambda v: None, set()),
    "lowercase-code": (lambda v: v.update({"id.code": v["id.code"].lower()}), set()),
    "government-with-regulations": (lambda v: v.update({
        "id.kind": "人民政府", "t2.regulations.issued": 1, "t2.regulations.in_force": 3}), set()),
    "I1-name-blank": (lambda v: v.update({"id.name": None}), {"I1"}),
    "I2-check-digit": (lambda v: v.update({"id.code": v["id.code"][:17] + ("0" if v["id.code"][17] != "0" else "1")}),
                       {"I2"}),
    "I2-letter-I": (lambda v: v.update({"id.code": v["id.code"][:9] + "I" + v["id.code"][10:]}), {"I2"}),
    "I2-short": (lambda v: v.update({"id.code": v["id.code"][:17]}), {"I2"}),
    "I3-kind-typed": (lambda v: v.update({"id.kind": "局"}), {"I3"}),
    "I4-year-2digit": (lambda v: v.update({"id.year": 25}), {"I4"}),
    "I4-year-2019": (lambda v: v.update({"id.year": 2019}), {"I4"}),
    "I5-region-blank": (lambda v: v.update({"id.region": None}), {"I5"}),
    "I6-phone-blank": (lambda v: v.update({"id.phone": None}), {"I6"}),
    "I7-date-text": (lambda v: v.update({"id.filled_on": "2026年1月20日"}), {"I7"}),
    "S6-text-in-count": (lambda v: v.update({_t3("denied_law", "research"): "12件"}), {"S6:t3"}),
    # "—", "/" or "无" for "none" is a warning (FORMAT.md S6), any other text an error
    "S6-dash": (lambda v: v.update({"t4.suit_direct.corrected": "—"}), {"S6:placeholder:t4"}),
    "S6-slash-and-text": (lambda v: v.update({_t3("denied_law", "legal"): "/", _t3("denied_secret", "other"): "无",
                                              "t2.penalty.decisions": "十二"}),
                          {"S6:placeholder:t3", "S6:t2"}),
    # a negative and a compensating +1 keep every sum intact, so only the cell rule fires
    "S6-negative": (lambda v: v.update({_t3("denied_law", "natural"): -1,
                                         _t3("granted", "natural"): T3["granted"][0] + 1}), {"S6:t3"}),
    "S6-fraction": (lambda v: v.update({"t2.normative_docs.issued": 1.5}), {"S6:t2"}),
    "S6-fee-in-yuan-text": (lambda v: v.update({"t2.fees.amount": "251000元"}), {"S6:t2"}),
    "S7-blank": (lambda v: v.update({"t4.suit_direct.pending": None}), {"S7:t4"}),
    "S9-fee-in-yuan": (lambda v: v.update({"t2.fees.amount": 251000}), {"S9"}),
    "R1-new-plus-one": (lambda v: v.update({_t3("new", "natural"): T3["new"][0] + 1}),
                        {"R1:natural", "R1:total"}),
    "R2-results-total-typed": (_total_formula_overwrite("t3.results_total.business", 1),
                               {"R2:business", "R1:business", "R1:total", "R2:total"}),
    "R3-row-total-typed": (_total_formula_overwrite("t3.granted.total", 1), {"R3:granted", "R2:total"}),
    "R5-quiet-year": (_quiet_year, {"R5"}),
    "R6-review-total-typed": (_total_formula_overwrite("t4.review.total", 1), {"R6:review"}),
    "R7-after-review-exceeds": (lambda v: v.update({"t4.suit_after_review.upheld": 3}), {"R7"}),
    "R8-department-regulations": (lambda v: v.update({"t2.regulations.issued": 1, "t2.regulations.in_force": 1}),
                                  {"R8"}),
    "R9-in-force-below-issued": (lambda v: v.update({"t2.normative_docs.in_force": 1}), {"R9:normative_docs"}),
    "R10-township-licensing": (lambda v: v.update({"id.kind": "乡镇街道"}), {"R10"}),
    "T6-says-no-applications": (lambda v: v.update({"s1.on_request": "本年度未收到政府信息公开申请。"}),
                                {"T6:applications"}),
    "T6-says-no-appeals": (lambda v: v.update({"s6.text": "本年度未收取信息处理费，未发生行政复议、行政诉讼。"}),
                           {"T6:appeals"}),
    "F1-no-fee-statement": (lambda v: v.update({"s6.text": "无其他需要报告的事项。"}), {"F1"}),
    # seed 003's wording: a 收费 sentence that never says 信息处理费 is vague, not absent
    "F1-vague-fee-statement": (lambda v: v.update({"s6.text": "2024 年，我单位无政府信息公开收费项目。"}),
                               {"F1:vague"}),
    "T4-says-upheld-but-corrected": (lambda v: v.update({"t4.review.corrected": 1,
                                                          "s6.text": "本年度未收取信息处理费，行政复议均获维持。"}),
                                     {"T4:upheld"}),
    "T4-says-closed-but-pending": (
        lambda v: v.update({"s6.text": "本年度未收取信息处理费，行政复议、诉讼案件均已结案。"}), {"T4:closed"}),
    "T4-says-closed-and-is": (lambda v: v.update({"t4.review.pending": 0, "t4.suit_after_review.pending": 0,
                                                   "s6.text": "本年度未收取信息处理费，案件均已结案。"}), set()),
    "F2-fee-notice-missing": (lambda v: v.update({_t3("other_fee_unpaid", "natural"): 1,
                                                  _t3("granted", "natural"): T3["granted"][0] - 1}), {"F2"}),
    "F4-problems-just-none": (lambda v: v.update({"s5.text": "无"}), {"F4"}),
    "F5-part-missing": (lambda v: v.update({"s1.platform": None}), {"F5:parts"}),
    "F5-government-no-assessment": (lambda v: v.update({"id.kind": "人民政府", "s1.oversight": "加强监督检查。"}),
                                    {"F5:government"}),
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Every case written by openpyxl (formulas without cached values, as scripts produce)."""
    src = tmp_path_factory.mktemp("filled")
    files = []
    for name, (mutate, _) in CASES.items():
        values = correct_values()
        mutate(values)
        files.append(write_filled(src / f"{name}.xlsx", values))
    return files


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory, libreoffice, filled):
    """The same files opened, recalculated and saved by LibreOffice, as a user's client saves them."""
    return libreoffice.convert(filled, tmp_path_factory.mktemp("recalculated"))


@pytest.fixture(scope="module")
def recalculated(saved_by_libreoffice):
    """name → the 校验 sheet's statuses as LibreOffice computed them."""
    return {f.stem: _statuses(f) for f in saved_by_libreoffice}


def _statuses(path) -> dict[str, object]:
    fmt = load()
    first = fmt.layout["check_sheet_first_row"]
    headers = fmt.checks["headers"]
    wb = load_workbook(path, data_only=True)
    ws = wb[fmt.checks["sheet"]]
    header_row = [c.value for c in ws[first - 1]]
    status_col, id_col = header_row.index(headers[2]), header_row.index(headers[-1])
    out = {}
    for row in ws.iter_rows(min_row=first, values_only=True):
        if row[id_col]:
            out[row[id_col]] = row[status_col]
    out["__banner__"] = ws.cell(fmt.layout["title_row"] + 2, fmt.layout["first_col"]).value
    wb.close()
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_live_checks_after_libreoffice_recalculation(recalculated, case):
    fmt = load()
    statuses = recalculated[case]
    ids = {c.id for c in checks()}
    assert ids <= set(statuses), "every check has a row on the 校验 sheet"
    assert set(statuses[i] for i in ids) <= {fmt.marks["ok"], fmt.marks["fail"]}, "no formula errors"
    failing = {i for i in ids if statuses[i] == fmt.marks["fail"]}
    assert failing == CASES[case][1]


def test_banner_tells_whether_the_report_can_be_sent(recalculated):
    fmt = load()
    assert recalculated["correct"]["__banner__"] == fmt.checks["ready"]
    assert recalculated["F4-problems-just-none"]["__banner__"] == fmt.checks["ready"]  # warnings only
    assert recalculated["R1-new-plus-one"]["__banner__"] == fmt.checks["not_ready"]


def test_totals_are_computed_by_the_client(recalculated, tmp_path, libreoffice):
    """The 总计 formulas give the sums a person expects (read from LibreOffice's saved values)."""
    values = correct_values()
    src = write_filled(tmp_path / "totals.xlsx", values)
    (out,) = libreoffice.convert([src], tmp_path / "out")
    wb = load_workbook(out, data_only=True)
    layout = workbook_layout()

    def shown(key):
        sheet, span = layout.locate(key)
        return wb[sheet].cell(span.row, span.col).value

    assert shown("t3.new.total") == 23
    assert shown("t3.results_total.natural") == 17
    assert shown("t3.results_total.total") == 22
    assert shown("t3.carry_over.total") == 3
    assert shown("t4.review.total") == 2
    assert shown("t4.suit_after_review.total") == 1
    assert shown("t2.fees.amount") == pytest.approx(9116.36)


def failing_checks(report) -> set[str]:
    """The validator's findings expressed as 校验-sheet check ids (cell findings per table)."""
    sheets = {t.sheet: t.key for t in load().tables}
    out = set()
    for f in report.findings:
        if "check" in f.extra:
            out.add(f.extra["check"])
        elif f.code in ("S6", "S6-EXCEL-ERROR", "S7") and f.sheet in sheets:
            tag = "placeholder:" if (f.code == "S6" and f.severity == "warning") else ""
            out.add(f"{'S7' if f.code == 'S7' else 'S6'}:{tag}{sheets[f.sheet]}")
        else:
            out.add(f.code)
    return out


# What only the validator can see: the unit in "251000元" (a formula cannot read a text cell's
# unit), and numbers stated in the narrative (the text says 新收 23 件, the table now says 24).
VALIDATOR_ALSO = {"S6-fee-in-yuan-text": {"S9"}, "R1-new-plus-one": {"T1:said2"}}


@pytest.mark.parametrize("source", ["written-by-script", "saved-by-libreoffice"])
def test_validator_agrees_with_the_live_checks(filled, saved_by_libreoffice, source):
    """nianbao validate finds exactly what the template's 校验 sheet shows, for every case, both on
    the script-written file (totals re-derived) and on LibreOffice's saved copy (cached values)."""
    from xlsx_tools.check.validate import validate_paths

    files = filled if source == "written-by-script" else saved_by_libreoffice
    reports = validate_paths(files)
    mismatches = {}
    for path, report in zip(files, reports, strict=True):
        expected = CASES[path.stem][1] | VALIDATOR_ALSO.get(path.stem, set())
        found = failing_checks(report)
        if found != expected:
            mismatches[path.stem] = (sorted(found), sorted(expected))
    assert not mismatches
