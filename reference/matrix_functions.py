"""Chapter 1 — functions of matrices: a matrix product, then an elementwise σ, then a sum.

The forward functions compute N = X·W, S = σ(N) and L = Σ S; the backward ones apply the
chain rule to them, with σ' estimated by ``deriv`` (as in the book). X is [N, D] (N rows of
D features) and W is [D, M]; the book's examples use one row, X [1, 3], and W [3, 1].
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .foundations import ArrayFunction, deriv

__all__ = [
    "matmul_backward_first",
    "matmul_forward",
    "matrix_forward_extra",
    "matrix_function_backward_1",
    "matrix_function_backward_sum_1",
    "matrix_function_forward_sum",
]


def _check_matmul(X: ndarray, W: ndarray) -> None:
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X·W needs X [N, D] and W [D, M], got X of shape {X.shape} and W of shape {W.shape}"
        )


def matmul_forward(X: ndarray, W: ndarray) -> ndarray:
    """The matrix product N = X·W.

    Args:
        X: [N, D] inputs.
        W: [D, M] weights.
    Returns:
        [N, M] array.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    return np.dot(X, W)


def matmul_backward_first(X: ndarray, W: ndarray) -> ndarray:
    """∂N/∂X for N = X·W: the transpose Wᵀ.

    For one row X [1, D] and W [D, 1], N is a single number and Wᵀ is its gradient with
    respect to X; for more rows, Wᵀ is the gradient of each row's N with respect to that row.

    Args:
        X: [N, D] inputs (only checked against W: the derivative does not depend on X).
        W: [D, M] weights.
    Returns:
        [M, D] array, Wᵀ.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    ### BEGIN SOLUTION
    return np.transpose(W, (1, 0))
    ### END SOLUTION


def matrix_forward_extra(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """S = σ(X·W): a matrix product followed by an elementwise function.

    Args:
        X: [N, D] inputs.
        W: [D, M] weights.
        sigma: an elementwise function.
    Returns:
        [N, M] array.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    return sigma(np.dot(X, W))


def matrix_function_backward_1(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """∂S/∂X for S = σ(X·W): σ'(N)·Wᵀ with N = X·W.

    With one row X [1, D] and W [D, 1], S is a single number and this is its gradient with
    respect to X. In general it is the gradient of Σ S (every element of S counted once).

    Args:
        X: [N, D] inputs.
        W: [D, M] weights.
        sigma: an elementwise function; σ' is estimated with ``deriv``.
    Returns:
        [N, D] array of X's shape.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    ### BEGIN SOLUTION
    N = np.dot(X, W)
    dSdN = deriv(sigma, N)
    dNdX = np.transpose(W, (1, 0))
    return np.dot(dSdN, dNdX)
    ### END SOLUTION


def matrix_function_forward_sum(X: ndarray, W: ndarray, sigma: ArrayFunction) -> float:
    """L = Σ σ(X·W): a matrix product, an elementwise function, then the sum of everything.

    Args:
        X: [N, D] inputs.
        W: [D, M] weights.
        sigma: an elementwise function.
    Returns:
        The scalar L.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    return float(np.sum(sigma(np.dot(X, W))))


def matrix_function_backward_sum_1(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """∂L/∂X for L = Σ σ(X·W).

    The chain rule, outermost first: ∂L/∂S = 1 for every element of S; ∂S/∂N = σ'(N),
    elementwise; ∂N/∂X = Wᵀ, a matrix product. So ∂L/∂X = (1 ⊙ σ'(N))·Wᵀ.

    Args:
        X: [N, D] inputs.
        W: [D, M] weights.
        sigma: an elementwise function; σ' is estimated with ``deriv``.
    Returns:
        [N, D] array of X's shape.
    Raises:
        ValueError: if the shapes do not chain.
    """
    _check_matmul(X, W)
    ### BEGIN SOLUTION
    N = np.dot(X, W)
    S = sigma(N)
    dLdS = np.ones_like(S)
    dSdN = deriv(sigma, N)
    dLdN = dLdS * dSdN
    dNdX = np.transpose(W, (1, 0))
    return np.dot(dLdN, dNdX)
    ### END SOLUTION
