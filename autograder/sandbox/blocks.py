"""Edits of a function's blocks: two adjacent statements swapped, a statement deleted, a
method call inserted.

Each names its statement by span, as every :class:`~.edits.Edit` does: ``swap_next`` (the
statement and the one after it in its block, exchanged), ``delete`` (the statement removed),
``insert_call`` (``receiver.method()`` put before the statement, or after it with
``after``), ``accumulate`` (``x = e`` made ``x += e``, and ``x += e`` made ``x = e``),
``unpack`` (two names of ``a, b = …`` exchanged), ``convert`` (``x = f(x)`` put before
the statement: an argument passed through a function, ``other = _ensure_number(other)``).
The call inserted is built from a path and a name, never parsed from text: an edit adds no
code but a call of a method the function's own objects have, or of a function its module
has.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from .edits import Edit, reading, span_of

__all__ = ["BLOCK_EDITS", "restructured"]

BLOCK_EDITS = frozenset(
    {"swap_next", "delete", "insert_call", "convert", "accumulate", "unpack", "carry"}
)

_BLOCKS = ("body", "orelse", "finalbody")


def restructured(function: ast.AST, edits: Sequence[Edit]) -> None:
    """Make the block ``edits`` in ``function`` (changed in place)."""
    for edit in edits:
        for block in _blocks(function):
            index = next((i for i, s in enumerate(block) if span_of(s) == edit.span), None)
            if index is not None:
                _edit_block(block, index, edit)
                if edit.op == "accumulate" and edit.args == ("zero",):
                    _zero_before_loop(function, block[index])
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
    elif edit.op == "accumulate":
        block[index] = _accumulated(statement)
    elif edit.op == "unpack":
        block[index] = _unpacked(statement, int(edit.args[0]), int(edit.args[1]))
    elif edit.op == "carry":
        block[index] = _carried(statement, int(edit.args[0]), str(edit.args[1]))
    elif edit.op == "delete":
        block[index] = ast.copy_location(ast.Pass(), statement)
    elif edit.op == "convert":
        path, name = str(edit.args[0]), str(edit.args[1])
        if not name.isidentifier():
            raise ValueError(f"not a name: {name!r}")
        call = ast.Call(func=reading(path), args=[ast.Name(id=name, ctx=ast.Load())], keywords=[])
        rebound = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=call)
        block.insert(index, ast.fix_missing_locations(ast.copy_location(rebound, statement)))
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


def _zero_before_loop(function: ast.AST, statement: ast.stmt) -> None:
    """``name = 0`` before the innermost loop around ``statement`` (an ``x = …`` made
    ``x += …`` where nothing assigned ``x`` before the loop)."""
    if not (isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name)):
        return
    name = statement.target.id
    for block in list(_blocks(function)):
        for index, loop in enumerate(block):
            inner = [n for n in ast.walk(loop) if n is not loop]
            if isinstance(loop, ast.For | ast.While) and any(n is statement for n in inner):
                nested = any(
                    isinstance(n, ast.For | ast.While) and any(m is statement for m in ast.walk(n))
                    for n in inner
                )
                if not nested:
                    zero = ast.Assign(
                        targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.Constant(0)
                    )
                    ast.fix_missing_locations(ast.copy_location(zero, loop))
                    block.insert(index, zero)
                    return


def _accumulated(statement: ast.stmt) -> ast.stmt:
    """``x = e`` as ``x += e``; ``x += e`` as ``x = e``; anything else as it is."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name | ast.Subscript | ast.Attribute):
            added = ast.AugAssign(target=target, op=ast.Add(), value=statement.value)
            return ast.copy_location(added, statement)
    if isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add):
        assigned = ast.Assign(targets=[statement.target], value=statement.value)
        return ast.copy_location(assigned, statement)
    return statement


def _carried(statement: ast.stmt, position: int, name: str) -> ast.stmt:
    """``x, _ = f(x, h)`` as ``x, h = f(x, h)``: the result at ``position`` kept in ``name``."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return statement
    target = statement.targets[0]
    if not isinstance(target, ast.Tuple | ast.List) or position >= len(target.elts):
        return statement
    if not name.isidentifier():
        raise ValueError(f"not a name: {name!r}")
    names = list(target.elts)
    names[position] = ast.Name(id=name, ctx=ast.Store())
    targets = [type(target)(elts=names, ctx=ast.Store())]
    kept = ast.Assign(targets=targets, value=statement.value)
    return ast.fix_missing_locations(ast.copy_location(kept, statement))


def _unpacked(statement: ast.stmt, first: int, second: int) -> ast.stmt:
    """``a, b = …`` as ``b, a = …`` (the names at ``first`` and ``second`` exchanged)."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return statement
    target = statement.targets[0]
    if not isinstance(target, ast.Tuple | ast.List) or max(first, second) >= len(target.elts):
        return statement
    names = list(target.elts)
    names[first], names[second] = names[second], names[first]
    targets = [type(target)(elts=names, ctx=ast.Store())]
    exchanged = ast.Assign(targets=targets, value=statement.value)
    return ast.copy_location(exchanged, statement)
