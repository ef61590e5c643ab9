"""Edits of the blocks around the departing line: two statements in the wrong order, a statement
too many, a method call missing; and the sizes those statements use, off by one.

Proposed only when no edit of a value or an operation proved anything (:mod:`.explain` runs
them as a second batch): an optimizer stepped before the gradients exist, a state read before
it is updated, dropout before the activation it follows; a step the function should not take;
a call the reference makes that the learner's function never does (``self.optim.zero_grad()``,
``self.model.eval()``), inserted at each place of the block, on an object the function has.
Each is only a proposal: :mod:`.explain` proves it or says nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import callee_path
from .aligned import Departure
from .codeedits import loop_edits, statements
from .groupings import groupings
from .opedits import size_offsets, swaps
from .relations import Proposal
from .rewrites import block_rewrites, whole_function_rewrites
from .source import Source, is_neutral, name_of, names_read, touches

__all__ = ["MAX_BLOCK_PROPOSALS", "block_proposals", "missing_calls"]

MAX_BLOCK_PROPOSALS = 30


def block_proposals(
    departures: Sequence[Departure], reference_sources: Sequence[Source]
) -> list[Proposal]:
    """Sizes off by one, then swaps, insertions and deletions in the blocks around the first
    departure, the nearest first, at most :data:`MAX_BLOCK_PROPOSALS`."""
    if not departures:
        return []
    departure = departures[0]
    fid, source = departure.value.fid, departure.source
    line = _line_of(departure)
    if line is None:  # state that no line here changes (a node's backward adds to it): the
        rewrites = block_rewrites(source)  # function's own (a reset inside a loop) only
        return [Proposal(fid, e, name, 0, e.span[0]) for e, name, _ in rewrites]
    edits = [
        *_conversions(source, reference_sources[fid]),
        *groupings(departure),
        *_assignments(departure, line, reference_sources[fid]),
        *size_offsets(departure),
        *block_rewrites(source),
    ]
    found = [Proposal(fid, e, name, 0, e.span[0]) for e, name, _ in edits]
    seen: set[tuple] = {(p.edit.span, p.edit.op, p.edit.args) for p in found}
    for block in _blocks_around(source.node, line):
        at = next(i for i, s in enumerate(block) if s.lineno <= line <= (s.end_lineno or 0))
        for edit, name in _block_edits(block, at, source, reference_sources[fid]):
            key = (edit.span, edit.op, edit.args)
            if key not in seen:
                seen.add(key)
                found.append(Proposal(fid, edit, name, 0, edit.span[0]))
    return found[:MAX_BLOCK_PROPOSALS]


def missing_calls(
    learner_sources: Sequence[Source], reference_sources: Sequence[Source]
) -> list[Proposal]:
    """Where no value departs: each loop of the learner's run the other way round or counted
    off by one (that changes no value, only when each is computed: a gradient passed on
    before it is complete); then each argument the reference passes through a function first
    and the learner's function never does; then each method call the reference makes that a
    learner's function never does, inserted at each place of each of its blocks (the
    innermost first: a step taken once per batch belongs in the loop); then two statements
    of a block the other way round (a callback run before the evaluation it should see)."""
    found: list[Proposal] = []
    for fid, source in enumerate(learner_sources):
        loops = [n for n in ast.walk(source.node) if isinstance(n, ast.For)]
        for edit, name, _ in loop_edits(loops):
            found.append(Proposal(fid, edit, name, 0, edit.span[0]))
    for fid, (source, reference) in enumerate(zip(learner_sources, reference_sources, strict=True)):
        rewritten = whole_function_rewrites(source, reference)
        for edit, name, _ in [
            *_conversions(source, reference),
            *_returned_swaps(source),
            *rewritten,
        ]:
            found.append(Proposal(fid, edit, name, 0, edit.span[0]))
        for block in sorted(_blocks_of_function(source.node), key=lambda b: -b[0].lineno):
            for edit, name in _inserted(block, source, reference):
                found.append(Proposal(fid, edit, name, 0, edit.span[0]))
        for block in _blocks_of_function(source.node):  # a step taken before what it follows
            for first in range(len(block) - 1):
                if _movable(block[first], block[first + 1]):
                    edit, name = _swap(block[first], block[first + 1], source)
                    found.append(Proposal(fid, edit, name, 0, edit.span[0]))
    return found[:MAX_BLOCK_PROPOSALS]


def _blocks_of_function(function: ast.AST) -> list[list[ast.stmt]]:
    return [block for node in ast.walk(function) for block in _blocks_of(node)]


def _line_of(departure: Departure) -> int | None:
    """The line of the departing statement; for the object's state or an argument after the
    call, of the last statement that changes it."""
    chosen = statements(departure, depth=0)
    if chosen:
        return chosen[0].span[0]
    changing = [s for s in departure.source.statements if touches(s.assigns, {departure.code})]
    return changing[-1].span[0] if changing else None


def _blocks_around(function: ast.AST, line: int) -> list[list[ast.stmt]]:
    """The blocks holding ``line``, the innermost first, the function's body last."""
    found = []
    for node in ast.walk(function):
        for block in _blocks_of(node):
            if any(s.lineno <= line <= (s.end_lineno or 0) for s in block):
                found.append(block)
    return sorted(found, key=lambda b: -b[0].lineno)


