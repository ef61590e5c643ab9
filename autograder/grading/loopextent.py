"""A loop that runs as far as another size: ``for k in range(3)`` over a filter of any length,
``for w in range(size)`` with ``size`` the height, over an image's width.

A loop's variable indexes arrays in its body (``param[k]``, ``out[:, h, w]``,
``x_pad[:, h : h + K]``); the loop should run as far as one of those axes is long. Where the
range is written otherwise (a number, another axis's size, a square image assumed), each axis
the variable indexes is proposed as the range's end, as ``param.shape[0]``; proven like any
edit, so an axis that is longer than the loop should run (a padded array's) is never said.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal, departure_of
from .source import Source

__all__ = ["loop_extents"]

MAX_EXTENTS = 8
"""At most this many ends proposed for one function (the loops nearest the departure first)."""


def loop_extents(sources: Sequence[Source], departures: Sequence[Departure] = ()) -> list[Proposal]:
    """Each ``range`` of a loop, ended where an axis its variable indexes ends."""
    found: list[Proposal] = []
    for fid, source in enumerate(sources):
        at = departure_of(departures, fid)
        line = departures[at].line if departures else source.node.lineno
        edits = sorted(_edits(source.node), key=lambda e: abs(e[0].span[0] - line))
        for edit, said in edits[:MAX_EXTENTS]:
            found.append(Proposal(fid, edit, said, at, edit.span[0]))
    return found


def _edits(function: ast.AST) -> Iterator[tuple[Edit, str]]:
    for loop in ast.walk(function):
        end = _end(loop)
        if end is None:
            continue
        variable = loop.target.id  # type: ignore[attr-defined]
        seen = {ast.unparse(end)}
        for array, axis in _indexed(loop, variable):
            size = f"{array}.shape[{axis}]"
            if size in seen:
                continue
            seen.add(size)
            said = (
                f"`{ast.unparse(end)}` should be `{size}`: the loop over `{variable}` indexes "
                f"axis {axis} of `{array}` and should run as far as it is long"
            )
            yield Edit(span_of(end), "form", (size,)), said


def _end(loop: ast.AST) -> ast.expr | None:
    """The end of ``for v in range(end)`` or ``range(0, end)``, if the loop is one."""
    if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name):
        return None
    call = loop.iter
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "range"):
        return None
    if call.keywords or not 1 <= len(call.args) <= 2:
        return None
    if len(call.args) == 2 and not (
        isinstance(call.args[0], ast.Constant) and call.args[0].value == 0
    ):
        return None
    return call.args[-1]


def _indexed(loop: ast.For, variable: str) -> Iterator[tuple[str, int]]:
    """``(array, axis)`` of each subscript in the loop's body that the variable indexes, at a
    position counted from the first (an array read by its name or ``self.x``)."""
    for node in (n for statement in loop.body for n in ast.walk(statement)):
        if not isinstance(node, ast.Subscript) or not _plain(node.value):
            continue
        indices = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for axis, index in enumerate(indices):
            if isinstance(index, ast.Constant) and index.value is Ellipsis:
                break  # positions after `...` count from the end
            if _reads(index, variable):
                yield ast.unparse(node.value), axis


def _plain(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return True
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)


def _reads(index: ast.expr, variable: str) -> bool:
    """Whether ``index`` is the variable, the variable plus a shift, or a slice starting there."""
    if isinstance(index, ast.Slice):
        index = index.lower  # type: ignore[assignment]
    if isinstance(index, ast.BinOp) and isinstance(index.op, ast.Add | ast.Sub):
        index = index.left
    return isinstance(index, ast.Name) and index.id == variable
