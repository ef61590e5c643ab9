"""The operations with a parameter: ``WeightMultiply`` and ``BiasAdd`` (chapter 3).

A ``Dense`` layer is ``input_ @ W + B`` followed by an activation; these are its first two
operations. Each writes only its math; ``ParamOperation`` does the bookkeeping.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import ParamOperation

__all__ = ["BiasAdd", "WeightMultiply"]


class WeightMultiply(ParamOperation):
    """Multiply the input by a weight matrix: ``output = input_ @ W``.

    Args:
        W: [D, H] weights; the input is [N, D] and the output [N, H].
    """

    def __init__(self, W: ndarray) -> None:
        if W.ndim != 2:
            raise ValueError(f"WeightMultiply needs a 2-D weight matrix, got shape {W.shape}")
        super().__init__(W)

    def _output(self, inference: bool = False) -> ndarray:
        """``input_ @ W``.

        Returns:
            [N, H] array: ``self.input_`` [N, D] times ``self.param`` [D, H].
        """
        ### BEGIN SOLUTION
        return self.input_ @ self.param
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output @ Wᵀ.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, D] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad @ self.param.T
        ### END SOLUTION

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂W = input_ᵀ @ ∂L/∂output: the sum over the batch of each row's outer product.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [D, H] array of W's shape.
        """
        ### BEGIN SOLUTION
        return self.input_.T @ output_grad
        ### END SOLUTION


class BiasAdd(ParamOperation):
    """Add a bias row to every row of the input: ``output = input_ + B``.

    Args:
        B: [1, H] bias, broadcast over the batch; the input and output are [N, H].
    """

    def __init__(self, B: ndarray) -> None:
        if B.ndim != 2 or B.shape[0] != 1:
            raise ValueError(f"BiasAdd needs a bias of shape [1, H], got shape {B.shape}")
        super().__init__(B)

    def _output(self, inference: bool = False) -> ndarray:
        """``input_ + B``, B broadcast over the N rows.

        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return self.input_ + self.param
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output: adding a constant passes the gradient through.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad
        ### END SOLUTION

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂B: B is added to every row, so its gradient is ∂L/∂output summed over the batch.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [1, H] array of B's shape.
        """
        ### BEGIN SOLUTION
        return np.sum(output_grad, axis=0, keepdims=True)
        ### END SOLUTION
