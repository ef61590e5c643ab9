"""Sigmoid, Linear, Tanh, ReLU: gradients, values, and the book's ReLU mask."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_operation
from dlfs.reference import Linear, Operation, ReLU, Sigmoid, Tanh

ACTIVATIONS = [Sigmoid, Linear, Tanh, ReLU]


def _away_from_zero(rng, shape):
    """Inputs at least 0.1 from 0, where ReLU's kink would spoil central differences."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, 0.1 + np.abs(x), x)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1), (5, 4), (3, 2, 4)])
def test_gradients(rng, activation, shape):
    """Does each activation's backward match central differences, for any shape?"""
    (result,) = check_operation(activation(), _away_from_zero(rng, shape))
    assert result.passed, str(result)


def test_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x))
    np.testing.assert_allclose(ReLU().forward(x), [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(Linear().forward(x), x)


def test_sigmoid_does_not_overflow():
    """Is σ finite and warning-free for very large |x|?"""
    with np.errstate(all="raise"):
        out = Sigmoid().forward(np.array([[-1000.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 1.0]])


class BookReLU(Operation):
    """The book's ReLU: its mask ``output >= 0`` is true everywhere."""

    def _output(self, inference: bool = False):
        return np.clip(self.input_, 0, None)

    def _input_grad(self, output_grad):
        return output_grad * (self.output >= 0)


def test_book_relu_mask_fails_the_gradient_check_ours_passes(rng):
    """Does the book's mask pass gradients where the input is negative, and ours not?"""
    x = _away_from_zero(rng, (6, 5))
    (book,) = check_operation(BookReLU(), x.copy())
    (ours,) = check_operation(ReLU(), x.copy())
    assert not book.passed
    assert ours.passed, str(ours)


def test_relu_blocks_the_gradient_of_negative_inputs():
    relu = ReLU()
    relu.forward(np.array([[-1.0, 2.0, -3.0, 4.0]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 4))), [[0.0, 1.0, 0.0, 1.0]])
