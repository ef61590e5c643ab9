"""Proposals of NumPy's look-alikes: a function that reads like the right one and computes
something else.

``np.tile`` lays copies of a whole array side by side where ``np.repeat`` repeats each element
in place; ``np.max(a, b)`` takes ``b`` for an axis where ``np.maximum(a, b)`` compares two
arrays; Python's ``sum`` adds an array's rows, NumPy's every element; ``np.dot`` pairs every
matrix of a stack with every other where ``np.matmul`` goes batch by batch; ``np.stack`` makes
a new axis where ``np.concatenate`` joins along one; ``np.flip`` and ``np.transpose`` with no
axes act on every axis. Each is an edit (:mod:`..sandbox.lookalikes` writes it), proposed for
any call of the departing statements and proven like the others or not said.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import callee_path

__all__ = ["lookalikes"]

Candidate = tuple[Edit, str, bool]

_NUMPY = ("np", "numpy")

_MEANT: dict[str, tuple[tuple[str, str], ...]] = {
    "tile": (
        (
            "repeat",
            "lays copies of the whole array side by side (np.tile): each element "
            "repeated in place, np.repeat along each axis, is what this needs",
        ),
    ),
    "repeat": (
        (
            "tile",
            "repeats each element in place (np.repeat): copies of the whole "
            "array side by side, np.tile, is what this needs",
        ),
    ),
    "max": (
        (
            "maximum",
            "takes the largest element along axis {axis} (np.max's second argument is an axis): "
            "the elementwise maximum of the two, np.maximum, is what this needs",
        ),
    ),
    "amax": (
        (
            "maximum",
            "takes the largest element along axis {axis} (its second argument is an axis): the "
            "elementwise maximum of the two, np.maximum, is what this needs",
        ),
    ),
    "min": (
        (
            "minimum",
            "takes the smallest element along axis {axis} (np.min's second argument is an axis): "
            "the elementwise minimum of the two, np.minimum, is what this needs",
        ),
    ),
    "dot": (
        (
            "matmul",
            "with np.dot, arrays of more than two axes pair every matrix with "
            "every other: np.matmul (or @) multiplies them batch by batch",
        ),
        ("multiply", "is a matrix product (np.dot) where the elementwise product belongs"),
    ),
    "multiply": (
        ("matmul", "is the elementwise product where the matrix product (np.matmul, @) belongs"),
    ),
    "matmul": (
        ("multiply", "is a matrix product where the elementwise product (np.multiply, *) belongs"),
    ),
    "concatenate": (
        (
            "stack",
            "joins along an axis the arrays already have (np.concatenate) "
            "where a new axis belongs (np.stack)",
        ),
    ),
    "stack": (
        (
            "concatenate",
            "makes a new axis (np.stack) where joining along one the "
            "arrays already have belongs (np.concatenate)",
        ),
    ),
    "hstack": (
        ("vstack", "joins side by side (np.hstack) where one above the other belongs (np.vstack)"),
    ),
    "vstack": (
        ("hstack", "joins one above the other (np.vstack) where side by side belongs (np.hstack)"),
    ),
    "flip": (
        (
            "flip_two",
            "with no axis reverses every axis, the channels too: only the "
            "last two, axis=(-2, -1), are the kernel's",
        ),
        ("flip_last", "with no axis reverses every axis: only the last, axis=-1, belongs"),
    ),
    "sign": (
        (
            "step",
            "is −1 below zero (np.sign): the step, 1 above zero and 0 below, (x > 0), is what "
            "this needs",
        ),
    ),
    "transpose": (
        (
            "swap_last",
            "with no axes reverses every axis, which for more than two "
            "is not swapping the last two (np.swapaxes(…, -1, -2))",
        ),
    ),
}
"""NumPy's function written: each look-alike it may stand for, and what tells them apart."""

_BUILTINS: dict[str, tuple[tuple[str, str], ...]] = {
    "sum": (
        (
            "numpy",
            "is Python's sum, which adds an array's rows (its first axis only): "
            "NumPy's np.sum adds every element",
        ),
    ),
    "max": (
        (
            "maximum",
            "is Python's max, which compares whole arrays, not their elements: "
            "np.maximum compares them element by element",
        ),
        (
            "numpy",
            "is Python's max, which compares an array's rows: NumPy's np.max takes "
            "the largest element",
        ),
    ),
    "min": (
        (
            "minimum",
            "is Python's min, which compares whole arrays, not their elements: "
            "np.minimum compares them element by element",
        ),
        (
            "numpy",
            "is Python's min, which compares an array's rows: NumPy's np.min takes "
            "the smallest element",
        ),
    ),
}
"""Python's built-ins on arrays, and what NumPy's do instead."""


def lookalikes(node: ast.Call) -> Iterator[Candidate]:
    """Each look-alike of the function ``node`` calls, as an edit to prove."""
    path = callee_path(node)
    if path is None:
        return
    module, _, name = path.rpartition(".")
    if module in _NUMPY:
        meant = _MEANT.get(name, ())
    elif not module:
        meant = _BUILTINS.get(name, ())
    else:
        return
    code = ast.unparse(node)
    for form, why in meant:
        if form in ("maximum", "minimum") and len(node.args) != 2:
            continue
        if form == "numpy" and len(node.args) != 1:
            continue
        if "{axis}" in why:
            why = why.format(axis=ast.unparse(node.args[1]))
        yield Edit(span_of(node), "lookalike", (form,)), f"`{code}` {why}", False
