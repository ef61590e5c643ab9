"""Losses (chapters 3–4): ``MeanSquaredError`` and ``SoftmaxCrossEntropy``, and ``softmax``.

A loss compares a batch of predictions with its targets: ``forward`` returns a float and
``backward`` returns ∂loss/∂prediction, an array of the prediction's shape. Subclasses write
only ``_output`` and ``_input_grad``.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import assert_same_shape

__all__ = ["Loss", "MeanSquaredError", "SoftmaxCrossEntropy", "softmax"]


class Loss:
    """The template for losses: stores the prediction and target, checks every shape."""

    prediction: ndarray
    target: ndarray
    input_grad: ndarray

    def forward(self, prediction: ndarray, target: ndarray) -> float:
        """The loss of ``prediction`` [N, C] against ``target`` [N, C], a float."""
        if prediction.shape != target.shape:
            raise ValueError(
                f"prediction of shape {prediction.shape} and target of shape {target.shape} "
                "differ: they must have the same shape (one-hot encode class labels)"
            )
        self.prediction = prediction
        self.target = target
        return float(self._output())

    def backward(self) -> ndarray:
        """∂loss/∂prediction for the last ``forward``: [N, C], the prediction's shape."""
        self.input_grad = self._input_grad()
        assert_same_shape(self.prediction, self.input_grad)
        return self.input_grad

    def _output(self) -> float:
        """The loss computed from ``self.prediction`` and ``self.target``."""
        raise NotImplementedError

    def _input_grad(self) -> ndarray:
        """∂loss/∂prediction; every subclass writes it."""
        raise NotImplementedError


class MeanSquaredError(Loss):
    """L = Σ (p − y)² / N: the squared error summed over the C outputs, averaged over the batch.

    Args:
        normalize: first divide each row of the prediction by its sum, q = p / Σⱼ pⱼ, and
            compare q with the target (meant for positive predictions, such as sigmoid
            outputs, against one-hot targets). The gradient goes through the normalisation,
            which the book's code forgets.
    """

    def __init__(self, normalize: bool = False) -> None:
        super().__init__()
        self.normalize = normalize

    def _output(self) -> float:
        """L = Σ (q − y)² / N: q [N, C] is the prediction (already divided by its row sums
        when ``normalize``; also kept in ``self.normalized``), y = ``self.target`` [N, C].

        Returns:
            The loss, a float.
        """
        q = self.prediction
        if self.normalize:
            q = q / q.sum(axis=1, keepdims=True)
        self.normalized = q
        ### BEGIN SOLUTION
        diff = q - self.target
        return float(np.sum(diff * diff) / q.shape[0])
        ### END SOLUTION

    def _input_grad(self) -> ndarray:
        """∂L/∂p = 2 (q − y) / N without normalisation (q = ``self.normalized`` = p).

        With it, q = p / s for the row sums s, and the gradient g = 2 (q − y) / N with respect
        to q goes back to p as (g − Σⱼ gⱼ qⱼ) / s, row by row.

        Returns:
            [N, C] array of the prediction's shape.
        """
        q = self.normalized
        ### BEGIN SOLUTION
        grad = 2.0 * (q - self.target) / q.shape[0]
        if self.normalize:
            row_sums = self.prediction.sum(axis=1, keepdims=True)
            grad = (grad - np.sum(grad * q, axis=1, keepdims=True)) / row_sums
        return grad
        ### END SOLUTION


def softmax(x: ndarray, axis: int = 1) -> ndarray:
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis``, computed without overflow.

    Subtract each row's maximum before exponentiating: softmax is unchanged by adding a
    constant to a row, and e^(x − max) never overflows.

    Args:
        x: [N, C] array of scores (logits).
        axis: the axis that sums to 1.
    Returns:
        [N, C] array of probabilities, each row summing to 1.
    """
    ### BEGIN SOLUTION
    exp = np.exp(x - np.max(x, axis=axis, keepdims=True))
    exp /= np.sum(exp, axis=axis, keepdims=True)
    return exp
    ### END SOLUTION


class SoftmaxCrossEntropy(Loss):
    """Softmax of the scores, then the categorical cross-entropy, averaged over the batch.

    L = −Σ y log p / N with p = softmax(prediction), p clipped to [eps, 1 − eps] inside the
    log; the targets y are one-hot rows [N, C]. Its gradient is (p − y) / N. (The book's
    loss adds −Σ (1 − y) log(1 − p), a term that backward does not differentiate.)

    Args:
        eps: the clipping bound that keeps log p finite.
    """

    def __init__(self, eps: float = 1e-9) -> None:
        super().__init__()
        if not 0.0 < eps < 0.5:
            raise ValueError(f"eps must lie in (0, 0.5), got eps={eps!r}")
        self.eps = eps

    def _output(self) -> float:
        """L = −Σ y log p / N, p = softmax(prediction) [N, C] clipped to [eps, 1 − eps].

        Store p (unclipped) in ``self.softmax_preds`` for the backward pass.

        Returns:
            The loss, a float.
        """
        ### BEGIN SOLUTION
        self.softmax_preds = softmax(self.prediction, axis=1)
        log_p = np.log(np.clip(self.softmax_preds, self.eps, 1.0 - self.eps))
        return float(-np.sum(self.target * log_p) / self.prediction.shape[0])
        ### END SOLUTION

    def _input_grad(self) -> ndarray:
        """∂L/∂prediction = (p − y) / N.

        Returns:
            [N, C] array of the prediction's shape.
        """
        ### BEGIN SOLUTION
        return (self.softmax_preds - self.target) / self.prediction.shape[0]
        ### END SOLUTION
