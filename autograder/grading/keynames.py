"""The names of a learner's function beside the key's, for :mod:`.keyform`: what the learner's
function can read (its own names, its file's, NumPy's and Python's), what it computes on its
own, the key's locals it calls otherwise, and the key's locals spelled out by their
definitions where the learner has no such name."""

from __future__ import annotations

import ast
import builtins

from ..sandbox.edits import cloned
from .source import name_bindings

__all__ = [
    "Spell",
    "globals_of",
    "names_of",
    "own_values",
    "paths",
    "reads",
    "renamed",
    "renames",
    "spelled_out",
]


def names_of(function: ast.AST) -> set[str]:
    """What the learner's function can read: its parameters, its names, the globals it reads,
    NumPy and Python's built-ins."""
    names = {"self", "np", *dir(builtins)}
    args = function.args  # type: ignore[attr-defined]
    names |= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    return names


def globals_of(module: ast.Module) -> set[str]:
    """The names the learner's file defines at its top (its functions, classes, imports and
    constants): the key may call a helper of the course's (``deriv``) the learner did not."""
    found: set[str] = set()
    for statement in module.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(statement.name)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            found |= {(a.asname or a.name).split(".")[0] for a in statement.names}
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            found |= {t.id for t in targets if isinstance(t, ast.Name)}
    return found


def paths(node: ast.AST) -> set[str]:
    """The names and ``self.x`` attributes ``node`` reads."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    found |= {
        ast.unparse(n)
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }
    return found


def own_values(mine: ast.AST, key: ast.AST) -> dict[str, ast.Assign | None]:
    """The values the learner's function computes on its own, each with its one binding
    (None: bound more than once, or state): its locals bound to more than a number, and the
    state it reads that the key never does (``self.kept``)."""
    constant = (ast.Constant, ast.UnaryOp)
    bindings = name_bindings(mine)
    computed: dict[str, ast.Assign | None] = {
        name: bound[0] if len(bound) == 1 else None
        for name, bound in bindings.items()
        if not all(isinstance(b.value, constant) for b in bound)
    }
    own = {p for p in paths(mine) if p.startswith("self.")} - paths(key)
    return computed | dict.fromkeys(own)


def reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def renames(mine: ast.AST, theirs: ast.AST) -> dict[str, str]:
    """The key's local names the learner calls otherwise: ``d_reset_H = dZ_h[:, D:]`` in the
    key where the learner writes ``d_rH = dZ_h[:, D:]`` (the same code, another name)."""
    bound = {n.id for n in ast.walk(mine) if isinstance(n, ast.Name)}
    renames: dict[str, str] = {}
    ours = _named_assignments(mine)
    for name, value in _named_assignments(theirs):
        if name in bound or name in renames:
            continue
        code = ast.unparse(renamed(value, renames))
        same = [n for n, v in ours if ast.unparse(v) == code and n not in renames.values()]
        if len(same) == 1:
            renames[name] = same[0]
    return renames


def _named_assignments(function: ast.AST) -> list[tuple[str, ast.expr]]:
    found = [
        n
        for n in ast.walk(function)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
    ]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return [(n.targets[0].id, n.value) for n in found]  # type: ignore[attr-defined]


def renamed(node: ast.AST, renames: dict[str, str]) -> ast.AST:
    """A copy of ``node`` with the key's names the learner calls otherwise renamed."""
    return _Rename(renames).visit(cloned(node)) if renames else node


def spelled_out(key: ast.AST, names: set[str]) -> dict[str, ast.expr]:
    """The key's local names the learner's function does not have, each assigned once from
    names it has (``d_reset_H = dZ_h[:, D:]``): their definitions."""
    assigned: dict[str, list[ast.expr]] = {}
    for name, value in _named_assignments(key):
        assigned.setdefault(name, []).append(value)
    return {
        name: values[0]
        for name, values in assigned.items()
        if name not in names and len(values) == 1 and reads(values[0]) <= names
    }


class Spell(ast.NodeTransformer):
    def __init__(self, spelled: dict[str, ast.expr]) -> None:
        self.spelled = spelled

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return cloned(self.spelled[node.id]) if node.id in self.spelled else node


class _Rename(ast.NodeTransformer):
    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.renames.get(node.id, node.id)
        return node
