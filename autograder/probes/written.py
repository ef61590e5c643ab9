"""A number written in where an attribute belongs (``1e-9`` for ``self.eps``): said only
where that number reproduces what the learner's code gave, never merely because a check
with another value of the attribute failed (the code may be wrong for another reason)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

__all__ = ["WRITTEN", "written_in"]

WRITTEN = (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16)
"""The small numbers learners write in for an eps or a clipping bound."""


def written_in(
    got: ndarray | float, result_with: Callable[[float], ndarray | float]
) -> float | None:
    """Of :data:`WRITTEN`, the one with which ``result_with`` gives ``got`` most nearly, if
    any gives it (small numbers can give nearly the same: the nearest is said)."""
    mine = np.asarray(got, dtype=float)
    found: list[tuple[float, float]] = []
    for number in WRITTEN:
        theirs = np.asarray(result_with(number), dtype=float)
        if theirs.shape == mine.shape and np.allclose(mine, theirs, rtol=1e-7, atol=1e-10):
            found.append((float(np.max(np.abs(mine - theirs), initial=0.0)), number))
    return min(found)[1] if found else None
