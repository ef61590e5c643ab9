"""Chapter 2 — how far predictions are from the truth: mean absolute and root mean squared error.

(``metrics`` holds the chapter 3–4 helpers that evaluate a ``NeuralNetwork``.)
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

__all__ = ["mae", "rmse"]


def _check_same_shape(preds: ndarray, actuals: ndarray) -> None:
    # [N, 1] against [N] would broadcast to [N, N] and give a plausible but wrong number.
    if np.shape(preds) != np.shape(actuals):
        raise ValueError(
            f"preds and actuals must have the same shape, got {np.shape(preds)} "
            f"and {np.shape(actuals)}"
        )


def mae(preds: ndarray, actuals: ndarray) -> float:
    """Mean absolute error: mean(|preds − actuals|).

    Args:
        preds: [N, 1] (or any shape) predictions.
        actuals: the targets, of the same shape.
    Returns:
        A non-negative float.
    Raises:
        ValueError: if the shapes differ.
    """
    _check_same_shape(preds, actuals)
    ### BEGIN SOLUTION
    return float(np.mean(np.abs(preds - actuals)))
    ### END SOLUTION


def rmse(preds: ndarray, actuals: ndarray) -> float:
    """Root mean squared error: √mean((preds − actuals)²).

    Args:
        preds: [N, 1] (or any shape) predictions.
        actuals: the targets, of the same shape.
    Returns:
        A non-negative float.
    Raises:
        ValueError: if the shapes differ.
    """
    _check_same_shape(preds, actuals)
    ### BEGIN SOLUTION
    return float(np.sqrt(np.mean(np.power(preds - actuals, 2))))
    ### END SOLUTION
