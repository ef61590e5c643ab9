"""Name the likely mistake when a learner's array is wrong in a recognisable way.

``diagnose(name, got, expected, batch_size)`` tries the patterns a learner most often falls
into, in order — a transpose, a missing sum over the batch, a flipped sign, a factor of the
batch size, a factor of 2, NaNs — and returns one sentence, or None when nothing fits.
Known wrong implementations of one particular piece (the book's own bugs, a kernel not
flipped) are recognised by the probes' ``__mistakes`` (see ``checks``).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
from numpy import ndarray

from .relnames import written_constant

__all__ = ["diagnose", "scale_factor", "shape_guess"]


def _close(a: ndarray, b: ndarray, rtol: float = 1e-5) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(float(np.abs(b).max(initial=0.0)), 1e-12)
    return bool(np.allclose(a, b, rtol=rtol, atol=1e-7 * scale))


def scale_factor(got: ndarray, expected: ndarray) -> float | None:
    """The c with got ≈ c · expected, when there is one (and expected is not all zero)."""
    if got.shape != expected.shape or got.size == 0:
        return None
    big = np.abs(expected) > 1e-3 * float(np.abs(expected).max(initial=0.0))
    if not big.any() or float(np.abs(expected).max()) == 0.0:
        return None
    c = float(np.median(got[big] / expected[big]))
    if c == 0.0 or not np.isfinite(c):
        return None
    return c if _close(got, c * expected, rtol=1e-4) else None


def _near(value: float, target: float) -> bool:
    return abs(value - target) <= 1e-3 * abs(target)


def diagnose(
    name: str, got: ndarray, expected: ndarray, batch_size: int | None = None
) -> str | None:
    """One sentence naming the likely mistake in ``got`` (should be ``expected``), or None.

    Args:
        name: the array's name, as the message shows it.
        got: the learner's array.
        expected: the reference's array.
        batch_size: N, when the array comes from a batch (for factor-of-N mistakes).
    """
    got = np.asarray(got)
    expected = np.asarray(expected)
    if got.dtype.kind not in "biufc" or expected.dtype.kind not in "biufc":
        return None
    if got.shape != expected.shape:
        return _shape_mistake(name, got, expected, batch_size)
    if got.size == 0:
        return None
    counts = got.dtype.kind in "biu" and expected.dtype.kind in "biu"  # codes, not quantities
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    finite = np.isfinite(got)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        return (
            f"{name} holds {got[index]} at {list(index)}: an overflow or a division by zero? "
            "(e.g. exp of a large number — clip or use a stable formula)"
        )
    if not got.any() and expected.any() and got.size > 1 and not counts:  # (flags: no result)
        return f"{name} is all zeros: was the result computed but not returned or assigned?"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got, expected.T):
        return f"{name} is the transpose of the right answer: a .T missing or one too many?"
    c = scale_factor(got, expected)
    if c is not None and not _near(c, 1.0) and not counts:
        return _scale_mistake(name, c, batch_size, single=got.size == 1)
    if _rows_reordered(got, expected):
        return (
            f"{name} holds the right rows in another order: an order (a shuffle, an index) "
            "applied to one array and not to the other?"
        )
    return None


def _rows_reordered(got: ndarray, expected: ndarray) -> bool:
    """Whether the rows (along axis 0) of ``got`` are those of ``expected``, each as often,
    in another order (rows not all alike)."""
    if got.ndim < 1 or got.shape[0] <= 2 or got.size * got.shape[0] > 4_000_000:
        return False  # (every pair of rows is compared: a few million numbers at most)
    a, b = got.reshape(got.shape[0], -1), expected.reshape(expected.shape[0], -1)
    scale = float(np.abs(b).max(initial=0.0)) + 1e-12
    gaps = np.abs(a[:, None, :] - b[None, :, :]).max(axis=2)  # [rows of got, rows of expected]
    same = gaps <= 1e-6 * scale
    if same.sum() > 2 * got.shape[0]:  # rows alike: any order would do
        return False
    if same[::-1].diagonal().all():  # the batch reversed: what a check calls first, to find
        return False  # a value kept from an earlier call (the explanation says so)
    if same.diagonal().all() or not (same.any(axis=1).all() and same.any(axis=0).all()):
        return False
    order_a, order_b = np.lexsort(a.T[::-1]), np.lexsort(b.T[::-1])  # the same rows, each
    return bool(np.abs(a[order_a] - b[order_b]).max() <= 1e-6 * scale)  # as often: a permutation


def _rows_for_one(name: str, got: ndarray, expected: ndarray) -> str:
    """What rows where one belongs say: a gradient per example where the batch's sum is the
    parameter's; anything else only that (a buffer kept from a batch of another size)."""
    if _close(got.sum(axis=0, keepdims=True), expected):
        return "sum it over the batch (axis 0, keepdims=True)"
    if "grad" in name:
        return "a parameter's gradient is summed over the batch (axis 0)"
    return f"{got.shape[0]} rows where the batch has one"


_SHAPES_SAID = re.compile(r"^.+? has shape \([^)]*\), expected \([^)]*\): ")


def shape_guess(said: str) -> str | None:
    """What a shape's message adds to the two shapes (``"an axis of size 1 is missing:
    summed without keepdims=True?"``), or None: the part an edit proven may take out."""
    found = _SHAPES_SAID.match(said)
    return said[found.end() :] if found else None


