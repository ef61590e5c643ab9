"""Optimizers for recurrent models (chapter 6): ``RNNOptimizer``, ``RNNSGD``, ``AdaGrad``.

They update the ``params`` dictionaries of an ``RNNModel``'s layers in place. Recurrent
gradients can explode (a product of T Jacobians), so by default every gradient element is
first clipped to [−2, 2], as in the book.

The book calls its plain gradient descent ``SGD``; chapter 3's ``SGD`` (which updates a
``NeuralNetwork``) already has that name in ``dlfs.reference``, so this one is ``RNNSGD``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray

if TYPE_CHECKING:
    from .rnn_model import RNNModel

__all__ = ["RNNSGD", "AdaGrad", "RNNOptimizer"]


class RNNOptimizer:
    """The template: ``step`` clips and then applies ``_update_rule`` to every parameter.

    Args:
        lr: the learning rate, > 0.
        gradient_clipping: clip each gradient element to [−clip_value, clip_value] first.
        clip_value: the clipping bound, > 0 (the book's 2).

    Attributes:
        model: the ``RNNModel`` to update; ``RNNTrainer`` sets it.
    """

    model: RNNModel

    def __init__(
        self, lr: float = 0.01, gradient_clipping: bool = True, clip_value: float = 2.0
    ) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got lr={lr!r}")
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive, got clip_value={clip_value!r}")
        self.lr = float(lr)
        self.gradient_clipping = gradient_clipping
        self.clip_value = float(clip_value)

    def step(self) -> None:
        """Update every parameter of ``self.model``'s layers from its ``deriv``."""
        if not hasattr(self, "model"):
            raise RuntimeError("set the optimizer's model first (RNNTrainer does)")
        for i, layer in enumerate(self.model.layers):
            for name, param in layer.params.items():
                if self.gradient_clipping:
                    self._clip_gradient(param["deriv"])
                self._update_rule(param["value"], param["deriv"], key=(i, name))

    def _clip_gradient(self, grad: ndarray) -> None:
        """Clip every element of ``grad`` to [−clip_value, clip_value], in place.

        Args:
            grad: a parameter's gradient, any shape; modified in place.
        """
        ### BEGIN SOLUTION
        np.clip(grad, -self.clip_value, self.clip_value, out=grad)
        ### END SOLUTION

    def _update_rule(self, param: ndarray, grad: ndarray, key: tuple[int, str]) -> None:
        """Update ``param`` in place from ``grad``; ``key`` (layer index, name) names it."""
        raise NotImplementedError


class RNNSGD(RNNOptimizer):
    """Plain gradient descent: param ← param − lr · grad (the book's chapter 6 ``SGD``)."""

    def _update_rule(self, param: ndarray, grad: ndarray, key: tuple[int, str]) -> None:
        """param ← param − lr · grad, in place.

        Args:
            param: a parameter, any shape; updated in place.
            grad: its gradient, the same shape.
            key: (layer index, parameter name); unused here.
        """
        ### BEGIN SOLUTION
        param -= self.lr * grad
        ### END SOLUTION


class AdaGrad(RNNOptimizer):
    """Gradient descent with a learning rate per element that shrinks as gradients add up.

    G ← G + grad², param ← param − lr · grad / (√G + eps), G starting at zero for each
    parameter. (The book adds eps to G at every step instead; the two agree up to eps.)

    Args:
        lr, gradient_clipping, clip_value: as for ``RNNOptimizer``.
        eps: keeps the division finite while G is still zero.
    """

    def __init__(
        self,
        lr: float = 0.01,
        gradient_clipping: bool = True,
        clip_value: float = 2.0,
        eps: float = 1e-7,
    ) -> None:
        super().__init__(lr, gradient_clipping, clip_value)
        if not eps > 0:
            raise ValueError(f"eps must be positive, got eps={eps!r}")
        self.eps = eps
        self.sum_squares: dict[tuple[int, str], ndarray] = {}

    def _update_rule(self, param: ndarray, grad: ndarray, key: tuple[int, str]) -> None:
        """G ← G + grad², param ← param − lr · grad / (√G + eps), both in place.

        Args:
            param: a parameter, any shape; updated in place.
            grad: its gradient, the same shape.
            key: (layer index, parameter name); ``self.sum_squares[key]`` is its G.
        """
        sum_square = self.sum_squares.setdefault(key, np.zeros_like(param))
        ### BEGIN SOLUTION
        sum_square += grad * grad
        param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)
        ### END SOLUTION
