"""Probes for chapter 1: elementwise functions, derivatives, the chain rule, matrices."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .common import extreme_inputs
from .record import Probe, declare

__all__ = ["PROBES"]


def _x(rng: np.random.Generator, shape: Any) -> ndarray:
    return rng.standard_normal(tuple(shape)) * 2.0


def _leaky_relu_inputs(rng: np.random.Generator, shape: Any = (4, 5)) -> dict[str, ndarray]:
    return {"x": _x(rng, shape)}


def leaky_relu(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """leaky_relu on standard normal values (both signs)."""
    return {"output": ref.foundations.leaky_relu(inputs["x"])}


_leaky_relu_mistakes = {
    "the slope below zero should be 0.2, not 0.01": lambda ref, i: {
        "output": np.maximum(0.01 * i["x"], i["x"])
    },
    "this is a plain ReLU: below zero, leaky ReLU keeps 0.2·x": lambda ref, i: {
        "output": np.maximum(0.0, i["x"])
    },
}


def _integers(rng: np.random.Generator) -> dict[str, ndarray]:
    return {"x": np.array([[-5, -2, 0], [1, 3, -1]])}


def leaky_relu_integers(ref: Any, inputs: dict[str, ndarray]) -> dict[str, ndarray]:
    """leaky_relu of an integer array, which the book's examples use (np.array([-2, ...]))."""
    x = inputs["x"]
    output = ref.foundations.leaky_relu(x)
    if not np.array_equal(x, [[-5, -2, 0], [1, 3, -1]]):
        raise ValueError("leaky_relu changed its input in place")
    return {"output": output}


def _leaky_relu_integers_expected() -> dict[str, ndarray]:
    return {"output": np.array([[-1.0, -0.4, 0.0], [1.0, 3.0, -0.2]])}


def _sigmoid_inputs(rng: np.random.Generator, shape: Any = (4, 5)) -> dict[str, ndarray]:
    return {"x": _x(rng, shape)}


