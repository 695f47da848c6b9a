"""The package's layout is its architecture: stages in order, imports only downward, no circles.

Every import in every module is read with ``ast`` (those inside functions too: a lazy import is
still a dependency), resolved to the module it names, and checked against ``xlsx_tools.STAGES``.
The checks are functions of a package folder, so the tests below also run them on a copy of the
package with a circle or an upward import planted in it, and watch them fail.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from xlsx_tools import STAGES

PACKAGE = ROOT / "xlsx_tools"
TOP = ("cli",)  # modules above every stage
MAX_LINES = 450


def modules(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (``read.reader``; a package's ``__init__`` as
    ``read``, the root's as ``""``)."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(package: Path) -> dict[str, set[str]]:
    """The package modules each module imports, wherever in the module the import stands."""
    known = modules(package)
    found: dict[str, set[str]] = {}
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if name else []
        base_of_module = here if is_package else here[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
                targets |= {_within(n, known) for n in names if n.split(".")[0] == package.name}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = base_of_module[:len(base_of_module) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").split(".")[0] == package.name:
                    module = node.module.partition(".")[2]
                else:
                    continue
                for alias in node.names:  # `from . import merge` names a module, `from .x import f` does not
                    sub = f"{module}.{alias.name}" if module else alias.name
                    targets.add(sub if sub in known else module)
        found[name] = {t for t in targets if t is not None and t != name}
    return found


def _within(dotted: str, known: dict[str, Path]) -> str | None:
    parts = dotted.split(".")[1:]
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts)


def stage_of(module: str) -> int:
    """The rank of a module's stage: STAGES' order, the top modules above them all, the root below."""
    if module == "":
        return -1
    head = module.split(".")[0]
    if head in STAGES:
        return STAGES.index(head)
    if head in TOP:
        return len(STAGES)
    raise ValueError(module)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import each other round in a circle (Tarjan's strongly connected
    components of more than one module), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports of a later stage's module: (importer, imported)."""
    return sorted((a, b) for a, targets in graph.items() for b in targets if stage_of(b) > stage_of(a))


def long_modules(package: Path) -> dict[str, int]:
    """Modules longer than MAX_LINES, with their length."""
    return {name: n for name, path in modules(package).items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}


