"""The derivative of the wrong activation: a value that holds, as a factor, one activation's
derivative where another's belongs (the sigmoid's ``y·(1 − y)`` in a tanh layer, tanh's taken
at the output where it belongs at the input, or none at all), found from the numbers: the
reference's value is the learner's times ``right(y) / written(y)`` for a value ``y`` the call
knows. Proposed as an edit that makes that exchange (written out as code in the worker:
``sandbox.edits``); said only where it makes the check pass. The forms live here, in the
grader: the worker holds no function that computes an activation's derivative."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit
from .aligned import close
from .codeedits import Candidate

__all__ = ["PAIRS", "Rederivation", "Rederivations", "rederivations", "rederived_candidates"]

FORMS: dict[str, Callable[[ndarray], ndarray]] = {
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "tanh_in": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid_in": lambda z: (0.5 + 0.5 * np.tanh(0.5 * z)) * (0.5 - 0.5 * np.tanh(0.5 * z)),
    "none": np.ones_like,
}
"""Each derivative as a function of the value it is taken at: the activation's output
(``tanh``, ``sigmoid``), its input (``…_in``), or none (a factor of one: left out)."""

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

Rederivation = tuple[str, str, str, ndarray]
"""``(y's name, written, right, right(y) / written(y))``."""

_PROBES = 3
"""Elements looked at before all of them (most pairs relate in none)."""


@dataclass(frozen=True)
class Rederivations:
    """The candidates for values of one shape, and each one's factor at a few elements."""

    found: list[Rederivation]
    probes: ndarray
    """The flat indices of the elements looked at first."""
    at_probes: ndarray
    """[len(found), _PROBES]: each candidate's factor there."""


def rederived_candidates(
    shape: tuple[int, ...], known: dict[str, tuple[ndarray, int | None]]
) -> Rederivations:
    """Each (written, right) pair of derivatives and known value ``y`` of ``shape`` (or one
    that broadcasts to it), with the factor that exchanges them: computed once for every
    counterpart a value is related to. The call's own names first."""
    found: list[Rederivation] = []
    ordered = sorted(known.items(), key=lambda item: item[1][1] is None)
    for name, (held, _) in ordered:
        if held.dtype.kind != "f" or held.ndim != len(shape) or held.size < 2:
            continue
        if any(a not in (1, b) for a, b in zip(held.shape, shape, strict=True)):
            continue
        if np.ptp(held) == 0:  # a constant relates any two forms somewhere
            continue
        y = np.broadcast_to(held.astype(np.float64), shape)
        for written, right in PAIRS:
            with np.errstate(all="ignore"):
                ratio = FORMS[right](y) / FORMS[written](y)
            if np.all(np.isfinite(ratio)):
                found.append((name, written, right, ratio))
    probes = np.linspace(0, max(int(np.prod(shape)) - 1, 0), _PROBES).astype(int)
    at_probes = np.array([ratio.reshape(-1)[probes] for *_, ratio in found]).reshape(-1, _PROBES)
    return Rederivations(found, probes, at_probes)


def rederivations(
    mine: ndarray, theirs: ndarray, span, code: str, candidates: Rederivations
) -> Iterator[Candidate]:
    """The first candidate for which ``theirs == mine * right(y) / written(y)``: all of them
    looked at on a few elements at once, the likely ones on every element."""
    if not candidates.found or mine.shape != theirs.shape or mine.size < 2:
        return
    if close(mine, theirs):
        return
    probes = candidates.probes
    want = theirs.reshape(-1)[probes]
    guess = candidates.at_probes * mine.reshape(-1)[probes]
    likely = np.all(np.abs(guess - want) <= 1e-9 + 1e-4 * np.abs(want), axis=1)
    for index in np.flatnonzero(likely):
        name, written, right, ratio = candidates.found[index]
        if close(mine * ratio, theirs):
            edit = Edit(span, "rederive", (name, written, right))
            yield edit, _said(code, name, written, right), True
            return


def _said(code: str, y: str, written: str, right: str) -> str:
    was, should = (WRITTEN[form].format(y=f"`{y}`") for form in (written, right))
    if written == "none":
        return f"`{code}` leaves out a derivative: {should} belongs as a factor"
    if right == "none":
        return f"`{code}` has a derivative too many: {was}"
    return f"`{code}` takes {was}, where {should} belongs"
