"""A learner's code from notebook cells, written out as the workspace the grader reads.

The grader reads the learner's functions from files laid out like ``exercises/``
(``<workspace>/activations.py`` holds ``Sigmoid._output``). In a notebook the learner's code
is in cells instead. :func:`collect_definitions` reads cells in the order they ran — the
kernel's input history, or an executed notebook's code cells — and keeps, as Python does,
the last definition of each top-level function and class; :func:`write_workspace` writes the
definitions an exercise targets, with the cells' imports, into a folder for
:func:`dlfs.autograder.api.grade`. Nothing here runs the learner's code: it is only parsed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..course import Exercise

__all__ = ["CellDefinitions", "collect_definitions", "write_workspace"]

_SKIPPED_IMPORTS = ("dlfs.autograder",)


@dataclass
class CellDefinitions:
    """What the cells define, as source text.

    Attributes:
        definitions: top-level name -> the source of its last ``def`` or ``class``.
        imports: every top-level import statement, in order, ``__future__`` ones first.
        errors: top-level names a cell tried to define but could not parse -> the reason.
    """

    definitions: dict[str, str] = field(default_factory=dict)
    imports: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _python_source(cell: str) -> str:
    """The cell as plain Python: IPython's magics (``%timeit``, ``!ls``) become calls."""
    try:  # start-up time: IPython is imported only where notebook cells are read
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return cell
    try:
        return TransformerManager().transform_cell(cell)
    except Exception:  # a cell IPython cannot read is parsed as it is
        return cell


def _defined_names(text: str) -> list[str]:
    """Names of the top-level ``def``/``class`` lines of text that does not parse."""
    names = []
    for line in text.splitlines():
        for keyword in ("def ", "async def ", "class "):
            if line.startswith(keyword):
                rest = line[len(keyword) :]
                name = rest.split("(")[0].split(":")[0].strip()
                if name.isidentifier():
                    names.append(name)
    return names


def collect_definitions(cells: Iterable[str]) -> CellDefinitions:
    """Parse ``cells`` in the order they ran; later definitions replace earlier ones.

    A cell that does not parse defines nothing (as when it ran), but the names it meant to
    define are remembered with the syntax error, so that grading can say why they are missing.
    """
    found = CellDefinitions()
    future: list[str] = []
    for cell in cells:
        if not isinstance(cell, str) or not cell.strip():
            continue
        text = _python_source(cell)
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            reason = f"a cell that defines it has a syntax error (line {error.lineno}): {error.msg}"
            for name in _defined_names(text):
                found.errors[name] = reason
            continue
        lines = text.splitlines(keepends=True)
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            _collect(found, future, node, "".join(lines[first - 1 : node.end_lineno]))
    found.imports = future + found.imports
    return found


def _collect(found: CellDefinitions, future: list[str], node: ast.stmt, segment: str) -> None:
    """Record one top-level statement of a cell: a definition, or an import worth keeping."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        found.definitions[node.name] = segment
        found.errors.pop(node.name, None)
    elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
        if segment not in future:
            future.append(segment)
    elif isinstance(node, ast.Import | ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and node.level:
            return  # relative imports mean nothing outside a package
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        modules += [alias.name for alias in node.names]
        if any(m.startswith(_SKIPPED_IMPORTS) for m in modules if m):
            return
        if segment not in found.imports:
            found.imports.append(segment)


def write_workspace(found: CellDefinitions, exercise: Exercise, root: Path) -> dict[str, str]:
    """Write the files holding ``exercise``'s targets into ``root``.

    Each target's module gets a file (``root/activations.py``) with the cells' imports and
    the top-level definitions its targets live in (the class ``Sigmoid`` for
    ``activations:Sigmoid._output``).

    Returns:
        target -> why it could not be written (not defined in the notebook, or its cell does
        not parse); empty when every target was written.
    """
    missing: dict[str, str] = {}
    by_module: dict[str, list[str]] = {}
    for target in exercise.targets:
        top = target.qualname.split(".")[0]
        if top not in found.definitions:
            reason = found.errors.get(top, "the notebook does not define it: run its cell first")
            missing[str(target)] = f"{target.qualname}: {reason}"
            continue
        names = by_module.setdefault(target.module, [])
        if top not in names:
            names.append(top)
    for module, names in by_module.items():
        path = root.joinpath(*module.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        parts = [*found.imports, *(found.definitions[n] for n in names)]
        path.write_text("\n\n".join(p.rstrip("\n") for p in parts) + "\n", encoding="utf-8")
    return missing
