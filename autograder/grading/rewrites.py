"""Edits that rewrite what a statement reads or how a block runs, where the numbers relate in
no way the relations know: two values exchanged (``u * h_bar + (1 - u) * H`` for ``u * H +
(1 - u) * h_bar``), a constant written where a name belongs (``padded[0]`` for ``padded[n]``,
``(num, 0)`` for ``(num, num)``), another string (``creation_op="add"`` in ``__mul__``), a
condition the wrong way round, a result computed and thrown away (``np.maximum(out, x)``), and
a reset done on every pass of a loop where it belongs once before it.

Each is only a proposal: :mod:`.explain` proves it by making the check pass, or says nothing.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator

from numpy import ndarray

from ..sandbox.edits import node_edit
from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import MODULES, callee_path
from .aligned import Departure, close
from .codeedits import Candidate, statement_nodes
from .numbers import (
    float_buffers,
    keywords_written_in,
    loaded,
    settings_exchanged,
    unfollowed,
    value_node,
    whole_number_casts,
)
from .source import Source, name_of, reads_of

__all__ = ["block_rewrites", "rewrites", "whole_function_rewrites"]

_PAIRS = 6
"""At most this many pairs of values exchanged in one statement."""
_TESTS = 4
"""At most this many conditions turned round."""
_NEW = frozenset(
    {"reshape", "astype", "clip", "copy", "transpose", "flatten", "squeeze", "ravel", "round"}
)
"""Methods that return a new array and change nothing (their result thrown away is lost)."""


def rewrites(
    departure: Departure, known: dict[str, tuple[ndarray, int | None]], reference: Source
) -> Iterator[Candidate]:
    """The rewrites of the departing statement: values exchanged, a constant for a name,
    another string; then the function's conditions turned round."""
    statements = statement_nodes(departure)
    if not statements:
        return
    statement = statements[0]
    yield from unfollowed(statement, departure, known)
    yield from keywords_written_in(statement, departure.source)
    yield from settings_exchanged(statement, known)
    yield from _exchanges(statement, known)
    yield from _constants(statement, departure.source, known)
    yield from _bounds(statement, known)
    yield from _symmetric_bounds(statement)
    yield from _strings(statement, reference)
    yield from _truth_operators(statement)
    yield from _inverted(departure.source.node)
    yield from float_buffers(departure.source.node, known)
    yield from whole_number_casts(departure.source.node, known)


def whole_function_rewrites(source: Source, reference: Source) -> Iterator[Candidate]:
    """Where no value departs: another string anywhere in the function, a condition the
    wrong way round, a result thrown away, a reset on every pass of a loop."""
    yield from float_buffers(source.node)  # few, and each one change: before the strings
    yield from whole_number_casts(source.node)
    yield from _strings(source.node, reference)
    yield from _inverted(source.node)
    yield from block_rewrites(source)


def block_rewrites(source: Source) -> Iterator[Candidate]:
    """A result thrown away; a reset on every pass of a loop."""
    yield from _thrown_away(source)
    yield from _hoists(source)
    yield from _returns_in_loops(source)
    yield from _loop_variables(source)


# --- in the departing statement ------------------------------------------------------------------


