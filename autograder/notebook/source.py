"""A learner's code from notebook cells: what the cells define, and where.

The grader reads the learner's functions from files laid out like ``exercises/``
(``<workspace>/activations.py`` holds ``Sigmoid._output``). In a notebook the learner's code
is in cells instead. :func:`collect_definitions` reads cells in the order they ran — the
kernel's input history, or an executed notebook's code cells — and keeps, as Python does,
the last binding of each top-level name: functions and classes, and the module-level values
(``EPS = 1e-7``) a body may read, each with the cell and line it came from.

A generated cell's first line names its file (``# exercises/linear_regression.py``): its
definitions belong to that module, so that chapter 2's two ``loss_gradients`` are told
apart whichever cell ran last (:meth:`CellDefinitions.definition`). Nothing here runs the
learner's code: it is only parsed. :mod:`.workspace` writes what an exercise needs to files.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["CellDefinitions", "Definition", "collect_definitions"]

_SKIPPED_IMPORTS = ("dlfs.autograder",)
_MARKER = re.compile(r"#\s*exercises/([\w/]+)\.py\s*$")


@dataclass(frozen=True)
class Definition:
    """One top-level binding of a cell.

    Attributes:
        name: the name bound.
        source: its text (a ``def``/``class`` with its decorators, or an assignment).
        module: the module its cell's first line names (None: the cell names none).
        cell: the index of its cell among the cells read.
        line: its first line in that cell (1-based).
        value: an assignment (a module-level value), not a function or a class.
    """

    name: str
    source: str
    module: str | None
    cell: int
    line: int
    value: bool = False


@dataclass
class CellDefinitions:
    """What the cells define, in the order they ran.

    Attributes:
        found: every top-level binding, oldest first.
        imports: every top-level import statement, in order, ``__future__`` ones first.
        errors: top-level names a cell tried to define but could not parse -> the reason.
        labels: how each cell is called where a message names it (``cell In[7]``,
            ``cell 7``): ``In[7]``, ``7``.
    """

    found: list[Definition] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    @property
    def definitions(self) -> dict[str, str]:
        """Name -> the source of its last binding, whatever its module."""
        return {d.name: d.source for d in self.found}

    def definition(self, name: str, module: str | None) -> Definition | None:
        """The binding of ``name`` that module ``module`` sees: the last one of a cell of
        that module, else the last one of a cell that names no module — never one of another
        module's cell (chapter 2 has a ``loss_gradients`` in two modules)."""
        own = [d for d in self.found if d.name == name and d.module == module]
        unmarked = [d for d in self.found if d.name == name and d.module is None]
        chosen = own or unmarked
        return chosen[-1] if chosen else None

    def label(self, cell: int) -> str:
        return self.labels[cell] if cell < len(self.labels) else str(cell + 1)


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


def _module(text: str) -> str | None:
    first = text.lstrip("\n").split("\n", 1)[0]
    found = _MARKER.match(first.strip())
    return found.group(1).replace("/", ".") if found else None


def collect_definitions(
    cells: Iterable[str], labels: Sequence[str] | None = None
) -> CellDefinitions:
    """Parse ``cells`` in the order they ran; later bindings replace earlier ones.

    A cell that does not parse defines nothing (as when it ran), but the names it meant to
    define are remembered with the syntax error and where it is, so that grading can say why
    they are missing.

    Args:
        cells: the source of each cell, oldest first.
        labels: each cell's name in messages, after the word "cell" (``In[7]``; default:
            its number among ``cells``, from 1).
    """
    found = CellDefinitions(labels=list(labels or []))
    future: list[str] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            continue
        text = _python_source(cell)
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            where = f"cell {found.label(index)}, line {error.lineno}"
            reason = f"its cell has a syntax error at {where}: {error.msg}"
            for name in _defined_names(text):
                found.errors[name] = reason
            continue
        lines = text.splitlines(keepends=True)
        module = _module(text)
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            segment = "".join(lines[first - 1 : node.end_lineno])
            _collect(found, future, node, Definition("", segment, module, index, first))
    found.imports = future + found.imports
    return found


def _collect(found: CellDefinitions, future: list[str], node: ast.stmt, at: Definition) -> None:
    """Record one top-level statement of a cell: a definition, a module-level value, or an
    import worth keeping."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        found.found.append(_named(at, node.name, False))
        found.errors.pop(node.name, None)
    elif isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if all(isinstance(t, ast.Name) for t in targets):
            for target in targets:
                found.found.append(_named(at, target.id, True))  # type: ignore[attr-defined]
    elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
        if at.source not in future:
            future.append(at.source)
    elif isinstance(node, ast.Import | ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and node.level:
            return  # relative imports mean nothing outside a package
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        modules += [alias.name for alias in node.names]
        if any(m.startswith(_SKIPPED_IMPORTS) for m in modules if m):
            return
        if at.source not in found.imports:
            found.imports.append(at.source)


def _named(at: Definition, name: str, value: bool) -> Definition:
    return Definition(name, at.source, at.module, at.cell, at.line, value)
