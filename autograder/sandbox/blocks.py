"""Edits of a function's blocks: two adjacent statements swapped, a statement deleted, a
method call inserted.

Each names its statement by span, as every :class:`~.edits.Edit` does: ``swap_next`` (the
statement and the one after it in its block, exchanged), ``delete`` (the statement removed),
``insert_call`` (``receiver.method()`` put before the statement, or after it with
``after``). The call inserted is built from a path and a method name, never parsed from
text: an edit adds no code but a call of a method the function's own objects have.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from .edits import Edit, reading, span_of

__all__ = ["BLOCK_EDITS", "restructured"]

BLOCK_EDITS = frozenset({"swap_next", "delete", "insert_call"})

_BLOCKS = ("body", "orelse", "finalbody")


def restructured(function: ast.AST, edits: Sequence[Edit]) -> None:
    """Make the block ``edits`` in ``function`` (changed in place)."""
    for edit in edits:
        for block in _blocks(function):
            index = next((i for i, s in enumerate(block) if span_of(s) == edit.span), None)
            if index is not None:
                _edit_block(block, index, edit)
                break


def _blocks(function: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(function):
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
        if isinstance(node, ast.Try):
            yield from (handler.body for handler in node.handlers)


def _edit_block(block: list[ast.stmt], index: int, edit: Edit) -> None:
    statement = block[index]
    if edit.op == "swap_next":
        if index + 1 < len(block):
            block[index], block[index + 1] = block[index + 1], statement
    elif edit.op == "delete":
        block[index] = ast.copy_location(ast.Pass(), statement)
    elif edit.op == "insert_call":
        receiver, method = str(edit.args[0]), str(edit.args[1])
        if not method.isidentifier():
            raise ValueError(f"not a method name: {method!r}")
        after = len(edit.args) > 2 and edit.args[2] == "after"
        func = ast.Attribute(value=reading(receiver), attr=method, ctx=ast.Load())
        call = ast.Expr(ast.Call(func=func, args=[], keywords=[]))
        ast.copy_location(call, statement)
        ast.fix_missing_locations(call)
        block.insert(index + 1 if after else index, call)
