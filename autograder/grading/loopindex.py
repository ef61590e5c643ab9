"""Another loop's index: an array indexed with the loop variable of one loop where that of
another loop around it belongs (``output_grad[:, c]`` inside ``for c …: for o …:`` where
``output_grad[:, o]`` belongs, ``x[t - 1]`` in a loop over ``s``).

Nested loops over two axes of the same sizes are written twice, and an index pasted from one
line to the next keeps the wrong name: right where the two loops run as far, an IndexError or
wrong numbers where they do not. Proposed for every read of a loop variable in a subscript,
each other variable of the loops around that subscript in its place; proven like any edit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal
from .source import Source

__all__ = ["other_loop_indices"]

MAX_INDICES = 16
"""At most this many edits for one function (the subscripts nearest the departure first)."""


def other_loop_indices(
    sources: Sequence[Source], departures: Sequence[Departure] = ()
) -> list[Proposal]:
    """Each loop variable read in a subscript, read as another loop's variable instead."""
    found: list[Proposal] = []
    for fid, source in enumerate(sources):
        at = next((i for i, d in enumerate(departures) if d.value.fid == fid), None)
        line = departures[at].line if at is not None else source.node.lineno
        edits = sorted(_edits(source.node), key=lambda e: abs(e[0].span[0] - line))
        for edit, said in edits[:MAX_INDICES]:
            found.append(Proposal(fid, edit, said, at or 0, edit.span[0]))
    return found


def _edits(function: ast.AST) -> Iterator[tuple[Edit, str]]:
    for loops, subscript in _subscripts(function, []):
        names = [n for loop in loops for n in _variables(loop)]
        for read in ast.walk(subscript.slice):
            if not (isinstance(read, ast.Name) and read.id in names):
                continue
            for other in names:
                if other == read.id:
                    continue
                said = (
                    f"`{ast.unparse(subscript)}` is indexed with `{read.id}` where `{other}` "
                    f"belongs: the other loop's index"
                )
                yield Edit(span_of(read), "name", (other,)), said


def _subscripts(
    node: ast.AST, loops: list[ast.For]
) -> Iterator[tuple[list[ast.For], ast.Subscript]]:
    """Every subscript inside two or more loops, with the loops around it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        inner = [*loops, child] if isinstance(child, ast.For) else loops
        if isinstance(child, ast.Subscript) and len(_names(loops)) > 1:
            yield loops, child
        yield from _subscripts(child, inner)


def _names(loops: list[ast.For]) -> list[str]:
    return [n for loop in loops for n in _variables(loop)]


def _variables(loop: ast.For) -> list[str]:
    """The loop's index names: ``i`` of ``for i in …``, both of ``for i, x in enumerate(…)``
    only the first (the count)."""
    target = loop.target
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
        iterable = loop.iter
        counted = isinstance(iterable, ast.Call) and getattr(iterable.func, "id", "") == "enumerate"
        return [target.elts[0].id] if counted else []
    return []
