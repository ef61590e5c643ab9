"""Where a name is bound and where it is read: a proven edit moved to the place the mistake
is, when an edit at the other end proves the same.

``S = sigma(N)`` undone passes where ``deriv(sigma, S)`` is the one read of ``S``: the value
was computed for that read, and the read is the slip (``N`` belongs there), so the read is
named. ``dsda * dadx`` with the factor ``dadx`` dropped passes where the reference binds
``dadx`` to a number and the learner to another value (``y``, a product's partial for a
sum's): the binding is the slip, so the binding is named.
"""

from __future__ import annotations

import ast

from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import holes, operand
from .opedits import dropped_operands
from .ranking import within
from .relations import Proposal
from .source import Source

__all__ = ["moved_to_the_slip"]


def moved_to_the_slip(
    confirmed: Proposal, sources: list[Source], theirs: list[Source]
) -> list[Proposal]:
    """The same mistake, proposed where it was made (empty: nowhere else)."""
    source = sources[confirmed.fid]
    node = source.node_at(confirmed.edit.span)
    found: list[tuple[Edit, str, int]] = []
    if confirmed.edit.op == "unwrap" and node is not None:
        found += _read_instead(source, node, confirmed.edit.args)
    elif confirmed.edit.op == "drop" and confirmed.fid < len(theirs):
        bound = [  # the factor dropped, and the same dropped in its twins
            _bound_instead(source, name, theirs[confirmed.fid])
            for name in _dropped_names(source, [confirmed.edit, *confirmed.also])
        ]
        if bound and all(bound):
            edit, said, line = bound[0]
            return [
                Proposal(
                    confirmed.fid,
                    edit,
                    _both(said, bound),
                    confirmed.departure,
                    line,
                    also=tuple(b[0] for b in bound[1:]),
                )
            ]
    elif confirmed.edit.op == "exchange" and "bound in the other order" not in confirmed.name:
        first, second = map(str, confirmed.edit.args[:2])  # (roles.py says it already)
        theirs_order = _order(theirs[confirmed.fid], first, second) if theirs else None
        if _order(source, first, second) != theirs_order:
            found += _unpacked_instead(source, first, second)
    elif confirmed.edit.op == "name" and node is not None:
        found += _read_upstream(source, node, str(confirmed.edit.args[0]))
    if confirmed.edit.op not in ("drop", "unwrap", "delete") and confirmed.fid < len(theirs):
        found += _uses_dropped(source, confirmed.edit.span, theirs[confirmed.fid])
    return [Proposal(confirmed.fid, e, n, confirmed.departure, line) for e, n, line in found]


def _order(function: Source, first: str, second: str) -> bool | None:
    """Whether ``function`` unpacks ``first`` before ``second`` in one tuple (None: it does
    not unpack both together). An unpacking alike the reference's is no slip."""
    for node in ast.walk(function.node):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            names = [ast.unparse(e) for e in node.targets[0].elts]
            if first in names and second in names:
                return names.index(first) < names.index(second)
    return None


def _unpacked_instead(source: Source, first: str, second: str) -> list[tuple[Edit, str, int]]:
    """Two names exchanged where they are read, bound by one unpacking (``i, f, o, c =
    np.split(…)``): the unpacking, in the other order."""
    for node in ast.walk(source.node):
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple)):
            continue
        names = [ast.unparse(e) for e in node.targets[0].elts]
        if first in names and second in names:
            a, b = sorted((names.index(first), names.index(second)))
            swapped = list(names)
            swapped[a], swapped[b] = names[b], names[a]
            said = (
                f"`{', '.join(names)} = …` unpacks in the wrong order: `{', '.join(swapped)} = …`"
                " is right"
            )
            return [(Edit(span_of(node), "unpack", (a, b)), said, node.lineno)]
    return []


def _uses_dropped(
    source: Source, span: tuple[int, ...], reference: Source
) -> list[tuple[Edit, str, int]]:
    """An edit of the statement that binds ``v`` (``count[…] += 1`` made ``=``: ones) where
    ``v`` is a factor, divisor or term elsewhere and the reference has no ``v``: that operand
    dropped there (dividing by the count at all is the slip). Where the reference binds
    ``v`` too (``dLdS = np.ones_like(S)``), its binding is the slip, as proven."""
    statement = next(
        (
            n
            for n in ast.walk(source.node)
            if isinstance(n, ast.Assign | ast.AugAssign) and within(span, span_of(n))
        ),
        None,
    )
    if statement is None:
        return []
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    theirs = {n.id for n in ast.walk(reference.node) if isinstance(n, ast.Name)}
    bound = {_root(t) for t in targets} - {None} - theirs
    found = []
    for node in ast.walk(source.node):
        if not isinstance(node, ast.BinOp) or getattr(node, "lineno", 0) <= statement.lineno:
            continue
        for edit, name, _ in dropped_operands(node):
            kept = operand(node, int(edit.args[0]))
            dropped = operand(node, 1 - int(edit.args[0]))
            if _root(dropped) in bound and kept is not None:
                found.append((edit, name, node.lineno))
    return found[:2]