def _doc(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


HEADER = re.compile(r"^[^(]*\(stage (\d+): (?:may import ([^)]*)|imports nothing else of the package)\)")


def stage_headers(package: Path) -> list[str]:
    """Stages whose docstring does not open with '(stage N: may import ``a``, ``b`` and ``c``)' as
    STAGES has them (the first stage: '(stage 1: imports nothing else of the package)')."""
    wrong = []
    for rank, stage in enumerate(STAGES):
        head = _doc(package / stage / "__init__.py").split("\n\n")[0]
        m = HEADER.match(head)
        listed = m[2] or "" if m else ""
        if (not m or int(m[1]) != rank + 1 or not re.fullmatch(r"(``\w+``|,|and|\s)*", listed)
                or set(re.findall(r"``(\w+)``", listed)) != set(STAGES[:rank])):
            wrong.append(stage)
    return wrong


def unnamed_modules(package: Path) -> dict[str, list[str]]:
    """Per stage (and ``cli``), the modules its ``__init__`` docstring does not name as :mod:`x`."""
    out = {}
    for folder in (*STAGES, *TOP):
        named = set(re.findall(r":mod:`(?:\w+\.)*?(\w+)`", _doc(package / folder / "__init__.py")))
        missing = sorted(p.stem for p in (package / folder).glob("*.py")
                         if p.stem not in ("__init__", "__main__") and p.stem not in named)
        if missing:
            out[folder] = missing
    return out


def dangling_references(package: Path) -> list[str]:
    """(module, reference) for every :mod:`x` that names no module and every ``name.py`` or
    ``folder/`` in a docstring that exists nowhere in the package or the repository."""
    known = modules(package)
    wrong = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = [ast.get_docstring(n) or "" for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
        stage = name.split(".")[0]
        for doc in docs:
            for ref in re.findall(r":mod:`([\w.]+)`", doc):
                if ref not in known and f"{stage}.{ref}" not in known and importlib.util.find_spec(ref) is None:
                    wrong.append(f"{name}: :mod:`{ref}`")
            for ref in re.findall(r"``([\w/.-]+(?:\.py|/))``", doc):
                built = ref.startswith(f"{package.name}/_data/")  # made when the wheel is built
                if not built and not any((base / ref).exists() for base in (package, ROOT, path.parent)):
                    wrong.append(f"{name}: ``{ref}``")
    return wrong


def misplaced(package: Path) -> list[str]:
    """Modules outside any stage (only the stages' packages and the top modules are allowed)."""
    return [name for name in modules(package) if name and name.split(".")[0] not in (*STAGES, *TOP)]


# -- the package as it is ------------------------------------------------------------------------
def test_no_import_goes_round_in_a_circle():
    assert circles(imports(PACKAGE)) == []


def test_every_import_goes_down_the_pipeline():
    assert upward(imports(PACKAGE)) == []


def test_every_module_sits_in_a_stage():
    assert misplaced(PACKAGE) == []
    assert set(STAGES) == {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} - set(TOP)


def test_package_inits_import_nothing():
    """Importing a stage costs nothing and hides no edge; the root only holds the version and STAGES."""
    graph = imports(PACKAGE)
    assert {name: graph[name] for name in ("", *STAGES) if graph[name]} == {}


def test_each_stage_says_what_it_may_import():
    """The first lines of each stage's ``__init__`` docstring name its place and the stages it may
    import, as STAGES has them, and nothing else ("stage 1 of 7" is drift)."""
    assert stage_headers(PACKAGE) == []


def test_each_stage_names_every_module_it_holds():
    """A newcomer reads a stage's docstring and finds every module of it there (``:mod:`name```)."""
    assert unnamed_modules(PACKAGE) == {}


def test_every_module_a_docstring_names_exists():
    """``:mod:`x``` in any docstring is a module of the package (its own stage's, or dotted from the
    package root), and a file or folder a docstring names in double backquotes exists."""
    assert dangling_references(PACKAGE) == []


def test_modules_stay_small():
    """No module longer than a reader can hold in mind (100–400 lines is a good size)."""
    assert long_modules(PACKAGE) == {}


def test_the_graph_sees_every_kind_of_import():
    """Top-level, lazy (inside a function), ``from . import module``, ``from .module import name``,
    ``from .. import __version__`` and absolute imports of the package all become edges."""
    graph = imports(PACKAGE)
    assert "consolidate.crossyear" in graph["consolidate.merge"]  # from . import crossyear
    assert "check.validate" in graph["cli.validate"]  # inside the validate command
    assert "format.address" in graph["read.xmlparts"]  # from ..format.address import column_number
    assert "" in graph["write.template"]  # from .. import __version__
    assert "read.live" in graph["check.validate"]


# -- the checks can fail -------------------------------------------------------------------------
@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / PACKAGE.name
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _plant(copy: Path, module: str, code: str) -> None:
    path = copy.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")


def test_a_planted_circle_is_found(copy):
    """Within one stage: the merge's records importing the merge back, lazily."""
    assert circles(imports(copy)) == []
    _plant(copy, "consolidate.submissions", "def _planted():\n    from .merge import consolidate\n")
    assert circles(imports(copy)) == [["consolidate.context", "consolidate.crossyear", "consolidate.merge",
                                       "consolidate.submissions"]]
    assert upward(imports(copy)) == []  # same stage: only the circle is wrong


def test_a_planted_upward_import_is_found(copy):
    _plant(copy, "format.layout", "import xlsx_tools.consolidate.summary\n")
    assert upward(imports(copy)) == [("format.layout", "consolidate.summary")]
    assert any("format.layout" in c for c in circles(imports(copy)))  # summary reaches layout too


def test_a_module_outside_the_stages_is_found(copy):
    (copy / "helpers.py").write_text("from .format.declaration import load\n", encoding="utf-8")
    assert misplaced(copy) == ["helpers"]


def test_a_long_module_is_found(copy):
    _plant(copy, "read.pool", "\n".join(f"X{n} = {n}" for n in range(MAX_LINES)))
    assert list(long_modules(copy)) == ["read.pool"]


def test_planted_docstring_drift_is_found(copy):
    """Each drift the second layout step fixed would have failed these checks."""
    assert stage_headers(copy) == [] and unnamed_modules(copy) == {} and dangling_references(copy) == []
    init = copy / "format" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace("(stage 1:", "(stage 1 of 7:"), encoding="utf-8")
    assert stage_headers(copy) == ["format"]
    (copy / "register" / "ledger.py").write_text('"""A module its stage does not name."""\n', encoding="utf-8")
    assert unnamed_modules(copy) == {"register": ["ledger"]}
    root = copy / "__init__.py"
    root.write_text(root.read_text(encoding="utf-8").replace("the ``cli/`` package", "``cli.py``"), encoding="utf-8")
    report = copy / "report" / "__init__.py"
    report.write_text(report.read_text(encoding="utf-8").replace(":mod:`docxfile`", ":mod:`docxreport`"),
                      encoding="utf-8")
    assert dangling_references(copy) == [": ``cli.py``", "report: :mod:`docxreport`"]
    assert unnamed_modules(copy)["report"] == ["docxfile"]


# -- the documents follow the tree ---------------------------------------------------------------
def _stage_rows(text: str, cell: str) -> dict[str, str]:
    """Table rows of a Markdown document by the stage named in them as ``cell`` (a format string)."""
    rows = {}
    for line in text.splitlines():
        for stage in STAGES:
            if line.startswith("|") and cell.format(stage) in line:
                rows[stage] = line
    return rows


def _stage_modules(stage: str) -> set[str]:
    return {p.stem for p in (PACKAGE / stage).glob("*.py") if p.stem != "__init__"}


def test_the_architecture_note_lists_every_module():
    rows = _stage_rows((ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8"), "| `{}/` |")
    assert list(rows) == list(STAGES)
    for rank, stage in enumerate(STAGES):
        cells = [c.strip() for c in rows[stage].strip("|").split("|")]
        assert cells[0] == str(rank + 1), stage
        assert set(re.findall(r"`(\w+)`", cells[-1])) == _stage_modules(stage), stage


def test_the_readme_layout_names_every_module():
    rows = _stage_rows((ROOT / "README.md").read_text(encoding="utf-8"), "| `xlsx_tools/{}/` |")
    assert list(rows) == list(STAGES)
    for stage in STAGES:
        assert _stage_modules(stage) <= set(re.findall(r"`(\w+)`", rows[stage])), stage


def test_paths_the_documents_name_exist():
    for doc in (ROOT / "README.md", ROOT / "docs" / "ARCHITECTURE.md"):
        named = set(re.findall(r"`((?:xlsx_tools|tests|bench|schemas|docs)/[^`\s]*)`", doc.read_text(encoding="utf-8")))
        missing = [p for p in named if not (ROOT / p).exists() and not p.startswith("xlsx_tools/_data")]
        assert missing == [], doc.name


def test_scripts_import_what_the_package_has():
    """bench/, samples/, the add-in's module and the tests import names that exist where they look
    (bench scripts and samples/generate.py run by hand, not in the suite)."""
    files = [*sorted((ROOT / "bench").glob("*.py")), *sorted((ROOT / "samples").glob("*.py")),
             ROOT / "nianbao_addin.py", *sorted((ROOT / "tests").glob("*.py"))]
    wrong = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE.name:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name) and importlib.util.find_spec(
                            f"{node.module}.{alias.name}") is None:
                        wrong.append(f"{path.name}: from {node.module} import {alias.name}")
    assert wrong == []
