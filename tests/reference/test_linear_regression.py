"""Chapter 2: linear regression from scratch — forward, exact gradients, training."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference.linear_regression import (
    forward_linear_regression,
    init_weights,
    loss_gradients,
    predict,
    train,
)


def _batch(rng, n=8, d=3):
    X = rng.standard_normal((n, d))
    y = rng.standard_normal((n, 1))
    return X, y, init_weights(d, rng)


def test_the_forward_pass_gives_a_known_loss():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[5.0], [10.0]])
    weights = {"W": np.array([[1.0], [1.0]]), "B": np.array([[0.5]])}
    loss, info = forward_linear_regression(X, y, weights)
    np.testing.assert_allclose(info["P"], [[3.5], [7.5]])
    assert loss == pytest.approx((1.5**2 + 2.5**2) / 2)
    assert set(info) == {"X", "N", "P", "y"}


def test_predict_matches_the_forward_pass(rng):
    X, y, weights = _batch(rng)
    _, info = forward_linear_regression(X, y, weights)
    np.testing.assert_allclose(predict(X, weights), info["P"])


@pytest.mark.parametrize("n", [1, 7, 32])
def test_loss_gradients_pass_the_gradient_check(rng, n):
    X, y, weights = _batch(rng, n=n)
    _, info = forward_linear_regression(X, y, weights)
    grads = loss_gradients(info, weights)
    for key in ("W", "B"):
        assert grads[key].shape == weights[key].shape
        result = check_gradient(
            lambda: forward_linear_regression(X, y, weights)[0], weights[key], grads[key], key
        )
        assert result.passed, str(result)


def test_the_books_summed_gradient_is_n_times_too_large(rng):
    """Does the gradient check catch the book's dL/dP = -2(y - P), which forgets the 1/N?"""
    X, y, weights = _batch(rng, n=16)
    _, info = forward_linear_regression(X, y, weights)
    book_dLdP = -2 * (info["y"] - info["P"])
    book_dLdW = X.T @ book_dLdP
    result = check_gradient(
        lambda: forward_linear_regression(X, y, weights)[0], weights["W"], book_dLdW
    )
    assert not result.passed
    assert result.ratio == pytest.approx(16.0)


def test_gradient_descent_on_noiseless_data_recovers_the_weights(rng):
    X = rng.standard_normal((60, 4))
    y = X @ np.array([[1.0], [-2.0], [3.0], [0.5]]) + 7.0
    weights = train(X, y, n_iter=800, learning_rate=0.1, batch_size=15, seed=0)
    np.testing.assert_allclose(weights["W"].ravel(), [1.0, -2.0, 3.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(weights["B"], [[7.0]], atol=1e-6)


def test_training_reduces_the_loss_and_is_reproducible(rng):
    X = rng.standard_normal((100, 3))
    y = X @ np.array([[2.0], [0.0], [-1.0]]) + 0.1 * rng.standard_normal((100, 1))
    losses, weights = train(
        X, y, n_iter=300, learning_rate=0.05, batch_size=23, return_losses=True, seed=5
    )
    assert len(losses) == 300
    assert np.mean(losses[-20:]) < 0.1 * np.mean(losses[:20])
    again = train(X, y, n_iter=300, learning_rate=0.05, batch_size=23, seed=5)
    other = train(X, y, n_iter=300, learning_rate=0.05, batch_size=23, seed=6)
    np.testing.assert_array_equal(weights["W"], again["W"])
    assert not np.array_equal(weights["W"], other["W"])


def test_train_accepts_a_generator_and_does_not_touch_the_global_state(rng):
    X, y = rng.standard_normal((30, 2)), rng.standard_normal((30, 1))
    state = np.random.get_state()[1].copy()
    a = train(X, y, n_iter=10, seed=np.random.default_rng(3))
    b = train(X, y, n_iter=10, seed=3)
    np.testing.assert_array_equal(a["W"], b["W"])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_init_weights_has_the_books_shapes_and_rejects_zero_features():
    weights = init_weights(13, 0)
    assert weights["W"].shape == (13, 1) and weights["B"].shape == (1, 1)
    with pytest.raises(ValueError, match="n_in=0"):
        init_weights(0)


@pytest.mark.parametrize(
    ("y_shape", "w_shape", "b_shape", "match"),
    [
        ((8,), (3, 1), (1, 1), r"y_batch must be \[N, 1\] with N = 8, got shape \(8,\)"),
        ((8, 1), (4, 1), (1, 1), r"W of shape \(4, 1\)"),
        ((8, 1), (3, 1), (1, 3), r"B must be \[1, 1\], got shape \(1, 3\)"),
    ],
)
def test_the_forward_pass_rejects_shapes_that_do_not_fit(y_shape, w_shape, b_shape, match):
    weights = {"W": np.zeros(w_shape), "B": np.zeros(b_shape)}
    with pytest.raises(ValueError, match=match):
        forward_linear_regression(np.zeros((8, 3)), np.zeros(y_shape), weights)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_iter": 0}, "n_iter=0"),
        ({"learning_rate": -0.1}, "learning_rate=-0.1"),
        ({"batch_size": 0}, "batch_size=0"),
    ],
)
def test_train_rejects_bad_settings(rng, kwargs, match):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    with pytest.raises(ValueError, match=match):
        train(X, y, **kwargs)


def test_train_rejects_a_1d_target(rng):
    with pytest.raises(ValueError, match=r"y of shape \(10,\)"):
        train(rng.standard_normal((10, 2)), rng.standard_normal(10))
