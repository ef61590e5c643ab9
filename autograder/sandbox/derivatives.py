"""The derivatives of the activations a learner writes by hand, as functions of the value they
are taken at: for naming one written where another belongs, and for undoing it.

``tanh`` and ``sigmoid`` take the activation's output (``1 - y ** 2``, ``y * (1 - y)``);
``tanh_in`` and ``sigmoid_in`` its input (``1 - tanh(z) ** 2``, ``σ(z) * (1 - σ(z))``);
``none`` is no derivative at all (a factor of one: the derivative left out). The worker
undoes one with :func:`rederived`; the grader names it with :data:`WRITTEN`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["FORMS", "PAIRS", "WRITTEN", "rederived"]


def _sigmoid(z: ndarray) -> ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


FORMS: dict[str, Callable[[ndarray], ndarray]] = {
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "tanh_in": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid_in": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "none": np.ones_like,
}

WRITTEN = {
    "tanh": "tanh's derivative at its output, 1 − {y}²",
    "sigmoid": "the sigmoid's derivative at its output, {y}·(1 − {y})",
    "tanh_in": "tanh's derivative at its input, 1 − tanh({y})²",
    "sigmoid_in": "the sigmoid's derivative at its input, σ({y})·(1 − σ({y}))",
    "none": "no derivative",
}
"""What each form is, in words (``{y}``: the value it is taken at)."""

PAIRS = (
    ("tanh", "sigmoid"),
    ("sigmoid", "tanh"),
    ("tanh_in", "sigmoid_in"),
    ("sigmoid_in", "tanh_in"),
    ("tanh_in", "tanh"),  # the activation applied again: 1 − tanh(h)² of h = tanh(z)
    ("sigmoid_in", "sigmoid"),
    ("tanh", "tanh_in"),  # the output's form taken at the input
    ("sigmoid", "sigmoid_in"),
    ("none", "tanh"),
    ("none", "sigmoid"),
    ("tanh", "none"),
    ("sigmoid", "none"),
)
"""``(written, right)``: the confusions tried, most common first."""


def rederived(value: Any, at: Any, written: str, right: str) -> Any:
    """``value``, which holds the ``written`` derivative taken at ``at`` as a factor, with the
    ``right`` one in its place (unchanged where that cannot be done)."""
    if not isinstance(value, ndarray | float | np.floating) or not isinstance(at, ndarray):
        return value
    with np.errstate(all="ignore"):
        ratio = FORMS[right](at) / FORMS[written](at)
        changed = value * np.where(np.isfinite(ratio), ratio, 0.0)
    return changed if np.shape(changed) == np.shape(value) else value
