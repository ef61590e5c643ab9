"""Chapter 1: matrix products, σ of them and their sum, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference.foundations import sigmoid, square
from dlfs.reference.matrix_functions import (
    matmul_backward_first,
    matmul_forward,
    matrix_forward_extra,
    matrix_function_backward_1,
    matrix_function_backward_sum_1,
    matrix_function_forward_sum,
)

SIGMAS = {"sigmoid": sigmoid, "square": square, "tanh": np.tanh}
SHAPES = [((1, 3), (3, 1)), ((4, 3), (3, 1)), ((5, 3), (3, 2))]


def test_the_forward_functions_give_known_values():
    X = np.array([[1.0, 2.0, 3.0]])
    W = np.array([[1.0], [0.0], [-1.0]])
    np.testing.assert_allclose(matmul_forward(X, W), [[-2.0]])
    np.testing.assert_allclose(matrix_forward_extra(X, W, square), [[4.0]])
    assert matrix_function_forward_sum(np.vstack([X, X]), W, square) == pytest.approx(8.0)


def test_matmul_backward_first_is_the_transpose_of_w(rng):
    X, W = rng.standard_normal((1, 3)), rng.standard_normal((3, 1))
    dNdX = matmul_backward_first(X, W)
    np.testing.assert_array_equal(dNdX, W.T)
    result = check_gradient(lambda: float(np.sum(matmul_forward(X, W))), X, dNdX, name="X")
    assert result.passed, str(result)


@pytest.mark.parametrize("name", sorted(SIGMAS))
@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_matrix_function_backward_1_passes_the_gradient_check(rng, name, x_shape, w_shape):
    sigma = SIGMAS[name]
    X, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    grad = matrix_function_backward_1(X, W, sigma)
    assert grad.shape == X.shape
    result = check_gradient(lambda: float(np.sum(matrix_forward_extra(X, W, sigma))), X, grad)
    assert result.passed, str(result)


@pytest.mark.parametrize("name", sorted(SIGMAS))
@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_matrix_function_backward_sum_1_passes_the_gradient_check(rng, name, x_shape, w_shape):
    sigma = SIGMAS[name]
    X, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    grad = matrix_function_backward_sum_1(X, W, sigma)
    assert grad.shape == X.shape
    result = check_gradient(lambda: matrix_function_forward_sum(X, W, sigma), X, grad, name="X")
    assert result.passed, str(result)


def test_the_sum_gradient_of_sigmoid_has_the_closed_form(rng):
    X, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 1))
    s = sigmoid(X @ W)
    expected = (s * (1 - s)) @ W.T
    np.testing.assert_allclose(matrix_function_backward_sum_1(X, W, sigmoid), expected, rtol=1e-5)


@pytest.mark.parametrize(
    "func",
    [
        matmul_forward,
        matmul_backward_first,
        lambda X, W: matrix_forward_extra(X, W, sigmoid),
        lambda X, W: matrix_function_backward_1(X, W, sigmoid),
        lambda X, W: matrix_function_forward_sum(X, W, sigmoid),
        lambda X, W: matrix_function_backward_sum_1(X, W, sigmoid),
    ],
)
def test_shapes_that_do_not_chain_are_rejected(func):
    with pytest.raises(ValueError, match=r"X of shape \(2, 3\) and W of shape \(4, 1\)"):
        func(np.zeros((2, 3)), np.zeros((4, 1)))
