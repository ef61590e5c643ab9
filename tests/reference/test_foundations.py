"""Chapter 1: elementwise functions, the numerical derivative and the chain rule."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference.foundations import (
    chain_deriv_2,
    chain_deriv_3,
    chain_length_2,
    deriv,
    leaky_relu,
    multiple_inputs_add,
    multiple_inputs_add_backward,
    sigmoid,
    square,
)

SMOOTH = {"sigmoid": sigmoid, "square": square, "tanh": np.tanh}


def test_square_leaky_relu_and_sigmoid_give_known_values():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(square(x), [4.0, 0.25, 0.0, 2.25])
    np.testing.assert_allclose(leaky_relu(x), [-0.4, -0.1, 0.0, 1.5])
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75])


def test_sigmoid_is_symmetric_and_keeps_the_shape(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(sigmoid(-x), 1.0 - sigmoid(x))
    assert sigmoid(x).shape == x.shape


def test_deriv_of_a_quadratic_is_exact_up_to_rounding(rng):
    x = rng.standard_normal(7)
    np.testing.assert_allclose(deriv(square, x), 2 * x, atol=1e-9)


def test_deriv_of_leaky_relu_is_one_or_the_slope_away_from_zero():
    x = np.array([-3.0, -0.1, 0.1, 2.0])
    np.testing.assert_allclose(deriv(leaky_relu, x), [0.2, 0.2, 1.0, 1.0])


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_deriv_passes_the_gradient_check(rng, name):
    func = SMOOTH[name]
    x = rng.standard_normal((4, 3))
    result = check_gradient(lambda: float(np.sum(func(x))), x, deriv(func, x), name="input_")
    assert result.passed, str(result)


@pytest.mark.parametrize("delta", [0.0, -0.001])
def test_deriv_rejects_a_non_positive_delta(delta):
    with pytest.raises(ValueError, match=f"delta={delta!r}"):
        deriv(square, np.zeros(3), delta=delta)


def test_chain_length_2_applies_the_first_function_first():
    x = np.array([0.0, 1.0, -2.0])
    np.testing.assert_allclose(chain_length_2([square, sigmoid], x), sigmoid(x**2))
    np.testing.assert_allclose(chain_length_2([sigmoid, square], x), sigmoid(x) ** 2)


def test_chain_deriv_2_matches_the_closed_form(rng):
    x = rng.standard_normal(10)
    s = sigmoid(x)
    np.testing.assert_allclose(chain_deriv_2([sigmoid, square], x), 2 * s * s * (1 - s), rtol=1e-5)


@pytest.mark.parametrize("chain", [[sigmoid, square], [square, sigmoid], [np.tanh, leaky_relu]])
def test_chain_deriv_2_passes_the_gradient_check(rng, chain):
    x = rng.standard_normal((2, 5))
    x[np.abs(x) < 0.01] = 1.0  # keep tanh(x) away from leaky_relu's kink at 0
    result = check_gradient(
        lambda: float(np.sum(chain_length_2(chain, x))), x, chain_deriv_2(chain, x)
    )
    assert result.passed, str(result)


def test_chain_deriv_3_passes_the_gradient_check(rng):
    chain = [np.tanh, square, sigmoid]
    x = rng.standard_normal(12)
    result = check_gradient(
        lambda: float(np.sum(sigmoid(square(np.tanh(x))))), x, chain_deriv_3(chain, x)
    )
    assert result.passed, str(result)


def test_chain_deriv_3_is_order_sensitive(rng):
    x = rng.standard_normal(6)
    assert not np.allclose(
        chain_deriv_3([np.tanh, square, sigmoid], x), chain_deriv_3([sigmoid, square, np.tanh], x)
    )


@pytest.mark.parametrize(
    ("func", "chain", "length"),
    [
        (chain_length_2, [square], 2),
        (chain_deriv_2, [square, sigmoid, square], 2),
        (chain_deriv_3, [square, sigmoid], 3),
    ],
)
def test_chains_of_the_wrong_length_are_rejected(func, chain, length):
    with pytest.raises(ValueError, match=f"chain of {length} functions, got {len(chain)}"):
        func(chain, np.zeros(3))


def test_multiple_inputs_add_is_sigma_of_the_sum():
    x, y = np.array([1.0, -1.0]), np.array([0.5, 1.0])
    np.testing.assert_allclose(multiple_inputs_add(x, y, square), [2.25, 0.0])


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_multiple_inputs_add_backward_passes_the_gradient_check(rng, name):
    sigma = SMOOTH[name]
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    dsdx, dsdy = multiple_inputs_add_backward(x, y, sigma)

    def loss() -> float:
        return float(np.sum(multiple_inputs_add(x, y, sigma)))

    for value, grad, label in ((x, dsdx, "x"), (y, dsdy, "y")):
        result = check_gradient(loss, value, grad, name=label)
        assert result.passed, str(result)


@pytest.mark.parametrize("func", [multiple_inputs_add, multiple_inputs_add_backward])
def test_multiple_inputs_need_the_same_shape(func):
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        func(np.zeros(3), np.zeros(4), sigmoid)
