"""Generic probes: the forward and backward passes of an operation, a layer and a loss.

Each builder takes how to draw the inputs (``inputs(rng, **params) -> dict`` holding the input
``x`` and whatever the piece needs) and how to make the piece from them
(``make(ref, inputs)``), and returns a declared :class:`~.record.Probe`. The backward probes go
through :mod:`.common`'s passes with L = Σ output · G, so that the same probe gives the
learner's gradients in the worker and central differences in the grader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .common import (
    AFTER_FORWARD,
    backward_after,
    earlier_call,
    layer_pass,
    loss_pass,
    op_pass,
    read_only,
    unchanged,
)
from .record import Probe, ProbeFunction
from .shared import kept_apart

__all__ = [
    "backward_after_forward",
    "layer_backward",
    "layer_forward",
    "loss_backward",
    "loss_backward_after_forward",
    "loss_forward",
    "op_backward",
    "op_forward",
]

Inputs = Callable[..., dict[str, Any]]
Make = Callable[[Any, dict[str, Any]], Any]


def _twin_between(
    piece: Any, make: Make, ref: Any, drawn: dict[str, Any], keys: tuple[str, ...]
) -> None:
    """A second piece of the same kind runs its forward on other numbers (the arguments
    flipped along their first axis longer than one) between the checked piece's forward and
    its backward: what one instance stores for its backward must be its own, not kept on the
    class or in a module's global where every instance shares it. A correct piece is
    unaffected."""
    first = drawn[keys[0]]
    axis = next((a for a in range(np.ndim(first)) if np.shape(first)[a] > 1), None)
    if axis is None:
        return
    other = {**drawn, **{k: np.ascontiguousarray(np.flip(drawn[k], axis)) for k in keys}}
    twin = make(ref, other)
    with read_only(**{k: other[k] for k in keys}), kept_apart(piece):
        twin.forward(*(other[k] for k in keys))


def _declared(
    run: ProbeFunction,
    name: str,
    inputs: Inputs,
    mistakes: Mapping[str, ProbeFunction] | None,
    doc: str,
) -> Probe:
    run.__doc__ = doc
    return Probe(run, inputs=inputs, mistakes=mistakes or {}, name=name)


def op_forward(
    name: str, make: Make, inputs: Inputs, doc: str = "", leaves: tuple[str, ...] = ()
) -> Probe:
    """``{"output": piece.forward(x)}`` of the operation (or layer) ``make(ref, inputs)``, and
    the attributes ``leaves`` names as the forward left them (the state a recurrent layer
    hands the next batch: its docstring's ``start_H``)."""

    def run(ref: Any, drawn: dict[str, Any], **_: Any) -> dict[str, Any]:
        piece = make(ref, drawn)
        earlier_call(piece, drawn["x"], backward=False)  # no state kept from another call
        original = drawn["x"].copy()
        with read_only(input_=drawn["x"]):
            output = piece.forward(drawn["x"])
        unchanged({"input_": original}, {"input_": drawn["x"]})
        left = {key: np.array(getattr(piece, key, np.nan), dtype=float) for key in leaves}
        return {"output": output, **left}

    return _declared(run, name, inputs, None, doc)


def op_backward(
    name: str,
    make: Make,
    inputs: Inputs,
    mistakes: Mapping[str, ProbeFunction] | None = None,
    doc: str = "",
) -> Probe:
    """``output``, ``input_grad`` (and ``param_grad``) of the operation ``make(ref, inputs)``."""

    def run(ref: Any, drawn: dict[str, Any], numerical: bool = False, **_: Any) -> dict[str, Any]:
        return op_pass(make(ref, drawn), drawn["x"], numerical)

    return _declared(run, name, inputs, mistakes, doc)


def backward_after_forward(name: str, make: Make, inputs: Inputs, doc: str = "") -> Probe:
    """The gradients a backward pass gives right after the learner's forward (see
    :func:`.common.backward_after`): what the forward stored for its backward, checked where
    the outputs alone cannot show it. The outputs themselves are the forward probe's."""

    def run(ref: Any, drawn: dict[str, Any], **_: Any) -> dict[str, Any]:
        piece = make(ref, drawn)
        earlier_call(piece, drawn["x"], backward=False)  # no state kept from another call
        with read_only(input_=drawn["x"]):
            output = piece.forward(drawn["x"])
        _twin_between(piece, make, ref, drawn, ("x",))
        return backward_after(piece, output)

    return _declared(run, name, inputs, None, doc or f"{name}: gradients{AFTER_FORWARD}.")


layer_forward = op_forward
"""A layer's forward probe is an operation's: ``{"output": layer.forward(x)}``."""


def layer_backward(name: str, make: Make, inputs: Inputs, doc: str = "") -> Probe:
    """``output``, ``input_grad`` and each parameter's gradient of ``make(ref, inputs)``."""

    def run(ref: Any, drawn: dict[str, Any], numerical: bool = False, **_: Any) -> dict[str, Any]:
        return layer_pass(make(ref, drawn), drawn["x"], numerical)

    return _declared(run, name, inputs, None, doc)


def loss_forward(
    name: str,
    make: Make,
    inputs: Inputs,
    mistakes: Mapping[str, ProbeFunction] | None = None,
    doc: str = "",
) -> Probe:
    """``{"loss": loss.forward(prediction, target)}`` of the loss ``make(ref, inputs)``; the
    prediction and the target must be left as they were."""

    def run(ref: Any, drawn: dict[str, Any], **_: Any) -> dict[str, Any]:
        given = {key: drawn[key] for key in ("prediction", "target")}
        before = {key: value.copy() for key, value in given.items()}
        with read_only(**given):
            value = make(ref, drawn).forward(given["prediction"], given["target"])
        unchanged(before, given)
        return {"loss": value}

    return _declared(run, name, inputs, mistakes, doc)


def loss_backward_after_forward(name: str, make: Make, inputs: Inputs, doc: str = "") -> Probe:
    """``input_grad_after_forward``: the loss's backward right after the learner's forward,
    from what that forward stored (``softmax_preds``, ``normalized``)."""

    def run(ref: Any, drawn: dict[str, Any], **_: Any) -> dict[str, Any]:
        loss = make(ref, drawn)
        with read_only(prediction=drawn["prediction"], target=drawn["target"]):
            loss.forward(drawn["prediction"], drawn["target"])
            _twin_between(loss, make, ref, drawn, ("prediction", "target"))
            grad = loss.backward()
        return {f"input_grad{AFTER_FORWARD}": np.array(grad, copy=True)}

    return _declared(run, name, inputs, None, doc or f"{name}: the gradient{AFTER_FORWARD}.")


def loss_backward(
    name: str,
    make: Make,
    inputs: Inputs,
    mistakes: Mapping[str, ProbeFunction] | None = None,
    doc: str = "",
) -> Probe:
    """The loss and ``input_grad``, its gradient with respect to the prediction."""

    def run(ref: Any, drawn: dict[str, Any], numerical: bool = False, **_: Any) -> dict[str, Any]:
        loss = make(ref, drawn)
        return loss_pass(loss, drawn["prediction"], drawn["target"], numerical)

    return _declared(run, name, inputs, mistakes, doc)
