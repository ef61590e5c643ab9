"""AdaGrad with an eps large enough to matter (chapter 6).

At the default eps (1e-7) an update that ignores ``self.eps`` agrees with the reference to
within the agreement check's tolerance; at eps = 0.1 it does not. Either place for eps is
right: the course's, param −= lr · g / (√G + eps), and the book's, which adds eps to G at
every step, param −= lr · g / √(G + k · eps) after k steps. The judge accepts both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .record import Probe
from .written import written_in

__all__ = ["ADAGRAD_EPS"]

_LR = 0.1


def _inputs(rng: np.random.Generator, steps: int = 4) -> dict[str, ndarray]:
    return {"start": rng.standard_normal((3, 2)), "grads": rng.standard_normal((steps, 3, 2))}


class _Layer:
    def __init__(self, value: ndarray) -> None:
        self.params = {"W": {"value": value, "deriv": np.zeros_like(value)}}


class _Model:
    def __init__(self, layer: _Layer) -> None:
        self.layers = [layer]


def adagrad_eps(ref: Any, inputs: dict[str, ndarray], eps: float = 0.1) -> dict[str, ndarray]:
    """A parameter after a few AdaGrad steps with ``eps``, and what it started from."""
    layer = _Layer(inputs["start"].copy())
    optim = ref.AdaGrad(_LR, gradient_clipping=False, eps=eps)
    optim.model = _Model(layer)
    for grad in inputs["grads"]:
        layer.params["W"]["deriv"][...] = grad
        optim.step()
    return {"start": inputs["start"], "grads": inputs["grads"], "W": layer.params["W"]["value"]}


def _both_places(start: ndarray, grads: ndarray, eps: float) -> tuple[ndarray, ndarray]:
    """The parameter after ``grads`` with eps outside the root (the course's) and inside it,
    added to G at every step (the book's)."""
    course, book = start.copy(), start.copy()
    G_course, G_book = np.zeros_like(start), np.zeros_like(start)
    for grad in grads:
        G_course += grad * grad
        course -= _LR * grad / (np.sqrt(G_course) + eps)
        G_book += grad * grad + eps
        book -= _LR * grad / np.sqrt(G_book)
    return course, book


def _judge(got: dict, expected: dict, eps: float = 0.1, **_: Any) -> list[tuple[str, bool, str]]:
    W = np.asarray(got["W"], dtype=float)
    course, book = _both_places(np.asarray(got["start"]), np.asarray(got["grads"]), eps)
    if W.shape != course.shape:
        return [("shape", False, f"the parameter has shape {W.shape}, expected {course.shape}")]
    close = [bool(np.allclose(W, right, rtol=1e-7, atol=1e-10)) for right in (course, book)]
    said = (
        f"with eps = {eps} the parameter is not what AdaGrad gives with that eps (either "
        "place for it: lr · grad / (√G + self.eps), or the book's self.eps added to G at "
        "every step)"
    )
    start, grads = np.asarray(got["start"]), np.asarray(got["grads"])
    written = written_in(W, lambda number: _both_places(start, grads, number)[0])
    if written is not None:
        said += f": eps is {written:g}, written in; the update must read self.eps"
    return [("uses self.eps", any(close), said)]


ADAGRAD_EPS = Probe(adagrad_eps, inputs=_inputs, judge=_judge)
