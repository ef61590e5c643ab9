"""A character-level language model (chapter 6): ``RNNModel`` and its sequence loss.

``RNNModel`` is a list of recurrent layers plus a loss over [N, T, V] sequences: the
prediction for each time step is a vector of V scores, one per character of the vocabulary,
for the character that comes next. ``RNNSoftmaxCrossEntropy`` is chapter 4's
``SoftmaxCrossEntropy`` applied to the N·T time steps as rows: there is one softmax
cross-entropy implementation, and this adapter only reshapes and scales.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy import ndarray

from .losses import Loss, SoftmaxCrossEntropy
from .rnn_layers import RNNLayer

__all__ = ["REDUCTIONS", "RNNModel", "RNNSoftmaxCrossEntropy"]

REDUCTIONS = ("sum", "mean")


class RNNSoftmaxCrossEntropy(Loss):
    """Softmax cross-entropy over sequences: predictions and one-hot targets [N, T, V].

    Each of the N·T time steps is one row of chapter 4's ``SoftmaxCrossEntropy``.

    Args:
        eps: the clipping bound of the probabilities inside the log.
        reduction: ``"sum"`` (the book's chapter 6: L = −Σ y log p over all N·T characters,
            gradient p − y) or ``"mean"`` (L divided by N·T: the loss per character,
            gradient (p − y) / (N·T)). The book's printed loss also adds −Σ (1 − y) log(1 − p),
            which its gradient ignores; this loss leaves that term out.
    """

    def __init__(self, eps: float = 1e-9, reduction: str = "sum") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.rows = SoftmaxCrossEntropy(eps)
        self.reduction = reduction

    def _output(self) -> float:
        if self.prediction.ndim != 3:
            raise ValueError(
                f"expected predictions of shape [N, T, V], got shape {self.prediction.shape}"
            )
        N, T, V = self.prediction.shape
        self.scale = N * T if self.reduction == "sum" else 1
        mean = self.rows.forward(self.prediction.reshape(N * T, V), self.target.reshape(N * T, V))
        return mean * self.scale

    def _input_grad(self) -> ndarray:
        return self.rows.backward().reshape(self.prediction.shape) * self.scale

    @property
    def softmax_preds(self) -> ndarray:
        """[N, T, V] the probabilities of the last ``forward``."""
        return self.rows.softmax_preds.reshape(self.prediction.shape)


class RNNModel:
    """Recurrent layers, applied in turn, and a loss (the book's ``RNNModel``).

    Args:
        layers: recurrent layers; each one's ``output_size`` is the next one's input size,
            and the last one's is ``vocab_size``.
        sequence_length: T, the time steps of the training sequences.
        vocab_size: V, the characters in the vocabulary.
        loss: a loss over [N, T, V] (``RNNSoftmaxCrossEntropy``).
        seed: if given, each layer draws its parameters from its own generator spawned from
            this seed (otherwise from the generator it was built with).
    """

    def __init__(
        self,
        layers: Sequence[RNNLayer],
        sequence_length: int,
        vocab_size: int,
        loss: Loss,
        seed: int | None = None,
    ) -> None:
        if not layers:
            raise ValueError(f"an RNNModel needs at least one layer, got layers={layers!r}")
        if sequence_length < 1:
            raise ValueError(f"sequence_length must be at least 1, got {sequence_length!r}")
        if layers[-1].output_size != vocab_size:
            raise ValueError(
                f"the last layer's output_size ({layers[-1].output_size}) must equal "
                f"vocab_size={vocab_size!r}"
            )
        self.layers = list(layers)
        self.sequence_length = sequence_length
        self.vocab_size = vocab_size
        self.loss = loss
        if seed is not None:
            children = np.random.SeedSequence(seed).spawn(len(self.layers))
            for layer, child in zip(self.layers, children, strict=True):
                layer.rng = np.random.default_rng(child)

    def forward(self, x_batch: ndarray) -> ndarray:
        """[N, T, V] one-hot characters -> [N, T, V] scores for the next characters."""
        if x_batch.ndim != 3 or x_batch.shape[2] != self.vocab_size:
            raise ValueError(
                f"expected a batch of shape [N, T, {self.vocab_size}], got {x_batch.shape}"
            )
        for layer in self.layers:
            x_batch = layer.forward(x_batch)
        return x_batch

    def backward(self, loss_grad: ndarray) -> ndarray:
        """Backpropagate ∂L/∂scores [N, T, V] through the layers; return ∂L/∂input."""
        for layer in reversed(self.layers):
            loss_grad = layer.backward(loss_grad)
        return loss_grad

    def single_step(self, x_batch: ndarray, y_batch: ndarray) -> float:
        """Forward, loss and backward for one batch; leaves the gradients in the layers.

        Args:
            x_batch: [N, T, V] one-hot input characters.
            y_batch: [N, T, V] one-hot next characters.
        Returns:
            The batch's loss.
        """
        loss = self.loss.forward(self.forward(x_batch), y_batch)
        self.backward(self.loss.backward())
        return loss

    def reset_state(self) -> None:
        """Start the next batch of every layer from the zero state."""
        for layer in self.layers:
            layer.reset_state()
