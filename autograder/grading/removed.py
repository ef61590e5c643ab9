"""Code an edit proved harmless by making it do nothing: where removing it passes too, the
code should not be there, and that is what is said.

An edit that passes proves that undoing it fixes the code, not that it is the learner's
slip. A condition turned the other way round can pass because the branch it guards is never
taken any more (``if preds.ndim > 1:`` keeping the first column only); a statement moved can
pass because where it lands it changes nothing (gradients clipped before ``backward`` made
them, a shortcut after the line that makes it unreachable); an argument changed can pass
because the call then does nothing (``squeeze(2)`` of an axis longer than one); an operator
swapped can pass because its operand then does nothing. Each such proof is tried again as the
removal of that code: the branch, the statement, the call, the operand.
"""

from __future__ import annotations

import ast

from ..sandbox.edits import VALUE_EDITS
from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import holes
from .opedits import dropped_operands, dropped_step
from .ranking import within
from .relations import Proposal
from .source import Source

__all__ = ["removed_instead"]

_MOVES = frozenset({"swap_next", "sink", "hoist", "after_loop"})
"""Edits that move a statement."""
_ARGUMENTS = frozenset({"keyword", "literal", "counted", "unkeyword", "rename", "lookalike"})
"""Edits of a call's arguments (or of a number in them)."""
_REMOVALS = frozenset({"delete", "unwrap", "drop"})
"""Edits that remove code already: nothing simpler to say."""


def removed_instead(confirmed: Proposal, sources: list[Source]) -> list[Proposal]:
    """The removals that might say more simply what ``confirmed`` proved (empty: none)."""
    source = sources[confirmed.fid]
    op, span = confirmed.edit.op, confirmed.edit.span
    found: list[tuple[Edit, str, int]] = []
    if op not in _REMOVALS:  # a branch an edit of its condition stops taking (`np.abs` made
        found += _branch(source, span)  # `np.tanh` in `if np.abs(x).max() > 20:`)
    if op in _MOVES:
        found += _statements(source, span, op == "swap_next")
    elif op in _ARGUMENTS:
        found += _call(source, span)
    elif op == "callee":  # another function that hands its argument back (`_ones_if_none`)
        node = source.node_at(span)
        if isinstance(node, ast.Call) and holes(node):
            edit, name, _ = dropped_step(node, _kept(node))
            found.append((edit, name, node.lineno))
    elif op in VALUE_EDITS:  # `np.roll(g, 1)` the right value shifted: the roll undone
        node = source.node_at(span)
        if isinstance(node, ast.Call | ast.UnaryOp) and holes(node):
            edit, name, _ = dropped_step(node, _kept(node))
            found.append((edit, name, node.lineno))
    elif op == "operator":
        node = source.node_at(span)
        line = getattr(node, "lineno", confirmed.line)
        found += [(edit, name, line) for edit, name, _ in dropped_operands(node)] if node else []
    return [Proposal(confirmed.fid, e, n, confirmed.departure, line) for e, n, line in found]


def _branch(source: Source, span: tuple[int, ...]) -> list[tuple[Edit, str, int]]:
    """The innermost ``if`` whose condition holds ``span``, with no ``else``: deleted."""
    best: ast.If | None = None
    for node in ast.walk(source.node):
        holds = isinstance(node, ast.If) and not node.orelse and within(span, span_of(node.test))
        if holds and (best is None or within(span_of(node), span_of(best))):
            best = node
    if best is None:
        return []
    name = f"`if {ast.unparse(best.test)}:` and what it does should not be there"
    return [(Edit(span_of(best), "delete"), name, best.lineno)]


def _statements(
    source: Source, span: tuple[int, ...], with_next: bool
) -> list[tuple[Edit, str, int]]:
    """The statement moved (and, for two exchanged, the one after it): deleted."""
    for body in _bodies(source.node):
        for index, statement in enumerate(body):
            if span_of(statement) != span:
                continue
            moved = body[index : index + (2 if with_next else 1)]
            return [
                (Edit(span_of(s), "delete"), f"`{_head(s)}` should not be there", s.lineno)
                for s in moved
                if not isinstance(s, ast.Return)
            ]
    return []


def _call(source: Source, span: tuple[int, ...]) -> list[tuple[Edit, str, int]]:
    """The innermost call whose arguments hold ``span``: undone, its array in its place."""
    best: ast.Call | None = None
    for node in ast.walk(source.node):
        if not isinstance(node, ast.Call) or span_of(node) == span:
            continue
        inside = any(within(span, span_of(a)) for a in [*node.args, *node.keywords])
        if inside and (best is None or within(span_of(node), span_of(best))):
            best = node
    if best is None or not holes(best):
        return []
    edit, name, _ = dropped_step(best, _kept(best))
    return [(edit, name, best.lineno)]


def _kept(node: ast.Call | ast.UnaryOp) -> int:
    """The hole whose operand is the array a call works on: a method's receiver, else the
    first argument."""
    found = holes(node)
    return -1 if -1 in found else found[0]  # -1: a method's receiver (operations.holes)


def _bodies(node: ast.AST) -> list[list[ast.stmt]]:
    return [
        body
        for n in ast.walk(node)
        for body in (getattr(n, "body", None), getattr(n, "orelse", None))
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt)
    ]


def _head(statement: ast.stmt) -> str:
    """A statement's first line, as the learner wrote it (a block's header)."""
    return ast.unparse(statement).splitlines()[0]
