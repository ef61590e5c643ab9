"""The operands of an expression, and the edits that move them: another function called, a call
undone, two nested operations swapped, two arguments swapped.

An *operation* is a call, a unary operator or a binary operator; its *holes* are the places
its operands sit in: a call's positional arguments and, for a method called on a value
(``x.mean()``, ``np.abs(d).sum()``), that value; a unary operator's operand; a binary
operator's left and right (and a list's or a tuple's elements, only ever swapped). A hole is
named by its index in :func:`holes`, so that the grader, which proposes an edit from the
source, and the worker, which makes it, agree on the place.
Nothing here runs any code.
"""

from __future__ import annotations

import ast
import copy
from typing import Any

__all__ = [
    "MODULES",
    "callee_path",
    "chain",
    "changed_by_call",
    "grouped",
    "holes",
    "nested",
    "operand",
    "swapped",
    "unwrapped",
]

MODULES = frozenset({"np", "numpy", "torch", "nn", "F", "math", "random", "optim"})
"""Names that are modules, not values: ``np.abs(x)`` calls a function of ``np`` on ``x``."""

_RECEIVER = -1
"""The hole of a method's receiver (``x`` in ``x.mean()``)."""


def callee_path(node: ast.Call) -> str | None:
    """The dotted path a call calls (``np.tanh``, ``sigmoid``, ``self.activation``), if it is
    one (None for a method called on a computed value, ``(x ** 2).mean``)."""
    parts: list[str] = []
    func: ast.expr = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    return ".".join([func.id, *reversed(parts)])


_IN_PLACE_FUNCTIONS = frozenset({"copyto", "put", "putmask", "place", "fill_diagonal", "shuffle"})
"""NumPy's functions that change their first argument in place (and a ufunc's ``.at``)."""
_IN_PLACE_METHODS = frozenset({"fill", "sort", "partition", "put", "resize", "shuffle"})
"""An array's methods that change it in place (PyTorch's end in ``_``: ``p.grad.zero_()``)."""


def changed_by_call(statement: ast.stmt) -> list[ast.expr]:
    """What a call whose result the statement throws away changes in place: its ``out=``
    array; the first argument of NumPy's in-place functions (``np.copyto(dst, src)``,
    ``np.add.at(a, i, b)``, ``rng.shuffle(x)``, ``nn.init.zeros_(b)``); the receiver of an
    array's in-place method (``x.fill(0)``, ``p.grad.zero_()``). Only what a name, an
    attribute or an index of one holds."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return []
    call = statement.value
    found = [k.value for k in call.keywords if k.arg == "out"]
    func = call.func
    if isinstance(func, ast.Attribute) and not found:
        name = func.attr
        trailing = name.endswith("_") and not name.startswith("_")
        numpy = name in _IN_PLACE_FUNCTIONS or name == "at" or trailing
        if (numpy and _module_call(call)) or name == "shuffle":  # rng.shuffle(x) too
            found.extend(call.args[:1])
        elif name in _IN_PLACE_METHODS or trailing:
            found.append(func.value)
    return [n for n in found if isinstance(n, ast.Name | ast.Attribute | ast.Subscript)]


def _module_call(node: ast.Call) -> bool:
    path = callee_path(node)
    return path is not None and path.split(".")[0] in MODULES


def _has_receiver(node: ast.Call) -> bool:
    """Whether the call is a method of a value the code computed or named (``d.mean()``),
    not a function of a module or an attribute of ``self`` (``np.mean``, ``self.model.eval``)."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    root: ast.expr = func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return not (isinstance(root, ast.Name) and root.id in MODULES | {"self"})


def holes(node: ast.AST) -> list[int]:
    """The holes of an operation (indices for :func:`operand`), in a fixed order."""
    if isinstance(node, ast.Call):
        found = [i for i, a in enumerate(node.args) if not isinstance(a, ast.Starred)]
        return found + ([_RECEIVER] if _has_receiver(node) else [])
    if isinstance(node, ast.UnaryOp):
        return [0]
    if isinstance(node, ast.BinOp):
        return [0, 1]
    if isinstance(node, ast.List | ast.Tuple) and isinstance(node.ctx, ast.Load):
        return [i for i, e in enumerate(node.elts) if not isinstance(e, ast.Starred)]
    return []