def _root(node: ast.AST) -> str | None:
    """The name an expression reads into (``count`` of ``count[p:p + H]`` or of
    ``np.maximum(count, 1)``)."""
    while isinstance(node, ast.Subscript | ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):  # `np.maximum(count, 1)`: what it is made of first
            if not node.args:
                return None
            node = node.args[0]
            continue
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dropped_names(source: Source, edits: list[Edit]) -> list[str]:
    """The names dropped as factors or terms by ``edits`` (empty where one is no name)."""
    names = []
    for edit in edits:
        node = source.node_at(edit.span)
        if edit.op != "drop" or not isinstance(node, ast.BinOp):
            return []
        dropped = operand(node, 1 - int(edit.args[0]))
        if not isinstance(dropped, ast.Name):
            return []
        names.append(dropped.id)
    return list(dict.fromkeys(names))


def _both(first: str, bound: list) -> str:
    """The first binding's sentence, and the others' names."""
    others = [b[1].split("`")[1] for b in bound[1:]]
    return first + ("; the same for " + ", ".join(f"`{n}`" for n in others) if others else "")


def _read_instead(source: Source, node: ast.AST, args: tuple) -> list[tuple[Edit, str, int]]:
    """``S = f(N)`` unwrapped, ``S`` read once afterwards: that read, of ``N`` instead."""
    binding = next(
        (
            n
            for n in ast.walk(source.node)
            if isinstance(n, ast.Assign) and n.value is node and len(n.targets) == 1
        ),
        None,
    )
    if binding is None or not isinstance(binding.targets[0], ast.Name) or not holes(node):
        return []
    kept = operand(node, int(args[0])) if args else None
    if not isinstance(kept, ast.Name | ast.Attribute):
        return []
    name = binding.targets[0].id
    reads = [
        n
        for n in ast.walk(source.node)
        if isinstance(n, ast.Name)
        and n.id == name
        and isinstance(n.ctx, ast.Load)
        and n.lineno > binding.lineno
    ]
    if len(reads) != 1:
        return []
    read, inner = reads[0], ast.unparse(kept)
    said = (
        f"`{name}` is read where `{inner}` belongs (`{name}` = `{ast.unparse(node)}`, computed "
        "for this read)"
    )
    return [(Edit(span_of(read), "name", (inner,)), said, read.lineno)]


def _read_upstream(source: Source, node: ast.AST, instead: str) -> list[tuple[Edit, str, int]]:
    """``x`` read where ``y`` belongs, in a statement that also reads a local bound once,
    earlier, from an expression that reads ``x`` too (``dr = d_rH * self.r`` then ``dr *
    self.r * (1 - self.r)``): the same read in that binding, where the slip was made (a
    factor that belongs there, swapped for one that cancels it later)."""
    statement = next(
        (
            n
            for n in ast.walk(source.node)
            if isinstance(n, ast.Assign | ast.AugAssign | ast.Return)
            and within(span_of(node), span_of(n))
        ),
        None,
    )
    if statement is None or statement.value is None:
        return []
    text = ast.unparse(node)
    locals_read = {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
    found = []
    for name in sorted(locals_read):
        bindings = [
            n
            for n in ast.walk(source.node)
            if isinstance(n, ast.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name)
            and n.targets[0].id == name
        ]
        if len(bindings) != 1 or bindings[0].lineno >= statement.lineno:
            continue
        reads = [
            n
            for n in ast.walk(bindings[0].value)
            if isinstance(n, ast.Name | ast.Attribute) and ast.unparse(n) == text
        ]
        for read in reads[:1]:
            moved = f"`{text}` is read where `{instead}` belongs, in `{name} = …`"
            found.append((Edit(span_of(read), "name", (instead,)), moved, read.lineno))
    return found


def _bound_instead(source: Source, name: str, reference: Source) -> tuple[Edit, str, int] | None:
    """``name`` bound by the learner to an expression where the reference binds it to a
    number: that binding, of the number (None: not so)."""
    theirs = _bound(reference.node, name)
    mine = _bound(source.node, name)
    if not (isinstance(theirs, ast.Constant) and mine is not None):
        return None
    if isinstance(mine, ast.Constant) and mine.value == theirs.value:
        return None
    said = f"`{name}` is bound to `{ast.unparse(mine)}` where {theirs.value!r} belongs"
    return Edit(span_of(mine), "literal", (theirs.value,)), said, mine.lineno


def _bound(function: ast.AST, name: str) -> ast.expr | None:
    """The expression ``name`` is first bound to (``name = e``, or its place in ``a, name =
    e1, e2``)."""
    for node in ast.walk(function):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == name:
            return value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for element, bound in zip(target.elts, value.elts, strict=False):
                if isinstance(element, ast.Name) and element.id == name:
                    return bound
    return None
