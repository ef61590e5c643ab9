"""The gradient checker itself: does it pass right gradients and catch wrong ones?"""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import (
    check_gradient,
    compare_gradients,
    numerical_gradient,
    rel_error,
)


def test_numerical_gradient_of_a_cubic_matches_its_derivative(rng):
    x = rng.standard_normal((3, 4))
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_restores_its_input(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_array_equal(x, before)


def test_a_right_gradient_passes_and_a_wrong_one_fails(rng):
    x = rng.standard_normal((4, 3))
    right = check_gradient(lambda: float(np.sum(np.tanh(x))), x, 1 - np.tanh(x) ** 2)
    assert right.passed, str(right)
    wrong = check_gradient(lambda: float(np.sum(np.tanh(x))), x, 1 - np.tanh(x))
    assert not wrong.passed
    assert wrong.max_rel_error > 1e-3


def test_a_gradient_off_by_the_batch_size_reports_the_ratio(rng):
    x = rng.standard_normal((32, 3))
    result = check_gradient(lambda: float(np.mean(x**2)), x, 2 * x)
    assert not result.passed
    assert result.ratio == pytest.approx(32 * 3)


def test_zero_gradients_are_not_failed_on_rounding_noise():
    numerical = np.array([2.0, 4.0, 3e-11])
    assert rel_error(np.array([2.0, 4.0, 0.0]), numerical).max() < 1e-6


def test_a_nan_gradient_fails():
    result = compare_gradients(np.array([1.0, np.nan]), np.array([1.0, 1.0]))
    assert not result.passed


def test_a_gradient_of_the_wrong_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        compare_gradients(np.zeros(2), np.zeros(3), name="W")


def test_float32_inputs_are_refused():
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_terms_are_subtracted_before_they_are_summed():
    """∂(Σ x·G)/∂x = G. Summed first, the large total's rounding swamps a small entry of G
    (the reference's average pooling failed its own gradient check for one seed in 40);
    given the terms, the central difference of that entry is exact to rounding of the
    entry itself."""
    import numpy as np

    from dlfs.autograder.gradcheck import numerical_gradient, rel_error

    rng = np.random.default_rng(0)
    x = rng.normal(size=400) * 50.0
    G = rng.normal(size=400)
    G[0] = 3e-4
    by_terms = numerical_gradient(lambda: x * G, x)
    assert rel_error(by_terms, G).max() < 1e-7
    summed = numerical_gradient(lambda: float(np.sum(x * G)), x)
    assert abs(summed[0] - G[0]) > abs(by_terms[0] - G[0])


def test_rounding_noise_on_a_small_gradient_passes_and_a_small_mistake_does_not():
    """Central differences carry about 1e-10 of absolute noise, whatever the gradient's size:
    an array of small gradients (an LSTM's W_v for one row, 7e-6) differing by that passes;
    the same array off by a tenth of its size, or with a sign flipped, fails."""
    from dlfs.autograder.gradcheck import compare_gradients

    right = np.array([[-6.768e-6, 2.1e-5], [4.0e-5, -1.3e-5]])
    noisy = right + np.array([[3.2e-10, -2.0e-10], [1.0e-10, 3.0e-10]])
    assert compare_gradients(right, noisy, "W_v").passed
    assert not compare_gradients(right * 1.1, noisy, "W_v").passed
    flipped = right.copy()
    flipped[0, 0] *= -1
    assert not compare_gradients(flipped, noisy, "W_v").passed