def _blocks_of(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    if isinstance(node, ast.Try):
        yield from (handler.body for handler in node.handlers)


def _block_edits(
    block: list[ast.stmt], at: int, source: Source, reference: Source
) -> Iterator[tuple[Edit, str]]:
    """The edits of one block: the swaps nearest ``at`` first, then the calls missing, then
    the deletions nearest ``at``."""
    nearest = sorted(range(len(block)), key=lambda i: (abs(i - at), i))
    for index in nearest:
        for first in (index - 1, index):
            pair = block[first : first + 2]
            if (
                len(pair) == 2
                and first >= 0
                and _movable(*pair)
                and not _left_unread(*pair, source)
            ):
                yield _swap(*pair, source)
    yield from _sunk(block, at, source)
    yield from _inserted(block, source, reference)
    for index in nearest:
        statement = block[index]
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if isinstance(statement, ast.Assign | ast.AugAssign | ast.Expr) and not docstring:
            text = source.line_text(statement.lineno)
            yield Edit(span_of(statement), "delete"), f"`{text}` should not be there"


def _sunk(block: list[ast.stmt], at: int, source: Source) -> Iterator[tuple[Edit, str]]:
    """The statement at ``at`` moved past two or more of the statements after it (a step
    taken before what it needs: ``param -= velocity`` before the velocity is updated)."""
    for steps in range(2, len(block) - at):
        if not all(_movable(block[at], block[at + k]) for k in range(1, steps + 1)):
            return
        if _left_unread(block[at], block[at + steps], source):
            return
        a, b = source.line_text(block[at].lineno), source.line_text(block[at + steps].lineno)
        yield (
            Edit(span_of(block[at]), "sink", (steps,)),
            f"`{a}` runs too early: it belongs after `{b}`, which it needs first",
        )


def _movable(first: ast.stmt, second: ast.stmt) -> bool:
    """Neither a docstring nor a return (a return moved earlier only cuts the function short)."""
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return not docstring and not isinstance(second, ast.Return)


def _left_unread(moved: ast.stmt, after: ast.stmt, source: Source) -> bool:
    """Whether ``moved``, put after ``after``, binds names nothing reads from there on: the
    move only deletes it (a debugging line that overwrites an argument), which the deletion
    says (outside a loop, whose next pass could read them)."""
    if not isinstance(moved, ast.Assign) or not all(isinstance(t, ast.Name) for t in moved.targets):
        return False
    looped = any(
        isinstance(node, ast.For | ast.While)
        and node is not source.node
        and node.lineno < moved.lineno <= (node.end_lineno or 0)
        for node in ast.walk(source.node)
    )
    if looped:
        return False
    bound = {t.id for t in moved.targets if isinstance(t, ast.Name)}
    end = after.end_lineno or after.lineno
    read_later = {
        n.id
        for n in ast.walk(source.node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.lineno > end
    }
    return not bound & read_later


def _swap(first: ast.stmt, second: ast.stmt, source: Source) -> tuple[Edit, str]:
    a, b = source.line_text(first.lineno), source.line_text(second.lineno)
    return (
        Edit(span_of(first), "swap_next"),
        f"two statements are in the wrong order: `{b}` must come before `{a}`",
    )


def _inserted(
    block: list[ast.stmt], source: Source, reference: Source
) -> Iterator[tuple[Edit, str]]:
    """Each method call the reference makes as a statement, on no arguments, whose method
    the learner's function never calls, on an object the learner's function has."""
    called = {
        node.func.attr
        for node in ast.walk(source.node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    has = {a.arg for a in source.node.args.args + source.node.args.kwonlyargs}
    for receiver, method in _calls_made(reference):
        if method in called or receiver.split(".")[0].split("[")[0] not in has:
            continue
        for statement in block:
            text = source.line_text(statement.lineno)
            yield (
                Edit(span_of(statement), "insert_call", (receiver, method)),
                f"`{receiver}.{method}()` is never called: it belongs before `{text}`",
            )
        last = block[-1]
        if not isinstance(last, ast.Return):
            text = source.line_text(last.lineno)
            yield (
                Edit(span_of(last), "insert_call", (receiver, method, "after")),
                f"`{receiver}.{method}()` is never called: it belongs after `{text}`",
            )


def _conversions(source: Source, reference: Source) -> Iterator[tuple[Edit, str, bool]]:
    """An argument the reference's function passes through a function first (``other =
    _ensure_number(other)``, ``x = np.asarray(x)``) and the learner's never does: that
    statement, put first in the learner's function."""
    function = source.node
    body = [s for s in function.body if not _is_docstring(s)]  # type: ignore[attr-defined]
    arguments = {a.arg for a in function.args.args + function.args.kwonlyargs}  # type: ignore[attr-defined]
    calls = {
        (path, ast.unparse(node.args[0]))
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and node.args and (path := callee_path(node))
    }
    for node in ast.walk(reference.node):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and body):
            continue
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
            continue
        path = callee_path(value)
        one = len(value.args) == 1 and not value.keywords
        if not (path and one and isinstance(value.args[0], ast.Name)):
            continue
        name = target.id
        if value.args[0].id != name or name not in arguments or (path, name) in calls:
            continue
        yield (
            Edit(span_of(body[0]), "convert", (path, name)),
            f"`{name}` is used as it was passed: it must be `{path}({name})` first "
            f"(`{name} = {path}({name})`), which your code never does",
            False,
        )


def _returned_swaps(source: Source) -> Iterator[tuple[Edit, str, bool]]:
    """Two elements of a returned tuple the wrong way round (``return dH, dx`` where ``dx, dH``
    belongs): each is a value the reference computes too, so none departs."""
    for node in ast.walk(source.node):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            yield from swaps(node.value)


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _calls_made(reference: Source) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for node in ast.walk(reference.node):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if call.args or call.keywords or not isinstance(call.func, ast.Attribute):
            continue
        receiver = name_of(call.func.value)
        if receiver and (receiver, call.func.attr) not in found:
            found.append((receiver, call.func.attr))
    return found


def _assignments(
    departure: Departure, line: int, reference: Source
) -> Iterator[tuple[Edit, str, bool]]:
    """In the function's loops (those around the departing line first): an assignment that
    must add to what the loop put there before (``out[:, o] = …`` for ``+=``), or an addition
    that must replace it; then names unpacked in the wrong order (``j, i = divmod(k, w)``)."""
    function = departure.source.node
    loops = [n for n in ast.walk(function) if isinstance(n, ast.For | ast.While)]
    loops.sort(key=lambda n: (not n.lineno <= line <= (n.end_lineno or 0), -n.lineno))
    seen: set[int] = set()
    for loop in loops:
        for node in ast.walk(loop):
            if id(node) not in seen and isinstance(node, ast.Assign | ast.AugAssign):
                seen.add(id(node))
                yield from _accumulations(node, loop, function)
                yield from _carries(node, loop, function)
    for node in ast.walk(function):
        if id(node) not in seen and isinstance(node, ast.AugAssign):
            yield from _counted_twice(node)
    theirs = _unpacked(reference)
    documented = "\n".join(  # the module's docstrings: the shapes it documents
        ast.get_docstring(n) or ""
        for n in ast.walk(departure.source.module)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
    )
    for node in ast.walk(function):
        yield from _unpackings(node, theirs, documented)


def _counted_twice(node: ast.AugAssign) -> Iterator[tuple[Edit, str, bool]]:
    """``v += m * v + g``: an addition whose right side holds its target already, so the
    old value is counted twice; it must replace it, in place (``v[...] = m * v + g``)."""
    if not (isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name)):
        return
    name = node.target.id
    if not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)):
        return
    yield (
        Edit(span_of(node), "accumulate", ("in_place",)),
        f"`{name} += {ast.unparse(node.value)}` counts the old `{name}` twice: the right side "
        f"holds it already, so it must replace it (`{name}[...] = …`, in place)",
        False,
    )


