"""The book's own code, as written, in the course's layouts: the models of its bugs.

A learner who types the book's code into a stub must be told which of the book's bugs it
repeats. These functions compute what the book's code (``SethHWeidman/DLFS_code``) returns on a
probe's inputs, line for line with its arithmetic, only translated to the course's parameter
layouts (the GRU's concatenated ``W_ru``, the network's weight dictionaries). The chapters'
probe modules name them among their known mistakes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .common import output_grad_for

__all__ = [
    "conv_param_grad",
    "gru_backward",
    "gru_forward",
    "linear_regression_gradients",
    "network_gradients",
]


def _sigmoid(x: ndarray) -> ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# --- chapter 2 ---------------------------------------------------------------------------------


def linear_regression_gradients(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    """The book's ``loss_gradients`` of chapter 2: dLdP = −2(y − P) (no 1/n), and dLdB summed
    over the batch into shape [1] (the parameter is [1, 1])."""
    X, y, weights = inputs["X"], inputs["y"], inputs["weights"]
    P = X @ weights["W"] + weights["B"]
    dLdP = -2 * (y - P)
    return {"W_grad": X.T @ dLdP, "B_grad": (dLdP * np.ones_like(weights["B"])).sum(axis=0)}


def network_gradients(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    """The book's two-layer ``loss_gradients``: dLdP = −(y − P) (no factor 2, no 1/n), and
    both bias gradients summed twice, down to single numbers."""
    X, y, w = inputs["X"], inputs["y"], inputs["weights"]
    N1 = X @ w["W1"] + w["B1"]
    O1 = _sigmoid(N1)
    P = O1 @ w["W2"] + w["B2"]
    dLdP = -(y - P)
    dLdO1 = dLdP @ w["W2"].T
    dLdN1 = dLdO1 * O1 * (1 - O1)
    return {
        "W1_grad": X.T @ dLdN1,
        "B1_grad": dLdN1.sum(axis=0).sum(axis=0),
        "W2_grad": O1.T @ dLdP,
        "B2_grad": dLdP.sum(axis=0).sum(axis=0),
    }


# --- chapter 5 ---------------------------------------------------------------------------------


def conv_param_grad(x: ndarray, W: ndarray, output_grad: ndarray) -> ndarray:
    """The book's ``Conv2D_Op._param_grad``: the image patches, stacked [patch, N, ...], are
    reshaped to rows without first putting the batch axis in front, so for N > 1 each row of
    patches meets another image's output gradient.

    Args:
        x: [N, C_in, S, S] the input; W: [C_in, C_out, K, K]; output_grad: [N, C_out, S, S].
    Returns:
        [C_in, C_out, K, K], as the book computes it.
    """
    n, c_in, size, _ = x.shape
    c_out, k = W.shape[1], W.shape[2]
    pad = k // 2
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(2, 3))
    patches = windows.transpose(2, 3, 0, 1, 4, 5).reshape(size * size, n, c_in, k, k)
    rows = patches.reshape(n * size * size, -1).T
    grads = output_grad.transpose(0, 2, 3, 1).reshape(n * size * size, -1)
    return (rows @ grads).reshape(c_in, k, k, c_out).transpose(0, 3, 1, 2)


# --- chapter 6 ---------------------------------------------------------------------------------


def _gru_parts(inputs: dict[str, Any]) -> dict[str, ndarray]:
    """The book's GRU forward, with what its backward reads."""
    x, (H_in,), p = inputs["x_in"], inputs["states"], inputs["params"]
    h = H_in.shape[1]
    d = x.shape[1]
    W_ru, B_ru, W_h = p["W_ru"]["value"], p["B_ru"]["value"], p["W_h"]["value"]
    X_r = x @ W_ru[:d, :h]
    H_r = H_in @ W_ru[d:, :h]
    r_int = X_r + H_r + B_ru[:, :h]
    u_int = X_r + H_r + B_ru[:, h:]  # the book's bug: the reset gate's projections
    r, u = _sigmoid(r_int), _sigmoid(u_int)
    h_reset = r * H_in
    h_bar = np.tanh(x @ W_h[:d] + h_reset @ W_h[d:] + p["B_h"]["value"])
    H_out = u * H_in + (1 - u) * h_bar
    x_out = H_out @ p["W_v"]["value"] + p["B_v"]["value"]
    return {"x": x, "H_in": H_in, "r": r, "u": u, "h_reset": h_reset, "h_bar": h_bar,
            "H_out": H_out, "x_out": x_out}  # fmt: skip


def gru_forward(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    """The book's ``GRUNode.forward``: the update gate u adds the update bias to the reset
    gate's projections (``self.X_r + self.H_r + B_u``)."""
    parts = _gru_parts(inputs)
    return {"x_out": parts["x_out"], "H_out": parts["H_out"]}


def gru_backward(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    """The book's ``GRUNode.backward`` after the course's (correct) forward: du and dh̄ come
    from ``H_out_grad`` alone (not dH, which adds x_out's path), and H_in_grad misses the
    direct path u ⊙ dH. The probe's output gradients are ``_node_pass``'s."""
    x, (H_in,), p = inputs["x_in"], inputs["states"], inputs["params"]
    h, d = H_in.shape[1], x.shape[1]
    W_ru, W_h = p["W_ru"]["value"], p["W_h"]["value"]
    Z = np.concatenate([x, H_in], axis=1)
    gates = _sigmoid(Z @ W_ru + p["B_ru"]["value"])
    r, u = gates[:, :h], gates[:, h:]
    h_reset = r * H_in
    h_bar = np.tanh(np.concatenate([x, h_reset], axis=1) @ W_h + p["B_h"]["value"])
    H_out = u * H_in + (1 - u) * h_bar
    X_out_grad = output_grad_for((x.shape[0], p["W_v"]["value"].shape[1]), 7)
    H_out_grad = output_grad_for(H_out.shape, 8)

    du = H_in * H_out_grad - h_bar * H_out_grad
    dh_bar_int = (1 - u) * H_out_grad * (1 - h_bar**2)
    dh_reset = dh_bar_int @ W_h[d:].T
    dr = dh_reset * H_in
    dH_in = dh_reset * r
    du_int = u * (1 - u) * du
    dr_int = r * (1 - r) * dr
    dA = np.concatenate([dr_int, du_int], axis=1)
    return {
        "x_in_grad": dh_bar_int @ W_h[:d].T + dA @ W_ru[:d].T,
        "H_in_grad": dH_in + dA @ W_ru[d:].T,
        "W_ru_grad": Z.T @ dA,
        "B_ru_grad": dA.sum(axis=0, keepdims=True),
        "W_h_grad": np.concatenate([x, h_reset], axis=1).T @ dh_bar_int,
        "B_h_grad": dh_bar_int.sum(axis=0, keepdims=True),
        "W_v_grad": H_out.T @ X_out_grad,
        "B_v_grad": X_out_grad.sum(axis=0, keepdims=True),
    }
