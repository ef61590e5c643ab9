"""The files a notebook's exercise is graded from, and where each of their lines came from.

:func:`write_workspace` writes what one exercise needs from the cells
(:class:`~.source.CellDefinitions`) into a folder laid out like ``exercises/``: the
definitions its targets live in, and every helper and module-level value they use, however
named (``logistic``, ``EPS = 1e-7``: whatever the file route would carry, this route carries
too). With the answer key installed, only those files; without it (a students' copy), a copy
of the learner's package with the notebook's definitions in place of the package's — the
exercise's own, and the cells' versions of other exercises' pieces that are at least as
finished as the package's (a stub in the notebook never hides a finished file).

Each file's lines are mapped back (:attr:`Written.origins`): to a cell and its line, or to
the line of the learner's own package file, so that messages never name the temporary copy.
"""

from __future__ import annotations

import ast
import builtins
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..course import Exercise
from .source import CellDefinitions, Definition

__all__ = ["Origin", "Written", "write_workspace"]

Origin = tuple[str, int, int]
"""``("cell", cell index, line in the cell)`` or ``("file", line in the package's file, 0)``."""


@dataclass
class Written:
    """What :func:`write_workspace` wrote.

    Attributes:
        missing: target -> why it could not be written (not defined in the notebook, or its
            cell does not parse); empty when every target was written.
        origins: file (relative, POSIX) -> its line -> where that line came from.
    """

    missing: dict[str, str] = field(default_factory=dict)
    origins: dict[str, dict[int, Origin]] = field(default_factory=dict)


def write_workspace(
    found: CellDefinitions,
    exercise: Exercise,
    root: Path,
    base: Path | None = None,
    pieces: Mapping[str, set[str]] | None = None,
) -> Written:
    """Write the files holding ``exercise``'s targets into ``root``.

    Args:
        found: the cells' definitions.
        exercise: the exercise graded.
        root: the folder to write (laid out like ``exercises/``).
        base: the learner's whole exercises package, where there is no reference: ``root``
            becomes a copy of it, with the notebook's definitions in place.
        pieces: module -> the top-level names the course's targets live in (every
            exercise's pieces: they come from the reference, or the package, never as a
            helper of another exercise).
    """
    pieces = pieces or {}
    written = Written()
    chosen = _targets(found, exercise, written.missing)
    every_piece = {name for names in pieces.values() for name in names}
    for module, definitions in chosen.items():
        definitions += _helpers(found, module, definitions, every_piece)
    if base is not None:
        shutil.copytree(base, root, dirs_exist_ok=True, ignore=_NOT_CODE)
        _overlay(found, root, chosen, pieces, written.origins)
        return written
    for module, definitions in chosen.items():
        relpath = f"{module.replace('.', '/')}.py"
        text, origins = _joined(found.imports, sorted(definitions, key=_order))
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.origins[relpath] = origins
    return written


def _order(definition: Definition) -> tuple[int, int]:
    return definition.cell, definition.line


def _targets(
    found: CellDefinitions, exercise: Exercise, missing: dict[str, str]
) -> dict[str, list[Definition]]:
    """Module -> the definitions the exercise's targets live in."""
    chosen: dict[str, list[Definition]] = {}
    for target in exercise.targets:
        top = target.qualname.split(".")[0]
        definition = found.definition(top, target.module)
        if definition is None:
            reason = found.errors.get(top, "the notebook does not define it: run its cell first")
            missing[str(target)] = f"{target.qualname}: {reason}"
            continue
        names = chosen.setdefault(target.module, [])
        if definition not in names:
            names.append(definition)
    return chosen