def _accumulations(
    node: ast.Assign | ast.AugAssign, loop: ast.stmt, function: ast.AST
) -> Iterator[tuple[Edit, str, bool]]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if not isinstance(target, ast.Subscript | ast.Name):
            return
        if is_neutral(node.value):  # `h = np.zeros(…)` in a loop is a reset: `+=` undoes nothing
            return
        code = ast.unparse(target)
        args: tuple[str, ...] = ()
        if isinstance(target, ast.Name) and not _bound_before(function, target.id, loop):
            args = ("zero",)  # `grad = …` in the loop, never before it: `grad = 0` first
        yield (
            Edit(span_of(node), "accumulate", args),
            f"`{code} = …` overwrites what earlier passes of the loop put there: it must add "
            f"to it (`{code} += …`, a sum over the loop)",
            False,
        )
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
        code = ast.unparse(node.target)
        yield (
            Edit(span_of(node), "accumulate"),
            f"`{code} += …` adds to what earlier passes of the loop put there: it must replace "
            f"it (`{code} = …`)",
            False,
        )


def _carries(
    node: ast.Assign | ast.AugAssign, loop: ast.stmt, function: ast.AST
) -> Iterator[tuple[Edit, str, bool]]:
    """In a loop, ``out, _ = step(x, h)``: a result thrown away (``_``, or a name nothing
    reads) where the next pass needs it in a state the call reads (``h``: bound before the
    loop, never assigned in it)."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return
    target = node.targets[0]
    if not isinstance(target, ast.Tuple | ast.List) or not isinstance(node.value, ast.Call):
        return
    loaded = names_read(function)
    thrown = [
        i
        for i, e in enumerate(target.elts)
        if isinstance(e, ast.Name) and (e.id.startswith("_") or e.id not in loaded)
    ]
    if not thrown:
        return
    assigned = {
        n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    read = [
        a.id
        for a in [*node.value.args, *(k.value for k in node.value.keywords)]
        if isinstance(a, ast.Name) and a.id not in assigned
    ]
    states = [n for n in dict.fromkeys(read) if _bound_before(function, n, loop)]
    code = ", ".join(ast.unparse(e) for e in target.elts)
    for position in thrown:
        for name in states:
            yield (
                Edit(span_of(node), "carry", (position, name)),
                f"`{code} = …` throws away a result that the loop's next pass needs in "
                f"`{name}`: the state is never carried from one step to the next",
                False,
            )


def _bound_before(function: ast.AST, name: str, loop: ast.stmt) -> bool:
    """Whether ``name`` is a parameter or assigned before ``loop`` starts."""
    arguments = getattr(function, "args", None)
    if arguments is not None and name in {
        a.arg for a in ast.walk(arguments) if isinstance(a, ast.arg)
    }:
        return True
    return any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
        for statement in ast.walk(function)
        if isinstance(statement, ast.stmt) and (statement.end_lineno or 0) < loop.lineno
        for n in ast.walk(statement)
    )


def _unpacked(reference: Source) -> dict[str, list[str]]:
    """What the reference's function unpacks from a bare name, in its order
    (``{"chain": ["f1", "f2"]}``)."""
    found: dict[str, list[str]] = {}
    for node in ast.walk(reference.node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Tuple | ast.List) and isinstance(node.value, ast.Name):
                found.setdefault(node.value.id, [ast.unparse(e) for e in target.elts])
    return found


def _unpackings(
    node: ast.AST | None, theirs: dict[str, list[str]], documented: str = ""
) -> Iterator[tuple[Edit, str, bool]]:
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return
    target = node.targets[0]
    if not isinstance(target, ast.Tuple | ast.List) or len(target.elts) > 4:
        return
    names = [ast.unparse(e) for e in target.elts]
    if f"[{', '.join(names)}" in documented:  # `N, C, H, W = x.shape` as "[N, C, H, W]" says
        return
    if isinstance(node.value, ast.Tuple) and all(
        isinstance(e, ast.Constant) for e in node.value.elts
    ):  # `patience, bad = 1, 0`: numbers written in, whose values are the question, not order
        return
    for first in range(len(names) - 1):  # neighbours: `j, i` for `i, j`
        swapped = list(names)
        swapped[first], swapped[first + 1] = names[first + 1], names[first]
        if isinstance(node.value, ast.Name) and theirs.get(node.value.id) != swapped:
            continue  # `f1, f2 = chain`: the argument's order is the reference's, not a guess
        yield (
            Edit(span_of(node), "unpack", (first, first + 1)),
            f"`{', '.join(names)} = …` unpacks in the wrong order (swapped): "
            f"`{', '.join(swapped)} = …` is right",
            False,
        )
