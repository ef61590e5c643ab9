"""The operands of the learner's line that NumPy refused, with their shapes.

NumPy's own shape errors name sizes, not the learner's arrays ("matmul: Input operand 1 has a
mismatch in its core dimension 0 ... (size 4 is different from 3)"). In the worker, before it
reports the error, :func:`operand_shapes` reads the line of the learner's code that raised,
finds its products (``a @ b``, ``np.dot(a, b)``, ``np.matmul(a, b)``) or, for a broadcast
error, its element-wise operations, and looks up the shapes of operands that are plain names,
attributes, ``.T`` and simple subscripts in that frame: "`output_grad @ self.param` has
shapes (5, 4) @ (3, 4)". Nothing the learner wrote is called, apart from attribute look-ups
on their own objects.
"""

from __future__ import annotations

import ast
import linecache
import re
from types import FrameType, TracebackType
from typing import Any

__all__ = ["operand_shapes"]

_PRODUCT = re.compile(r"mismatch in its core dimension|not aligned")
_BROADCAST = re.compile(r"could not be broadcast together")
_ELEMENTWISE = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_PRODUCT_CALLS = {"dot", "matmul"}


def operand_shapes(error: BaseException, learner_files: set[str]) -> str | None:
    """``"`a @ b` has shapes (5, 4) @ (3, 4)"`` for the learner's line that raised a NumPy
    shape error, or None (another error, or nothing on the line could be named)."""
    message = str(error)
    if _PRODUCT.search(message):
        wanted = "product"
    elif _BROADCAST.search(message):
        wanted = "elementwise"
    else:
        return None
    frame, lineno = _learner_frame(error.__traceback__, learner_files)
    if frame is None:
        return None
    source = linecache.getline(frame.f_code.co_filename, lineno).strip()
    try:
        tree = ast.parse(source.removeprefix("return ").rstrip(":"), mode="exec")
    except SyntaxError:
        return None
    found = []
    operations = _operations(tree, wanted)
    for left, symbol, right, text in operations:
        shapes = [_shape_of(side, frame) for side in (left, right)]
        if all(shape is not None for shape in shapes):
            found.append(f"`{text}` has shapes {shapes[0]} {symbol} {shapes[1]}")
    if not found and len(operations) == 1:  # NumPy's message has the shapes: name the place
        found.append(f"in `{operations[0][3]}`")
    return "; ".join(found[:2]) or None


def _learner_frame(
    tb: TracebackType | None, learner_files: set[str]
) -> tuple[FrameType | None, int]:
    """The innermost frame of the learner's files in the traceback, and its line."""
    found: tuple[FrameType | None, int] = (None, 0)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in learner_files:
            found = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _operations(tree: ast.AST, wanted: str) -> list[tuple[ast.expr, str, ast.expr, str]]:
    """``(left, symbol, right, source)`` of each product (or element-wise operation)."""
    found = []
    for node in ast.walk(tree):
        if wanted == "product" and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append((node.left, "@", node.right, ast.unparse(node)))
        elif (
            wanted == "product"
            and isinstance(node, ast.Call)
            and len(node.args) == 2
            and _called_name(node.func) in _PRODUCT_CALLS
        ):
            found.append((node.args[0], ",", node.args[1], ast.unparse(node)))
        elif wanted == "elementwise" and isinstance(node, ast.BinOp):
            symbol = _ELEMENTWISE.get(type(node.op))
            if symbol:
                found.append((node.left, symbol, node.right, ast.unparse(node)))
    return found


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _simple(node: ast.expr) -> bool:
    """A name, an attribute chain, ``.T`` or a subscript by constants and names."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return _simple(node.value)
    if isinstance(node, ast.Subscript):
        return _simple(node.value) and all(
            isinstance(part, ast.Constant | ast.Name | ast.Slice | ast.Tuple | ast.UnaryOp)
            for part in ast.walk(node.slice)
            if isinstance(part, ast.expr) and part is not node.slice
        )
    return False


def _shape_of(node: ast.expr, frame: FrameType) -> tuple[int, ...] | None:
    if not _simple(node):
        return None
    try:
        value: Any = eval(  # a name, attributes and a subscript, in the learner's own frame
            compile(ast.Expression(node), "<operand>", "eval"), frame.f_globals, frame.f_locals
        )
    except Exception:
        return None
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return shape
    return None
