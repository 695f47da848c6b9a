"""The rules reference (docs/RULES.md and `nianbao rules`): made from the declaration and the
findings registry, naming every code a user can meet, the same in the file and in the terminal."""

from __future__ import annotations

import ast
import re

import pytest
from click.testing import CliRunner
from conftest import ROOT
from fills import correct_values, write_filled

from xlsx_tools.cli import main
from xlsx_tools.format import reference
from xlsx_tools.format.declaration import load
from xlsx_tools.format.findings import REGISTRY, STRUCTURE_KEY

RULES_MD = ROOT / "docs" / "RULES.md"


def _declared_and_registered() -> set[str]:
    fmt = load()
    codes = {r.code for r in fmt.rules} | {s["code"] for s in fmt.statements}
    codes |= {k.split("/")[0] for k in REGISTRY if k.split("/")[0] != STRUCTURE_KEY}
    return codes


def test_the_file_in_the_repository_is_the_reference_the_code_makes():
    """Regenerate with: nianbao rules --markdown > docs/RULES.md"""
    assert RULES_MD.read_text(encoding="utf-8") == reference.markdown()


def test_every_declared_and_registered_code_has_its_section():
    text = RULES_MD.read_text(encoding="utf-8")
    headed = set(re.findall(r"^### (\S+)$", text, flags=re.M))
    assert _declared_and_registered() == headed == set(reference.codes())


def test_every_situation_says_when_it_is_checked_and_how_to_fix_it():
    for entry in reference.entries():
        for s in entry.situations:
            assert s.severity in reference.SEVERITY and s.text and s.hint and s.when, (entry.code, s)
            assert "{" not in s.text + s.hint, (entry.code, s.text)  # the blanks shown as …


def test_structure_findings_are_listed_under_the_codes_users_see():
    """A structure finding reports as S1–S4 by its sheet, never as STRUCT."""
    assert STRUCTURE_KEY not in reference.codes()
    for code in ("S1", "S2", "S3", "S4"):
        assert any("应为“…”，实际为“…”" in s.text for s in reference.find(code).situations), code


def test_every_code_raised_in_the_package_is_in_the_reference():
    """The codes the package passes to registered() and rule_finding(), read from its source."""
    known = set(reference.codes())
    used = set()
    for path in (ROOT / "xlsx_tools").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("registered", "rule_finding")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value.split("/")[0])
    used.discard(STRUCTURE_KEY)
    assert used and used <= known, sorted(used - known)


def test_a_real_validation_finds_only_codes_of_the_reference(tmp_path):
    from xlsx_tools.check.validate import validate_paths

    values = correct_values() | {"t3.new.natural": "12件", "id.code": "123", "t2.fees.amount": 251000,
                                 "t4.review.upheld": None, "s5.text": "无"}
    report = validate_paths([write_filled(tmp_path / "有错.xlsx", values)])[0]
    found = {f.code for f in report.findings}
    assert {"S6", "I2", "S9", "S7", "F4"} <= found
    assert found <= set(reference.codes())


@pytest.mark.parametrize("asked, code", [("R1", "R1"), ("r1", "R1"), ("S6/text", "S6"), ("imp-near-label",
                                                                                         "IMP-NEAR-LABEL")])
def test_nianbao_rules_prints_the_code_as_the_file_has_it(asked, code):
    result = CliRunner().invoke(main, ["rules", asked])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"[{code}]")
    section = RULES_MD.read_text(encoding="utf-8").split(f"\n### {code}\n")[1].split("\n### ")[0]
    for s in reference.find(code).situations:
        for part in (s.text, s.hint, s.when, s.cells, s.items):
            assert part in result.output and part in section


def test_nianbao_rules_without_a_code_lists_them_all_and_markdown_is_the_file():
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0
    assert [ln[1:].split("]")[0] for ln in listing.output.splitlines() if ln.startswith("[")] == reference.codes()
    assert runner.invoke(main, ["rules", "--markdown"]).output == RULES_MD.read_text(encoding="utf-8")


def test_an_unknown_code_is_a_usage_error_with_the_closest_codes():
    result = CliRunner().invoke(main, ["rules", "R11"])
    assert result.exit_code == 2
    assert "R11" in result.output and "R1" in result.output
    assert CliRunner().invoke(main, ["rules", "R1", "--markdown"]).exit_code == 2
