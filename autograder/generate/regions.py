"""Solution regions: the bodies marked ``### BEGIN SOLUTION`` / ``### END SOLUTION``.

:func:`find_regions` returns, for one source file, each region with the qualified name of the
function that holds it, its line span and its indentation; :func:`stub_source` replaces the
regions by ``# YOUR CODE HERE`` and ``raise NotImplementedError("<exercise id>")``. The
exercise generator and the notebook publisher both build on these two.

The rules (checked here, so a badly placed marker fails loudly, naming file and line): a
region lies inside one function or method body — not in a nested function — at the body's
indentation, after the docstring; one region per function; markers come in pairs.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..course import Target

__all__ = [
    "BEGIN",
    "END",
    "STUB_COMMENT",
    "Region",
    "RegionError",
    "find_function",
    "find_regions",
    "regions_in_tree",
    "stub_source",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"


class RegionError(ValueError):
    """A marker breaks the rules; the message starts with ``file:line``."""


@dataclass(frozen=True)
class Region:
    """One marked solution region.

    Attributes:
        module: the module, dotted, relative to the tree's root (``activations``).
        qualname: the enclosing function's qualified name (``Sigmoid._output``).
        begin: 1-based line of the ``### BEGIN SOLUTION`` marker.
        end: 1-based line of the ``### END SOLUTION`` marker.
        indent: the whitespace before the markers (the body's indentation).
        def_line: 1-based line of the function's ``def`` (its first decorator, if any).
        def_end: 1-based last line of the function.
    """

    module: str
    qualname: str
    begin: int
    end: int
    indent: str
    def_line: int
    def_end: int

    @property
    def target(self) -> Target:
        """The region's function as a course target (``activations:Sigmoid._output``)."""
        return Target(self.module, self.qualname)

    @property
    def solution_lines(self) -> tuple[int, int]:
        """The first and last line strictly between the markers (empty if first > last)."""
        return self.begin + 1, self.end - 1


def _module_name(path: PurePosixPath) -> str:
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _markers(source: str, where: str) -> list[tuple[int, str, int]]:
    """(line, BEGIN|END, column) of every marker comment, in order."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and token.string.strip() in (BEGIN, END):
                found.append((token.start[0], token.string.strip(), token.start[1]))
    except (tokenize.TokenError, SyntaxError) as error:
        raise RegionError(f"{where}: cannot tokenize: {error}") from None
    return found


def _functions(tree: ast.AST) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, bool]]:
    """(qualname, node, nested-in-a-function) for every function, outermost first."""
    found = []

    def visit(node: ast.AST, prefix: str, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = f"{prefix}{child.name}"
                found.append((qualname, child, in_function))
                visit(child, f"{qualname}.", True)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", in_function)
            else:
                visit(child, prefix, in_function)

    visit(tree, "", False)
    return found


def _end(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The function's last line, counting the comments at its body's indentation after it."""
    last = node.end_lineno
    column = node.body[0].col_offset
    for number in range(node.end_lineno + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.lstrip()
        if not stripped:
            continue
        if not stripped.startswith("#") or len(text) - len(stripped) < column:
            break
        last = number
    return last


def find_regions(source: str, path: str | PurePosixPath = "<string>") -> list[Region]:
    """The solution regions of one module's source, in order.

    Args:
        source: the module's text.
        path: the module's path relative to the tree's root (``layers.py``); gives the
            regions' module name and the location in error messages.
    Returns:
        One :class:`Region` per marked body.
    Raises:
        RegionError: the source does not parse, or a marker breaks the rules.
    """
    path = PurePosixPath(path)
    where = str(path)
    markers = _markers(source, where)
    if not markers:
        return []
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as error:
        raise RegionError(f"{where}:{error.lineno}: does not parse: {error.msg}") from None
    functions = _functions(tree)
    lines = source.splitlines()
    if len(markers) % 2:
        line, kind, _ = markers[-1]
        raise RegionError(f"{where}:{line}: {kind} has no partner")
    regions: list[Region] = []
    for begin_marker, end_marker in zip(markers[::2], markers[1::2], strict=True):
        region = _region(path, lines, functions, begin_marker, end_marker)
        if any(r.qualname == region.qualname for r in regions):
            raise RegionError(f"{where}:{region.begin}: a second region in {region.qualname!r}")
        regions.append(region)
    return regions


def _region(
    path: PurePosixPath,
    lines: list[str],
    functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, bool]],
    begin_marker: tuple[int, str, int],
    end_marker: tuple[int, str, int],
) -> Region:
    """The region between two markers, checked against the rules."""
    where = str(path)
    (begin, kind_b, col_b), (end, kind_e, col_e) = begin_marker, end_marker
    if kind_b != BEGIN or kind_e != END:
        bad = begin if kind_b != BEGIN else end
        raise RegionError(f"{where}:{bad}: markers must alternate {BEGIN!r}, {END!r}")
    if lines[begin - 1][:col_b].strip() or lines[end - 1][:col_e].strip():
        raise RegionError(f"{where}:{begin}: a marker must be alone on its line")
    holders = [f for f in functions if f[1].lineno <= begin and end <= _end(lines, f[1])]
    if not holders:
        raise RegionError(f"{where}:{begin}: a solution region must lie inside a function")
    qualname, node, nested = max(holders, key=lambda f: f[1].lineno)
    if nested:
        raise RegionError(f"{where}:{begin}: region in nested function {qualname!r}")
    if col_b != node.body[0].col_offset or col_e != col_b:
        raise RegionError(
            f"{where}:{begin}: markers must sit at the body's indentation of {qualname!r}"
        )
    _check_body(where, node, qualname, begin, end)
    first_line = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    indent = lines[begin - 1][:col_b]
    return Region(_module_name(path), qualname, begin, end, indent, first_line, _end(lines, node))


