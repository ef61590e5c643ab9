"""Layouts. A reshape of an array whose axes are in another library's order: the filters read as
PyTorch's [C_out, C_in, K, K] where the book's are [C_in, C_out, K, K], images read channels
last, a weight read as (out, in). ``w.reshape(C_out, -1)`` has the right shape and the wrong
numbers; the reference's value is the same array with its axes put in another order first,
``w.transpose(1, 0, 2, 3).reshape(C_out, -1)``. Found from the numbers (every order of the
axes, for arrays of three to six: a matrix's other order is its transpose, which
``codeedits`` proposes as such), proposed as that permutation of the operand, and said only
where it makes the check pass. And a flattening that takes the batch axis with it
(``x.flatten()`` where one row per observation belongs, ``x.reshape(x.shape[0], -1)``)."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure, close
from .codeedits import Candidate
from .source import name_of

__all__ = ["batch_flattened", "permuted_before_reshape"]

_RESHAPES = frozenset({"reshape", "view", "flatten", "ravel"})
_MODULES = frozenset({"np", "numpy", "torch"})
_MOST_AXES = 6
"""Every order of at most this many axes is tried (6! = 720, each on a few elements first)."""
_LOOKED = 4


def permuted_before_reshape(
    mine: ndarray,
    theirs: ndarray,
    span,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[Candidate]:
    """Where ``mine`` is a reshape of a known array and ``theirs`` the same reshape of that
    array with its axes in another order: that order, made before the reshape."""
    operand = _reshaped_operand(departure.source.node, span)
    name = name_of(operand) if operand is not None else None
    if name is None or name not in known or mine.size < 2:
        return
    held = known[name][0]
    if held.size != mine.size or not 3 <= held.ndim <= _MOST_AXES or held.dtype.kind not in "fc":
        return
    want = theirs.reshape(-1)
    looked = np.linspace(0, want.size - 1, _LOOKED).astype(int)  # a few elements first
    for axes in itertools.permutations(range(held.ndim)):
        if axes == tuple(range(held.ndim)):
            continue
        if not close(_elements(held, axes, looked), want[looked]):
            continue
        moved = np.transpose(held, axes).reshape(-1)
        if close(moved, want):
            order = ", ".join(map(str, axes))
            yield (
                Edit(span_of(operand), "permute", (list(axes),)),
                f"`{name}` is reshaped before its axes are put in the order the reshape "
                f"needs: `{name}.transpose({order})` first",
                True,
            )
            return


def _elements(held: ndarray, axes: tuple[int, ...], flat: ndarray) -> ndarray:
    """Elements ``flat`` of ``np.transpose(held, axes).reshape(-1)``, without the copy."""
    moved_shape = tuple(held.shape[a] for a in axes)
    where = np.unravel_index(flat, moved_shape)
    index = [np.empty(0, dtype=int)] * held.ndim
    for position, axis in enumerate(axes):
        index[axis] = where[position]
    return held[tuple(index)]


def _reshaped_operand(function: ast.AST, span) -> ast.expr | None:
    """The array that the expression at ``span`` reshapes (``w`` of ``w.reshape(…)``,
    ``np.reshape(w, …)``, ``w.view(…)``), if it is such an expression."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or span_of(node) != tuple(span):
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in _RESHAPES):
            return None
        if isinstance(func.value, ast.Name) and func.value.id in _MODULES:  # np.reshape(w, …)
            return node.args[0] if node.args else None
        return func.value
    return None


_FLATTENS = frozenset({"flatten", "ravel", "reshape", "view"})


def batch_flattened(mine: ndarray, span, departure: Departure) -> Iterator[Candidate]:
    """Where ``mine`` is ``x.flatten()`` (or ``.ravel()``, ``.reshape(-1)``, ``.view(-1)``)
    and the reference holds the same numbers one row per observation: that row kept."""
    call = _call_at(departure.source.node, span)
    if call is None or mine.ndim != 1 or mine.size < 2:
        return
    func = call.func
    whole = not call.args or (len(call.args) == 1 and ast.unparse(call.args[0]) == "-1")
    if not (isinstance(func, ast.Attribute) and func.attr in _FLATTENS and whole):
        return
    if call.keywords or _is_module(func.value):
        return
    for value in [*departure.pool.returned, *departure.pool.values]:
        theirs = value.array
        if not value.numeric or theirs.ndim != 2 or theirs.size != mine.size:
            continue
        if close(theirs.reshape(-1).astype(np.float64), mine.astype(np.float64)):
            x = ast.unparse(func.value)
            yield (
                Edit(span, "keep_batch"),
                f"`{ast.unparse(call)}` flattens the batch axis too: keep one row per "
                f"observation, `{x}.reshape({x}.shape[0], -1)`",
                True,
            )
            return


def _call_at(function: ast.AST, span) -> ast.Call | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and span_of(node) == tuple(span):
            return node
    return None


def _is_module(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in _MODULES
