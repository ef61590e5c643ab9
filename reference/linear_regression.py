"""Chapter 2 — linear regression from scratch: a dict of weights, a forward pass, its gradients.

The model is P = X·W + B with the mean squared error L = mean((y − P)²). ``loss_gradients``
returns the exact gradient of that mean; the book's own code leaves out the 1/N, so its
gradient is N times too large and its learning rates are N times smaller than ours for the
same steps (the book's lr 0.001 with batches of 23 is our 0.023).

The two-layer network of the same chapter reuses these function names; it lives in
``two_layer_network`` and is exported flat with the suffix ``_nn``.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .np_utils import SeedLike, check_training_args, sgd_steps

__all__ = ["forward_linear_regression", "init_weights", "loss_gradients", "predict", "train"]


def _check_shapes(X_batch: ndarray, y_batch: ndarray, weights: dict[str, ndarray]) -> None:
    W, B = weights["W"], weights["B"]
    if X_batch.ndim != 2 or W.shape != (X_batch.shape[1], 1):
        raise ValueError(
            f"X_batch must be [N, D] and W [D, 1], got X_batch of shape {X_batch.shape} "
            f"and W of shape {W.shape}"
        )
    if B.shape != (1, 1):
        raise ValueError(f"B must be [1, 1], got shape {B.shape}")
    if y_batch.shape != (X_batch.shape[0], 1):
        raise ValueError(
            f"y_batch must be [N, 1] with N = {X_batch.shape[0]}, got shape {y_batch.shape}"
        )


def forward_linear_regression(
    X_batch: ndarray, y_batch: ndarray, weights: dict[str, ndarray]
) -> tuple[float, dict[str, ndarray]]:
    """The forward pass of linear regression and its mean squared error.

    N = X·W, P = N + B, L = mean((y − P)²).

    Args:
        X_batch: [N, D] features.
        y_batch: [N, 1] targets.
        weights: ``{"W": [D, 1], "B": [1, 1]}``.
    Returns:
        ``(loss, forward_info)``: the float L and ``{"X": X_batch, "N": [N, 1], "P": [N, 1],
        "y": y_batch}``, everything ``loss_gradients`` needs.
    Raises:
        ValueError: if the shapes do not fit together.
    """
    _check_shapes(X_batch, y_batch, weights)
    ### BEGIN SOLUTION
    N = np.dot(X_batch, weights["W"])
    P = N + weights["B"]
    loss = float(np.mean(np.power(y_batch - P, 2)))
    forward_info = {"X": X_batch, "N": N, "P": P, "y": y_batch}
    return loss, forward_info
    ### END SOLUTION


def loss_gradients(
    forward_info: dict[str, ndarray], weights: dict[str, ndarray]
) -> dict[str, ndarray]:
    """The gradients of the mean squared error L with respect to W and B.

    With n = the number of elements of P (the batch size): ∂L/∂P = −2(y − P)/n,
    ∂L/∂W = Xᵀ·∂L/∂P and ∂L/∂B = Σ_rows ∂L/∂P (B is added to every row).

    Args:
        forward_info: what ``forward_linear_regression`` returned: X [N, D], N, P and y [N, 1].
        weights: ``{"W": [D, 1], "B": [1, 1]}``.
    Returns:
        ``{"W": [D, 1], "B": [1, 1]}``, each of its weight's shape.
    """
    ### BEGIN SOLUTION
    P, y = forward_info["P"], forward_info["y"]
    dLdP = -2.0 * (y - P) / P.size
    dPdN = np.ones_like(forward_info["N"])
    dLdN = dLdP * dPdN
    dNdW = np.transpose(forward_info["X"], (1, 0))
    dLdW = np.dot(dNdW, dLdN)
    dPdB = np.ones_like(weights["B"])
    dLdB = np.sum(dLdP * dPdB, axis=0, keepdims=True)
    return {"W": dLdW, "B": dLdB}
    ### END SOLUTION


def init_weights(n_in: int, rng: SeedLike = None) -> dict[str, ndarray]:
    """Standard normal weights for a linear regression on ``n_in`` features.

    Args:
        n_in: D, the number of features.
        rng: a seed or Generator.
    Returns:
        ``{"W": [D, 1], "B": [1, 1]}``.
    Raises:
        ValueError: if ``n_in`` is not positive.
    """
    if n_in < 1:
        raise ValueError(f"n_in must be at least 1, got n_in={n_in!r}")
    gen = np.random.default_rng(rng)
    return {"W": gen.standard_normal((n_in, 1)), "B": gen.standard_normal((1, 1))}


def train(
    X: ndarray,
    y: ndarray,
    n_iter: int = 1000,
    learning_rate: float = 0.01,
    batch_size: int = 100,
    return_losses: bool = False,
    seed: SeedLike = 1,
) -> dict[str, ndarray] | tuple[list[float], dict[str, ndarray]]:
    """Fit a linear regression by mini-batch gradient descent, as the book does.

    The data are shuffled once, then taken in consecutive batches; when they run out they are
    shuffled again (the last batch of a pass may be smaller). Each step is
    ``weights[key] -= learning_rate * gradient[key]``.

    Args:
        X: [N, D] features.
        y: [N, 1] targets.
        n_iter: the number of gradient steps.
        learning_rate: the step size.
        batch_size: rows per step.
        return_losses: also return the training loss of every step.
        seed: seeds both the initial weights and the shuffling.
    Returns:
        The weights ``{"W": [D, 1], "B": [1, 1]}``, or ``(losses, weights)`` (the book's order)
        when ``return_losses`` is true; ``losses`` has one float per step.
    Raises:
        ValueError: for shapes that do not fit or a non-positive n_iter, rate or batch size.
    """
    check_training_args(X, y, n_iter, learning_rate, batch_size)
    gen = np.random.default_rng(seed)
    weights = init_weights(X.shape[1], gen)
    losses = sgd_steps(
        X,
        y,
        weights,
        forward_linear_regression,
        loss_gradients,
        n_iter,
        learning_rate,
        batch_size,
        gen,
    )
    return (losses, weights) if return_losses else weights


def predict(X: ndarray, weights: dict[str, ndarray]) -> ndarray:
    """The linear regression's predictions X·W + B.

    Args:
        X: [N, D] features.
        weights: ``{"W": [D, 1], "B": [1, 1]}``.
    Returns:
        [N, 1] predictions.
    """
    return np.dot(X, weights["W"]) + weights["B"]