def _exchanges(
    statement: ast.AST, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """Two arrays of one shape that the statement reads, each where the other belongs."""
    value = value_node(statement)
    if value is None:
        return
    read = [
        path
        for path in dict.fromkeys(name_of(n) for n in ast.walk(value) if loaded(n))
        if path in known and known[path][0].ndim >= 1 and known[path][0].dtype.kind == "f"
    ]
    code = ast.unparse(value)
    pairs = [
        (a, b)
        for a, b in itertools.combinations(read, 2)
        if known[a][0].shape == known[b][0].shape
        and not close(known[a][0], known[b][0])
        and not (a.startswith(b + ".") or b.startswith(a + "."))
    ]
    for a, b in pairs[:_PAIRS]:
        yield (
            Edit(span_of(value), "exchange", (a, b)),
            f"`{a}` and `{b}` are the wrong way round in `{code}`: each is read where the "
            "other belongs",
            False,
        )


def _symmetric_bounds(statement: ast.AST) -> Iterator[Candidate]:
    """A clip's lower bound written as a number where the upper bound's negative belongs
    (``np.clip(g, 0, c)`` for ``np.clip(g, -c, c)``), or its upper bound where the lower's
    negative belongs."""
    for node in ast.walk(statement):
        if not isinstance(node, ast.Call) or len(node.args) < 3:
            continue
        if (callee_path(node) or "").rpartition(".")[2] != "clip":
            continue
        low, high = node.args[1], node.args[2]
        for written, other in ((low, high), (high, low)):
            negated = isinstance(other, ast.UnaryOp) and isinstance(other.op, ast.USub)
            path = name_of(other.operand if negated else other)  # type: ignore[attr-defined]
            if not isinstance(written, ast.Constant) or path is None:
                continue
            edit = Edit(span_of(written), "name" if negated else "neg_name", (path,))
            wanted = path if negated else f"-{path}"
            yield (
                edit,
                f"`{ast.unparse(written)}` is written where `{wanted}` belongs in "
                f"`{ast.unparse(node)}`: the range is symmetric, [-{path}, {path}]",
                False,
            )


def _constants(
    statement: ast.AST, source: Source, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """A whole number written where a name belongs: a size the statement reads (``(num,
    0)`` for ``(num, num)``), or a loop's counter (``padded[0]`` for ``padded[n]``)."""
    sizes = [
        path
        for path in dict.fromkeys(name_of(n) for n in ast.walk(statement) if loaded(n))
        if path in known and known[path][0].ndim == 0 and known[path][0].dtype.kind in "iu"
    ]
    counters = _counters(source.node, statement)
    line = ast.unparse(statement).splitlines()[0]
    for node in ast.walk(statement):
        if not (isinstance(node, ast.Constant) and type(node.value) is int):
            continue
        for name in dict.fromkeys([*counters, *sizes]):
            if name in known and int(known[name][0]) == node.value:
                continue
            which = "the loop's counter " if name in counters else ""
            yield (
                Edit(span_of(node), "name", (name,)),
                f"`{node.value}` is written in `{line}` where {which}`{name}` belongs"
                + (": the same element on every pass" if name in counters else ""),
                False,
            )


def _bounds(
    statement: ast.AST, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """A size that bounds a slice where another size the call knows belongs (``dZ[:, H:]``
    for ``dZ[:, D:]``: the sizes of two neighbouring axes confused)."""
    sizes = [
        path
        for path, (value, _) in known.items()
        if value.ndim == 0 and value.dtype.kind in "iu" and "." not in path
    ]
    for node in ast.walk(statement):
        if not isinstance(node, ast.Slice):
            continue
        for bound in (node.lower, node.upper):
            if not (isinstance(bound, ast.Name) and bound.id in sizes):
                continue
            for other in sizes:
                if int(known[other][0]) != int(known[bound.id][0]):
                    yield (
                        Edit(span_of(bound), "name", (other,)),
                        f"`{bound.id}` bounds the slice `{ast.unparse(node)}` where `{other}` "
                        "belongs (the sizes of two axes confused?)",
                        False,
                    )


def _counters(function: ast.AST, statement: ast.AST) -> list[str]:
    """The names the loops around ``statement`` count with (their targets)."""
    found = []
    for loop in ast.walk(function):
        if isinstance(loop, ast.For) and any(n is statement for n in ast.walk(loop)):
            found.extend(n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name))
    return found


def _strings(where: ast.AST, reference: Source) -> Iterator[Candidate]:
    """A string written where another the reference's function writes belongs (``"add"``
    in ``__mul__``, copied from ``__add__``)."""
    theirs = [
        n.value
        for n in ast.walk(reference.node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and not _docstring_of(n, reference)
    ]
    for node in ast.walk(where):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        for other in dict.fromkeys(theirs):
            if other != node.value and other.isidentifier() and node.value.isidentifier():
                yield (
                    Edit(span_of(node), "literal", (other,)),
                    f"`{node.value!r}` is written where `{other!r}` belongs",
                    False,
                )


def _docstring_of(node: ast.Constant, source: Source) -> bool:
    body = getattr(source.node, "body", [])
    return bool(body) and isinstance(body[0], ast.Expr) and body[0].value is node


def _truth_operators(statement: ast.AST) -> Iterator[Candidate]:
    """Python's ``or``/``and`` where NumPy's ``|``/``&`` belong (the truth of a whole array),
    and a comparison the wrong way round (``>`` for ``<``), in the departing statement."""
    for node in ast.walk(statement):
        code = ast.unparse(node) if isinstance(node, ast.BoolOp | ast.Compare) else ""
        if isinstance(node, ast.BoolOp):
            edit = Edit(span_of(node), "elementwise")
            new = ast.unparse(node_edit(node, edit))
            yield (
                edit,
                f"`{code}` asks Python for the truth of whole arrays: NumPy's element-by-"
                f"element `{new}` is right",
                False,
            )
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            edit = Edit(span_of(node), "turned")
            new = ast.unparse(node_edit(node, edit))
            if new != code:
                yield edit, f"`{code}` compares the wrong way round: `{new}` is right", False


def _inverted(function: ast.AST) -> Iterator[Candidate]:
    """A condition the wrong way round (``if not self.training`` for ``if self.training``)."""
    tests = [n.test for n in ast.walk(function) if isinstance(n, ast.If | ast.IfExp | ast.While)]
    for test in tests[:_TESTS]:
        yield (
            Edit(span_of(test), "invert"),
            f"the condition `{ast.unparse(test)}` is the wrong way round (a `not` missing, or "
            "one too many)",
            False,
        )


# --- in the function's blocks --------------------------------------------------------------------


def _thrown_away(source: Source) -> Iterator[Candidate]:
    """``np.maximum(out, x)`` as a statement: a new array computed and lost; kept in the
    name it is computed from."""
    for node in ast.walk(source.node):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        path = callee_path(call) or ""
        method = isinstance(call.func, ast.Attribute) and call.func.attr in _NEW
        if not (path.split(".")[0] in MODULES or method):
            continue
        receiver = [call.func.value] if isinstance(call.func, ast.Attribute) and method else []
        for operand in [*receiver, *call.args]:
            if isinstance(operand, ast.Name):
                code = ast.unparse(call)
                yield (
                    Edit(span_of(node), "keep", (operand.id,)),
                    f"`{code}` computes a new array and throws it away: `{operand.id} = "
                    f"{code}` keeps it",
                    False,
                )
                break


def _loop_variables(source: Source) -> Iterator[Candidate]:
    """In nested loops over ``i`` and ``j``, an index that reads ``i`` in two of its places and
    ``j`` in none (``x[:, i:i + H, i:i + W]``): one place belongs to ``j``."""
    loops = [n for n in ast.walk(source.node) if isinstance(n, ast.For | ast.comprehension)]
    variables = [n.target.id for n in loops if isinstance(n.target, ast.Name)]
    if len(set(variables)) < 2:
        return
    for subscript in ast.walk(source.node):
        if not (isinstance(subscript, ast.Subscript) and isinstance(subscript.slice, ast.Tuple)):
            continue
        places = subscript.slice.elts
        reads = [{n.id for n in ast.walk(p) if isinstance(n, ast.Name)} for p in places]
        for twice in dict.fromkeys(variables):
            if sum(twice in r for r in reads) < 2:
                continue
            for other in dict.fromkeys(v for v in variables if v != twice):
                if any(other in r for r in reads):
                    continue
                for place, read in zip(places, reads, strict=True):
                    if twice not in read:
                        continue
                    edit = Edit(span_of(place), "exchange", (twice, other))
                    new = ast.unparse(node_edit(place, edit))
                    yield (
                        edit,
                        f"`{ast.unparse(subscript)}` reads `{twice}` in two places and the "
                        f"loop variable `{other}` in none: `{new}` is right where "
                        f"`{ast.unparse(place)}` is",
                        False,
                    )


def _returns_in_loops(source: Source) -> Iterator[Candidate]:
    """A ``return`` that ends a loop's body: the loop never gets past its first pass."""
    for loop in ast.walk(source.node):
        if isinstance(loop, ast.For | ast.While) and isinstance(loop.body[-1], ast.Return):
            statement = loop.body[-1]
            code = ast.unparse(statement)
            yield (
                Edit(span_of(statement), "after_loop"),
                f"`{code}` is inside the loop, so the function returns on the loop's first "
                "pass: it belongs after the loop (one level of indentation less)",
                False,
            )
            yield (  # the course's code after the learner's lines returns
                Edit(span_of(statement), "delete"),
                f"`{code}` is inside the loop, so the function returns on the loop's first "
                "pass: without it the loop runs to its end and the code after it runs",
                False,
            )


def _hoists(source: Source) -> Iterator[Candidate]:
    """A statement of a loop's body that depends on nothing the loop changes and sets
    something (a reset, an initial value): on every pass it undoes what earlier passes did."""
    for loop in ast.walk(source.node):
        if not isinstance(loop, ast.For | ast.While):
            continue
        changed = {
            n.id for n in ast.walk(loop) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        for statement in loop.body:
            if not isinstance(statement, ast.Assign | ast.AugAssign | ast.Expr | ast.For):
                continue
            if isinstance(statement, ast.Expr) and not isinstance(statement.value, ast.Call):
                continue
            roots = {path.split(".")[0].split("[")[0] for path in reads_of(statement)}
            if isinstance(statement, ast.For):
                roots -= {n.id for n in ast.walk(statement.target) if isinstance(n, ast.Name)}
                roots |= {n.id for n in ast.walk(statement.iter) if isinstance(n, ast.Name)}
            if roots & changed:
                continue
            line = ast.unparse(statement).splitlines()[0]
            yield (
                Edit(span_of(statement), "hoist"),
                f"`{line}` runs on every pass of the loop, undoing what earlier passes did: "
                "it belongs once, before the loop",
                False,
            )