def operand(node: ast.AST, hole: int) -> ast.expr:
    """The expression in ``hole`` of ``node``."""
    if isinstance(node, ast.Call):
        return node.func.value if hole == _RECEIVER else node.args[hole]  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        return node.operand
    if isinstance(node, ast.BinOp):
        return node.right if hole else node.left
    if isinstance(node, ast.List | ast.Tuple):
        return node.elts[hole]
    raise ValueError(f"not an operation: {ast.dump(node)[:60]}")


def _filled(node: ast.expr, hole: int, value: ast.expr) -> ast.expr:
    """A copy of ``node`` with ``value`` in ``hole``."""
    new = copy.copy(node)
    if isinstance(new, ast.Call):
        if hole == _RECEIVER:
            func = copy.copy(new.func)
            func.value = value  # type: ignore[attr-defined]
            new.func = func
        else:
            new.args = [value if i == hole else a for i, a in enumerate(new.args)]
    elif isinstance(new, ast.UnaryOp):
        new.operand = value
    elif isinstance(new, ast.BinOp):
        if hole:
            new.right = value
        else:
            new.left = value
    elif isinstance(new, ast.List | ast.Tuple):
        new.elts = [value if i == hole else e for i, e in enumerate(new.elts)]
    return new


def unwrapped(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """The operation undone: its operand in hole ``args[0]`` in its place (``np.tanh(y)`` →
    ``y``)."""
    hole = int(args[0])
    return operand(node, hole) if hole in holes(node) else node


def nested(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """Two nested operations the other way round: ``f(g(x))`` → ``g(f(x))``, with ``g`` in
    hole ``args[0]`` of ``f`` and ``x`` in hole ``args[1]`` of ``g``."""
    outer_hole, inner_hole = int(args[0]), int(args[1])
    if outer_hole not in holes(node):
        return node
    inner = operand(node, outer_hole)
    if inner_hole not in holes(inner):
        return node
    innermost = operand(inner, inner_hole)
    return _filled(inner, inner_hole, _filled(node, outer_hole, innermost))


def swapped(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """Two operands exchanged: positional arguments ``args[0]`` and ``args[1]`` of a call,
    the left and right of a binary operator, two elements of a list or a tuple."""
    first, second = int(args[0]), int(args[1])
    places = holes(node)
    if first not in places or second not in places or first == second:
        return node
    a, b = operand(node, first), operand(node, second)
    return _filled(_filled(node, first, b), second, a)


def chain(node: ast.expr) -> tuple[list[ast.expr], list[ast.operator], list[ast.BinOp]]:
    """A run of binary operators as written: its operands and operators in order, and its own
    operator nodes (``a + b * c`` → ``[a, b, c]``, ``[+, *]``). A power of a constant
    (``x ** 2``) is one operand: no one means ``(a + x) ** 2`` by ``a + x ** 2``."""
    operands: list[ast.expr] = []
    operators: list[ast.operator] = []
    nodes: list[ast.BinOp] = []

    def walk(part: ast.expr) -> None:
        if isinstance(part, ast.BinOp) and not _is_power(part):
            nodes.append(part)
            walk(part.left)
            operators.append(part.op)
            walk(part.right)
        else:
            operands.append(part)

    walk(node)
    return operands, operators, nodes


def _is_power(node: ast.BinOp) -> bool:
    return isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant)


def leaves(tree: Any) -> list[int]:
    """The operand numbers of a grouping (nested pairs of ints), left to right."""
    if isinstance(tree, int):
        return [tree]
    left, right = tree
    return leaves(left) + leaves(right)


def grouped(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """The same operands and operators in the same order, grouped as ``args[0]`` says: nested
    pairs of operand numbers (``((0, 1), 2)`` is ``(a - b) * c``; ``(0, (1, 2))`` is
    ``a - b * c``)."""
    if not isinstance(node, ast.BinOp):
        return node
    operands, operators, _ = chain(node)
    tree = args[0]
    if leaves(tree) != list(range(len(operands))):
        return node

    def build(part: Any) -> ast.expr:
        if isinstance(part, int):
            return operands[part]
        left, right = part
        return ast.BinOp(left=build(left), op=operators[leaves(left)[-1]], right=build(right))

    return build(tree)
