"""Two runs of one check side by side: values matched by content, and what departs.

:class:`Pool` holds the reference's values of one invocation (one call of a traced function)
and finds among them the numbers of a value of the learner's; :class:`Departure` is a value of
the learner's that matches none of them at its point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Site, Span
from .source import Source
from .traces import Value

__all__ = ["Departure", "Pool", "allclose", "close", "mirrored", "same"]


def close(a: ndarray, b: ndarray) -> bool:
    """The same numbers, in any shape of the same size (float32 compared as float32)."""
    if a.size != b.size or a.size == 0:
        return False
    if (a.dtype.kind == "b") != (b.dtype.kind == "b"):
        return False
    x = a.reshape(-1).astype(np.float64, copy=False)
    y = b.reshape(-1).astype(np.float64, copy=False)
    single = np.float32 in (a.dtype.type, b.dtype.type)
    rtol = 2e-4 if single else 1e-6
    with np.errstate(all="ignore"):
        size = np.abs(y)
        scale = float(size.max())
        if np.isfinite(scale):  # the explanation's hot loop: one pass (np.allclose to the letter)
            return bool((np.abs(x - y) <= (rtol * 0.1 * scale + 1e-12) + rtol * size).all())
    scale = float(np.max(size[np.isfinite(y)], initial=0.0))
    return bool(np.allclose(x, y, rtol=rtol, atol=rtol * 0.1 * scale + 1e-12, equal_nan=True))


def mirrored(x: ndarray, axes: tuple[int, ...] | list[int]) -> bool:
    """Whether ``x`` reversed along ``axes`` is ``x`` or ``-x`` (an input symmetric about
    its middle): there a reversal proves nothing a sign or nothing at all would not."""
    if x.dtype.kind not in "biuf":
        return False
    reversed_ = np.flip(x.astype(np.float64), tuple(axes))
    return close(reversed_, x) or close(reversed_, -x.astype(np.float64))


def allclose(x: ndarray, y: ndarray, rtol: float, atol: float) -> bool:
    """``np.allclose`` to the letter, in one pass where the reference's numbers are all finite
    (a NaN or an inf of the learner's then compares as not close)."""
    with np.errstate(all="ignore"):
        size = np.abs(y)
        if size.size and np.isfinite(size.max()):
            return bool((np.abs(x - y) <= atol + rtol * size).all())
    return bool(np.allclose(x, y, rtol=rtol, atol=atol))


def _block_of(a: ndarray, b: ndarray) -> bool:
    """Whether ``a`` is a block of ``b`` along one axis (a gate of four computed together)."""
    if a.ndim != b.ndim or a.ndim == 0 or a.size >= b.size or a.size == 0:
        return False  # (an empty array is a block of nothing: no axis of it divides)
    differ = [axis for axis in range(a.ndim) if a.shape[axis] != b.shape[axis]]
    if len(differ) != 1 or b.shape[differ[0]] % a.shape[differ[0]]:
        return False
    axis, size = differ[0], a.shape[differ[0]]
    return any(
        close(a, np.take(b, range(start, start + size), axis=axis))
        for start in range(0, b.shape[axis], size)
    )


class Pool:
    """The reference's values of one invocation, looked up by content."""

    def __init__(self, values: Sequence[Value], returned: Sequence[Value] = ()) -> None:
        self.values = [v for v in values if v.array.size > 0]
        self.returned = [v for v in returned if v.array.size > 0]
        self._by_size: dict[int, list[Value]] = defaultdict(list)
        for value in self.values:
            self._by_size[value.array.size].append(value)

    def find(self, array: ndarray, graph: bool | None = None, shaped: bool = False) -> Value | None:
        """A value of the reference's with the same numbers as ``array`` (or of which it is a
        block), if there is one. In another shape only where the reference has no value of
        ``array``'s shape (and not at all when ``shaped``: what a function returns is matched
        with what the reference's returns, in its shape): a
        reshape that keeps the data is no mistake, unless the reference holds that shape with
        other numbers (a reshape where a transpose belongs). A tensor matches only a tensor
        tracked by autograd alike (``graph``)."""
        others = []
        candidates = self._by_size.get(array.size, ())
        if shaped and self.returned:  # what a call returns answers to what the other returns
            candidates = [v for v in self.returned if v.array.size == array.size]
        if graph is not None:  # a tensor: tensors tracked alike first, then plain numbers
            if self.untracked(array, graph) is not None and not any(
                v.graph == graph and close(array, v.array) for v in candidates
            ):
                return None
            candidates = sorted(candidates, key=lambda v: v.graph != graph)
        narrow = narrowed(array)
        for value in candidates:
            if not _comparable(value, graph, narrow):
                continue
            if _quick(array, value.array) and close(array, value.array):
                if value.array.shape == array.shape or array.ndim == 0:
                    return value
                others.append(value)
        if (
            others
            and not shaped
            and not any(v.array.shape == array.shape for v in self.values if v.array.ndim >= 2)
        ):
            return others[0]
        if array.ndim >= 1 and array.dtype.kind == "f":
            for value in self.values:
                if value.array.size > array.size and _block_of(array, value.array):
                    return value
        return None

    def widened(self, array: ndarray, graph: bool | None = None) -> Value | None:
        """A float64 value of the reference's with the numbers of ``array``, a float32 (or
        float16) of the learner's: the same numbers, computed in lower precision. A tensor's
        (``graph`` not None) answers only to a tensor: a float32 model's loss read out with
        ``.item()`` is a float64 Python number, not a wider tensor."""
        if not narrowed(array):
            return None
        for value in self._by_size.get(array.size, ()):
            if graph is not None and value.graph is None:
                continue
            if value.array.dtype == np.float64 and close(array, value.array):
                return value
        return None

    def untracked(self, array: ndarray, graph: bool) -> Value | None:
        """A value of the reference's with ``array``'s numbers that autograd tracks where the
        learner's is not tracked (or the reverse): the same number, cut off from the graph."""
        for value in self._by_size.get(array.size, ()):
            if value.graph is not None and value.graph != graph and close(array, value.array):
                return value
        return None

    def shaped(self, shape: tuple[int, ...]) -> list[Value]:
        """The reference's values of this shape."""
        return [v for v in self.values if v.array.shape == shape and v.numeric]


def _comparable(value: Value, graph: bool | None, narrow: bool) -> bool:
    """Whether a reference's value can answer to a learner's: tracked by autograd alike, and
    not float64 where the learner's is float32 (the same numbers in lower precision)."""
    if graph is not None and value.graph is not None and value.graph != graph:
        return False
    return not (narrow and value.array.dtype == np.float64)


def narrowed(a: ndarray) -> bool:
    """Whether ``a`` is a float of less than double precision (float32, float16)."""
    return a.dtype.kind == "f" and a.dtype.itemsize < 8


def same(a: ndarray, b: ndarray) -> bool:
    return a.shape == b.shape and close(a, b)


def _quick(a: ndarray, b: ndarray) -> bool:
    """A cheap first look: the first and the last numbers agree roughly."""
    x, y = a.reshape(-1), b.reshape(-1)
    for index in (0, -1):
        p, q = float(x[index]), float(y[index])
        if not (abs(p - q) <= 1e-3 * (abs(q) + 1.0) or (np.isnan(p) and np.isnan(q))):
            return False
    return True


@dataclass
class Departure:
    """A value of the learner's that matches none of the reference's at its point.

    Attributes:
        value: the learner's value.
        source: the learner's function it came from.
        site: its site (None for the object's state after the call).
        line: the line of the learner's file to show.
        code: the code that computed it (or ``self.x`` for state).
        pool: the reference's values of the same invocation.
        earlier: the reference's values of earlier invocations of the same function.
        counterpart: for state, the reference's value of the same attribute.
        note: what the departure is, where the values say it plainly (an argument changed
            in place, state never updated).
        rebinding: for state never updated, the statement that binds a new array where the
            old one should have been changed (its span).
        stale: its numbers are those of an earlier invocation's (a value kept from before).
        unfollowed: the argument whose number alone differs from an earlier invocation's
            that gave the same value (a number written where it belongs).
    """

    value: Value
    source: Source
    site: Site | None
    line: int
    code: str
    pool: Pool
    earlier: list[Value]
    counterpart: Value | None = None
    note: str = ""
    rebinding: Span | None = None
    stale: bool = False
    unfollowed: str = ""
