"""What the repository tells people points inside the repository, and the bad-input list says what
the corpus tests: README, docs, docstrings, messages, pages and the declaration name no file that a
checkout does not have (no specification kept elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import corpus
from conftest import ROOT

#: what people and the code read: the README, the docs, the package (docstrings, messages, pages),
#: the declaration, the tests, the benches and the samples' notes
SOURCES = ("README.md", "docs/*.md", "samples/*.md", "xlsx_tools/**/*.py", "xlsx_tools/**/*.html",
           "schemas/*.toml", "tests/*.py", "bench/*.py", "pyproject.toml", ".ci/run")
#: a path that leaves the checkout: a parent folder, or the specification folder kept beside it
LEAVING = re.compile(r"(?<![\w/.])(?:(?:\.\./)+[\w./-]*\.(?:md|txt|toml|rst)\b|shared/[\w./-]+)")
#: a document named by its file name (FORMAT.md, docs/RULES.md, ARCHITECTURE.md …)
DOCUMENT = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")


def _files() -> list[Path]:
    """Every file of :data:`SOURCES` but this one (its planted examples point outside on purpose)."""
    return sorted({p for pattern in SOURCES for p in ROOT.glob(pattern) if p.is_file()} - {Path(__file__)})


def outside_references(files: list[Path], root: Path = ROOT) -> list[str]:
    """``file: reference`` for every path that leaves the repository or names a document it lacks."""
    here = {p.name for p in root.rglob("*.md") if ".git" not in p.parts}
    wrong = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaving = set(LEAVING.findall(text))
        wrong += [f"{path.relative_to(root)}: {ref}" for ref in sorted(leaving)]
        for ref in set(DOCUMENT.findall(text)) - leaving:
            if not ((root / ref).exists() or (path.parent / ref).exists() or ("/" not in ref and ref in here)):
                wrong.append(f"{path.relative_to(root)}: {ref}")
    return wrong


def test_nothing_points_outside_the_repository():
    files = _files()
    assert len(files) > 100  # the package, the tests and the documents were all read
    assert outside_references(files) == []


def test_a_reference_to_a_specification_kept_elsewhere_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "RULES.md").write_text("# 规则\n", encoding="utf-8")
    note = tmp_path / "module.py"
    note.write_text('"""Counted as shared/REGISTER.md says; see FORMAT.md (b), ../notes.txt and docs/RULES.md."""\n',
                    encoding="utf-8")
    assert sorted(outside_references([note], tmp_path)) == ["module.py: ../notes.txt", "module.py: FORMAT.md",
                                                            "module.py: shared/REGISTER.md"]


def _rows(text: str) -> dict[int, str]:
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \|(.*)$", text, flags=re.M)}


def test_the_bad_input_list_has_a_row_for_every_case_the_corpus_tests():
    rows = _rows((ROOT / "docs" / "BAD-INPUTS.md").read_text(encoding="utf-8"))
    numbers = {c.number for c in corpus.CASES} | set(corpus.ELSEWHERE)
    assert sorted(rows) == sorted(numbers) == list(range(1, max(numbers) + 1))
    missing = [f"{c.number}: {c.code}" for c in corpus.CASES if c.code != "OK" and f"`{c.code}`" not in rows[c.number]]
    assert missing == []