def _loaded(source: str) -> set[str]:
    """The names ``source`` reads from its module: those loaded, less those its functions
    bind themselves (arguments, locals: a scratch cell's ``x = …`` is not a body's ``x``)."""
    tree = ast.parse(source)
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    local: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            given = function.args
            named = [*given.posonlyargs, *given.args, *given.kwonlyargs, given.vararg, given.kwarg]
            local |= {a.arg for a in named if a is not None}
            local |= {
                n.id
                for n in ast.walk(function)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return loaded - local


def _helpers(
    found: CellDefinitions, module: str, definitions: list[Definition], pieces: set[str]
) -> list[Definition]:
    """The cells' functions, classes and values that ``definitions`` use, directly or not —
    those of their own module's cells first, else the last anywhere (a kernel's globals are
    every cell's) — except other exercises' pieces and builtins."""
    wanted: list[Definition] = []
    taken = {d.name for d in definitions}
    todo = list(definitions)
    while todo:
        for name in sorted(_loaded(todo.pop().source) - taken - pieces):
            helper = found.definition(name, module) or _last(found, name)
            if helper is None or hasattr(builtins, name):
                continue
            taken.add(name)
            wanted.append(helper)
            todo.append(helper)
    return wanted


def _last(found: CellDefinitions, name: str) -> Definition | None:
    matches = [d for d in found.found if d.name == name]
    return matches[-1] if matches else None


def _stubs(source: str) -> int:
    """How many bodies of ``source`` still raise the stub's ``NotImplementedError``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                exc = statement.exc if isinstance(statement, ast.Raise) else None
                func = exc.func if isinstance(exc, ast.Call) else exc
                count += isinstance(func, ast.Name) and func.id == "NotImplementedError"
    return count


def _joined(
    imports: list[str], definitions: list[Definition], start: int = 1
) -> tuple[str, dict[int, Origin]]:
    """Imports, then each definition, a blank line between; and each line's origin
    (counted from line ``start``)."""
    parts: list[str] = []
    origins: dict[int, Origin] = {}
    line = start
    for text in imports:
        parts.append(text.rstrip("\n") + "\n\n")
        line += text.rstrip("\n").count("\n") + 2
    for definition in definitions:
        body = definition.source.rstrip("\n").split("\n")
        for offset in range(len(body)):
            origins[line + offset] = ("cell", definition.cell, definition.line + offset)
        parts.append("\n".join(body) + "\n\n")
        line += len(body) + 1
    return "".join(parts), origins


def _overlay(
    found: CellDefinitions,
    root: Path,
    chosen: dict[str, list[Definition]],
    pieces: Mapping[str, set[str]],
    origins: dict[str, dict[int, Origin]],
) -> None:
    """Put the notebook's definitions in place of the package's under ``root``: the
    exercise's own with its helpers, and the cells' versions of other exercises' pieces that
    have no more stubs than the package's. The package's imports stay; the cells' other
    imports join them."""
    imports = [i for i in found.imports if not _from_dlfs(i)]
    every_piece = {name for names in pieces.values() for name in names}
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
        text = path.read_text(encoding="utf-8")
        spans = _spans(text)
        definitions = list(chosen.get(module, []))
        for top in sorted(set(spans) & pieces.get(module, set())):
            cell = found.definition(top, module)
            begin, end = spans[top]
            package = "".join(text.splitlines(keepends=True)[begin:end])
            if cell is None or cell in definitions or _stubs(cell.source) > _stubs(package):
                continue
            taken = {d.name for d in definitions} | {cell.name}
            helpers = _helpers(found, module, [cell], every_piece)  # what it uses beside it
            definitions += [cell, *(h for h in helpers if h.name not in taken)]
        if definitions:
            missing = [i for i in imports if i not in text]
            new, lines = _replaced(text, spans, sorted(definitions, key=_order), missing)
            path.write_text(new, encoding="utf-8")
            origins[path.relative_to(root).as_posix()] = lines


def _spans(source: str) -> dict[str, tuple[int, int]]:
    """Top-level function and class -> its lines (0-based, end excluded, decorators in)."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans[node.name] = (first - 1, node.end_lineno or node.lineno)
    return spans


def _replaced(
    source: str,
    spans: dict[str, tuple[int, int]],
    definitions: list[Definition],
    imports: list[str],
) -> tuple[str, dict[int, Origin]]:
    """``source`` with each definition in place of the package's of its name (a value, or
    a name the module lacks, at the end), the ``imports`` before the first; and each new
    line's origin."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    replacing = sorted(
        ((spans[d.name], d) for d in definitions if not d.value and d.name in spans),
        key=lambda item: item[0],
    )
    added = [d for d in definitions if d.value or d.name not in spans]
    out: list[str] = []
    origins: dict[int, Origin] = {}
    at = 0
    for (begin, end), definition in replacing:
        for index in range(at, begin):
            out.append(lines[index])
            origins[len(out)] = ("file", index + 1, 0)
        text, mapped = _joined(imports, [definition], len(out) + 1)
        imports = []
        out += text.splitlines(keepends=True)
        origins |= mapped
        at = end
    for index in range(at, len(lines)):
        out.append(lines[index])
        origins[len(out)] = ("file", index + 1, 0)
    text, mapped = _joined(imports, added, len(out) + 2)
    if text:
        out += ["\n", *text.splitlines(keepends=True)]
        origins |= mapped
    return "".join(out), origins


def _from_dlfs(segment: str) -> bool:
    """Whether the import statement ``segment`` imports from dlfs (the package has those
    already, and in a module's own file they could be circular)."""
    node = ast.parse(segment).body[0]
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "dlfs"
    return any(alias.name.split(".")[0] == "dlfs" for alias in node.names)


_NOT_CODE = shutil.ignore_patterns("__pycache__", "notebooks", "*.ipynb")
