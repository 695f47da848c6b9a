"""The live-check cases: a correct fill, and each way of breaking it with the 校验 rows it must
fail, written by hand from the arithmetic of each case. The live-check tests (LibreOffice,
Gnumeric, the validator and nianbao's own cached values) all run over these."""

from __future__ import annotations

import random
from typing import Any

from fills import T3, correct_values

from xlsx_tools.format.declaration import load


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
    # "—", "/" or "无" for "none" is a warning (S6 in docs/RULES.md), any other text an error
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


#: an input cell holding an error value (a pasted #DIV/0!): the cell fails S6, and the error
#: spreads through every total that sums it and every check that reads those totals
ERROR_CASES = {
    "S6-error-value": (lambda v: v.update({_t3("denied_law", "research"): "#DIV/0!"}),
                       {"S6:t3", "R1:research", "R1:total", "R2:research", "R2:total", "R3:denied_law",
                        "R3:results_total"}),
}


def case_values(name: str) -> dict[str, Any]:
    """The field values of a named case (of CASES or ERROR_CASES)."""
    mutate = {**CASES, **ERROR_CASES}[name][0]
    values = correct_values()
    mutate(values)
    return values


def random_fill(seed: int, noisy: bool = False) -> dict[str, Any]:
    """A random fill whose 表三 columns balance (R1 holds); ``noisy`` then spoils random cells the
    ways people do (text, a dash, a negative, a fraction, a blank, an error value)."""
    rnd = random.Random(seed)
    fmt = load()
    values = correct_values()
    t3 = fmt.table("t3")
    for col in (c.key for c in t3.leaf_columns if not c.is_total):
        results = 0
        for f in t3.fields:
            if f.column.key == col and not f.is_total and f.row.key not in ("new", "carried_in", "carry_over"):
                values[f.key] = rnd.choice([0, 0, 0, rnd.randint(0, 40)])
                results += values[f.key]
        carry = rnd.randint(0, 5)
        carried_in = rnd.randint(0, results + carry)
        values[_t3("carry_over", col)] = carry
        values[_t3("carried_in", col)] = carried_in
        values[_t3("new", col)] = results + carry - carried_in
    for f in fmt.table("t4").fields:
        if not f.is_total:
            values[f.key] = rnd.randint(0, 6)
    for key in ("t2.normative_docs", "t2.regulations"):
        issued = rnd.randint(0, 8)
        values.update({f"{key}.issued": issued, f"{key}.repealed": rnd.randint(0, 3),
                       f"{key}.in_force": issued + rnd.randint(0, 30)})
    values["t2.fees.amount"] = round(rnd.uniform(0, 5000), 2)
    if noisy:
        inputs = [f.key for f in fmt.table_fields if not f.is_total]
        spoilers = ["12件", "—", "/", "无", -3, 2.5, None, "#N/A", " 7 ", 0.1]
        for key in rnd.sample(inputs, 6):
            values[key] = rnd.choice(spoilers)
        values["id.year"] = rnd.choice([2025, "2025", " 2025 ", "二〇二五", 25])
        values["id.kind"] = rnd.choice(["部门", "人民政府", "部门 ", "局"])
    return values


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


def with_blanks(values: dict[str, Any], seed: int, count: int, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """A fill with ``count`` of its zero inputs left empty (blank counts as 0: the identities still
    hold, the validator only warns, S7), none under the prefixes ``keep``."""
    fmt = load()
    zeros = [f.key for f in fmt.table_fields
             if not f.is_total and values.get(f.key) == 0 and not f.key.startswith(keep)]
    return {**values, **dict.fromkeys(random.Random(seed).sample(zeros, min(count, len(zeros))))}
