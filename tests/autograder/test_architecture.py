"""The grader's shape: no import cycle, no folder importing one above it, short functions, every
check's probe declared.

The import graph is built from the source with ``ast`` (function-level imports included), so
a cycle hidden behind a function-level import fails here as surely as a module-level one.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlfs.autograder.course import load_course
from dlfs.autograder.probes.record import KIND_NEEDS, Probe, find_probe, probe_modules

ROOT = Path(__file__).resolve().parents[2]
AUTOGRADER = ROOT / "autograder"
PACKAGE = "dlfs.autograder"
MAX_FUNCTION_LINES = 60

LAYERS = (
    ("paths", "results", "gradcheck", "kinds", "timings"),
    ("probes",),
    ("course",),
    ("sandbox", "progress", "answers"),
    ("hints", "fingerprint"),
    ("grading",),
    ("api",),
    ("classroom",),
    ("generate",),
    ("notebook",),
    ("nbgrader_preprocessors", "cli"),
)
"""The autograder's folders (and top-level modules), lowest first: a module imports only from
its own folder and the layers below it. ``generate`` (what is built from the reference) sits
above the grader it runs to build the stored answers, and below ``notebook`` (publishing) and
``cli``; nothing the grader runs imports it."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(AUTOGRADER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(AUTOGRADER.rglob("*.py"))}


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement of ``module`` brings in (modules or names)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (and, as Python runs them, their packages)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(node, name, is_package):
                for candidate in _with_packages(target):
                    own_ancestor = name.startswith(candidate + ".") or candidate == name
                    if candidate in modules and not own_ancestor:
                        graph[name].add(candidate)
    return graph


def _with_packages(dotted: str) -> list[str]:
    """``a.b.c`` and the packages Python runs first to import it: ``a``, ``a.b``."""
    parts = dotted.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_built_from_every_module():
    graph = _graph()
    assert len(graph) > 40
    assert f"{PACKAGE}.grading.plan" in graph[f"{PACKAGE}.grading.pipeline"]
    assert f"{PACKAGE}.course" in graph[f"{PACKAGE}.grading.plan"]


def test_the_autograder_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_a_cycle_would_be_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def _folder(module: str) -> str:
    """The autograder folder (or top-level module) that ``module`` lives in."""
    return module.removeprefix(PACKAGE).lstrip(".").split(".")[0]


def _upward(graph: dict[str, set[str]], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """The imports from a folder into another of the same layer or one above it."""
    rank = {folder: i for i, names in enumerate(layers) for folder in names}
    found = []
    for module, imported in sorted(graph.items()):
        source = _folder(module)
        for target in sorted(imported):
            other = _folder(target)
            if source and other and other != source and rank[other] >= rank[source]:
                found.append(f"{module} -> {target}")
    return found


def test_every_folder_has_a_layer():
    placed = {folder for names in LAYERS for folder in names}
    assert {_folder(m) for m in _graph()} - {""} == placed


def test_no_folder_imports_from_its_own_layer_or_above():
    assert _upward(_graph(), LAYERS) == []


def test_an_upward_import_would_be_found():
    graph = {
        f"{PACKAGE}.grading.plan": {f"{PACKAGE}.course", f"{PACKAGE}.generate.answers"},
        f"{PACKAGE}.generate.answers": {f"{PACKAGE}.grading.plan"},
    }
    layers = (("course",), ("grading",), ("generate",))
    assert _upward(graph, layers) == [f"{PACKAGE}.grading.plan -> {PACKAGE}.generate.answers"]


def test_function_level_imports_say_why():
    """Only for start-up time or an optional dependency, each with its comment."""
    unexplained = []
    for path in sorted(AUTOGRADER.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    around = " ".join(lines[max(0, node.lineno - 3) : node.lineno])
                    if "start-up" not in around and "optional" not in around:
                        unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unexplained == []


def test_no_function_in_the_autograder_is_longer_than_sixty_lines():
    long = []
    for path in sorted(AUTOGRADER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_every_check_names_a_probe_with_what_its_kind_needs():
    course = load_course(ROOT / "course.toml")
    for exercise in course.exercises:
        for check in exercise.checks:
            probe = find_probe(exercise.chapter, check.probe)
            assert probe.missing_for(check.kind) == [], (exercise.id, check.probe)
    assert set(KIND_NEEDS) == {c.kind for e in course.exercises for c in e.checks}


@pytest.mark.parametrize("module", probe_modules())
def test_every_declared_probe_is_used_by_a_check(module):
    """A probe no check names is dead code (or a check that was lost)."""
    import importlib

    course = load_course(ROOT / "course.toml")
    used = {c.probe for e in course.exercises if e.chapter == module for c in e.checks}
    declared = set(importlib.import_module(f"{PACKAGE}.probes.{module}").PROBES)
    assert declared == used


def test_no_probe_companion_is_found_by_name():
    """Companions are declared in the probe's record, never looked up by a suffix."""
    for path in sorted((AUTOGRADER / "probes").glob("chapter*.py")):
        text = path.read_text(encoding="utf-8")
        for suffix in ("__mistakes", "__judge", "__data", "__metric", "__expected"):
            assert suffix not in text, f"{path.name} still names a companion {suffix}"


@pytest.mark.parametrize("module", probe_modules())
def test_every_probe_declares_its_inputs(module):
    """One form: ``run(ref, inputs, **params)`` with inputs from a declared function."""
    import importlib

    probes = importlib.import_module(f"{PACKAGE}.probes.{module}").PROBES
    for probe in probes.values():
        assert probe.inputs is not None, probe.name
        second = list(inspect.signature(probe.run).parameters)[1]
        assert second != "rng", f"{probe.name} still takes a generator"
    with pytest.raises(TypeError, match="declare its inputs"):
        Probe(lambda ref, inputs: {})
