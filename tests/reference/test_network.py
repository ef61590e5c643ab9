"""NeuralNetwork: whole-network gradients, seeding (no correlated layers), restart."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_network
from dlfs.reference import (
    Dense,
    Linear,
    MeanSquaredError,
    NeuralNetwork,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
)


def _deep(seed=1, dropout=1.0):
    layers = [
        Dense(7, Tanh(), weight_init="glorot", dropout=dropout),
        Dense(6, Sigmoid()),
        Dense(5, ReLU(), weight_init="glorot"),
        Dense(3, Linear(), weight_init="glorot"),
    ]
    return NeuralNetwork(layers, SoftmaxCrossEntropy(), seed=seed)


def test_deep_network_gradients(rng):
    """Does every parameter's gradient in a four-layer network match central differences?"""
    X, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    results = check_network(_deep(seed=5), X, y)
    assert len(results) == 8
    for result in results:
        assert result.passed, str(result)


def test_regression_network_gradients(rng):
    net = NeuralNetwork([Dense(5, Sigmoid()), Dense(1, Linear())], MeanSquaredError(), seed=2)
    for result in check_network(net, rng.standard_normal((9, 3)), rng.standard_normal((9, 1))):
        assert result.passed, str(result)


def test_the_first_layer_skips_the_input_gradient_and_keeps_its_parameter_gradients(rng):
    """The data's gradient is never computed; the parameters' gradients are those a full
    backward pass through every layer gives."""
    X, y = rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    net = _deep(seed=5)
    net.loss.forward(net.forward(X), y)
    loss_grad = net.loss.backward()
    first = net.layers[0].operations[0]
    calls = []
    first._input_grad = lambda output_grad: calls.append(output_grad)
    net.backward(loss_grad)
    assert calls == []
    skipped = [g.copy() for g in net.param_grads()]
    del first._input_grad
    grad = loss_grad
    for layer in reversed(net.layers):
        grad = layer.backward(grad)
    assert grad.shape == X.shape
    for got, full in zip(skipped, net.param_grads(), strict=True):
        np.testing.assert_array_equal(got, full)


def _initial_params(net, n_in=4):
    net.forward(np.zeros((1, n_in)))
    return [p.copy() for p in net.params()]


def test_same_seed_same_network_different_seed_different_network():
    a, b, c = _initial_params(_deep(1)), _initial_params(_deep(1)), _initial_params(_deep(2))
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a[0], c[0])


def _two_equal_layers(seed):
    return NeuralNetwork([Dense(5, Linear()), Dense(5, Linear())], MeanSquaredError(), seed=seed)


def test_layers_of_the_same_shape_start_different():
    """Do two layers of the same shape get different initial weights from one network seed?"""
    W1, _, W2, _ = _initial_params(_two_equal_layers(20190119), n_in=5)
    assert not np.allclose(W1, W2)
    assert abs(np.corrcoef(W1.ravel(), W2.ravel())[0, 1]) < 0.5


def test_book_reseeding_makes_layers_of_the_same_shape_equal():
    """The book re-seeds NumPy before every layer's draws: its layers start identical."""

    def book_draw(seed, shape):
        np.random.seed(seed)
        return np.random.normal(0, 1.0, size=shape)

    book = [book_draw(20190119, (5, 5)) for _ in range(2)]
    assert np.array_equal(book[0], book[1])  # the book's bug
    ours = _initial_params(_two_equal_layers(20190119), n_in=5)
    assert not np.array_equal(ours[0], ours[2])


def test_restart_draws_the_same_initial_weights_again(rng):
    net = _deep(3)
    first = _initial_params(net)
    net.train_batch(rng.standard_normal((4, 4)), np.eye(3)[[0, 1, 2, 0]])
    for p in net.params():
        p += 1.0
    net.restart()
    for p, q in zip(first, _initial_params(net), strict=True):
        np.testing.assert_array_equal(p, q)


def test_train_batch_returns_the_loss_and_leaves_the_parameters(rng):
    net = _deep(4)
    X, y = rng.standard_normal((5, 4)), np.eye(3)[[0, 1, 2, 0, 1]]
    before = _initial_params(net)
    loss = net.train_batch(X, y)
    assert loss == pytest.approx(net.loss.forward(net.forward(X), y))
    for p, q in zip(before, net.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    grads = list(net.param_grads())
    assert [g.shape for g in grads] == [p.shape for p in net.params()]


def test_inference_is_deterministic_training_is_not(rng):
    """With dropout, do training passes differ and inference passes agree?"""
    net = _deep(6, dropout=0.5)
    X = rng.standard_normal((8, 4))
    np.testing.assert_array_equal(net.forward(X, inference=True), net.forward(X, inference=True))
    assert not np.array_equal(net.forward(X), net.forward(X))


def test_an_empty_network_is_refused():
    with pytest.raises(ValueError, match=r"at least one layer, got layers=\[\]"):
        NeuralNetwork([], MeanSquaredError())


def test_seed_none_leaves_the_layers_generators():
    layer = Dense(3, seed=8)
    rng = layer.rng
    NeuralNetwork([layer], MeanSquaredError(), seed=None)
    assert layer.rng is rng
