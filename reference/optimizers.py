"""Optimizers (chapters 3–4): ``SGD`` and ``SGDMomentum``, with learning-rate decay.

An optimizer updates a network's parameters in place from their gradients, once per batch
(``step``). A ``Trainer`` sets ``net`` and ``max_epochs`` and calls ``_decay_lr`` after each
epoch but the last, so the learning rate goes from ``lr`` in the first epoch to ``final_lr``
in the last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["DECAY_TYPES", "SGD", "Optimizer", "SGDMomentum"]

DECAY_TYPES = (None, "linear", "exponential")


class Optimizer:
    """The template: ``step`` applies ``_update_rule`` to every parameter of ``net``.

    Args:
        lr: the learning rate of the first epoch, > 0.
        final_lr: the learning rate of the last epoch when decaying.
        decay_type: None (constant), ``"linear"`` (lr falls by the same amount each epoch)
            or ``"exponential"`` (by the same factor; needs final_lr > 0).
    """

    net: NeuralNetwork

    def __init__(self, lr: float = 0.01, final_lr: float = 0.0, decay_type: str | None = None):
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got lr={lr!r}")
        if decay_type not in DECAY_TYPES:
            raise ValueError(f"decay_type must be one of {DECAY_TYPES}, got {decay_type!r}")
        if final_lr < 0 or (decay_type == "exponential" and final_lr <= 0):
            raise ValueError(
                f"final_lr must be >= 0 (> 0 for exponential decay), got final_lr={final_lr!r}"
            )
        self.initial_lr = float(lr)
        self.lr = float(lr)
        self.final_lr = float(final_lr)
        self.decay_type = decay_type
        self.max_epochs = 1
        self.decay_per_epoch = 0.0 if decay_type == "linear" else 1.0
        self.first = True

    def reset(self) -> None:
        """Back to the first epoch's learning rate, forgetting any state (velocities)."""
        self.lr = self.initial_lr
        self.first = True

    def _setup_decay(self) -> None:
        """Set ``self.decay_per_epoch`` so that ``max_epochs − 1`` decays take lr to final_lr.

        Linear: the difference (lr − final_lr) / (max_epochs − 1), subtracted each epoch.
        Exponential: the factor (final_lr / lr) ** (1 / (max_epochs − 1)), multiplied in each
        epoch. With a single epoch there is nothing to decay.
        """
        if self.decay_type is None:
            return
        steps = max(self.max_epochs - 1, 1)
        ### BEGIN SOLUTION
        if self.decay_type == "exponential":
            self.decay_per_epoch = (self.final_lr / self.lr) ** (1.0 / steps)
        else:
            self.decay_per_epoch = (self.lr - self.final_lr) / steps
        ### END SOLUTION

    def _decay_lr(self) -> None:
        """One epoch's decay of ``self.lr`` by ``self.decay_per_epoch``."""
        if self.decay_type is None:
            return
        ### BEGIN SOLUTION
        if self.decay_type == "exponential":
            self.lr *= self.decay_per_epoch
        else:
            self.lr -= self.decay_per_epoch
        ### END SOLUTION

    def step(self) -> None:
        """Update every parameter of ``self.net`` in place from its gradient."""
        for param, grad in zip(self.net.params(), self.net.param_grads(), strict=True):
            self._update_rule(param, grad)

    def _update_rule(self, param: ndarray, grad: ndarray) -> None:
        """Update ``param`` in place; every subclass writes it."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(lr={self.initial_lr}, final_lr={self.final_lr}, "
            f"decay_type={self.decay_type!r})"
        )


class SGD(Optimizer):
    """Stochastic gradient descent: param ← param − lr · grad."""

    def _update_rule(self, param: ndarray, grad: ndarray) -> None:
        """param ← param − lr · grad, in place (the network holds the same array).

        Args:
            param: any shape; updated in place.
            grad: its gradient, the same shape.
        """
        ### BEGIN SOLUTION
        param -= self.lr * grad
        ### END SOLUTION


class SGDMomentum(Optimizer):
    """SGD with momentum: velocity ← momentum · velocity + lr · grad; param ← param − velocity.

    Args:
        momentum: the fraction of the last velocity kept, in [0, 1).
    """

    def __init__(
        self,
        lr: float = 0.01,
        final_lr: float = 0.0,
        decay_type: str | None = None,
        momentum: float = 0.9,
    ) -> None:
        super().__init__(lr, final_lr, decay_type)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got momentum={momentum!r}")
        self.momentum = float(momentum)
        self.velocities: list[ndarray] = []

    def step(self) -> None:
        """Update every parameter in place; the velocities start at zero on the first step."""
        if self.first:
            self.velocities = [np.zeros_like(param) for param in self.net.params()]
            self.first = False
        for param, grad, velocity in zip(
            self.net.params(), self.net.param_grads(), self.velocities, strict=True
        ):
            self._update_rule(param, grad, velocity)

    def _update_rule(self, param: ndarray, grad: ndarray, velocity: ndarray) -> None:
        """velocity ← momentum · velocity + lr · grad; param ← param − velocity; in place.

        Args:
            param: any shape; updated in place.
            grad: its gradient, the same shape.
            velocity: this parameter's velocity, the same shape; updated in place.
        """
        ### BEGIN SOLUTION
        velocity *= self.momentum
        velocity += self.lr * grad
        param -= velocity
        ### END SOLUTION