def _check_body(
    where: str, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, begin: int, end: int
) -> None:
    """A region comes after the docstring and holds whole statements."""
    first = node.body[0]
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if is_doc and begin <= first.end_lineno:
        raise RegionError(f"{where}:{begin}: the region must come after the docstring")
    for statement in node.body:
        if statement.lineno < begin < statement.end_lineno or (
            statement.lineno < end < statement.end_lineno
        ):
            raise RegionError(
                f"{where}:{begin}: the region must hold whole statements of {qualname!r}"
            )


def find_function(tree: ast.AST, source: str, qualname: str) -> tuple[int, int] | None:
    """The 1-based first line (its first decorator) and last line of function ``qualname``.

    The last line counts comments at the body's indentation after the last statement (where
    an ``### END SOLUTION`` marker sits). None if the source has no such function.
    """
    lines = source.splitlines()
    for name, node, _ in _functions(tree):
        if name == qualname:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return first, _end(lines, node)
    return None


def stub_source(
    source: str,
    regions: Iterable[Region],
    exercise_id: Callable[[Region], str],
) -> str:
    """``source`` with each region replaced by the stub comment and a NotImplementedError.

    Args:
        source: the module's text.
        regions: its regions (from :func:`find_regions`).
        exercise_id: names the exercise of a region (the error's message).
    Returns:
        The stubbed text; every line outside the regions unchanged.
    """
    lines = source.splitlines(keepends=True)
    for region in sorted(regions, key=lambda r: r.begin, reverse=True):
        stub = [
            f"{region.indent}{STUB_COMMENT}\n",
            f'{region.indent}raise NotImplementedError("{exercise_id(region)}")\n',
        ]
        lines[region.begin - 1 : region.end] = stub
    return "".join(lines)


def regions_in_tree(root: Path) -> dict[PurePosixPath, list[Region]]:
    """Every ``.py`` file under ``root`` that holds regions, mapped to its regions.

    Raises:
        RegionError: a marker anywhere breaks the rules.
    """
    found = {}
    for file in sorted(root.rglob("*.py")):
        if "__pycache__" in file.parts:
            continue
        relative = PurePosixPath(file.relative_to(root).as_posix())
        regions = find_regions(file.read_text(encoding="utf-8"), relative)
        if regions:
            found[relative] = regions
    return found
