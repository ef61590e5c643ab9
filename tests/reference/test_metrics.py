"""calc_accuracy_model and eval_regression_model."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference import (
    Dense,
    Dropout,
    Linear,
    MeanSquaredError,
    NeuralNetwork,
    SoftmaxCrossEntropy,
    calc_accuracy_model,
    eval_regression_model,
)


def _classifier():
    net = NeuralNetwork([Dense(3, Linear(), dropout=0.5)], SoftmaxCrossEntropy(), seed=1)
    net.forward(np.zeros((1, 3)))
    W, B = net.layers[0].params
    W[...], B[...] = np.eye(3), 0.0  # predicts the largest input's index
    return net


def test_accuracy_with_labels_or_one_hot_uses_inference():
    X = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    labels = np.array([0, 1, 2, 2])
    net = _classifier()
    assert isinstance(net.layers[0].operations[-1], Dropout)
    for _ in range(3):  # no dropout noise at inference
        assert calc_accuracy_model(net, X, labels) == 0.75
        assert calc_accuracy_model(net, X, np.eye(3)[labels]) == 0.75


def test_accuracy_in_small_batches_equals_all_at_once(rng):
    X = rng.standard_normal((25, 3))
    labels = rng.integers(0, 3, size=25)
    net = _classifier()
    whole = calc_accuracy_model(net, X, labels)
    assert calc_accuracy_model(net, X, labels, batch_size=4) == whole
    with pytest.raises(ValueError, match="batch_size=0"):
        calc_accuracy_model(net, X, labels, batch_size=0)


def test_accuracy_refuses_mismatched_rows():
    with pytest.raises(ValueError, match="X_test has 2 rows but y_test has 3"):
        calc_accuracy_model(_classifier(), np.zeros((2, 3)), np.zeros(3, dtype=int))


def test_regression_errors():
    net = NeuralNetwork([Dense(1, Linear())], MeanSquaredError(), seed=1)
    net.forward(np.zeros((1, 1)))
    W, B = net.layers[0].params
    W[...], B[...] = 1.0, 0.0
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    mae, rmse = eval_regression_model(net, X, X + np.array([[1.0], [-1.0], [3.0], [-3.0]]))
    assert mae == pytest.approx(2.0)
    assert rmse == pytest.approx(np.sqrt(5.0))
