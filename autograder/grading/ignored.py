"""The arguments a learner's function never reads that the key's reads: said as a fact
where no edit proved anything (``backward_grad`` ignored, every walk started from 1; an
``inference`` flag never looked at)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .source import Source

__all__ = ["ignored_arguments"]


def ignored_arguments(mine: Sequence[Source], theirs: Sequence[Source]) -> str:
    """A sentence per function of the learner's that leaves an argument the key reads unread
    (empty if none does)."""
    said = []
    for learner, key in zip(mine, theirs, strict=False):
        read, needed = _loaded(learner.node), _loaded(key.node)
        names = [n for n in _parameters(learner.node) if n not in read and n in needed]
        if names:
            listed = ", ".join(f"`{name}`" for name in names)
            plural = "s" if len(names) > 1 else ""
            said.append(
                f" `{getattr(learner.node, 'name', 'your function')}` never reads its "
                f"argument{plural} {listed}, which the right answer depends on."
            )
    return "".join(said)


def _parameters(function: ast.AST) -> list[str]:
    arguments = getattr(function, "args", None)
    if arguments is None:
        return []
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return [a.arg for a in every if a.arg not in ("self", "cls")]


def _loaded(function: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
