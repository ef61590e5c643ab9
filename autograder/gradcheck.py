"""The one numerical gradient checker: used by the tests, the grader and learners alike.

Gradients are compared with central differences, ``(f(x + h) - f(x - h)) / 2h``, in float64.
The error of each element is relative, with a floor so that elements whose true gradient is
zero are not judged on rounding noise::

    error_i = |a_i - n_i| / max(|a_i| + |n_i|, floor),   floor = max(1e-8, 1e-4 * max(|a| + |n|))

Example::

    >>> import numpy as np
    >>> x = np.array([1.0, -2.0, 3.0])
    >>> result = check_gradient(lambda: float(np.sum(x ** 3)), x, 3 * x ** 2, name="x")
    >>> result.passed
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = [
    "GradCheckResult",
    "check_gradient",
    "check_layer",
    "check_loss",
    "check_network",
    "check_operation",
    "numerical_gradient",
    "rel_error",
]

DEFAULT_H = 1e-6
DEFAULT_TOL = 1e-5
NOISE_FLOOR = 1e-4
"""The smallest denominator of a numerical gradient's relative error. Central differences at
``h = 1e-6`` carry rounding noise of about ``eps · |terms| / h`` — 1e-10 to 1e-9 absolute on
the probes' loss terms of order one — whatever the gradient's own size: an element of 7e-6
in an array of small gradients (an LSTM's W_v for one row) was failed at 1.4e-5 on 3e-10 of
noise, against the answer key itself. With this floor, ``tol · floor`` = 1e-9 absolute is
noise; a wrong gradient misses by far more than that."""


@dataclass(frozen=True)
class GradCheckResult:
    """How an analytic gradient compares with the numerical one.

    Attributes:
        name: what the gradient is of (``"input_"``, ``"W"``, ``"params[0]"`` …).
        max_rel_error: the largest elementwise relative error.
        worst_index: where that error is.
        analytic: the analytic gradient's value there.
        numerical: the numerical gradient's value there.
        tol: the largest relative error that passes.
        ratio: the median of analytic / numerical over the elements where both are large;
            a ratio like 32 or -1 points to a missing batch average or a flipped sign.
    """

    name: str
    max_rel_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numerical: float
    tol: float
    ratio: float | None = None

    @property
    def passed(self) -> bool:
        return bool(self.max_rel_error <= self.tol)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "worst_index": list(self.worst_index), "passed": self.passed}

    def __str__(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return (
            f"gradient of {self.name}: max relative error {self.max_rel_error:.2e} "
            f"(tolerance {self.tol:.0e}) at index {self.worst_index}: analytic "
            f"{self.analytic:.6g}, numerical {self.numerical:.6g} — {verdict}"
        )


def rel_error(analytic: ndarray, numerical: ndarray, floor: float | None = None) -> ndarray:
    """Elementwise relative error ``|a - n| / max(|a| + |n|, floor)``.

    Args:
        analytic, numerical: arrays of the same shape.
        floor: the smallest denominator; by default ``max(1e-8, 1e-4 * max(|a| + |n|))``.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    total = np.abs(a) + np.abs(n)
    if floor is None:
        floor = max(1e-8, 1e-4 * float(total.max(initial=0.0)))
    return np.abs(a - n) / np.maximum(total, floor)


def numerical_gradient(
    f: Callable[[], float | ndarray], x: ndarray, h: float = DEFAULT_H
) -> ndarray:
    """∂f/∂x by central differences, perturbing ``x`` in place (and restoring it).

    Args:
        f: a function of no arguments that reads ``x`` and returns a scalar, or the terms
            whose sum is the scalar (``output * G``): the two sides are then subtracted
            term by term before summing, so the terms ``x`` does not touch cancel exactly and
            the rounding of a large sum does not swamp a small gradient.
        x: a float64 array that ``f`` depends on.
        h: the step.
    Returns:
        An array of ``x``'s shape.
    """
    if x.dtype != np.float64:
        raise ValueError(f"gradient checks need a float64 array, got dtype {x.dtype}")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = f()
        x[index] = original - h
        minus = f()
        x[index] = original
        grad[index] = _difference(plus, minus) / (2 * h)
    return grad


def _difference(plus: float | ndarray, minus: float | ndarray) -> float:
    if np.ndim(plus):  # terms: subtracted before they are summed
        return float(np.sum(np.asarray(plus, dtype=np.float64) - np.asarray(minus)))
    return float(plus) - float(minus)


def _ratio(analytic: ndarray, numerical: ndarray) -> float | None:
    big = np.abs(numerical) > 1e-3 * max(float(np.abs(numerical).max(initial=0.0)), 1e-12)
    big &= np.abs(analytic) > 0
    if not big.any():
        return None
    return float(np.median(analytic[big] / numerical[big]))


def compare_gradients(
    analytic: ndarray, numerical: ndarray, name: str = "x", tol: float = DEFAULT_TOL
) -> GradCheckResult:
    """Compare two gradients of the same shape; see ``rel_error``."""
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numerical.shape:
        raise ValueError(
            f"the analytic gradient of {name} has shape {analytic.shape}, "
            f"expected {numerical.shape}"
        )
    if analytic.size == 0:
        return GradCheckResult(name, 0.0, (), 0.0, 0.0, tol)
    total = np.abs(analytic) + np.abs(numerical)
    floor = max(NOISE_FLOOR, 1e-4 * float(total.max(initial=0.0)))
    errors = rel_error(analytic, numerical, floor)
    if not np.all(np.isfinite(analytic)):
        errors = np.where(np.isfinite(analytic), errors, np.inf)
    worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
    worst = tuple(int(i) for i in worst)
    return GradCheckResult(
        name=name,
        max_rel_error=float(errors[worst]),
        worst_index=worst,
        analytic=float(analytic[worst]),
        numerical=float(numerical[worst]),
        tol=tol,
        ratio=_ratio(analytic, numerical),
    )


def check_gradient(
    f: Callable[[], float],
    x: ndarray,
    analytic: ndarray,
    name: str = "x",
    h: float = DEFAULT_H,
    tol: float = DEFAULT_TOL,
) -> GradCheckResult:
    """Check ``analytic`` against the numerical gradient of ``f`` with respect to ``x``."""
    return compare_gradients(analytic, numerical_gradient(f, x, h), name, tol)


def _output_weights(shape: tuple[int, ...], seed: int) -> ndarray:
    """Random weights G so that L = Σ output · G has ∂L/∂output = G."""
    return np.random.default_rng(seed).standard_normal(shape)


def check_operation(
    op: Any, input_: ndarray, seed: int = 0, h: float = DEFAULT_H, tol: float = DEFAULT_TOL
) -> list[GradCheckResult]:
    """Check an ``Operation``'s input gradient (and ``param_grad``, if it has a ``param``).

    The loss is ``L = Σ op.forward(input_) · G`` for a fixed random ``G``, so ∂L/∂output = G.
    Returns one result for ``input_`` and, for a ``ParamOperation``, one for ``param``.
    """
    grad_out = _output_weights(op.forward(input_).shape, seed)

    def loss() -> float:
        return float(np.sum(op.forward(input_) * grad_out))

    op.forward(input_)
    input_grad = np.array(op.backward(grad_out), dtype=np.float64)
    results = [check_gradient(loss, input_, input_grad, "input_", h, tol)]
    if hasattr(op, "param"):
        param_grad = np.array(op.param_grad, dtype=np.float64)
        results.append(check_gradient(loss, op.param, param_grad, "param", h, tol))
    return results


def check_layer(
    layer: Any, input_: ndarray, seed: int = 0, h: float = DEFAULT_H, tol: float = DEFAULT_TOL
) -> list[GradCheckResult]:
    """Check a ``Layer``'s input gradient and every one of its parameters' gradients."""
    grad_out = _output_weights(layer.forward(input_).shape, seed)

    def loss() -> float:
        return float(np.sum(layer.forward(input_) * grad_out))

    layer.forward(input_)
    input_grad = np.array(layer.backward(grad_out), dtype=np.float64)
    layer._params()
    param_grads = [np.array(g, dtype=np.float64) for g in layer.param_grads]
    results = [check_gradient(loss, input_, input_grad, "input_", h, tol)]
    for i, (param, grad) in enumerate(zip(layer.params, param_grads, strict=True)):
        results.append(check_gradient(loss, param, grad, f"params[{i}]", h, tol))
    return results


def check_loss(
    loss: Any,
    prediction: ndarray,
    target: ndarray,
    h: float = DEFAULT_H,
    tol: float = DEFAULT_TOL,
) -> GradCheckResult:
    """Check a ``Loss``'s gradient with respect to ``prediction``."""
    loss.forward(prediction, target)
    analytic = np.array(loss.backward(), dtype=np.float64)
    return check_gradient(
        lambda: loss.forward(prediction, target), prediction, analytic, "prediction", h, tol
    )


def check_network(
    net: Any,
    X: ndarray,
    y: ndarray,
    h: float = DEFAULT_H,
    tol: float = DEFAULT_TOL,
) -> list[GradCheckResult]:
    """Check the gradient of a ``NeuralNetwork``'s loss with respect to every parameter.

    Runs without dropout noise only if the network's layers have none (``inference`` is
    False throughout, as in training).
    """

    def loss() -> float:
        return float(net.loss.forward(net.forward(X), y))

    loss()
    net.backward(net.loss.backward())
    params = list(net.params())
    grads = [np.array(g, dtype=np.float64) for g in net.param_grads()]
    return [
        check_gradient(loss, p, g, f"params[{i}]", h, tol)
        for i, (p, g) in enumerate(zip(params, grads, strict=True))
    ]


def all_passed(results: Sequence[GradCheckResult]) -> bool:
    """True when every result passed."""
    return all(r.passed for r in results)
