"""Edits of a function's blocks: two adjacent statements swapped, a statement deleted, a
method call inserted.

Each names its statement by span, as every :class:`~.edits.Edit` does: ``swap_next`` (the
statement and the one after it in its block, exchanged), ``sink`` (the statement moved after
the next ``args[0]`` statements of its block), ``delete`` (the statement removed),
``insert_call`` (``receiver.method()`` put before the statement, or after it with
``after``), ``accumulate`` (``x = e`` made ``x += e``, and ``x += e`` made ``x = e``, or
``x[...] = e`` with ``in_place``),
``unpack`` (two names of ``a, b = …`` exchanged), ``convert`` (``x = f(x)`` put before
the statement: an argument passed through a function, ``other = _ensure_number(other)``),
``keep`` (``f(x, …)`` whose result is thrown away made ``x = f(x, …)``), ``hoist`` (the
statement moved out of the loop around it, to just before that loop), ``after_loop`` (the
statement moved out of the loop around it, to just after that loop: a ``return`` indented
one level too deep).
The call inserted is built from a path and a name, never parsed from text: an edit adds no
code but a call of a method the function's own objects have, or of a function its module
has.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .edits import STATEMENT_EDITS, Edit, cloned, reading, span_of, written_in_place

__all__ = ["BLOCK_EDITS", "restructured"]

BLOCK_EDITS = STATEMENT_EDITS - {"inplace"}
"""The statement edits that change a block (``inplace`` changes the statement itself)."""

_BLOCKS = ("body", "orelse", "finalbody")


def restructured(function: ast.AST, edits: Sequence[Edit]) -> None:
    """Make the block ``edits`` in ``function`` (changed in place)."""
    for edit in edits:
        if edit.op in ("hoist", "after_loop"):
            _hoisted(function, edit.span, after=edit.op == "after_loop")
            continue
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
    elif edit.op == "sink":
        steps = int(edit.args[0])
        if steps > 0 and index + steps < len(block):
            block.insert(index + steps, block.pop(index))
    elif edit.op in _REWRITTEN:
        block[index] = _REWRITTEN[edit.op](statement, edit.args)
    elif edit.op == "return_after":
        returned = ast.Return(value=reading(str(edit.args[0])))
        block.insert(index + 1, ast.fix_missing_locations(ast.copy_location(returned, statement)))
    elif edit.op in ("convert", "insert_call"):
        inserted = _inserted(edit)
        after = edit.op == "insert_call" and len(edit.args) > 2 and edit.args[2] == "after"
        ast.fix_missing_locations(ast.copy_location(inserted, statement))
        block.insert(index + 1 if after else index, inserted)


_REWRITTEN: dict[str, Callable[[ast.stmt, tuple[Any, ...]], ast.stmt]] = {
    "accumulate": lambda s, args: _accumulated(s, "in_place" in args),
    "unpack": lambda s, args: _unpacked(s, int(args[0]), int(args[1])),
    "carry": lambda s, args: _carried(s, int(args[0]), str(args[1])),
    "augop": lambda s, args: _operator_changed(s, _identifier(args[0])),
    "delete": lambda s, args: ast.copy_location(ast.Pass(), s),
    "keep": lambda s, args: _kept(s, _identifier(args[0])),
    "add_at": lambda s, args: _added_at(s),
}
"""Edits that rewrite the statement itself, each given the statement and the edit's args."""


def _added_at(statement: ast.stmt) -> ast.stmt:
    """``a[i, j] += v`` as ``np.add.at(a, (i, j), v)``: every repeated index adds (``-=``:
    ``-v`` added)."""
    if not (isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Subscript)):
        return statement
    if not isinstance(statement.op, ast.Add | ast.Sub):
        return statement
    index = statement.target.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    parts = [_slice_call(p) if isinstance(p, ast.Slice) else p for p in parts]
    where = ast.Tuple(elts=parts, ctx=ast.Load()) if isinstance(index, ast.Tuple) else parts[0]
    value = statement.value
    if isinstance(statement.op, ast.Sub):
        value = ast.UnaryOp(op=ast.USub(), operand=value)
    array = cloned(statement.target.value)
    for node in ast.walk(array):
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
    call = ast.Call(func=reading("np.add.at"), args=[array, where, value], keywords=[])
    return ast.fix_missing_locations(ast.copy_location(ast.Expr(call), statement))


def _slice_call(part: ast.Slice) -> ast.expr:
    """``a:b:c`` as ``slice(a, b, c)``: a slice given to a function."""
    bounds = [
        p if p is not None else ast.Constant(None) for p in (part.lower, part.upper, part.step)
    ]
    return ast.Call(func=ast.Name(id="slice", ctx=ast.Load()), args=bounds, keywords=[])


def _operator_changed(statement: ast.stmt, name: str) -> ast.stmt:
    """``x *= v`` made ``x -= v`` (``name``: the operator's, ``Sub``)."""
    operator = getattr(ast, name, None)
    known = isinstance(operator, type) and issubclass(operator, ast.operator)
    if isinstance(statement, ast.AugAssign) and known:
        statement.op = operator()
    return statement


def _identifier(name: object) -> str:
    if not str(name).isidentifier():
        raise ValueError(f"not a name: {name!r}")
    return str(name)


def _kept(statement: ast.stmt, name: str) -> ast.stmt:
    """``f(x, …)`` whose result is thrown away, as ``x = f(x, …)``."""
    if not isinstance(statement, ast.Expr):
        return statement
    kept = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=statement.value)
    return ast.fix_missing_locations(ast.copy_location(kept, statement))


def _inserted(edit: Edit) -> ast.stmt:
    """``name = path(name)`` (convert), or ``receiver.method()`` (insert_call)."""
    if edit.op == "convert":
        path, name = str(edit.args[0]), _identifier(edit.args[1])
        call = ast.Call(func=reading(path), args=[ast.Name(id=name, ctx=ast.Load())], keywords=[])
        return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=call)
    receiver, method = str(edit.args[0]), str(edit.args[1])
    if not method.isidentifier():
        raise ValueError(f"not a method name: {method!r}")
    func = ast.Attribute(value=reading(receiver), attr=method, ctx=ast.Load())
    return ast.Expr(ast.Call(func=func, args=[], keywords=[]))


def _hoisted(function: ast.AST, span: tuple[int, ...], after: bool = False) -> None:
    """The statement at ``span`` taken out of the innermost loop around it and put just
    before that loop (a reset done once, not on every pass), or just ``after`` it."""
    for block in list(_blocks(function)):
        for index, loop in enumerate(block):
            if not isinstance(loop, ast.For | ast.While):
                continue
            body = loop.body
            inner = next((i for i, s in enumerate(body) if span_of(s) == span), None)
            if inner is not None:
                statement = body.pop(inner)
                if not body:
                    body.append(ast.copy_location(ast.Pass(), statement))
                block.insert(index + 1 if after else index, statement)
                return


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


def _accumulated(statement: ast.stmt, in_place: bool = False) -> ast.stmt:
    """``x = e`` as ``x += e``; ``x += e`` as ``x = e`` (``x[...] = e`` ``in_place``: the
    array ``x`` holds keeps its identity); anything else as it is."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name | ast.Subscript | ast.Attribute):
            added = ast.AugAssign(target=target, op=ast.Add(), value=statement.value)
            return ast.copy_location(added, statement)
    if isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add):
        target = written_in_place(statement.target) if in_place else statement.target
        assigned = ast.Assign(targets=[target], value=statement.value)
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