def _shape_mistake(
    name: str, got: ndarray, expected: ndarray, batch_size: int | None
) -> str | None:
    base = f"{name} has shape {got.shape}, expected {expected.shape}"
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        if _close(got.T, expected):
            return f"{base}: it is the transpose of the right answer (transposed weights?)"
        return f"{base}: transposed — check the order of a matrix product"
    if (
        got.ndim == expected.ndim
        and got.ndim >= 1
        and expected.shape[0] == 1
        and got.shape[1:] == expected.shape[1:]
        and got.shape[0] > 1
    ):
        return f"{base}: {_rows_for_one(name, got, expected)}"
    if _lost_axis(got.shape, expected.shape):
        return f"{base}: an axis of size 1 is missing: summed without keepdims=True?"
    sliced = _one_slice(got, expected)
    if sliced is not None:
        axis, index = sliced
        return (
            f"{base}: it is the right answer at index {index} of axis {axis} alone — one "
            "slice (a time step, an observation) where every one of them belongs"
        )
    permuted = _permuted_axes(got, expected)
    if permuted is not None:
        return f"{base}: {permuted}"
    if got.size == expected.size:
        return f"{base}: the right number of elements in the wrong shape (reshape?)"
    if got.ndim == 0 and expected.ndim > 0:
        return f"{base}: a single number where an array is needed (a sum too many?)"
    if got.ndim == expected.ndim >= 1 and got.shape[1:] == expected.shape[1:]:
        fewer = "fewer" if got.shape[0] < expected.shape[0] else "more"
        return f"{base}: {got.shape[0]} rows, {fewer} than the {expected.shape[0]} expected"
    if batch_size and expected.shape[:1] == (batch_size,) and batch_size in got.shape[1:]:
        return f"{base}: the first axis should be the batch, N = {batch_size}"
    return base


def _one_slice(got: ndarray, expected: ndarray) -> tuple[int, int] | None:
    """``(axis, index)`` where ``got`` is ``expected`` at one index of one axis (the last
    time step alone, ``out[:, -1]``); None where it is no such slice."""
    if got.ndim != expected.ndim - 1:
        return None
    for axis, size in enumerate(expected.shape):
        if size < 2 or expected.shape[:axis] + expected.shape[axis + 1 :] != got.shape:
            continue
        for index in dict.fromkeys((size - 1, 0, *range(size))):
            if _close(got, np.take(expected, index, axis=axis)):
                return axis, index
    return None


def _permuted_axes(got: ndarray, expected: ndarray) -> str | None:
    """Where ``got``'s shape is ``expected``'s with its axes in another order: the order that
    gives the right values, proven by transposing ``got`` back (a layout of another library:
    PyTorch's (out, in) weights, channels last); None where no order does."""
    if got.ndim != expected.ndim or got.ndim < 2 or sorted(got.shape) != sorted(expected.shape):
        return None
    orders = [
        order
        for order in itertools.permutations(range(got.ndim))
        if tuple(got.shape[axis] for axis in order) == expected.shape
    ]
    for order in orders[:720]:
        if _close(np.transpose(got, order), expected):
            return (
                f"the right values with the axes in another order — np.transpose(…, {order}) "
                "gives the right answer (a layout of another library: (out, in) weights, or "
                "channels last?)"
            )
    return None


def _lost_axis(got: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    """Whether ``got`` is ``expected`` without one of its axes of size 1."""
    return len(got) == len(expected) - 1 and any(
        expected[axis] == 1 and expected[:axis] + expected[axis + 1 :] == got
        for axis in range(len(expected))
    )


def _scale_mistake(name: str, c: float, batch_size: int | None, single: bool = False) -> str | None:
    if _near(c, -1.0):
        return f"{name} has the wrong sign" + (
            "" if single else ": every element is the negative of the right one"
        )
    if batch_size == 2 and (_near(c, 2.0) or _near(c, 0.5)):
        more = "twice" if c > 1 else "half"
        return f"{name} is {more} the right value: a factor of 2, or the batch size N = 2"
    if batch_size and batch_size > 2:
        if _near(c, batch_size):
            return (
                f"{name} is {batch_size} times too large — the batch size N: divide by N "
                "(the book averages over the batch here)"
            )
        if _near(c, 1.0 / batch_size):
            return (
                f"{name} is {batch_size} times too small — the batch size N: did you average "
                "where the book sums?"
            )
        if _near(c, -batch_size) or _near(c, -1.0 / batch_size):
            return f"{name} has the wrong sign and is off by the batch size N = {batch_size}"
    if _near(c, 2.0):
        return f"{name} is twice the right value: a factor of 2 too many"
    if _near(c, 0.5):
        return f"{name} is half the right value: a missing factor of 2 (the derivative of x²?)"
    if _near(c, -2.0) or _near(c, -0.5):
        return f"{name} has the wrong sign and is off by a factor of 2"
    if single:  # a count of numbers averaged or summed: only where the check has a batch
        return _count_mistake(name, c) if batch_size else None  # (a node's gradient has none)
    if not written_constant(c):  # any two numbers differ by some factor, and a factor no
        return None  # one writes (1.008) is a coincidence of one input
    return f"{name} is the right answer times {c:.4g}: a constant factor is off"


def _count_mistake(name: str, c: float) -> str | None:
    """A single number off by a whole count k (3 or more): averaged over k times as many
    numbers as it should be, or summed where it should be averaged. A ratio that is a whole
    number to nine digits is no coincidence of one input."""
    k = round(1.0 / c) if 0 < c < 1 else round(c)
    if k < 3 or not np.isclose(c * k if c < 1 else c / k, 1.0, rtol=1e-9, atol=0.0):
        return None
    if c < 1:
        return (
            f"{name} is {k} times too small: a mean over {k} times as many numbers as it "
            "should average (np.mean over every element, where the sum over the classes or "
            "features divided by the batch size, shape[0], belongs?)"
        )
    return (
        f"{name} is {k} times too large: a sum where a mean belongs, or a count of {k} "
        "missing from the division?"
    )
