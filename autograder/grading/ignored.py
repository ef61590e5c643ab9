"""The arguments a learner's function never reads that the key's reads: said as a fact
where no edit proved anything (``backward_grad`` ignored, every walk started from 1; an
``inference`` flag never looked at)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .source import Source, names_read, parameters

__all__ = ["ignored_arguments"]


def ignored_arguments(mine: Sequence[Source], theirs: Sequence[Source]) -> str:
    """A sentence per function of the learner's that leaves an argument the key reads unread
    (empty if none does)."""
    said = []
    for learner, key in zip(mine, theirs, strict=False):
        read, needed = names_read(learner.node), _values_read(key.node)
        own = [n for n in parameters(learner.node) if n not in ("self", "cls")]
        names = [n for n in own if n not in read and n in needed]
        if names:
            listed = ", ".join(f"`{name}`" for name in names)
            plural = "s" if len(names) > 1 else ""
            said.append(
                f" `{getattr(learner.node, 'name', 'your function')}` never reads its "
                f"argument{plural} {listed}, whose values the right answer depends on."
            )
    return "".join(said)


_SHAPE_ONLY = frozenset({"ones_like", "zeros_like", "empty_like", "full_like", "len"})
"""Calls that read an array's shape, not its values."""


def _values_read(function: ast.AST) -> set[str]:
    """The names ``function`` reads the values of: not those it reads only for a shape
    (``np.ones_like(weights["B"])``, ``x.shape``, ``len(x)``)."""
    shapes: set[int] = set()
    for node in ast.walk(function):
        called = getattr(getattr(node, "func", None), "attr", None) or getattr(
            getattr(node, "func", None), "id", None
        )
        if isinstance(node, ast.Call) and called in _SHAPE_ONLY and node.args:
            shapes |= {id(n) for n in ast.walk(node.args[0])}
        elif isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype"):
            shapes |= {id(n) for n in ast.walk(node.value)}
    return {
        n.id
        for n in ast.walk(function)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in shapes
    }
