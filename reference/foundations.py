"""Chapter 1 — derivatives and the chain rule, as plain functions on NumPy arrays.

The book builds the chain rule up from a numerical derivative: ``deriv`` estimates the slope
of any elementwise function by central differences, and every backward function here
multiplies such slopes together, in the order the chain rule dictates. The matrix versions
(``matmul_forward`` and its relatives) are in ``matrix_functions``.

Every function is elementwise on arrays of any shape (written ``[...]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

__all__ = [
    "ArrayFunction",
    "Chain",
    "chain_deriv_2",
    "chain_deriv_3",
    "chain_length_2",
    "deriv",
    "leaky_relu",
    "multiple_inputs_add",
    "multiple_inputs_add_backward",
    "sigmoid",
    "square",
]

ArrayFunction = Callable[[ndarray], ndarray]
"""A function from an array to an array of the same shape, elementwise (the book's
``Array_Function``)."""

Chain = Sequence[ArrayFunction]
"""Functions applied one after the other, first to last (the book's ``Chain``)."""


def square(x: ndarray) -> ndarray:
    """x², elementwise.

    Args:
        x: [...] array.
    Returns:
        [...] array of x's shape.
    """
    return np.power(x, 2)


def leaky_relu(x: ndarray) -> ndarray:
    """Leaky ReLU with slope 0.2 below zero: max(0.2·x, x), elementwise.

    Args:
        x: [...] array.
    Returns:
        [...] array of x's shape: x where x > 0, 0.2·x elsewhere.
    """
    ### BEGIN SOLUTION
    return np.maximum(0.2 * x, x)
    ### END SOLUTION


def sigmoid(x: ndarray) -> ndarray:
    """The logistic function σ(x) = 1 / (1 + e^(−x)), elementwise.

    Args:
        x: [...] array.
    Returns:
        [...] array of x's shape, every value in (0, 1).
    """
    ### BEGIN SOLUTION
    return 1.0 / (1.0 + np.exp(-x))
    ### END SOLUTION


def deriv(func: ArrayFunction, input_: ndarray, delta: float = 0.001) -> ndarray:
    """The derivative of an elementwise ``func`` at every element of ``input_``.

    Central difference: f'(x) ≈ (f(x + Δ) − f(x − Δ)) / 2Δ, whose error shrinks like Δ².

    Args:
        func: an elementwise function of an array.
        input_: [...] the points at which to take the derivative.
        delta: Δ, the half-width of the difference; must be positive.
    Returns:
        [...] array of input_'s shape.
    Raises:
        ValueError: if ``delta`` is not positive.
    """
    if not delta > 0:
        raise ValueError(f"delta must be positive, got delta={delta!r}")
    ### BEGIN SOLUTION
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)
    ### END SOLUTION


def _check_chain(chain: Chain, length: int) -> None:
    if len(chain) != length:
        raise ValueError(f"this function needs a chain of {length} functions, got {len(chain)}")


def chain_length_2(chain: Chain, x: ndarray) -> ndarray:
    """Apply two functions in a row: f2(f1(x)).

    Args:
        chain: ``[f1, f2]``, two elementwise functions.
        x: [...] array.
    Returns:
        [...] array of x's shape.
    Raises:
        ValueError: if ``chain`` does not hold exactly two functions.
    """
    _check_chain(chain, 2)
    f1, f2 = chain
    return f2(f1(x))


def chain_deriv_2(chain: Chain, input_range: ndarray) -> ndarray:
    """The chain rule for two functions: (f2 ∘ f1)'(x) = f2'(f1(x)) · f1'(x).

    Each of the two derivatives is estimated with ``deriv``.

    Args:
        chain: ``[f1, f2]``, two elementwise functions.
        input_range: [...] the points x at which to take the derivative.
    Returns:
        [...] array of input_range's shape: d f2(f1(x)) / dx.
    Raises:
        ValueError: if ``chain`` does not hold exactly two functions.
    """
    _check_chain(chain, 2)
    f1, f2 = chain
    ### BEGIN SOLUTION
    # df1/dx at x, df2/du at u = f1(x): the outer derivative is taken at the inner output.
    df1dx = deriv(f1, input_range)
    df2du = deriv(f2, f1(input_range))
    return df1dx * df2du
    ### END SOLUTION


def chain_deriv_3(chain: Chain, input_range: ndarray) -> ndarray:
    """The chain rule for three functions: f3'(f2(f1(x))) · f2'(f1(x)) · f1'(x).

    Each of the three derivatives is estimated with ``deriv``; compute f1(x) and f2(f1(x))
    once, on the way forward, and reuse them on the way back.

    Args:
        chain: ``[f1, f2, f3]``, three elementwise functions.
        input_range: [...] the points x at which to take the derivative.
    Returns:
        [...] array of input_range's shape: d f3(f2(f1(x))) / dx.
    Raises:
        ValueError: if ``chain`` does not hold exactly three functions.
    """
    _check_chain(chain, 3)
    f1, f2, f3 = chain
    ### BEGIN SOLUTION
    f1_of_x = f1(input_range)
    f2_of_x = f2(f1_of_x)
    df3du = deriv(f3, f2_of_x)
    df2du = deriv(f2, f1_of_x)
    df1dx = deriv(f1, input_range)
    return df1dx * df2du * df3du
    ### END SOLUTION


def _check_same_shape(x: ndarray, y: ndarray) -> None:
    if np.shape(x) != np.shape(y):
        raise ValueError(f"x and y must have the same shape, got {np.shape(x)} and {np.shape(y)}")


def multiple_inputs_add(x: ndarray, y: ndarray, sigma: ArrayFunction) -> ndarray:
    """A function of two inputs: s = σ(a) with a = x + y, elementwise.

    Args:
        x, y: [...] arrays of the same shape.
        sigma: an elementwise function.
    Returns:
        [...] array of x's shape.
    Raises:
        ValueError: if x and y differ in shape.
    """
    _check_same_shape(x, y)
    return sigma(x + y)


def multiple_inputs_add_backward(
    x: ndarray, y: ndarray, sigma: ArrayFunction
) -> tuple[ndarray, ndarray]:
    """The derivatives of s = σ(x + y) with respect to each input.

    ∂s/∂x = σ'(a) · ∂a/∂x and ∂s/∂y = σ'(a) · ∂a/∂y, with a = x + y and ∂a/∂x = ∂a/∂y = 1;
    σ' is estimated with ``deriv``.

    Args:
        x, y: [...] arrays of the same shape.
        sigma: an elementwise function.
    Returns:
        ``(ds_dx, ds_dy)``, each [...] of x's shape.
    Raises:
        ValueError: if x and y differ in shape.
    """
    _check_same_shape(x, y)
    ### BEGIN SOLUTION
    a = x + y
    dsda = deriv(sigma, a)
    dadx, dady = 1, 1
    return dsda * dadx, dsda * dady
    ### END SOLUTION
