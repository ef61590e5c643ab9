"""Layouts. A reshape of an array whose axes are in another library's order: the filters read as
PyTorch's [C_out, C_in, K, K] where the book's are [C_in, C_out, K, K], images read channels
last, a weight read as (out, in). ``w.reshape(C_out, -1)`` has the right shape and the wrong
numbers; the reference's value is the same array with its axes put in another order first,
``w.transpose(1, 0, 2, 3).reshape(C_out, -1)``. Found from the numbers (every order of the
axes, for arrays of three to six: a matrix's other order is its transpose, which
``codeedits`` proposes as such), proposed as that permutation of the operand, and said only
where it makes the check pass. And a flattening that takes the batch axis with it
(``x.flatten()`` where one row per observation belongs, ``x.reshape(x.shape[0], -1)``). And
windows slid over an array not padded first: the reference's value is larger by the same
even number along some axes (``sliding_window_view(x, K)`` is [L − K + 1, K] where the
reference's is [L, K]), proposed as the array padded by half of it on each side."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure, close
from .codeedits import Candidate
from .source import name_of
from .traces import Trace

__all__ = [
    "batch_flattened",
    "permuted_before_reshape",
    "reshape_operands",
    "reshaped",
    "reshaped_operand",
    "unpadded",
]

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
    operands: dict[tuple[int, int, int, int], ndarray],
) -> Iterator[Candidate]:
    """Where ``mine`` is a reshape of a known array (by its name, or computed in the
    reshape's own expression: ``operands``) and ``theirs`` the same reshape of that array
    with its axes in another order: that order, made before the reshape."""
    operand = _reshaped_operand(departure.source.node, span)
    if operand is None or mine.size < 2:
        return
    name = name_of(operand) or ast.unparse(operand)
    held = known[name][0] if name in known else operands.get(span)
    if held is None:
        return
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
    """The array that the expression at ``span`` reshapes, if it is a reshape."""
    call = _call_at(function, span)
    return reshaped_operand(call) if call is not None else None


def reshaped_operand(call: ast.Call) -> ast.expr | None:
    """The array ``call`` reshapes (``w`` of ``w.reshape(…)``, ``np.reshape(w, …)``,
    ``w.view(…)``), if it is a reshape."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _RESHAPES):
        return None
    if _is_module(func.value):  # np.reshape(w, …)
        return call.args[0] if call.args else None
    return func.value


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


def unpadded(
    mine: ndarray, span, departure: Departure, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """Where the call at ``span`` gives fewer rows or columns than the reference's value of
    its kind, by ``2p`` along each axis that differs: its array argument padded by ``p`` zeros
    on both sides of those axes (NumPy code: ``np.pad``)."""
    call = _call_at(departure.source.node, span)
    if call is None or not call.args or "import numpy as np" not in departure.source.text:
        return
    if not _WINDOWED.search(ast.unparse(call.func).rpartition(".")[2]):
        return  # a product or a model is not a window that slides off the edge
    operand = call.args[0]
    name = name_of(operand)
    if name is None or name not in known or known[name][0].ndim < 1:
        return
    ndim = known[name][0].ndim
    tried: set[tuple[int, ...]] = set()
    for value in departure.pool.values:
        widths = _pad_widths(mine.shape, value.array.shape, ndim) if value.numeric else None
        if widths is None or widths in tried:
            continue
        tried.add(widths)
        axes = [a for a, p in enumerate(widths) if p]
        where = f"axis {axes[0]}" if len(axes) == 1 else f"axes {', '.join(map(str, axes))}"
        size = _size_code(widths[axes[0]], known)
        yield (
            Edit(span_of(operand), "pad", ([size if p else 0 for p in widths],)),
            f"`{name}` is read unpadded: `{size}` zeros on each side of {where} belong "
            "first ('same' padding), so that every position has its window",
            True,
        )


_WINDOWED = re.compile(r"window|strided|im2col|conv|correlat|pool", re.IGNORECASE)
"""The calls whose windows slide over their array argument (``sliding_window_view``,
``as_strided``, ``im2col``, ``conv_1d``, ``np.correlate``): the ones padding is for."""


def _size_code(width: int, known: dict[str, tuple[ndarray, int | None]]) -> str:
    """``width`` as the call would write it: a whole number it holds under a name (``num``),
    half of one (``K // 2``), or the number."""
    sizes = {
        path: int(value)
        for path, (value, _) in known.items()
        if value.ndim == 0 and value.dtype.kind in "iu" and path.isidentifier()
    }
    for path, held in sizes.items():
        if held == width:
            return path
    for path, held in sizes.items():
        if held // 2 == width and held % 2:
            return f"{path} // 2"
    return str(width)


def _pad_widths(
    mine: tuple[int, ...], theirs: tuple[int, ...], ndim: int
) -> tuple[int, ...] | None:
    """Per axis of the operand, the zeros each side that make ``mine`` ``theirs``: one even
    gap shared by every axis that differs, all of them among the operand's first ``ndim``."""
    if len(mine) != len(theirs) or mine == theirs:
        return None
    gaps = {b - a for a, b in zip(mine, theirs, strict=True) if a != b}
    if len(gaps) != 1:
        return None
    gap = gaps.pop()
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
    if gap <= 0 or gap % 2 or max(differ) >= ndim:
        return None
    return tuple(gap // 2 if axis in differ else 0 for axis in range(ndim))


def reshaped(mine: ndarray, theirs: ndarray, span, code: str) -> Iterator[Candidate]:
    """``mine`` as ``theirs`` in another layout: transposed, its axes permuted, or its data
    read in another order (:func:`_regridded`)."""
    if mine.ndim == 2 and theirs.shape == mine.shape[::-1] and close(mine.T, theirs):
        yield (
            Edit(span, "transpose"),
            f"`{code}` is the transpose of the right value: a product in the wrong order, or "
            "a .T missing (or one too many)",
            True,
        )
        return
    if 3 <= mine.ndim <= 5 and sorted(theirs.shape) == sorted(mine.shape):
        for axes in itertools.permutations(range(mine.ndim)):
            if (
                axes == tuple(range(mine.ndim))
                or tuple(mine.shape[a] for a in axes) != theirs.shape
            ):
                continue
            if close(np.transpose(mine, axes), theirs):
                yield (
                    Edit(span, "permute", (list(axes),)),
                    f"`{code}` has its axes in another order: np.transpose(…, {axes}) gives the "
                    "right value (channels last where the book puts them first, NHWC for NCHW?)",
                    True,
                )
                return
    if 3 <= mine.ndim <= 5 and mine.shape == theirs.shape:
        yield from _regridded(mine, theirs, span, code)


def _regridded(mine: ndarray, theirs: ndarray, span, code: str) -> Iterator[Candidate]:
    """The right numbers read in the wrong order: data whose axes come as ``order`` reshaped
    straight to this shape (a gradient of [C_out, C_in·K·K] reshaped to [C_in, C_out, K, K]
    without swapping the channels)."""
    for order in itertools.permutations(range(mine.ndim)):
        if order == tuple(range(mine.ndim)):
            continue
        moved = mine.reshape(tuple(mine.shape[a] for a in order))
        if close(np.transpose(moved, np.argsort(order)), theirs):
            back = tuple(int(a) for a in np.argsort(order))
            yield (
                Edit(span, "regrid", (list(order),)),
                f"`{code}` puts the right numbers in the wrong places: its data comes with the "
                f"axes in the order {tuple(order)} — reshape to that order first, then "
                f"`.transpose{back}` to this one",
                True,
            )
            return


def reshape_operands(
    departure: Departure, learner: Trace
) -> dict[tuple[int, int, int, int], ndarray]:
    """``span of a reshape -> the array it reshaped`` where that array is computed in the
    reshape's own expression (``sliding_window_view(…).reshape(…)``), not read by a name:
    its value as the learner's call last computed it before the departing value."""
    source = departure.source
    by_span = {site.span: sid for sid, site in enumerate(source.sites)}
    latest: dict[int, ndarray] = {}
    for other in learner.invocation(departure.value.fid, departure.value.inv):
        if other.kind == "value" and other.elem == -1 and other.seq <= departure.value.seq:
            latest[int(other.key)] = other.array
    found = {}
    for node in ast.walk(source.node):
        operand = reshaped_operand(node) if isinstance(node, ast.Call) else None
        sid = by_span.get(span_of(operand)) if operand is not None else None
        if sid is not None and sid in latest:
            found[span_of(node)] = latest[sid]
    return found
