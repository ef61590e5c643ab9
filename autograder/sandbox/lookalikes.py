"""A call rewritten as the NumPy function it resembles: the ``lookalike`` edit (:mod:`.edits`).

``np.tile`` and ``np.repeat``, ``np.max(a, b)`` and ``np.maximum(a, b)``, Python's ``sum``
and NumPy's, ``np.dot`` and ``np.matmul``, ``np.stack`` and ``np.concatenate``: each pair
reads alike and computes something else. A form names the function meant; the call's own
operands are kept and nothing else is written in. Where the call does not fit the form
(another number of arguments, an axis that is not a plain number), it is left as it is.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable

__all__ = ["FORMS", "rewritten"]


def _code(node: ast.AST) -> str:
    return ast.unparse(node)


def _axis(node: ast.Call, position: int) -> int | None:
    """The call's axis, given at ``position`` or as ``axis=``, where it is a plain integer."""
    given = node.args[position] if len(node.args) > position else None
    given = given or next((k.value for k in node.keywords if k.arg == "axis"), None)
    try:
        value = ast.literal_eval(given) if given is not None else None
    except ValueError:
        return None
    return value if type(value) is int else None


def _repeated(node: ast.Call) -> str | None:
    """``np.tile(a, reps)`` as ``np.repeat`` along each axis ``reps`` repeats (the last
    ``len(reps)`` axes, as np.tile aligns them)."""
    if len(node.args) != 2 or node.keywords:
        return None
    array, reps = node.args
    counts = reps.elts if isinstance(reps, ast.Tuple | ast.List) else [reps]
    code = _code(array)
    for k, count in enumerate(counts):
        if not (isinstance(count, ast.Constant) and count.value == 1):
            code = f"np.repeat({code}, {_code(count)}, axis={k - len(counts)})"
    return code


def _tiled(node: ast.Call) -> str | None:
    """``np.repeat(a, r, axis=k)`` as ``np.tile``: ``r`` copies along axis ``k``."""
    axis = _axis(node, 2)
    if len(node.args) < 2 or axis is None:
        return None
    array, count = _code(node.args[0]), _code(node.args[1])
    if axis < 0:
        return f"np.tile({array}, ({count},{' 1,' * (-axis - 1)}))"
    if not isinstance(node.args[0], ast.Name | ast.Attribute):  # read twice below
        return None
    return f"np.tile({array}, (1,) * {axis} + ({count},) + (1,) * ({array}.ndim - {axis + 1}))"


def _elementwise(name: str) -> Callable[[ast.Call], str | None]:
    """``np.max(a, b)`` or Python's ``max(a, b)`` as ``np.maximum(a, b)`` (``name``)."""

    def form(node: ast.Call) -> str | None:
        if len(node.args) != 2 or node.keywords:
            return None
        return f"np.{name}({_code(node.args[0])}, {_code(node.args[1])})"

    return form


def _numpy(node: ast.Call) -> str | None:
    """Python's ``sum(x)``, ``max(x)``, ``min(x)`` as NumPy's, over every element."""
    if len(node.args) != 1 or node.keywords or not isinstance(node.func, ast.Name):
        return None
    return f"np.{node.func.id}({_code(node.args[0])})"


def _renamed(name: str) -> Callable[[ast.Call], str | None]:
    """The same arguments, to ``np.<name>`` (``np.stack`` for ``np.concatenate``)."""

    def form(node: ast.Call) -> str | None:
        call = copy.copy(node)
        call.func = ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())
        return _code(call)

    return form


def _flipped(axes: str) -> Callable[[ast.Call], str | None]:
    """``np.flip(a)`` (every axis) as ``np.flip(a, axis=axes)``."""

    def form(node: ast.Call) -> str | None:
        if len(node.args) != 1 or node.keywords:
            return None
        return f"np.flip({_code(node.args[0])}, axis={axes})"

    return form


def _swapped(node: ast.Call) -> str | None:
    """``np.transpose(a)`` (every axis reversed) as the last two axes swapped."""
    if len(node.args) != 1 or node.keywords:
        return None
    return f"np.swapaxes({_code(node.args[0])}, -1, -2)"


def _stepped(node: ast.Call) -> str | None:
    """``np.sign(x)`` (−1 below zero) as the step ``(x > 0)``."""
    if len(node.args) != 1 or node.keywords:
        return None
    return f"({_code(node.args[0])} > 0)"


FORMS: dict[str, Callable[[ast.Call], str | None]] = {
    "repeat": _repeated,
    "tile": _tiled,
    "maximum": _elementwise("maximum"),
    "minimum": _elementwise("minimum"),
    "numpy": _numpy,
    "matmul": _renamed("matmul"),
    "multiply": _renamed("multiply"),
    "stack": _renamed("stack"),
    "concatenate": _renamed("concatenate"),
    "hstack": _renamed("hstack"),
    "vstack": _renamed("vstack"),
    "flip_last": _flipped("-1"),
    "flip_two": _flipped("(-2, -1)"),
    "swap_last": _swapped,
    "step": _stepped,
}
"""Each form: the call's code as the function meant, or None where the call does not fit."""


def rewritten(node: ast.expr, form: str) -> ast.expr:
    """``node`` (a call) as the look-alike ``form`` names; ``node`` itself where it does not
    fit."""
    make = FORMS.get(form)
    code = make(node) if make is not None and isinstance(node, ast.Call) else None
    return node if code is None else ast.parse(code, mode="eval").body
