"""Activation functions as operations: ``Sigmoid``, ``Linear`` (chapter 3), ``Tanh``, ``ReLU``
(chapter 4). Each works elementwise on an array of any shape, [N, H] in a ``Dense`` layer.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import Operation

__all__ = ["Linear", "ReLU", "Sigmoid", "Tanh"]


class Sigmoid(Operation):
    """The logistic function σ(x) = 1 / (1 + e^(−x)), elementwise."""

    def _output(self, inference: bool = False) -> ndarray:
        """σ(input_) = 1 / (1 + e^(−input_)), elementwise.

        Returns:
            [N, H] array of the input's shape, values in (0, 1).
        """
        ### BEGIN SOLUTION
        # The same function as 1 / (1 + exp(-x)), without overflow for large negative x.
        return 0.5 * (1.0 + np.tanh(0.5 * self.input_))
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output · σ(x)(1 − σ(x)), with σ(x) = ``self.output``.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad * self.output * (1.0 - self.output)
        ### END SOLUTION


class Linear(Operation):
    """The identity: ``output = input_`` (the book's activation for regression outputs)."""

    def _output(self, inference: bool = False) -> ndarray:
        """The input unchanged.

        Returns:
            [N, H] array, ``self.input_``.
        """
        ### BEGIN SOLUTION
        return self.input_
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output.

        Args:
            output_grad: [N, H] array.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad
        ### END SOLUTION


class Tanh(Operation):
    """The hyperbolic tangent, elementwise."""

    def _output(self, inference: bool = False) -> ndarray:
        """tanh(input_), elementwise.

        Returns:
            [N, H] array of the input's shape, values in (−1, 1).
        """
        ### BEGIN SOLUTION
        return np.tanh(self.input_)
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output · (1 − tanh²(x)), with tanh(x) = ``self.output``.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad * (1.0 - self.output * self.output)
        ### END SOLUTION


class ReLU(Operation):
    """The rectified linear unit max(x, 0), elementwise."""

    def _output(self, inference: bool = False) -> ndarray:
        """max(input_, 0), elementwise.

        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return np.maximum(self.input_, 0.0)
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output where input_ > 0, and 0 elsewhere.

        The mask must come from the input (or ``output > 0``): the book's ``output >= 0`` is
        true everywhere, since the output is never negative, and passes every gradient.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad * (self.input_ > 0)
        ### END SOLUTION
