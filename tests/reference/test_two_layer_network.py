"""Chapter 2: the two-layer network from scratch — forward, true gradients, the book's bug."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference.foundations import sigmoid
from dlfs.reference.two_layer_network import (
    forward_loss,
    init_weights,
    loss_gradients,
    predict,
    train,
)

KEYS = ("W1", "B1", "W2", "B2")


def _batch(rng, n=10, d=4, h=5):
    X = rng.standard_normal((n, d))
    y = rng.standard_normal((n, 1))
    return X, y, init_weights(d, h, rng)


def _book_loss_gradients(forward_info, weights):
    """The book's chapter 2 backward pass, as printed: dL/dP = -(y - P)."""
    dLdP = -(forward_info["y"] - forward_info["P"])
    dLdW2 = forward_info["O1"].T @ dLdP
    dLdB2 = dLdP.sum(axis=0)
    dLdO1 = dLdP @ weights["W2"].T
    s = sigmoid(forward_info["N1"])
    dLdN1 = dLdO1 * s * (1 - s)
    return {"W1": forward_info["X"].T @ dLdN1, "B1": dLdN1.sum(axis=0), "W2": dLdW2, "B2": dLdB2}


def _check_all(X, y, weights, grads):
    def loss() -> float:
        return forward_loss(X, y, weights)[0]

    return {
        key: check_gradient(loss, weights[key], np.reshape(grads[key], weights[key].shape), key)
        for key in KEYS
    }


def test_the_forward_pass_gives_a_known_loss():
    X = np.zeros((2, 3))
    y = np.array([[1.0], [3.0]])
    weights = {
        "W1": np.ones((3, 2)),
        "B1": np.zeros((1, 2)),
        "W2": np.ones((2, 1)),
        "B2": np.ones((1, 1)),
    }
    loss, info = forward_loss(X, y, weights)
    np.testing.assert_allclose(info["O1"], 0.5)
    np.testing.assert_allclose(info["P"], [[2.0], [2.0]])  # 0.5 + 0.5 + 1
    assert loss == pytest.approx(1.0)
    assert set(info) == {"X", "M1", "N1", "O1", "M2", "P", "y"}


def test_predict_matches_the_forward_pass(rng):
    X, y, weights = _batch(rng)
    _, info = forward_loss(X, y, weights)
    np.testing.assert_allclose(predict(X, weights), info["P"])


@pytest.mark.parametrize("n", [1, 10, 23])
def test_loss_gradients_pass_the_gradient_check(rng, n):
    X, y, weights = _batch(rng, n=n)
    _, info = forward_loss(X, y, weights)
    grads = loss_gradients(info, weights)
    for key, result in _check_all(X, y, weights, grads).items():
        assert grads[key].shape == weights[key].shape
        assert result.passed, str(result)


def test_the_books_gradient_fails_the_check_by_half_the_batch_size(rng):
    """Does the check catch the book's dL/dP, which lacks the factor 2 and the batch average?"""
    X, y, weights = _batch(rng, n=10)
    _, info = forward_loss(X, y, weights)
    for key, result in _check_all(X, y, weights, _book_loss_gradients(info, weights)).items():
        assert not result.passed, key
        assert result.ratio == pytest.approx(5.0), key  # N / 2
    ours = loss_gradients(info, weights)
    book = _book_loss_gradients(info, weights)
    for key in KEYS:
        np.testing.assert_allclose(np.reshape(book[key], ours[key].shape), 5.0 * ours[key])


def test_training_reduces_the_loss_and_is_reproducible(rng):
    X = rng.standard_normal((120, 3))
    y = np.sin(X[:, :1]) + X[:, 1:2] ** 2
    losses, weights = train(
        X,
        y,
        n_iter=1500,
        learning_rate=0.05,
        hidden_size=8,
        batch_size=20,
        return_losses=True,
        seed=9,
    )
    assert len(losses) == 1500
    assert np.mean(losses[-50:]) < 0.5 * np.mean(losses[:50])
    again = train(X, y, n_iter=1500, learning_rate=0.05, hidden_size=8, batch_size=20, seed=9)
    for key in KEYS:
        np.testing.assert_array_equal(weights[key], again[key])


def test_init_weights_has_the_books_shapes_and_rejects_bad_sizes():
    weights = init_weights(13, 13, rng=0)
    assert {k: v.shape for k, v in weights.items()} == {
        "W1": (13, 13),
        "B1": (1, 13),
        "W2": (13, 1),
        "B2": (1, 1),
    }
    with pytest.raises(ValueError, match="hidden_size=0"):
        init_weights(13, 0)


def test_the_forward_pass_rejects_shapes_that_do_not_fit(rng):
    X, y, weights = _batch(rng, n=6, d=4, h=5)
    with pytest.raises(ValueError, match=r"y must be \[N, 1\] with N = 6, got shape \(6,\)"):
        forward_loss(X, y.ravel(), weights)
    with pytest.raises(ValueError, match=r"W1 must have shape \(3, 5\), got \(4, 5\)"):
        forward_loss(X[:, :3], y, weights)
    with pytest.raises(ValueError, match=r"weights lack \['B2'\]"):
        forward_loss(X, y, {k: v for k, v in weights.items() if k != "B2"})


def test_train_rejects_bad_settings(rng):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    with pytest.raises(ValueError, match="learning_rate=0"):
        train(X, y, learning_rate=0)
    with pytest.raises(ValueError, match="hidden_size=0"):
        train(X, y, hidden_size=0)
