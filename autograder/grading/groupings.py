"""A run of operators grouped the wrong way: the same operands and operators, in the order the
learner wrote them, with the parentheses elsewhere (operator precedence).

``(f(x + h) - f(x - h)) / 2 * h`` where ``/ (2 * h)`` belongs, ``1 / 1 + np.exp(-x)`` where
``1 / (1 + …)`` belongs, ``g * o * 1 - t ** 2`` where ``g * o * (1 - t ** 2)`` belongs: each is
one of the few other binary trees over the operands as written. Those nearest the learner's
grouping (the fewest sub-expressions changed) are proposed first. A nesting one step away is
proposed with the operations' edits already (:mod:`.opedits`); this is the whole family, for
the second batch. Each is only a proposal: :mod:`.explain` proves it or says nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from typing import Any

from ..sandbox.edits import Edit, span_of
from ..sandbox.operations import chain, grouped, leaves
from .aligned import Departure
from .cancels import cancels
from .codeedits import Candidate, statement_nodes
from .opedits import bracketed

__all__ = ["groupings"]

MOST_OPERANDS = 6
"""Runs of more operands are not regrouped (42 trees for 6; 132 for 7)."""
PER_RUN = 8
"""At most this many other groupings of one run are proposed."""


def groupings(departure: Departure) -> Iterator[Candidate]:
    """Other groupings of each run of operators in the departing statement."""
    for statement in statement_nodes(departure)[:1]:
        inside: set[int] = set()
        for node in ast.walk(statement):
            if not isinstance(node, ast.BinOp) or id(node) in inside:
                continue
            operands, _, nodes = chain(node)
            inside.update(id(n) for n in nodes)
            if not 3 <= len(operands) <= MOST_OPERANDS:
                continue
            chosen = any(bracketed(n, departure.source) for n in nodes[1:])
            yield from _regrouped(node, _tree(node), chosen)


def _regrouped(node: ast.BinOp, current: Any, chosen: bool) -> Iterator[Candidate]:
    """``chosen``: the learner wrote parentheses in the run (a grouping chosen, not one the
    operators' precedence made)."""
    mine = _groups(current)
    others = [t for t in _trees(0, len(leaves(current))) if t != current]
    others.sort(key=lambda tree: len(mine ^ _groups(tree)))
    code = ast.unparse(node)
    for tree in others[:PER_RUN]:
        regrouped = grouped(node, (tree,))
        if cancels(node, regrouped):
            continue  # `x / K * K` for `x / (K * K)`: the factor too many, not its grouping
        new = ast.unparse(regrouped)
        why = "its parentheses are misplaced" if chosen else "operator precedence"
        yield (
            Edit(span_of(node), "group", (tree,)),
            f"`{code}` groups the wrong way ({why}): `{new}` is right",
            False,
        )


def _tree(node: ast.BinOp) -> Any:
    """The learner's grouping as nested pairs of operand numbers."""
    count = iter(range(MOST_OPERANDS * 4))
    _, _, nodes = chain(node)
    inner = {id(n) for n in nodes}

    def walk(part: ast.expr) -> Any:
        if id(part) in inner:
            assert isinstance(part, ast.BinOp)
            left = walk(part.left)
            return (left, walk(part.right))
        return next(count)

    return walk(node)


def _groups(tree: Any) -> frozenset[tuple[int, int]]:
    """The operands each sub-expression spans (first, last)."""
    if isinstance(tree, int):
        return frozenset()
    left, right = tree
    span = leaves(tree)
    return frozenset({(span[0], span[-1])}) | _groups(left) | _groups(right)


@cache
def _trees(first: int, end: int) -> tuple[Any, ...]:
    """Every binary tree whose leaves are ``first`` … ``end - 1`` in order."""
    if end - first == 1:
        return (first,)
    return tuple(
        (left, right)
        for split in range(first + 1, end)
        for left in _trees(first, split)
        for right in _trees(split, end)
    )
