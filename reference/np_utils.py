"""Chapter 2 — small array helpers: column vectors, shuffling and batches.

Randomness always comes from an explicit seed or ``numpy.random.Generator`` (never the global
``np.random`` state), so that the same seed gives the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["SeedLike", "generate_batch", "permute_data", "to_2d_np"]

SeedLike = int | np.random.Generator | None
"""A seed for ``np.random.default_rng`` or a Generator (used as it is)."""


def to_2d_np(a: ndarray, type: str = "col") -> ndarray:
    """Turn a 1-D array into a column [D, 1] (``type="col"``) or a row [1, D] (``"row"``).

    Args:
        a: [D] array.
        type: ``"col"`` or ``"row"`` (the book's argument name).
    Returns:
        [D, 1] or [1, D] array, a view of ``a``.
    Raises:
        ValueError: if ``a`` is not 1-D or ``type`` is neither ``"col"`` nor ``"row"``.
    """
    if a.ndim != 1:
        raise ValueError(f"to_2d_np needs a 1-D array, got one of shape {a.shape}")
    if type == "col":
        return a.reshape(-1, 1)
    if type == "row":
        return a.reshape(1, -1)
    raise ValueError(f"type must be 'col' or 'row', got type={type!r}")


def permute_data(X: ndarray, y: ndarray, rng: SeedLike = None) -> tuple[ndarray, ndarray]:
    """Shuffle the rows of X and y with one and the same permutation.

    Args:
        X: [N, D] features.
        y: [N, ...] targets.
        rng: a seed or Generator; None draws a fresh, unpredictable one.
    Returns:
        ``(X[perm], y[perm])``, new arrays.
    Raises:
        ValueError: if X and y have different numbers of rows.
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y need the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    perm = np.random.default_rng(rng).permutation(X.shape[0])
    return X[perm], y[perm]


def generate_batch(
    X: ndarray, y: ndarray, start: int = 0, batch_size: int = 10
) -> tuple[ndarray, ndarray]:
    """Rows ``start`` to ``start + batch_size`` of X and y (fewer at the end of the data).

    Args:
        X: [N, D] features.
        y: [N, 1] targets.
        start: the first row.
        batch_size: how many rows at most.
    Returns:
        ``(X_batch [B, D], y_batch [B, 1])`` with B = min(batch_size, N − start).
    Raises:
        ValueError: if ``batch_size`` is not positive or ``start`` is outside [0, N).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")
    if not 0 <= start < X.shape[0]:
        raise ValueError(f"start must be in [0, {X.shape[0]}), got start={start!r}")
    end = start + batch_size
    return X[start:end], y[start:end]


def check_training_args(
    X: ndarray, y: ndarray, n_iter: int, learning_rate: float, batch_size: int
) -> None:
    """Raise ValueError, quoting the value, for arguments no training run can use."""
    if X.ndim != 2 or y.ndim != 2 or y.shape[1] != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"training needs X [N, D] and y [N, 1], got X of shape {X.shape} "
            f"and y of shape {y.shape}"
        )
    if n_iter < 1:
        raise ValueError(f"n_iter must be at least 1, got n_iter={n_iter!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got learning_rate={learning_rate!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")


def sgd_steps(
    X: ndarray,
    y: ndarray,
    weights: dict[str, ndarray],
    forward: Callable[[ndarray, ndarray, dict[str, ndarray]], tuple[float, dict[str, Any]]],
    gradients: Callable[[dict[str, Any], dict[str, ndarray]], dict[str, ndarray]],
    n_iter: int,
    learning_rate: float,
    batch_size: int,
    rng: np.random.Generator,
) -> list[float]:
    """Chapter 2's training loop: ``n_iter`` steps of minibatch SGD on ``weights``, in place.

    The data are shuffled with ``rng``, walked through ``batch_size`` rows at a time and
    shuffled again whenever they run out, as the book's ``train`` functions do.

    Args:
        X: [N, D] features.
        y: [N, 1] targets.
        weights: the parameters, updated in place.
        forward: ``forward(X_batch, y_batch, weights) -> (loss, forward_info)``.
        gradients: ``gradients(forward_info, weights) -> {name: gradient}``.
        n_iter, learning_rate, batch_size: as in ``train``.
        rng: the generator for the shuffles.
    Returns:
        The training loss of every step.
    """
    X, y = permute_data(X, y, rng)
    start = 0
    losses = []
    for _ in range(n_iter):
        if start >= X.shape[0]:
            X, y = permute_data(X, y, rng)
            start = 0
        X_batch, y_batch = generate_batch(X, y, start, batch_size)
        start += batch_size
        loss, forward_info = forward(X_batch, y_batch, weights)
        grads = gradients(forward_info, weights)
        for key in weights:
            weights[key] -= learning_rate * grads[key]
        losses.append(loss)
    return losses
