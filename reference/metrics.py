"""How good a trained model is: accuracy (chapter 4) and regression errors (chapter 3)."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .network import NeuralNetwork

__all__ = ["calc_accuracy_model", "eval_regression_model"]


def calc_accuracy_model(
    model: NeuralNetwork, X_test: ndarray, y_test: ndarray, batch_size: int = 2000
) -> float:
    """The fraction of rows whose highest-scoring class is the true one.

    Args:
        model: a trained network; it predicts with ``inference=True`` (no dropout).
        X_test: [N, D] (or [N, C, H, W]) inputs.
        y_test: [N] integer labels, or [N, C] one-hot rows.
        batch_size: rows predicted at a time, so that a convolutional network's
            intermediate arrays stay small (10,000 MNIST images at once need gigabytes).
    Returns:
        The accuracy, in [0, 1] (the book prints it as a percentage).
    """
    labels = np.argmax(y_test, axis=1) if y_test.ndim == 2 else y_test
    if labels.shape[0] != X_test.shape[0]:
        raise ValueError(f"X_test has {X_test.shape[0]} rows but y_test has {labels.shape[0]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")
    predicted = np.concatenate(
        [
            np.argmax(model.forward(X_test[start : start + batch_size], inference=True), axis=1)
            for start in range(0, X_test.shape[0], batch_size)
        ]
    )
    return float(np.mean(predicted == labels))


def eval_regression_model(
    model: NeuralNetwork, X_test: ndarray, y_test: ndarray
) -> tuple[float, float]:
    """The mean absolute error and the root mean squared error of a regression model.

    Args:
        model: a trained network with one output.
        X_test: [N, D] inputs.
        y_test: [N, 1] targets.
    Returns:
        ``(mae, rmse)``.
    """
    prediction = model.forward(X_test, inference=True)
    if prediction.shape != y_test.shape:
        raise ValueError(
            f"the predictions have shape {prediction.shape} but y_test has {y_test.shape}"
        )
    error = prediction - y_test
    return float(np.mean(np.abs(error))), float(np.sqrt(np.mean(error * error)))
