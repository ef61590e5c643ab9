"""WeightMultiply and BiasAdd: gradients, the bias summed over the batch, bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_operation
from dlfs.reference import BiasAdd, WeightMultiply


@pytest.mark.parametrize(("n", "d", "h"), [(1, 1, 1), (4, 3, 5), (7, 6, 2)])
def test_weight_multiply_gradients(rng, n, d, h):
    """Do ∂L/∂input_ and ∂L/∂W match central differences?"""
    op = WeightMultiply(rng.standard_normal((d, h)))
    for result in check_operation(op, rng.standard_normal((n, d))):
        assert result.passed, str(result)


@pytest.mark.parametrize(("n", "h"), [(1, 1), (5, 3), (8, 6)])
def test_bias_add_gradients(rng, n, h):
    """Do ∂L/∂input_ and ∂L/∂B match central differences?"""
    op = BiasAdd(rng.standard_normal((1, h)))
    for result in check_operation(op, rng.standard_normal((n, h))):
        assert result.passed, str(result)


def test_forward_values(rng):
    """Is the forward pass input_ @ W + B, B added to every row?"""
    X, W, B = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
    out = BiasAdd(B).forward(WeightMultiply(W).forward(X))
    np.testing.assert_allclose(out, X @ W + B)


def test_bias_grad_is_summed_over_the_batch(rng):
    """Is ∂L/∂B the sum of ∂L/∂output over the rows (not the mean, not one row)?"""
    op = BiasAdd(np.zeros((1, 3)))
    op.forward(rng.standard_normal((6, 3)))
    output_grad = rng.standard_normal((6, 3))
    op.backward(output_grad)
    np.testing.assert_allclose(op.param_grad, output_grad.sum(axis=0, keepdims=True))
    assert op.param_grad.shape == (1, 3)


def test_weight_grad_is_input_transposed_times_output_grad(rng):
    """Is ∂L/∂W = Xᵀ G and ∂L/∂X = G Wᵀ?"""
    X, W, G = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    op = WeightMultiply(W)
    op.forward(X)
    np.testing.assert_allclose(op.backward(G), G @ W.T)
    np.testing.assert_allclose(op.param_grad, X.T @ G)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 2, 3)])
def test_bias_add_rejects_bad_shapes(shape):
    """Does BiasAdd insist on a [1, H] bias?"""
    with pytest.raises(ValueError, match=r"\[1, H\]"):
        BiasAdd(np.zeros(shape))


def test_weight_multiply_rejects_a_vector():
    with pytest.raises(ValueError, match=r"2-D weight matrix, got shape \(3,\)"):
        WeightMultiply(np.zeros(3))


def test_backward_rejects_a_gradient_of_the_wrong_shape(rng):
    """Does backward refuse an output gradient whose shape is not the output's?"""
    op = WeightMultiply(rng.standard_normal((3, 2)))
    op.forward(rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 3\) does not match"):
        op.backward(np.ones((4, 3)))
