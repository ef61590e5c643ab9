"""Words for the relations of :mod:`.relations`: what a factor is, which activation links two
values."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .aligned import allclose

__all__ = ["activation_between", "factor_name", "written_constant"]


def _near(value: float, target: float) -> bool:
    return abs(value - target) <= 1e-6 * abs(target)


def factor_name(code: str, c: float, sizes: dict[int, tuple[str, int]]) -> str:
    """The sentence for ``code`` being ``c`` times the right value; ``sizes`` are the sizes
    of the call's arguments' axes, each with what it is."""
    sign = "the wrong sign and " if c < 0 else ""
    size = abs(c)
    reduces = "sum" in code and "mean" not in code
    averages = "mean" in code
    for n, (array, axis) in sorted(sizes.items()):
        what = f"{n}, the size of axis {axis} of {array}"
        if _near(size, n):
            hint = " — a sum where a mean belongs?" if reduces or not averages else ""
            return f"`{code}` has {sign}{n} times the right value (N = {what}): divide by it{hint}"
        if _near(size, 1.0 / n):
            hint = " — a mean where a sum belongs?" if averages or not reduces else ""
            return f"`{code}` has {sign}1/{n} of the right value (N = {what}): multiply by it{hint}"
    if _near(size, 2.0):
        return f"`{code}` has {sign}twice the right value: a factor of 2 too many"
    if _near(size, 0.5):
        return f"`{code}` has {sign}half the right value: a factor of 2 is missing"
    return f"`{code}` has {sign}{size:.4g} times the right value: a constant factor is off"


def written_constant(c: float) -> bool:
    """Whether a factor ``c`` is one a person writes: two significant digits at most (2,
    0.5, 0.9, 100), or one over a small whole number (1/3)."""
    size = abs(c)
    if not np.isfinite(size) or size < 1e-12 or size > 1e12:  # no one writes 1e-300
        return False
    digits = f"{size:.2g}"
    if abs(float(digits) - size) <= 1e-6 * size:
        return True
    inverse = 1.0 / size
    return round(inverse) <= 16 and abs(round(inverse) - inverse) <= 1e-6 * inverse


_ACTIVATIONS = {
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "tanh": np.tanh,
    "ReLU": lambda x: np.maximum(x, 0.0),
    "exp": np.exp,
}


def activation_between(before: ndarray, after: ndarray) -> str | None:
    """The activation ``f`` with ``after = f(before)``, if one of the book's is."""
    if before.shape != after.shape or before.dtype.kind != "f":
        return None
    with np.errstate(all="ignore"):
        for name, function in _ACTIVATIONS.items():
            if allclose(function(before.astype(np.float64)), after, rtol=1e-6, atol=1e-9):
                return f"{name} (the value after the activation)"
    return None
