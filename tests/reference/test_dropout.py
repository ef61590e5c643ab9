"""Dropout: the same expected output in training and inference, the mask, its gradient."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference import Dropout


@pytest.mark.parametrize("keep_prob", [0.0, -0.1, 1.5, float("nan")])
def test_keep_prob_outside_the_unit_interval_is_refused(keep_prob):
    with pytest.raises(ValueError, match=r"keep_prob must lie in \(0, 1\], got keep_prob="):
        Dropout(keep_prob)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8])
def test_expected_output_is_the_same_in_training_and_inference(keep_prob):
    """Is the training output's mean the input (statistically), and inference the input?"""
    x = np.full((400, 500), 2.0)
    op = Dropout(keep_prob, seed=0)
    train = op.forward(x)
    # The mean of 200 000 scaled Bernoulli draws: its standard error is 2·√((1 − p)/p / n).
    stderr = 2.0 * np.sqrt((1 - keep_prob) / keep_prob / x.size)
    assert abs(train.mean() - 2.0) < 5 * stderr
    assert abs(np.mean(train != 0) - keep_prob) < 0.01
    np.testing.assert_array_equal(op.forward(x, inference=True), x)


def test_kept_elements_are_scaled_dropped_are_zero():
    op = Dropout(0.8, seed=1)
    out = op.forward(np.ones((50, 40)))
    assert set(np.unique(out)) == {0.0, 1.25}
    np.testing.assert_array_equal(op.mask, out)


def test_keep_prob_one_keeps_everything(rng):
    x = rng.standard_normal((10, 7))
    np.testing.assert_array_equal(Dropout(1.0, seed=3).forward(x), x)


def test_masks_change_between_passes_and_repeat_with_the_seed(rng):
    x = np.ones((20, 30))
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first = a.forward(x)
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))


def test_dropout_accepts_a_generator():
    gen = np.random.default_rng(5)
    op = Dropout(0.5, seed=gen)
    assert op.rng is gen


def test_gradient_with_a_fixed_mask(rng):
    """With the mask held fixed, is backward the gradient of the forward pass?"""
    op = Dropout(0.6)
    x = rng.standard_normal((6, 5))
    G = rng.standard_normal((6, 5))

    def loss() -> float:
        op.rng = np.random.default_rng(11)  # the same mask on every pass
        return float(np.sum(op.forward(x) * G))

    loss()
    result = check_gradient(loss, x, op.backward(G), "input_")
    assert result.passed, str(result)
    np.testing.assert_array_equal(op.backward(G), G * op.mask)
