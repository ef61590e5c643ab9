"""The probes a students' copy ships: without the known mistakes' code.

A probe's known mistakes are implementations, wrong in one named way: the book's GRU as
written, AdaGrad without its square root, a leaky ReLU with the wrong slope. Each is one fix
away from the answer, so the students' copy must not hold them. It needs none of them either:
their outputs on the public checks' inputs, and their descriptions, are in the stored answers
(:mod:`dlfs.autograder.generate.answers`), which name a mistake without running it.

:func:`without_mistakes` rewrites a probe module's source (parsed, never run): every
``mistakes=`` given to ``Probe`` or to a builder that takes one becomes ``{}``, and what only
the mistakes used — their functions, tables, descriptions and the book's code — is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

__all__ = ["mistake_parameters", "passes_mistakes", "without_mistakes"]

_PROBE_POSITION = 2
"""``Probe(run, inputs, mistakes, ...)``: where ``mistakes`` sits among its arguments."""


def mistake_parameters(sources: Iterable[str]) -> dict[str, int]:
    """Function name -> the position of its ``mistakes`` parameter, for ``Probe`` and every
    function of ``sources`` that takes one (the probe builders)."""
    found = {"Probe": _PROBE_POSITION}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                if "mistakes" in names:
                    found[node.name] = names.index("mistakes")
    return found


def passes_mistakes(source: str, parameters: Mapping[str, int]) -> bool:
    """Whether ``source`` gives known mistakes to ``Probe`` or to a function that takes them
    (``parameters``, from :func:`mistake_parameters`): the modules to rewrite."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in parameters:
            continue
        if any(k.arg == "mistakes" for k in node.keywords) or parameters[name] < len(node.args):
            return True
    return False


def without_mistakes(source: str, parameters: Mapping[str, int]) -> str:
    """``source`` (a probe module) without its known mistakes.

    Args:
        source: the module's text.
        parameters: what :func:`mistake_parameters` found: the functions that take
            ``mistakes`` and where.
    Returns:
        The module's text, rewritten (comments are not kept; docstrings are).
    """
    tree = _NoMistakes(parameters).visit(ast.parse(source))
    while _drop_unused(tree):
        pass
    ast.fix_missing_locations(tree)
    head = "# The students' copy of this probe module: its known mistakes are left out.\n"
    return head + ast.unparse(tree) + "\n"


class _NoMistakes(ast.NodeTransformer):
    """Every call's ``mistakes`` argument becomes an empty table."""

    def __init__(self, parameters: Mapping[str, int]) -> None:
        self.parameters = parameters

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in self.parameters:
            return node
        for keyword in node.keywords:
            if keyword.arg == "mistakes":
                keyword.value = ast.Dict(keys=[], values=[])
        position = self.parameters[name]
        if position < len(node.args) and not isinstance(node.args[position], ast.Starred):
            node.args[position] = ast.Dict(keys=[], values=[])
        return node


def _loaded(nodes: Iterable[ast.AST]) -> set[str]:
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _used(statement: ast.stmt, others: list[ast.stmt]) -> set[str]:
    """The names ``others`` read; of a sibling module (``from . import book``), only as a
    module (``book.gru_forward``: a local variable may have its name)."""
    if not isinstance(statement, ast.ImportFrom):
        return _loaded(others)
    return {
        n.value.id
        for node in others
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }


def _bound(statement: ast.stmt) -> list[str]:
    """The names a top-level statement binds (empty: not one that can be left out)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if all(isinstance(t, ast.Name) for t in targets):
            return [t.id for t in targets]  # type: ignore[attr-defined]
    if isinstance(statement, ast.ImportFrom) and statement.level == 1 and not statement.module:
        return [alias.asname or alias.name for alias in statement.names]  # ``from . import``
    return []


def _drop_unused(tree: ast.Module) -> bool:
    """Leave out one round of what nothing uses any more: private top-level definitions and
    tables, sibling-module imports, and functions' local ``*mistake*`` tables. Returns whether
    anything was left out."""
    changed = False
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        used = _loaded(function.body)
        kept = [s for s in function.body if not _unused_local(s, used)]
        if len(kept) != len(function.body):
            function.body, changed = kept or [ast.Pass()], True
    for statement in list(tree.body):
        names = _bound(statement)
        private = all(n.startswith("_") for n in names) or isinstance(statement, ast.ImportFrom)
        if not names or not private or names == ["__all__"]:
            continue
        if not set(names) & _used(statement, [s for s in tree.body if s is not statement]):
            tree.body.remove(statement)
            changed = True
    return changed


def _unused_local(statement: ast.stmt, used: set[str]) -> bool:
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return False
    target = statement.targets[0]
    return isinstance(target, ast.Name) and "mistake" in target.id and target.id not in used
