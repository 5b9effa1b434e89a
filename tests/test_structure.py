"""The shape of the package, checked on its source: no import cycle inside scoring/, every top-level entry
a package, a docstring on every module, and one place only (scoring/plans/bundled.py) that knows where the
bundled files are."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scoring"
BUNDLED = PACKAGE / "plans" / "bundled.py"
ALEMBIC = PACKAGE / "store" / "migrations"  # Alembic's env.py and revision files, read by Alembic at run time
TOP_LEVEL_FILES = {"__init__.py", "__main__.py"}
IGNORED = {"__pycache__", "py.typed"}


def module_files() -> list[Path]:
    """Every .py file of the package, including the Alembic ones (never the __pycache__ copies)."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


# (a) import graph -----------------------------------------------------------------------------------------


def imported_modules(path: Path, modules: set[str]) -> Iterator[str]:
    """The modules of scoring/ that `path` imports, wherever the import statement is (module level, inside a
    function, under TYPE_CHECKING): `import a.b`, `from a import b` (the module a.b when it is one, else the
    module a) and the relative forms."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    yield f"{base}.{alias.name}"
                elif base in modules:
                    yield base


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in module_files()}
    modules = set(files)
    return {name: set(imported_modules(path, modules)) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a chain [a, b, …, a], or None (depth-first search, modules in name order)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_reports_a_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_resolves_the_forms_of_import() -> None:
    graph = import_graph()
    assert "scoring.plans.bundled" in graph["scoring.cli.scores"]  # from scoring.plans import bundled
    assert "scoring.engine.score" in graph["scoring.engine"]  # from scoring.engine.score import …
    assert "scoring.plans" in graph["scoring"]  # from scoring.plans import CriteriaError (a name, not a module)
    assert "scoring.store.models" in graph["scoring.store.migrations.env"]


def test_no_import_cycle_inside_the_package() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle inside scoring/: " + " → ".join(cycle or [])


# (b) top-level entries -------------------------------------------------------------------------------------


def test_every_top_level_entry_is_a_package() -> None:
    strays = []
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name in IGNORED or entry.name.startswith("."):
            continue
        if entry.name in TOP_LEVEL_FILES or entry.name in {"cli", "cli.py"}:
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            continue
        strays.append(entry.name)
    assert not strays, f"scoring/ should hold only packages, cli, __init__.py and __main__.py; also found: {strays}"


# (c) module docstrings -------------------------------------------------------------------------------------


def test_every_module_says_why_it_exists() -> None:
    missing = [
        relative(path)
        for path in module_files()
        if path.name != "__main__.py" and ALEMBIC not in path.parents and not ast.get_docstring(parse(path))
    ]
    assert not missing, f"modules without a docstring: {missing}"


# (d) where the bundled files are ---------------------------------------------------------------------------

FORBIDDEN_SEGMENTS = {"criteria", "data", "shipped", ".."}  # what a path climbing to the repository would name


def path_segments(node: ast.AST) -> Iterator[ast.expr]:
    """The expressions used as parts of a path: operands of `/`, arguments of joinpath(), Path(), os.path.join()."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        yield node.left
        yield node.right
    elif isinstance(node, ast.Call):
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if called in {"joinpath", "Path", "PurePath", "join"}:
            yield from node.args


def path_climbs(tree: ast.Module, name: str) -> Iterator[str]:
    """Each place where the module climbs the folder tree or names a bundled folder as a path segment."""
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            yield f"{where}: .parents[…]"
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "parent"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parent"
        ):
            yield f"{where}: .parent.parent"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "dirname"
            and any(isinstance(a, ast.Call) and getattr(a.func, "attr", "") == "dirname" for a in node.args)
        ):
            yield f"{where}: os.path.dirname(os.path.dirname(…))"
        for segment in path_segments(node):
            if isinstance(segment, ast.Constant) and segment.value in FORBIDDEN_SEGMENTS:
                yield f"{where}: path segment {segment.value!r}"


def test_the_climb_finder_sees_the_usual_ways() -> None:
    source = """
import os
from pathlib import Path
A = Path(__file__).resolve().parents[2] / "criteria"
B = Path(__file__).parent.parent
C = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data")
D = files("scoring.plans").joinpath("shipped")
E = {"criteria": 1}["criteria"], "data", parents[0]  # a key, a word, a list: not paths
F = Path(__file__).resolve().parent / "migrations"  # beside the module: allowed
"""
    found = [line.split(": ", 1)[1] for line in path_climbs(ast.parse(source), "sample")]
    assert sorted(found) == sorted(
        [
            ".parents[…]",
            "path segment 'criteria'",
            ".parent.parent",
            "os.path.dirname(os.path.dirname(…))",
            "path segment 'data'",
            "path segment 'shipped'",
        ]
    )


def test_only_bundled_py_knows_where_the_bundled_files_are() -> None:
    climbs = [found for path in module_files() if path != BUNDLED for found in path_climbs(parse(path), relative(path))]
    assert not climbs, (
        "paths computed outside scoring/plans/bundled.py (ask plans_folder(), rules_folder(), cases_folder()): "
        + "; ".join(climbs)
    )


def test_every_choice_box_has_a_vietnamese_placeholder() -> None:
    """Streamlit says «Choose an option» in an empty select box unless the page gives its own words."""
    missing = []
    for file in sorted((Path(__file__).resolve().parents[1] / "giao_dien").glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("selectbox", "multiselect")
                and not any(k.arg == "placeholder" for k in node.keywords)
            ):
                missing.append(f"{file.name}:{node.lineno}")
    assert not missing, missing
