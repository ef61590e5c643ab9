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
import shutil
from collections.abc import Iterable, Mapping
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


def write_workspace(
    found: CellDefinitions,
    exercise: Exercise,
    root: Path,
    base: Path | None = None,
    pieces: Mapping[str, set[str]] | None = None,
) -> dict[str, str]:
    """Write the files holding ``exercise``'s targets into ``root``.

    Without ``base``, each target's module gets a file (``root/activations.py``) with the
    cells' imports and the top-level definitions its targets live in (the class ``Sigmoid``
    for ``activations:Sigmoid._output``): the reference supplies everything else. With
    ``base`` (a whole exercises package: the students' copy, without the reference),
    ``root`` becomes a copy of it whose module files have those definitions replaced by the
    notebook's, so that the rest of the package is there to import: the exercise's own
    definitions, and the cells' definitions of other exercises' pieces (``pieces``: module ->
    the top-level names the course's targets live in), since the notebook is one workspace.

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
    for names in by_module.values():  # the learner's own helpers go along with the body
        names += [name for name in _used_helpers(found, names) if name not in names]
    if base is not None:
        shutil.copytree(base, root, dirs_exist_ok=True, ignore=_NOT_CODE)
        _overlay(found, root, by_module, pieces or {})
        return missing
    for module, names in by_module.items():
        path = root.joinpath(*module.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        parts = [*found.imports, *(found.definitions[name] for name in names)]
        path.write_text("\n\n".join(p.rstrip("\n") for p in parts) + "\n", encoding="utf-8")
    return missing


def _used_helpers(found: CellDefinitions, names: list[str]) -> list[str]:
    """The other top-level definitions of the cells that ``names`` use, directly or not,
    and that are not another exercise's piece (those come from the package)."""
    wanted: list[str] = []
    todo = list(names)
    while todo:
        tree = ast.parse(found.definitions[todo.pop()])
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        for name in sorted(used & set(found.definitions)):
            if name not in names and name not in wanted and name.startswith("_"):
                wanted.append(name)
                todo.append(name)
    return wanted


def _overlay(
    found: CellDefinitions,
    root: Path,
    by_module: dict[str, list[str]],
    pieces: Mapping[str, set[str]],
) -> None:
    """Put the notebook's definitions in place of the package's under ``root``: those of
    exercise pieces the cells define, and the exercise's own with its helpers. The package's
    own imports stay; the cells' other imports join them."""
    imports = [i for i in found.imports if not _from_dlfs(i)]
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).with_suffix("").as_posix().replace("/", ".")
        text = path.read_text(encoding="utf-8")
        tops = _top_level_names(text) & pieces.get(module, set())
        names = [name for name in found.definitions if name in tops]
        names += [n for n in by_module.get(module, []) if n not in names]
        if not names:
            continue
        definitions = {name: found.definitions[name] for name in names}
        missing = "".join(i.rstrip("\n") + "\n" for i in imports if i not in text)
        definitions[names[0]] = missing + definitions[names[0]]  # after any __future__ one
        path.write_text(_replace_definitions(text, definitions), encoding="utf-8")


def _top_level_names(source: str) -> set[str]:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return set()
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    return {node.name for node in body if isinstance(node, kinds)}


def _from_dlfs(segment: str) -> bool:
    """Whether the import statement ``segment`` imports from dlfs (the package has those
    already, and in a module's own file they could be circular)."""
    node = ast.parse(segment).body[0]
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "dlfs"
    return any(alias.name.split(".")[0] == "dlfs" for alias in node.names)


_NOT_CODE = shutil.ignore_patterns("__pycache__", "notebooks", "*.ipynb")


def _replace_definitions(source: str, definitions: dict[str, str]) -> str:
    """``source`` with each top-level definition named in ``definitions`` replaced by its
    text there (added at the end when the module has no such definition)."""
    lines = source.splitlines(keepends=True)
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans[node.name] = (first - 1, node.end_lineno or node.lineno)
    extra = []
    for name, text in sorted(definitions.items(), key=lambda i: -spans.get(i[0], (0, 0))[0]):
        new = text.rstrip("\n") + "\n"
        if name in spans:
            begin, end = spans[name]
            lines[begin:end] = [new]
        else:
            extra.append("\n\n" + new)
    return "".join(lines) + "".join(extra)
