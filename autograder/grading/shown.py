"""A departing value shown beside the reference's: small arrays whole, large ones by shape
and their first difference."""

from __future__ import annotations

import itertools

import numpy as np
from numpy import ndarray

from .aligned import Departure, close

__all__ = ["shown_pair"]

WHOLE = 12
"""Arrays of at most this many elements are shown whole."""


def shown_pair(departure: Departure) -> str:
    """``(`code`): yours …, the reference's …`` for a departure."""
    mine = departure.value.array
    theirs = departure.counterpart.array if departure.counterpart else _nearest(departure)
    head = f"(`{departure.code}`): yours {_shown(mine)}"
    if departure.note:
        head = f"(`{departure.code}`): it {departure.note}; yours {_shown(mine)}"
    if theirs is None:
        rearranged = _rearranged(departure)
        if rearranged:
            return f"{head}: {rearranged}"
        shape = "a number" if mine.ndim == 0 else f"shape {mine.shape}"
        return f"{head}; no value of the reference's has {shape} at this point"
    if mine.shape == theirs.shape and mine.size > WHOLE:
        return f"{head}; {_first_difference(mine, theirs)}"
    return f"{head}, the reference's {_shown(theirs)}"


def _nearest(departure: Departure) -> ndarray | None:
    """The reference's value of the departing one's shape nearest to it; unless a note says
    what is wrong with the same numbers (cut from the graph, lower precision), not one equal
    to it (what a function returns departs from what the reference's returns, though the
    reference computed the same numbers on the way: `dZ[:, :D]` returned where `dZ[:, :D] +
    dZ_h[:, :D]` belongs)."""
    mine = departure.value.array.astype(np.float64)
    best, best_error = None, np.inf
    for value in departure.pool.shaped(mine.shape):
        theirs = value.array.astype(np.float64)
        if not departure.note and close(mine, theirs):
            continue
        with np.errstate(all="ignore"):
            error = _largest(np.abs(mine - theirs))
            if mine.size == 1:  # a number: relatively nearest (not an eps of 1e-9 beside 0.6)
                error /= max(_largest(np.abs(mine)), _largest(np.abs(theirs)), 1e-300)
        if error < best_error:
            best, best_error = theirs, error
    return best


def _rearranged(departure: Departure) -> str | None:
    """Where no value of the reference's has the departing value's shape: one of its values
    whose axes, put in another order, give the learner's (a layout of another library:
    channels last, (out, in) weights), else one with the same numbers in another shape."""
    mine = departure.value.array
    if mine.ndim < 2 or mine.size <= 1:
        return None
    others = [
        v.array
        for v in departure.pool.values
        if v.numeric and v.array.size == mine.size and v.array.shape != mine.shape
    ]
    for theirs in others:
        if sorted(theirs.shape) != sorted(mine.shape):
            continue
        for order in itertools.islice(itertools.permutations(range(theirs.ndim)), 720):
            moved = tuple(theirs.shape[axis] for axis in order)
            if moved == mine.shape and close(np.transpose(theirs, order), mine):
                return (  # a fact: the learner's order may be theirs on purpose, undone later
                    f"the reference's value of shape {theirs.shape} with its axes in the order "
                    f"{order}"
                )
    for theirs in others:
        if close(theirs, mine):  # the same numbers, any shape
            return (
                f"the reference's value of shape {theirs.shape} with the same numbers in shape "
                f"{mine.shape} (a reshape where another shape, or a transpose, belongs?)"
            )
    return None


def _shown(array: ndarray) -> str:
    if array.ndim == 0:
        return f"{float(array):.6g}" if array.dtype.kind == "f" else str(array.item())
    if array.size <= WHOLE:
        text = np.array2string(array, precision=4, separator=", ", suppress_small=True)
        return " ".join(text.split())
    return f"an array of shape {array.shape}"


def _first_difference(mine: ndarray, theirs: ndarray) -> str:
    with np.errstate(all="ignore"):
        a, b = mine.astype(np.float64), theirs.astype(np.float64)
        scale = _largest(np.abs(b))
        off = ~np.isclose(a, b, rtol=1e-6, atol=1e-7 * scale + 1e-12, equal_nan=True)
    if not off.any():
        return "the reference's has the same numbers in another arrangement"
    index = tuple(int(i) for i in np.argwhere(off)[0])
    count = int(off.sum())
    return (
        f"first difference at {list(index)}: yours {a[index]:.6g}, the reference's "
        f"{b[index]:.6g} ({count} of {off.size} elements differ)"
    )


def _largest(values: ndarray) -> float:
    """The largest finite value (0 for none)."""
    finite = values[np.isfinite(values)]
    return float(finite.max(initial=0.0))
