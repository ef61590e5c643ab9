"""Helpers the chapters' probes share: seeded inputs and forward/backward passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

from ..gradcheck import numerical_gradient
from .inplace import ChangedInPlace, read_only, stored, unchanged

__all__ = [
    "AFTER_FORWARD",
    "EXTREME",
    "ChangedInPlace",
    "backward_after",
    "earlier_call",
    "extreme_inputs",
    "layer_pass",
    "loss_pass",
    "numeric",
    "op_pass",
    "output_grad_for",
    "read_only",
    "unchanged",
]


EXTREME = (-1000.0, -300.0, -40.0, -1.0, 0.0, 1.0, 40.0, 300.0, 1000.0)
"""Inputs where a formula right on small values can overflow (e^1000 is inf): an
elementwise function must still return its finite limit there (1 or 0, ±1)."""


def extreme_inputs(rng: np.random.Generator, **_: Any) -> dict[str, ndarray]:
    """:data:`EXTREME` as a batch of two rows (the second negated)."""
    row = np.array(EXTREME)
    return {"x": np.stack([row, -row[::-1] * 0.5])}


def output_grad_for(shape: tuple[int, ...], seed: int) -> ndarray:
    """A fixed random ∂L/∂output, so that L = Σ output · G (the gradient checker's loss)."""
    return np.random.default_rng(seed).standard_normal(shape)


def op_pass(
    op: Any, input_: ndarray, numerical: bool = False, seed: int = 7, inference: bool = False
) -> dict[str, ndarray]:
    """Forward then backward through an ``Operation`` with L = Σ output · G, after a first
    pass on other numbers (:func:`earlier_call`; not for the numerical gradients).

    Args:
        op: the operation (a ``ParamOperation`` also yields its ``param_grad``).
        input_: its input, float64.
        numerical: give central-difference gradients of L instead (run on the pristine
            reference, in the grader).
        seed: the seed of G.
    Returns:
        ``output``, ``input_grad`` and, with a parameter, ``param_grad``.
    """
    if not numerical:
        earlier_call(op, input_, inference, seed)
    original = input_.copy()
    with read_only(input_=input_):
        output = op.forward(input_, inference)
    grad = output_grad_for(np.shape(output), seed)
    if numerical:

        def loss() -> ndarray:  # L's terms: summed after the two sides are subtracted
            return np.asarray(op.forward(input_, inference)) * grad

        result = {"output": np.array(output), "input_grad": numerical_gradient(loss, input_)}
        if hasattr(op, "param"):
            result["param_grad"] = numerical_gradient(loss, op.param)
        return result
    # The learner's methods are called directly, not through ``backward``: a gradient of the
    # wrong shape then reaches the grader, which can say how it is wrong.
    before = {"input_": original, "output_grad": grad.copy()}
    result = {"output": np.array(output, copy=True)}
    with read_only(input_=input_, output_grad=grad, **stored(op)):
        result["input_grad"] = op._input_grad(grad)
        if hasattr(op, "param"):
            result["param_grad"] = op._param_grad(grad)
    unchanged(before, {"input_": input_, "output_grad": grad})
    return result


AFTER_FORWARD = "_after_forward"
"""The suffix of a gradient that a backward computed from what the checked forward stored."""


def backward_after(piece: Any, output: Any, seed: int = 7) -> dict[str, ndarray]:
    """The gradients a backward pass gives right after the checked forward, with
    L = Σ output · G: a forward whose outputs are right but which stores the wrong thing (or too
    little) for its backward — a pre-activation for an activation, one node kept for every time
    step — gives wrong gradients here.

    Args:
        piece: an operation or a layer, its forward just run.
        output: what that forward returned.
        seed: the seed of G.
    Returns:
        ``input_grad_after_forward`` and each parameter's ``<name>_grad_after_forward``.
    """
    grad = output_grad_for(np.shape(output), seed)
    with read_only(output_grad=grad, **stored(piece)):
        result = {f"input_grad{AFTER_FORWARD}": np.array(piece.backward(grad), copy=True)}
    if getattr(piece, "param_grad", None) is not None:
        result[f"param_grad{AFTER_FORWARD}"] = np.array(piece.param_grad, copy=True)
    elif hasattr(piece, "params"):
        for name, value in _named_grads(piece).items():
            result[f"{name}_grad{AFTER_FORWARD}"] = np.array(value, copy=True)
    return result


def earlier_call(
    op: Any, input_: ndarray, inference: bool = False, seed: int = 7, backward: bool = True
) -> None:
    """A forward (and backward) pass on other numbers first — the batch in reverse order —
    so that the checked call's results cannot come from what an earlier call left on the
    object (a mask or columns computed once, an output cached, a stale ``self.`` value): a
    correct operation gives the same either way. For a layer (no ``_input_grad``), its
    ``backward``: its gradients must then be the checked batch's alone, not added up.

    An operation's ``param`` holds other values during that pass and is set back in place
    afterwards, as an optimizer's step changes it between two calls: what was derived from it
    once and kept (the filters as a matrix, a transpose) shows as stale. A sequence layer's
    earlier sequence is two steps longer: the checked one is then shorter than the nodes
    made before it, as a text's last batch is. An operation's gradients are stored on it as
    ``backward`` stores them (``input_grad``, ``param_grad``), as a network's pass leaves them."""
    axis = next((a for a in range(input_.ndim) if input_.shape[a] > 1), None)
    if axis is None:
        return
    param = getattr(op, "param", None)
    if not (isinstance(param, np.ndarray) and param.dtype.kind == "f" and param.flags.writeable):
        _earlier_pass(op, input_, axis, inference, seed, backward)
        return
    kept = param.copy()
    param += output_grad_for(param.shape, seed + 2)  # no relation to its own values
    try:
        _earlier_pass(op, input_, axis, inference, seed, backward)
    finally:
        param[...] = kept


def after_an_earlier_call(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` after a first call on other numbers of the same shapes (each array
    reversed along its first axis longer than one), so that its result cannot come from what
    an earlier call left behind — a buffer kept on the function and added into, a default
    argument filled once, a cache by shape: a correct function gives the same either way."""
    function(*(_other_numbers(a) if isinstance(a, np.ndarray) else a for a in args))
    return function(*args)


def _other_numbers(a: ndarray) -> ndarray:
    axis = next((k for k in range(a.ndim) if a.shape[k] > 1), None)
    return a.copy() if axis is None else np.ascontiguousarray(np.flip(a, axis))


def _earlier_pass(
    op: Any, input_: ndarray, axis: int, inference: bool, seed: int, backward: bool
) -> None:
    other = np.ascontiguousarray(np.flip(input_, axis))
    if other.ndim == 3 and hasattr(op, "nodes"):  # a sequence layer: a longer sequence first
        other = np.concatenate([other, other[:, :2]], axis=1)  # (nodes made for it, then fewer)
    with read_only(input_=other):
        output = op.forward(other, inference) if inference else op.forward(other)
    if not backward:
        return
    grad = output_grad_for(np.shape(output), seed + 1)
    with read_only(input_=other, output_grad=grad, **stored(op)):
        if not hasattr(op, "_input_grad"):  # a layer
            op.backward(grad)
            return
        op.input_grad = op._input_grad(grad)  # stored as `backward` stores them: what a
        if hasattr(op, "param"):  # learner's code reads back from an earlier pass is there
            op.param_grad = op._param_grad(grad)


def layer_pass(
    layer: Any, input_: ndarray, numerical: bool = False, seed: int = 7
) -> dict[str, ndarray]:
    """Forward then backward through a layer with L = Σ output · G.

    A layer's parameters are either the book's lists (``params`` and ``param_grads`` of a
    ``Dense``) or its recurrent layers' ``params`` dict of ``{"value", "deriv"}``.

    Returns:
        ``output``, ``input_grad`` and ``<name>_grad`` for each parameter (``param_<i>``
        for the lists).
    """
    original = input_.copy()
    if not numerical:  # the gradients must be this batch's, not added up over batches
        earlier_call(layer, input_, seed=seed)
    with read_only(input_=input_):
        output = layer.forward(input_)
    grad = output_grad_for(np.shape(output), seed)
    if numerical:

        def loss() -> ndarray:  # L's terms: summed after the two sides are subtracted
            return np.asarray(layer.forward(input_)) * grad

        result = {"output": np.array(output), "input_grad": numerical_gradient(loss, input_)}
        for name, value in _named_params(layer).items():
            result[f"{name}_grad"] = numerical_gradient(loss, value)
        return result
    before = {"input_": original, "output_grad": grad.copy()}
    with read_only(input_=input_, output_grad=grad, **stored(layer)):
        result = {"output": np.array(output, copy=True), "input_grad": layer.backward(grad)}
    result.update({f"{name}_grad": g for name, g in _named_grads(layer).items()})
    unchanged(before, {"input_": input_, "output_grad": grad})
    return result


def _named_params(layer: Any) -> dict[str, ndarray]:
    if isinstance(layer.params, dict):
        return {name: param["value"] for name, param in layer.params.items()}
    return {f"param_{i}": param for i, param in enumerate(layer.params)}


def _named_grads(layer: Any) -> dict[str, ndarray]:
    if isinstance(layer.params, dict):
        return {name: param["deriv"] for name, param in layer.params.items()}
    return {f"param_{i}": grad for i, grad in enumerate(layer.param_grads)}


def loss_pass(
    loss: Any, prediction: ndarray, target: ndarray, numerical: bool = False
) -> dict[str, ndarray]:
    """A ``Loss``'s value and its gradient with respect to the prediction."""
    before = {"prediction": prediction.copy(), "target": target.copy()}
    with read_only(prediction=prediction, target=target):
        value = loss.forward(prediction, target)
    if numerical:
        grad = numerical_gradient(lambda: float(loss.forward(prediction, target)), prediction)
        return {"loss": np.float64(value), "input_grad": grad}
    with read_only(prediction=prediction, target=target, **stored(loss)):
        result = {"loss": value, "input_grad": loss._input_grad()}
    unchanged(before, {"prediction": prediction, "target": target})
    return result


def numeric(f: Callable[[], float], x: ndarray) -> ndarray:
    """``numerical_gradient`` under a short name for the probes."""
    return numerical_gradient(f, x)
