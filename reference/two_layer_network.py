"""Chapter 2 — a neural network from scratch: one sigmoid hidden layer, then a linear output.

M1 = X·W1, N1 = M1 + B1, O1 = σ(N1), M2 = O1·W2, P = M2 + B2, L = mean((y − P)²).

The module keeps the book's names (``forward_loss``, ``loss_gradients``, ``init_weights``,
``train``, ``predict``); since linear regression uses the same ones, the flat
``dlfs.reference`` namespace exports the colliding four with the suffix ``_nn``
(``loss_gradients_nn``, ``init_weights_nn``, ``train_nn``, ``predict_nn``).

The book's ``loss_gradients`` starts from ∂L/∂P = −(y − P): without the factor 2 and the
1/N of the mean, it is N/2 times the true gradient. Ours is the gradient of the loss that
``forward_loss`` returns, so the book's learning rates are N/2 times smaller than ours for the
same steps (its lr 0.001 with batches of 23 is our 0.0115).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .foundations import sigmoid
from .np_utils import SeedLike, check_training_args, sgd_steps

__all__ = ["forward_loss", "init_weights", "loss_gradients", "predict", "train"]

WEIGHT_NAMES = ("W1", "B1", "W2", "B2")


def _check_shapes(X: ndarray, y: ndarray, weights: dict[str, ndarray]) -> None:
    missing = [name for name in WEIGHT_NAMES if name not in weights]
    if missing:
        raise ValueError(f"weights lack {missing}: got keys {sorted(weights)}")
    W1 = weights["W1"]
    H = W1.shape[1] if W1.ndim == 2 else -1
    expected = {"W1": (X.shape[-1], H), "B1": (1, H), "W2": (H, 1), "B2": (1, 1)}
    for name, shape in expected.items():
        if X.ndim != 2 or weights[name].shape != shape:
            raise ValueError(
                f"with X [N, D] of shape {X.shape}, {name} must have shape {shape}, "
                f"got {weights[name].shape}"
            )
    if y.shape != (X.shape[0], 1):
        raise ValueError(f"y must be [N, 1] with N = {X.shape[0]}, got shape {y.shape}")


def forward_loss(
    X: ndarray, y: ndarray, weights: dict[str, ndarray]
) -> tuple[float, dict[str, ndarray]]:
    """The network's forward pass and its mean squared error.

    M1 = X·W1, N1 = M1 + B1, O1 = σ(N1), M2 = O1·W2, P = M2 + B2, L = mean((y − P)²).

    Args:
        X: [N, D] features.
        y: [N, 1] targets.
        weights: ``{"W1": [D, H], "B1": [1, H], "W2": [H, 1], "B2": [1, 1]}``.
    Returns:
        ``(loss, forward_info)`` (the order of ``forward_linear_regression``): the float L and
        ``{"X", "M1" [N, H], "N1" [N, H], "O1" [N, H], "M2" [N, 1], "P" [N, 1], "y"}``.
    Raises:
        ValueError: if the shapes do not fit together.
    """
    _check_shapes(X, y, weights)
    ### BEGIN SOLUTION
    M1 = np.dot(X, weights["W1"])
    N1 = M1 + weights["B1"]
    O1 = sigmoid(N1)
    M2 = np.dot(O1, weights["W2"])
    P = M2 + weights["B2"]
    loss = float(np.mean(np.power(y - P, 2)))
    forward_info = {"X": X, "M1": M1, "N1": N1, "O1": O1, "M2": M2, "P": P, "y": y}
    return loss, forward_info
    ### END SOLUTION


def loss_gradients(
    forward_info: dict[str, ndarray], weights: dict[str, ndarray]
) -> dict[str, ndarray]:
    """The gradients of the mean squared error L with respect to W1, B1, W2 and B2.

    Backwards through the forward pass, with n = the batch size:
    ∂L/∂P = −2(y − P)/n; ∂L/∂W2 = O1ᵀ·∂L/∂P; ∂L/∂B2 = Σ_rows ∂L/∂P;
    ∂L/∂O1 = ∂L/∂P·W2ᵀ; ∂L/∂N1 = ∂L/∂O1 ⊙ σ(N1)(1 − σ(N1));
    ∂L/∂W1 = Xᵀ·∂L/∂N1; ∂L/∂B1 = Σ_rows ∂L/∂N1.

    Args:
        forward_info: what ``forward_loss`` returned.
        weights: ``{"W1": [D, H], "B1": [1, H], "W2": [H, 1], "B2": [1, 1]}``.
    Returns:
        ``{"W1", "B1", "W2", "B2"}``, each gradient of its weight's shape.
    """
    ### BEGIN SOLUTION
    P, y = forward_info["P"], forward_info["y"]
    dLdP = -2.0 * (y - P) / P.size
    dPdM2 = np.ones_like(forward_info["M2"])
    dLdM2 = dLdP * dPdM2
    dLdB2 = np.sum(dLdP, axis=0, keepdims=True)
    dM2dW2 = np.transpose(forward_info["O1"], (1, 0))
    dLdW2 = np.dot(dM2dW2, dLdM2)
    dM2dO1 = np.transpose(weights["W2"], (1, 0))
    dLdO1 = np.dot(dLdM2, dM2dO1)
    O1 = forward_info["O1"]  # σ(N1), kept from the forward pass
    dO1dN1 = O1 * (1.0 - O1)
    dLdN1 = dLdO1 * dO1dN1
    dLdB1 = np.sum(dLdN1, axis=0, keepdims=True)
    dN1dM1 = np.ones_like(forward_info["M1"])
    dLdM1 = dLdN1 * dN1dM1
    dM1dW1 = np.transpose(forward_info["X"], (1, 0))
    dLdW1 = np.dot(dM1dW1, dLdM1)
    return {"W1": dLdW1, "B1": dLdB1, "W2": dLdW2, "B2": dLdB2}
    ### END SOLUTION


def init_weights(input_size: int, hidden_size: int, rng: SeedLike = None) -> dict[str, ndarray]:
    """Standard normal weights for the network.

    Args:
        input_size: D, the number of features.
        hidden_size: H, the number of hidden neurons.
        rng: a seed or Generator.
    Returns:
        ``{"W1": [D, H], "B1": [1, H], "W2": [H, 1], "B2": [1, 1]}``.
    Raises:
        ValueError: if a size is not positive.
    """
    if input_size < 1 or hidden_size < 1:
        raise ValueError(
            f"sizes must be at least 1, got input_size={input_size!r}, hidden_size={hidden_size!r}"
        )
    gen = np.random.default_rng(rng)
    shapes = {"W1": (input_size, hidden_size), "B1": (1, hidden_size), "W2": (hidden_size, 1)}
    weights = {name: gen.standard_normal(shape) for name, shape in shapes.items()}
    weights["B2"] = gen.standard_normal((1, 1))
    return weights


def train(
    X: ndarray,
    y: ndarray,
    n_iter: int = 1000,
    learning_rate: float = 0.01,
    hidden_size: int = 13,
    batch_size: int = 100,
    return_losses: bool = False,
    seed: SeedLike = 1,
) -> dict[str, ndarray] | tuple[list[float], dict[str, ndarray]]:
    """Fit the network by mini-batch gradient descent, batching as the linear regression does.

    Args:
        X: [N, D] features.
        y: [N, 1] targets.
        n_iter: the number of gradient steps.
        learning_rate: the step size.
        hidden_size: H, the number of sigmoid neurons.
        batch_size: rows per step.
        return_losses: also return the training loss of every step.
        seed: seeds both the initial weights and the shuffling.
    Returns:
        The weights (see ``init_weights``), or ``(losses, weights)`` (the book's order) when
        ``return_losses`` is true; ``losses`` has one float per step.
    Raises:
        ValueError: for shapes that do not fit or a non-positive n_iter, rate or size.
    """
    check_training_args(X, y, n_iter, learning_rate, batch_size)
    gen = np.random.default_rng(seed)
    weights = init_weights(X.shape[1], hidden_size, gen)
    losses = sgd_steps(
        X, y, weights, forward_loss, loss_gradients, n_iter, learning_rate, batch_size, gen
    )
    return (losses, weights) if return_losses else weights


def predict(X: ndarray, weights: dict[str, ndarray]) -> ndarray:
    """The network's predictions σ(X·W1 + B1)·W2 + B2.

    Args:
        X: [N, D] features.
        weights: ``{"W1": [D, H], "B1": [1, H], "W2": [H, 1], "B2": [1, 1]}``.
    Returns:
        [N, 1] predictions.
    """
    O1 = sigmoid(np.dot(X, weights["W1"]) + weights["B1"])
    return np.dot(O1, weights["W2"]) + weights["B2"]
