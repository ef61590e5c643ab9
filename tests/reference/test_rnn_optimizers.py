"""Tests of the recurrent optimizers: update rules, gradient clipping, argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference.rnn_layers import LSTMLayer, RNNLayer
from dlfs.reference.rnn_model import RNNModel, RNNSoftmaxCrossEntropy
from dlfs.reference.rnn_optimizers import RNNSGD, AdaGrad, RNNOptimizer


def _model_with_grads(rng: np.random.Generator) -> RNNModel:
    """A two-layer model whose parameters and gradients are set by hand."""
    model = RNNModel([RNNLayer(3, 4), LSTMLayer(2, 5)], 2, 5, RNNSoftmaxCrossEntropy(), seed=0)
    model.forward(np.zeros((1, 2, 5)))
    for layer in model.layers:
        for param in layer.params.values():
            param["value"][:] = rng.standard_normal(param["value"].shape)
            param["deriv"][:] = 3 * rng.standard_normal(param["deriv"].shape)
    return model


def _snapshot(model: RNNModel, key: str) -> list[np.ndarray]:
    return [p[key].copy() for layer in model.layers for p in layer.params.values()]


def test_sgd_clips_to_plus_minus_two_then_steps(rng):
    """Does RNNSGD clip each gradient element to [−2, 2] and then take param − lr · grad?"""
    model = _model_with_grads(rng)
    before, grads = _snapshot(model, "value"), _snapshot(model, "deriv")
    assert max(np.abs(g).max() for g in grads) > 2
    optim = RNNSGD(lr=0.1)
    optim.model = model
    optim.step()
    for old, grad, new in zip(before, grads, _snapshot(model, "value"), strict=True):
        np.testing.assert_allclose(new, old - 0.1 * np.clip(grad, -2, 2))
    assert max(np.abs(g).max() for g in _snapshot(model, "deriv")) <= 2


def test_sgd_without_clipping(rng):
    """With gradient_clipping=False, is the full gradient used?"""
    model = _model_with_grads(rng)
    before, grads = _snapshot(model, "value"), _snapshot(model, "deriv")
    optim = RNNSGD(lr=0.1, gradient_clipping=False)
    optim.model = model
    optim.step()
    for old, grad, new in zip(before, grads, _snapshot(model, "value"), strict=True):
        np.testing.assert_allclose(new, old - 0.1 * grad)


def test_clip_value_is_configurable(rng):
    """Does clip_value set the clipping bound?"""
    grad = 5 * rng.standard_normal(100)
    RNNSGD(clip_value=0.5)._clip_gradient(grad)
    assert np.abs(grad).max() == 0.5


def test_adagrad_over_two_steps(rng):
    """Does AdaGrad divide by the root of the summed squared (clipped) gradients?"""
    model = _model_with_grads(rng)
    optim = AdaGrad(lr=0.1, eps=1e-7)
    optim.model = model
    params, total = _snapshot(model, "value"), None
    for _ in range(2):
        grads = [np.clip(g, -2, 2) for g in _snapshot(model, "deriv")]
        optim.step()
        total = (
            [g * g for g in grads]
            if total is None
            else [s + g * g for s, g in zip(total, grads, strict=True)]
        )
        params = [
            p - 0.1 * g / (np.sqrt(s) + 1e-7) for p, g, s in zip(params, grads, total, strict=True)
        ]
    for expected, new in zip(params, _snapshot(model, "value"), strict=True):
        np.testing.assert_allclose(new, expected)
    assert len(optim.sum_squares) == len(params)


def test_adagrads_first_step_has_size_lr(rng):
    """Is AdaGrad's first step lr · grad / (|grad| + eps) ≈ lr · sign(grad) everywhere?"""
    model = _model_with_grads(rng)
    before = _snapshot(model, "value")
    signs = [np.sign(g) for g in _snapshot(model, "deriv")]
    optim = AdaGrad(lr=0.01)
    optim.model = model
    optim.step()
    for old, sign, new in zip(before, signs, _snapshot(model, "value"), strict=True):
        np.testing.assert_allclose(old - new, 0.01 * sign, atol=1e-4)


def test_step_needs_a_model():
    """Does step say what is missing when no model was set?"""
    with pytest.raises(RuntimeError, match="model"):
        RNNSGD().step()


def test_base_class_has_no_update_rule(rng):
    """Is the template's update rule left to subclasses?"""
    with pytest.raises(NotImplementedError):
        RNNOptimizer()._update_rule(np.zeros(2), np.zeros(2), (0, "W"))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: RNNSGD(lr=0), "lr=0"),
        (lambda: RNNSGD(lr=-1.0), "lr=-1.0"),
        (lambda: AdaGrad(clip_value=0), "clip_value=0"),
        (lambda: AdaGrad(eps=-1e-7), "eps=-1e-07"),
    ],
)
def test_bad_arguments_raise(make, message):
    """Are nonpositive rates, bounds and eps refused, quoting the value?"""
    with pytest.raises(ValueError, match=message):
        make()
