"""Whether an edit of an expression only cancels a part of it: a deletion in disguise.

``x / (K * K)`` regrouped is ``x / K * K``, and with the operator swapped ``x / (K / K)``:
both equal ``x``, so either makes a check pass exactly when the factor ``K * K`` should not be
there at all. Named as a regrouping or a wrong operator, the mistake would be misnamed; the
edit that drops the factor says it plainly. :func:`cancels` finds such edits by evaluating the
edited expression and each operand of the original with random numbers for every name (the
same text, the same number): an edit whose result always equals one of the original's
operands, or a constant, says nothing an operand's removal does not.
"""

from __future__ import annotations

import ast
import math
import random

__all__ = ["cancels"]

_TRIALS = 3


def cancels(original: ast.expr, edited: ast.expr) -> bool:
    """Whether ``edited`` always equals an operand of ``original``, or a constant."""
    if not isinstance(original, ast.BinOp):
        return False
    parts = [original.left, original.right]
    results: list[list[float | None]] = [[], [], []]  # edited, left, right
    generator = random.Random(1234)
    for _ in range(_TRIALS):
        values: dict[str, float] = {}
        for index, node in enumerate((edited, *parts)):
            results[index].append(_evaluate(node, values, generator))
    edited_values = results[0]
    if any(v is None for v in edited_values):
        return False
    if all(_near(v, edited_values[0]) for v in edited_values):  # a constant (K / K, K - K)
        return True
    return any(
        all(_near(e, p) for e, p in zip(edited_values, part, strict=True)) for part in results[1:]
    )


def _near(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.MatMult: lambda a, b: a * b,  # scalars stand for the operands: a product all the same
    ast.Pow: lambda a, b: a**b,
}


def _evaluate(node: ast.expr, values: dict[str, float], generator: random.Random) -> float | None:
    """``node`` with every leaf that is not a number (a name, an attribute, a call, a
    subscript) a random number in [1.5, 3.5], the same for the same text; None where it
    holds something else."""
    if isinstance(node, ast.Constant):
        return float(node.value) if type(node.value) in (int, float) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _evaluate(node.operand, values, generator)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        compute = _OPERATORS.get(type(node.op))
        left = _evaluate(node.left, values, generator)
        right = _evaluate(node.right, values, generator)
        if compute is None or left is None or right is None:
            return None
        try:
            result = compute(left, right)
        except (ArithmeticError, ValueError):
            return None
        return result if isinstance(result, float) else None  # (-2.0) ** 0.5 is complex
    text = ast.unparse(node)
    if text not in values:
        values[text] = generator.uniform(1.5, 3.5)
    return values[text]
