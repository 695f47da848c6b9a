"""GB 32100-2015 check characters and the Python side of the identity rules."""

from __future__ import annotations

import pytest

from xlsx_tools.check.identity import check_identity, normalise
from xlsx_tools.format import uscc

# Published codes of real organisations (business licences shown on their sites).
REAL = ["9144030071526726XG", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert uscc.is_valid(code)
    assert uscc.is_valid(code.lower())


@pytest.mark.parametrize("code", REAL)
def test_any_single_change_is_caught(code):
    """Changing any one character to any other character of the alphabet breaks the check."""
    for i in range(18):
        for ch in uscc.ALPHABET:
            if ch != code[i]:
                assert not uscc.is_valid(code[:i] + ch + code[i + 1:]), (i, ch)


@pytest.mark.parametrize("code", ["", "9144030071526726X", "9144030071526726XGG", "9144030071526726IG",
                                  "914403007152672 XG"])
def test_malformed_codes(code):
    assert not uscc.is_valid(code)


def test_complete_builds_valid_codes():
    assert uscc.complete("9144030071526726X") == "9144030071526726XG"


def test_identity_rules_fire_and_stay_quiet(fmt):
    good = {"name": "某区科学技术局", "code": REAL[0], "kind": "部门", "year": 2025}
    assert check_identity(good, fmt) == []
    bad = {"name": " ", "code": "123", "kind": "局", "year": 2019}
    assert sorted(f.code for f in check_identity(bad, fmt)) == ["I1", "I2", "I3", "I4"]
    assert [f.code for f in check_identity({"name": "a\x01b"}, fmt)] == ["F-TEXT-INVALID"]


def test_normalise(fmt):
    assert normalise({"code": " 9144030071526726xg ", "year": "2025", "region": ""}, fmt) == {
        "code": "9144030071526726XG", "year": 2025}


@pytest.mark.parametrize("changes, code, said", [
    ({"id.filler": None}, "I6", "填报人或联系电话未填写"),
    ({"id.phone": ""}, "I6", "填报人或联系电话未填写"),
    ({"id.code": None}, "I2", "统一社会信用代码未填写"),  # blank: not a wrong check digit
    ({"id.code": "11410300MB0000001X"}, "I2", "统一社会信用代码不是 18 位，或校验码不对"),
    ({"id.filled_on": None}, "I7", "填报日期未填写"),
])
def test_identity_findings_are_worded_as_the_problem(tmp_path, changes, code, said):
    from fills import correct_values, write_filled

    from xlsx_tools.check.validate import validate_paths

    (report,) = validate_paths([write_filled(tmp_path / "a.xlsx", correct_values() | changes)])
    (found,) = [f for f in report.findings if f.code == code]
    assert found.message.startswith(said) and "未通过" not in found.message and "已填写" not in found.message
