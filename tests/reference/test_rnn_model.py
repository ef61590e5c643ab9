"""Tests of RNNModel and its sequence loss: the whole model's gradients checked numerically,
the loss as chapter 4's softmax cross-entropy over N·T rows, argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient, check_loss
from dlfs.datasets import one_hot_chars
from dlfs.reference.losses import SoftmaxCrossEntropy
from dlfs.reference.rnn_layers import GRULayer, LSTMLayer, RNNLayer
from dlfs.reference.rnn_model import RNNModel, RNNSoftmaxCrossEntropy

N, T, V = 3, 4, 6


def _batch(rng: np.random.Generator, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    chars = rng.integers(0, V, size=(n, T + 1))
    return one_hot_chars(chars[:, :-1], V), one_hot_chars(chars[:, 1:], V)


def _model(reduction: str = "sum", seed: int = 0) -> RNNModel:
    layers = [
        GRULayer(5, 4, weight_scale=1.0, carry_state=False),
        LSTMLayer(6, V, weight_scale=1.0, carry_state=False),
    ]
    return RNNModel(layers, T, V, RNNSoftmaxCrossEntropy(reduction=reduction), seed=seed)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_model_gradients_pass_the_numerical_check(reduction, rng):
    """Does single_step leave the loss's gradient in every parameter of every layer?"""
    model = _model(reduction)
    x, y = _batch(rng)

    def loss() -> float:
        return model.loss.forward(model.forward(x), y)

    model.single_step(x, y)
    # The summed loss is about N·T·log V ≈ 20: a step of 1e-5 keeps the rounding noise of
    # the central differences (≈ 1e-16 · L / h) well below the smallest gradients.
    for i, layer in enumerate(model.layers):
        for name, param in layer.params.items():
            deriv = param["deriv"].copy()
            result = check_gradient(loss, param["value"], deriv, f"{i}.{name}", h=1e-5)
            assert result.passed, str(result)


def test_sequence_loss_is_chapter_4s_loss_over_the_rows(rng):
    """Is the summed loss N·T times SoftmaxCrossEntropy's over the N·T rows, the mean 1×?"""
    scores = rng.standard_normal((N, T, V))
    _, target = _batch(rng)
    rows = SoftmaxCrossEntropy().forward(scores.reshape(-1, V), target.reshape(-1, V))
    summed = RNNSoftmaxCrossEntropy().forward(scores, target)
    mean = RNNSoftmaxCrossEntropy(reduction="mean").forward(scores, target)
    assert summed == pytest.approx(N * T * rows)
    assert mean == pytest.approx(rows)
    manual = -np.sum(target * np.log(np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)))
    assert summed == pytest.approx(manual)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_sequence_loss_gradient(reduction, rng):
    """Is the sequence loss's gradient p − y (summed) or (p − y)/(N·T) (mean)?"""
    loss = RNNSoftmaxCrossEntropy(reduction=reduction)
    scores = rng.standard_normal((N, T, V))
    _, target = _batch(rng)
    result = check_loss(loss, scores, target)
    assert result.passed, str(result)
    loss.forward(scores, target)
    expected = loss.softmax_preds - target
    np.testing.assert_allclose(loss.backward(), expected / (1 if reduction == "sum" else N * T))


def test_single_step_returns_the_loss_and_model_is_seeded(rng):
    """Does single_step return the batch's loss, and does seed fix the parameters?"""
    x, y = _batch(rng)
    a, b = _model(seed=4), _model(seed=4)
    loss = a.single_step(x, y)
    assert loss == pytest.approx(b.loss.forward(b.forward(x), y))
    assert loss == pytest.approx(N * T * np.log(V), rel=0.3)
    assert not np.allclose(_model(seed=5).forward(x), a.forward(x))


def test_backward_returns_the_input_gradient(rng):
    """Does backward return ∂L/∂input of the input's shape?"""
    model = _model()
    x, y = _batch(rng)
    model.loss.forward(model.forward(x), y)
    assert model.backward(model.loss.backward()).shape == x.shape


def test_reset_state_resets_every_layer(rng):
    """Does reset_state zero the carried state of each layer?"""
    model = RNNModel([RNNLayer(5, 4), LSTMLayer(5, V)], T, V, RNNSoftmaxCrossEntropy(), seed=0)
    model.forward(_batch(rng)[0])
    model.reset_state()
    assert all(not layer.start_H.any() for layer in model.layers)
    assert not model.layers[1].start_C.any()


def test_bad_arguments_raise(rng):
    """Are a vocabulary mismatch, an empty model and bad inputs refused, quoting values?"""
    loss = RNNSoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"output_size \(5\) must equal vocab_size=6"):
        RNNModel([LSTMLayer(4, 5)], T, V, loss)
    with pytest.raises(ValueError, match=r"layers=\[\]"):
        RNNModel([], T, V, loss)
    with pytest.raises(ValueError, match="sequence_length"):
        RNNModel([LSTMLayer(4, V)], 0, V, loss)
    with pytest.raises(ValueError, match=r"\[N, T, 6\], got \(3, 4, 5\)"):
        _model().forward(np.zeros((N, T, 5)))
    with pytest.raises(ValueError, match="'max'"):
        RNNSoftmaxCrossEntropy(reduction="max")
    with pytest.raises(ValueError, match=r"\[N, T, V\], got shape \(3, 6\)"):
        loss.forward(np.zeros((N, V)), np.zeros((N, V)))
