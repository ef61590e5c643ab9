"""Dropout (chapter 4): zero a random fraction of the activations while training.

This is *inverted* dropout: while training, each element is kept with probability
``keep_prob`` and the kept ones are divided by ``keep_prob``; at inference nothing is dropped
and nothing is scaled. Either way the expected output equals the input. (The book keeps the
training output unscaled and multiplies by ``keep_prob`` at inference instead: the same
expectations, but every prediction pays for the scaling, and a model trained with it gives
different raw outputs.)
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import Operation

__all__ = ["Dropout", "check_keep_prob"]


def check_keep_prob(keep_prob: float) -> float:
    """Return ``keep_prob`` as a float, or raise ``ValueError`` unless it lies in (0, 1]."""
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"keep_prob must lie in (0, 1], got keep_prob={keep_prob!r}")
    return float(keep_prob)


class Dropout(Operation):
    """Keep each element with probability ``keep_prob`` while training (inverted dropout).

    Args:
        keep_prob: the probability of keeping an element, in (0, 1]; 1 keeps everything.
        seed: an int or a ``numpy.random.Generator`` for the masks (a ``Dense`` layer passes
            its own generator).

    Attributes:
        mask: [N, H] array of the last training pass: 0 where dropped, 1 / keep_prob where kept.
    """

    mask: ndarray

    def __init__(
        self, keep_prob: float = 0.8, seed: int | np.random.Generator | None = None
    ) -> None:
        super().__init__()
        self.keep_prob = check_keep_prob(keep_prob)
        self.rng = np.random.default_rng(seed)

    def _output(self, inference: bool = False) -> ndarray:
        """While training, ``input_ * mask`` with a fresh random mask; at inference, ``input_``.

        Draw the mask with ``self.rng``: each element is 1 / keep_prob with probability
        keep_prob and 0 otherwise, so E[output] = input_. Store it in ``self.mask``.

        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        if inference:
            return self.input_
        keep = self.rng.random(self.input_.shape) < self.keep_prob
        self.mask = keep / self.keep_prob
        return self.input_ * self.mask
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ = ∂L/∂output · mask: dropped elements get no gradient.

        Args:
            output_grad: [N, H] array, ∂L/∂output.
        Returns:
            [N, H] array of the input's shape.
        """
        ### BEGIN SOLUTION
        return output_grad * self.mask
        ### END SOLUTION