def sigmoid(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """sigmoid on values of both signs."""
    return {"output": ref.foundations.sigmoid(inputs["x"])}


def sigmoid_extreme(ref: Any, inputs: dict[str, ndarray]) -> dict[str, ndarray]:
    """sigmoid where e^(±x) overflows: its limits 0 and 1 (1 / (1 + e^(−x)) gets them
    right, e^x / (1 + e^x) gives inf / inf = nan at x = 1000)."""
    with np.errstate(over="ignore"):
        return {"output": ref.foundations.sigmoid(inputs["x"])}


def sigmoid_integers(ref: Any, inputs: dict[str, ndarray]) -> dict[str, ndarray]:
    """sigmoid of an integer array, as the book's examples give it (np.array([-2, ...])): an
    output array made like the input (np.zeros_like, np.empty_like) holds integers."""
    x = inputs["x"]
    output = ref.foundations.sigmoid(x)
    if not np.array_equal(x, [[-5, -2, 0], [1, 3, -1]]):
        raise ValueError("sigmoid changed its input in place")
    return {"output": output}


def _sigmoid_fixture_inputs(rng: np.random.Generator) -> dict[str, ndarray]:
    return {"x": np.array([-np.log(3.0), 0.0, np.log(3.0)])}


def sigmoid_fixture(ref: Any, inputs: dict[str, ndarray]) -> dict[str, ndarray]:
    """sigmoid at −ln 3, 0, ln 3 (known answers 1/4, 1/2, 3/4)."""
    return {"output": ref.foundations.sigmoid(inputs["x"])}


def _sigmoid_fixture_expected() -> dict[str, ndarray]:
    return {"output": np.array([0.25, 0.5, 0.75])}


def _deriv_inputs(rng: np.random.Generator, shape: Any = (3, 4)) -> dict[str, ndarray]:
    return {"x": _x(rng, shape)}


def deriv(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """deriv of a cubic, of sin and of exp: their central differences (exp's derivative is
    not even, as the others' are: code that reads −x where x belongs shows there)."""
    x = inputs["x"]
    return {
        "deriv_cube": ref.foundations.deriv(lambda u: u**3, x),
        "deriv_sin": ref.foundations.deriv(np.sin, x, delta=0.01),
        "deriv_exp": ref.foundations.deriv(np.exp, x, delta=0.002),
    }


def _chain_inputs(rng: np.random.Generator, shape: Any = (7,)) -> dict[str, ndarray]:
    return {"x": _x(rng, shape)}


def chain_deriv_2(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """d/dx sin(x²) and d/dx tanh(exp(x)) through chain_deriv_2."""
    x = inputs["x"]
    return {
        "sin_of_square": ref.foundations.chain_deriv_2([np.square, np.sin], x),
        "tanh_of_exp": ref.foundations.chain_deriv_2([np.exp, np.tanh], x * 0.5),
    }


def chain_deriv_3(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """d/dx sin(tanh(x)²) through chain_deriv_3 (three different functions), and d/dx
    tanh(exp(sin(x))): no place in the chain is the book's square."""
    x = inputs["x"]
    return {
        "derivative": ref.foundations.chain_deriv_3([np.tanh, np.square, np.sin], x),
        "no_square": ref.foundations.chain_deriv_3([np.sin, np.exp, np.tanh], x * 0.5),
    }


def _xy_inputs(rng: np.random.Generator, shape: Any = (3, 4)) -> dict[str, ndarray]:
    return {"x": _x(rng, shape), "y": _x(rng, shape)}


def multiple_inputs_add_backward(
    ref: Any, inputs: dict[str, ndarray], **_: Any
) -> dict[str, ndarray]:
    """∂s/∂x and ∂s/∂y of s = sin(x + y)."""
    ds_dx, ds_dy = ref.foundations.multiple_inputs_add_backward(inputs["x"], inputs["y"], np.sin)
    return {"ds_dx": ds_dx, "ds_dy": ds_dy}


def _xw(rng: np.random.Generator, n: int, d: int, m: int) -> dict[str, ndarray]:
    return {"X": rng.standard_normal((n, d)), "W": rng.standard_normal((d, m))}


def _xw_one(rng: np.random.Generator, n: int = 1, d: int = 3, m: int = 1) -> dict[str, ndarray]:
    return _xw(rng, n, d, m)


def _xw_batch(rng: np.random.Generator, n: int = 3, d: int = 4, m: int = 2) -> dict[str, ndarray]:
    return _xw(rng, n, d, m)


def matmul_backward_first(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, ndarray]:
    """∂N/∂X for N = X·W."""
    return {"dNdX": ref.matrix_functions.matmul_backward_first(inputs["X"], inputs["W"])}


def matrix_function_backward_1(
    ref: Any, inputs: dict[str, ndarray], **_: Any
) -> dict[str, ndarray]:
    """∂S/∂X for S = σ(X·W) with σ = sin."""
    X, W = inputs["X"], inputs["W"]
    return {"dSdX": ref.matrix_functions.matrix_function_backward_1(X, W, np.sin)}


def matrix_function_backward_sum_1(
    ref: Any, inputs: dict[str, ndarray], **_: Any
) -> dict[str, ndarray]:
    """∂L/∂X for L = Σ σ(X·W) with σ = tanh."""
    X, W = inputs["X"], inputs["W"]
    return {"dLdX": ref.matrix_functions.matrix_function_backward_sum_1(X, W, np.tanh)}


# --- known mistakes: each on the probe's own inputs ------------------------------------------


def _sigmoid_negated(ref: Any, inputs: dict[str, ndarray]) -> dict:
    return {"output": 1.0 / (1.0 + np.exp(inputs["x"]))}


def _sigmoid_fixture_negated(ref: Any, inputs: dict[str, ndarray]) -> dict:
    return {"output": np.array([0.75, 0.5, 0.25])}


_SIGMOID_NEGATED = "1 / (1 + exp(x)) is σ(−x): the exponent is −x, as in 1 / (1 + np.exp(-x))"


def _forward_difference(ref: Any, inputs: dict[str, ndarray]) -> dict:
    x = inputs["x"]

    def forward(f: Any, u: ndarray, delta: float = 0.001) -> ndarray:
        return (f(u + delta) - f(u)) / delta

    return {"deriv_cube": forward(lambda u: u**3, x), "deriv_sin": forward(np.sin, x, 0.01)}


def _outer_at_x(ref: Any, inputs: dict[str, ndarray]) -> dict:
    x = inputs["x"]
    d = ref.foundations.deriv
    return {
        "sin_of_square": d(np.square, x) * d(np.sin, x),
        "tanh_of_exp": d(np.exp, x * 0.5) * d(np.tanh, x * 0.5),
    }


PROBES = declare(
    Probe(
        chain_deriv_2,
        inputs=_chain_inputs,
        mistakes={
            "the outer function's derivative is taken at x: the chain rule takes it at the "
            "inner function's output, at f1(x)": _outer_at_x,
        },
    ),
    Probe(chain_deriv_3, inputs=_chain_inputs),
    Probe(
        deriv,
        inputs=_deriv_inputs,
        mistakes={
            "(f(x + Δ) − f(x)) / Δ is a forward difference; deriv is the central difference "
            "(f(x + Δ) − f(x − Δ)) / 2Δ, whose error shrinks like Δ²": _forward_difference,
        },
    ),
    Probe(leaky_relu, inputs=_leaky_relu_inputs, mistakes=_leaky_relu_mistakes),
    Probe(leaky_relu_integers, inputs=_integers, expected=_leaky_relu_integers_expected),
    Probe(matmul_backward_first, inputs=_xw_one),
    Probe(matrix_function_backward_1, inputs=_xw_one),
    Probe(matrix_function_backward_sum_1, inputs=_xw_batch),
    Probe(multiple_inputs_add_backward, inputs=_xy_inputs),
    Probe(sigmoid, inputs=_sigmoid_inputs, mistakes={_SIGMOID_NEGATED: _sigmoid_negated}),
    Probe(sigmoid_extreme, inputs=extreme_inputs),
    Probe(sigmoid_integers, inputs=_integers),
    Probe(
        sigmoid_fixture,
        inputs=_sigmoid_fixture_inputs,
        expected=_sigmoid_fixture_expected,
        mistakes={_SIGMOID_NEGATED: _sigmoid_fixture_negated},
    ),
)
"""Every probe of this chapter, with its companions."""
