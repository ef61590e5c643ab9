"""Two names that play each other's part: bound together, read each where the other belongs.

Names bound by one unpacking (``f1, f2 = chain``; ``out, (h_n, c_n) = self.lstm(…)``) hold
values of one kind, in an order that is easy to get wrong: a tuple unpacked in the wrong
order, or two functions of a chain composed the wrong way round
(``deriv(f1, f2(x))`` where ``deriv(f2, f1(x))`` belongs). No edit of one statement undoes
that where both are read in several: :func:`exchanged_roles` proposes every read of the two,
in every statement after their binding, exchanged as one change.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal

__all__ = ["exchanged_roles"]

MAX_PAIRS = 4
"""Pairs of names tried at most, the nearest binding to the first departure first."""


def exchanged_roles(departures: Sequence[Departure]) -> list[Proposal]:
    """For the first departure's function, each pair of names one unpacking binds, read in
    statements after it, exchanged in all of them (one proposal per pair)."""
    if not departures:
        return []
    departure = departures[0]
    function = departure.source.node
    bindings = sorted(_unpackings(function), key=lambda b: abs(b.lineno - departure.line))
    found = []
    for binding in bindings:
        for first, second in itertools.combinations(_names(binding.targets[0]), 2):
            edits = list(_exchanges(function, binding, first, second))
            if edits:
                found.append(_proposal(departure, binding, first, second, edits))
    return found[:MAX_PAIRS]


def _unpackings(function: ast.AST) -> Iterator[ast.Assign]:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Tuple | ast.List)
        ):
            yield node


def _names(target: ast.expr) -> list[str]:
    """The plain names a target binds, nested tuples within it too (``out, (h_n, c_n)``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _names(element)]
    return []


def _exchanges(function: ast.AST, binding: ast.Assign, first: str, second: str) -> Iterator[Edit]:
    """The exchange of ``first`` and ``second`` in each statement after ``binding`` that
    reads either (its value: what it assigns, returns or evaluates)."""
    after = binding.end_lineno or binding.lineno
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign | ast.AugAssign | ast.Return | ast.Expr):
            continue
        value = node.value
        if value is None or node.lineno <= after:
            continue
        read = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        if first in read or second in read:
            yield Edit(span_of(value), "exchange", (first, second))


def _proposal(
    departure: Departure, binding: ast.Assign, first: str, second: str, edits: list[Edit]
) -> Proposal:
    source = departure.source
    bound = source.line_text(binding.lineno).strip()
    lines = ", ".join(str(e.span[0]) for e in edits)
    right = _exchanged_code(source.node, edits[0], first, second)
    name = (
        f"`{first}` and `{second}` are the wrong way round: after `{bound}` each is read where "
        f"the other belongs (or they are bound in the other order); exchanged in line {lines}"
        + (f", `{right}` is right" if right else "")
    )
    return Proposal(
        departure.value.fid, edits[0], name, 0, edits[0].span[0], False, tuple(edits[1:])
    )


def _exchanged_code(function: ast.AST, edit: Edit, first: str, second: str) -> str:
    """The first edited statement's value as the exchange writes it."""
    for node in ast.walk(function):
        if isinstance(node, ast.expr) and hasattr(node, "lineno") and span_of(node) == edit.span:
            swapped = _Swap({first: second, second: first}).visit(ast.parse(ast.unparse(node)))
            return ast.unparse(swapped).strip()
    return ""


class _Swap(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx)
