"""One array under two names: ``P = N`` binds no copy, so ``P += B`` changes ``N`` too.

No value departs where the alias is made (``P`` holds ``N``'s numbers, as it should), nor
where it is written into (``P`` is right after ``P += B``): what departs is ``N``, later,
where the function stores or returns it. So the proposals come from the code: each plain
binding of one name to another that the function then writes into in place (``+=``,
``x[…] =``, ``out=x``), proposed as the copy (``P = np.copy(N)``) and proven like any edit.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..sandbox.instrument import Edit, span_of
from .relations import Proposal
from .source import Source, name_of

__all__ = ["copied_aliases"]


def copied_aliases(learner_sources: Sequence[Source]) -> list[Proposal]:
    """A copy where each learner's function binds a second name to an array and writes
    into it in place."""
    found = []
    for fid, source in enumerate(learner_sources):
        for binding in ast.walk(source.node):
            alias = _alias(binding)
            if alias is None:
                continue
            name, original = alias
            if not _written_in_place(source.node, name, after=binding.lineno):
                continue
            said = (
                f"`{name} = {original}` makes no copy: {name} and {original} are one array, "
                f"so writing into {name} in place changes {original} too "
                f"(`{name} = {original}.copy()`)"
            )
            edit = Edit(span_of(binding.value), "wrap", ("np.copy",))
            found.append(Proposal(fid, edit, said, 0, binding.lineno))
    return found


def _alias(node: ast.AST) -> tuple[str, str] | None:
    """``(name, original)`` of ``name = original`` where both are plain names or paths."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    name, original = name_of(node.targets[0]), name_of(node.value)
    if name is None or original is None or name == original:
        return None
    return name, original


def _written_in_place(function: ast.AST, name: str, after: int) -> bool:
    """Whether a statement after line ``after`` writes into ``name``'s array in place."""
    for node in ast.walk(function):
        if getattr(node, "lineno", 0) <= after:
            continue
        if isinstance(node, ast.AugAssign) and name_of(node.target) == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and name_of(t.value) == name for t in node.targets
        ):
            return True
        if isinstance(node, ast.Call) and any(
            k.arg == "out" and name_of(k.value) == name for k in node.keywords
        ):
            return True
    return False
