"""Edits of the operations of the departing statement: another function called, a call undone,
two nested operations the other way round, two operands exchanged, a size off by one.

Where a value departs and no relation of the numbers says how, the code may: ``sigmoid`` where
the reference calls ``np.tanh``, ``np.mean(e) ** 2`` where ``np.mean(e ** 2)`` belongs,
``loss(target, prediction)``, ``a / b`` where ``b / a`` belongs, ``len(x) - K`` where one
more belongs. Each is found by a mechanism, never from a table of known pairs:

* the functions swapped in are those the reference's corresponding function calls, and the
  helpers the learner's module defines, taking as many arguments;
* nesting swaps, operand swaps and calls undone are tried at every operation of the statement
  (:func:`..sandbox.operations.holes`);
* sizes are the integer expressions that bound a ``range``, a slice or a pad, or are assigned
  to a name that does.

Each is only a proposal: :mod:`.explain` proves it or says nothing.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections.abc import Iterator

from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import callee_path, holes, nested, operand, swapped
from .aligned import Departure
from .cancels import cancels
from .codeedits import Candidate, statement_nodes
from .source import Source, reads_of

__all__ = [
    "bracketed",
    "dropped_operands",
    "dropped_step",
    "from_operations",
    "size_offsets",
    "swaps",
]

_PER_CALL = 2
"""At most this many other functions are tried at one call."""
_ORDERED = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
"""Binary operators whose operands cannot be exchanged."""
_SIZED = frozenset({"range", "zeros", "ones", "empty", "full", "pad"})


def from_operations(departure: Departure, reference: Source) -> Iterator[Candidate]:
    """Edits of the operations of the departing statement (many apply to any operation:
    upstream, where the values still agreed, they would mostly be noise)."""
    callees = _callees(reference, departure.source)
    yield from _activations_left_out(departure, reference)
    for statement in _operating(statement_nodes(departure)):
        indices = {id(n.slice) for n in ast.walk(statement) if isinstance(n, ast.Subscript)}
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                yield from _other_callee(node, callees)
                yield from _undone(node)
            if isinstance(node, ast.BinOp):
                yield from _operand_dropped(node)
            if isinstance(node, ast.Call | ast.BinOp | ast.UnaryOp):
                yield from _nestings(node, departure.source)
                yield from swaps(node)
            listed = isinstance(node, ast.List | ast.Tuple) and isinstance(node.ctx, ast.Load)
            if listed and id(node) not in indices:  # `x[:, H:2 * H]`: an index, not two values
                yield from swaps(node)


def _operating(statements: list[ast.AST]) -> list[ast.AST]:
    """The departing statement; where it only hands a value on (``self.gates = A``, no
    operation of its own), the statements before it that made that value too (``A``
    computed, then activated in place by ``np.tanh(A[:, 3H:], out=…)``)."""
    first = statements[:1]
    if first and not any(
        isinstance(n, ast.Call | ast.BinOp | ast.UnaryOp) for n in ast.walk(first[0])
    ):
        return statements[:_HANDED_ON]
    return first


_HANDED_ON = 4
"""The statements looked at where the departing one only hands a value on."""


def size_offsets(departure: Departure) -> Iterator[Candidate]:
    """The sizes the departing statement, and those it reads from, use, then the function's
    other sizes, each one more and one less (proposed with the statements' edits: where a
    size is off, the values have another shape, and no relation of the numbers says so)."""
    function = departure.source.node
    sizes = _size_names(function)
    counters = {
        name
        for node in ast.walk(function)
        if isinstance(node, ast.For)
        for name in (n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    }
    arrays = _arrays(function)
    upstream = statement_nodes(departure)
    rest = [n for n in ast.walk(function) if isinstance(n, ast.stmt) and n not in upstream]
    seen: set[str] = set()
    for statement in [*upstream, *rest]:  # a size anywhere: a loop that stops short
        for candidate in _sizes(statement, sizes, counters, arrays):
            if candidate[1] not in seen:
                seen.add(candidate[1])
                yield candidate


# --- another function called --------------------------------------------------------------------


def _callees(reference: Source, learner: Source) -> list[tuple[str, int, int, frozenset[str]]]:
    """``(path, fewest, most positional arguments, keywords)`` of the functions that may be called
    instead: the reference's function's own calls (those the learner's never makes first),
    then the learner's module's helpers it never calls."""
    called = {callee_path(n) for n in ast.walk(learner.node) if isinstance(n, ast.Call)}
    found: dict[str, tuple[int, int]] = {}
    keywords: dict[str, set[str]] = {}
    for node in ast.walk(reference.node):
        path = callee_path(node) if isinstance(node, ast.Call) else None
        if path and not _is_builtin(path):
            found.setdefault(path, (len(node.args), len(node.args)))  # type: ignore[attr-defined]
            keywords.setdefault(path, set()).update(k.arg for k in node.keywords if k.arg)  # type: ignore[attr-defined]
    ordered = sorted(found, key=lambda path: path in called)  # stable: else as the code has
    own = learner.node.name
    for node in learner.module.body:
        if isinstance(node, ast.FunctionDef) and node.name not in called | {own, *found}:
            positional = node.args.posonlyargs + node.args.args
            found[node.name] = (len(positional) - len(node.args.defaults), len(positional))
            ordered.append(node.name)
    return [(path, *found[path], frozenset(keywords.get(path, ()))) for path in ordered]


def _activations_left_out(departure: Departure, reference: Source) -> Iterator[Candidate]:
    """An array read where a function of it belongs (``o * C`` for ``o * np.tanh(C)``): each
    name or attribute the departing statement, or those it reads from, reads, passed through
    each one-argument function the reference's own function applies (at most
    :data:`_WRAPS`)."""
    wrappers = list(
        dict.fromkeys(
            path
            for node in ast.walk(reference.node)
            if isinstance(node, ast.Call)
            and len(node.args) == 1
            and not node.keywords
            and (path := callee_path(node))
            and not _is_builtin(path)
        )
    )
    if not wrappers:
        return
    count = 0
    for statement in statement_nodes(departure):
        if isinstance(statement, ast.Return):  # what it returns was computed above: there
            continue
        targets = {id(t) for n in ast.walk(statement) for t in _targets(n)}
        for node in ast.walk(statement):
            if count >= _WRAPS:
                return
            if id(node) in targets or not isinstance(node, ast.Name | ast.Attribute):
                continue
            if not isinstance(node.ctx, ast.Load):
                continue
            code = ast.unparse(node)
            for path in wrappers[:_PER_CALL]:
                count += 1
                yield (
                    Edit(span_of(node), "wrap", (path,)),
                    f"`{code}` is read where `{path}({code})` belongs (a function the "
                    "reference applies here, left out)",
                    False,
                )


_WRAPS = 6
"""At most this many operands passed through a function the reference applies."""


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return [n for t in node.targets for n in ast.walk(t)]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return list(ast.walk(node.target))
    if isinstance(node, ast.Call):
        return [node.func, *ast.walk(node.func)]
    if isinstance(node, ast.Attribute) and node.attr in ("shape", "ndim", "size", "dtype", "T"):
        return [node.value, *ast.walk(node.value)]
    if isinstance(node, ast.Attribute | ast.Subscript):  # `self` of self.x: x is the array
        return [node.value]
    return []


def _is_builtin(path: str) -> bool:
    return "." not in path and hasattr(builtins, path)


def _other_callee(
    node: ast.Call, callees: list[tuple[str, int, int, frozenset[str]]]
) -> Iterator[Candidate]:
    path = callee_path(node)
    if path is None or _is_builtin(path):
        return
    count, given = len(node.args), {k.arg for k in node.keywords if k.arg}
    alike = [(p, kw) for p, low, high, kw in callees if p != path and low <= count <= high]
    alike.sort(key=lambda item: item[1] != given)  # `np.tanh(…, out=…)` for `np.exp(…, out=…)`
    others = [p for p, _ in alike]
    for other in others[:_PER_CALL]:
        yield (
            Edit(span_of(node), "callee", (other,)),
            f"`{ast.unparse(node)}` calls `{path}` where `{other}` belongs",
            False,
        )


def _undone(node: ast.Call) -> Iterator[Candidate]:
    """A call too many: ``np.tanh(y)`` where ``y`` belongs, ``np.clip(C, -1, 1)`` where ``C``
    belongs (its first argument, or a method's receiver), or a method of no arguments on a
    computed value (``layer(x).tanh()``: an activation applied twice)."""
    places = holes(node)
    if len(places) == 1 and places[0] < 0 and not node.args and not node.keywords:
        yield dropped_step(node, places[0])
        return
    path = callee_path(node)
    if path is None or _is_builtin(path) or not places:
        return
    if places != [0] or node.keywords:  # `np.clip(C, -1, 1)`, `F.softmax(x, dim=1)`: its
        if path.rpartition(".")[2] not in _SAID_ELSEWHERE:  # array alone
            yield dropped_step(node, places[-1] if places[-1] < 0 else 0)
        return
    inner = ast.unparse(node.args[0])
    yield (
        Edit(span_of(node), "unwrap", (0,)),
        f"`{ast.unparse(node)}` applies `{path}` once too often: `{inner}` alone is right",
        False,
    )


_SAID_ELSEWHERE = frozenset({"round", "around", "astype"})
"""Calls whose undoing :mod:`.numbers` names more precisely (a value rounded, cast)."""


def dropped_operands(node: ast.AST) -> Iterator[Candidate]:
    """A term or factor too many, at every binary operation within ``node``."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.BinOp):
            yield from _operand_dropped(inner)


def _operand_dropped(node: ast.BinOp) -> Iterator[Candidate]:
    """A term or factor too many: ``z + 1.0`` where ``z`` belongs (a bias carried over from
    another library's convention), ``0.5 * d`` where ``d`` belongs, ``g * p * (1 - p)`` where
    ``g`` belongs (a derivative applied twice)."""
    if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        return
    factor = isinstance(node.op, ast.Mult | ast.Div)
    for keep in (0, 1):
        kept, other = operand(node, keep), operand(node, 1 - keep)
        leading = keep == 1 and isinstance(node.op, ast.Sub | ast.Div)  # `1 - x`, `1 / x`
        if isinstance(kept, ast.Constant) or leading:
            continue
        code, alone, extra = ast.unparse(node), ast.unparse(kept), ast.unparse(other)
        op = "unwrap"
        if isinstance(other, ast.Constant) and type(other.value) in (int, float):
            name = f"`{code}` has `{code.replace(alone, '', 1).strip()}` too many"
        elif isinstance(other, ast.Constant):
            continue
        else:  # many operands could be dropped, few constants: ranked after the other edits
            name = f"`{code}` has the extra {'factor' if factor else 'term'} `{extra}`"
            op = "drop"
        yield Edit(span_of(node), op, (keep,)), f"{name}: `{alone}` alone is right", False


# --- operations nested or ordered the other way round ------------------------------------------


def _nestings(node: ast.expr, source: Source) -> Iterator[Candidate]:
    """``f(g(x))`` where ``g(f(x))`` belongs, for each operation ``g`` in a hole of ``f``."""
    places = holes(node)
    if _is_conversion(node) or (isinstance(node, ast.Call) and len(places) != 1):
        return  # a call of several operands (np.dot(a, b), np.pad(x, p)) nests no step
    for outer_hole in places:
        inner = operand(node, outer_hole)
        if not isinstance(inner, ast.Call | ast.BinOp | ast.UnaryOp) or _is_conversion(inner):
            continue
        for inner_hole in holes(inner):
            arithmetic = isinstance(node, ast.BinOp) and isinstance(inner, ast.BinOp)
            constant = isinstance(operand(inner, inner_hole), ast.Constant)
            if constant and isinstance(inner, ast.BinOp) and not arithmetic:
                continue  # `f(x) ** 2` from `f(x ** 2)`, never `x ** f(2)`; `a / (2 * d)` is
            renested = nested(node, (outer_hole, inner_hole))
            if cancels(node, renested):
                continue  # the steps undo each other: a step too many, not their order
            if isinstance(inner, ast.Call):  # a step that changes nothing on these numbers
                yield dropped_step(inner, inner_hole)  # passes in either order: said so first
            new = ast.unparse(renested)
            first, then = _step(inner, inner_hole), _step(node, outer_hole)
            code = ast.unparse(node)
            two_operators = arithmetic or (
                isinstance(node, ast.UnaryOp) and isinstance(inner, ast.BinOp)
            )
            name = (  # written without parentheses: the operators' precedence grouped it
                f"`{code}` groups the wrong way (operator precedence: the parentheses are "
                f"misplaced): `{new}` is right"
                if two_operators and not bracketed(inner, source)
                else f"`{code}` applies {first} first, then {then}: the two steps are in the "
                f"wrong order (`{new}` is right)"
            )
            yield Edit(span_of(node), "nest", (outer_hole, inner_hole)), name, False


def dropped_step(call: ast.Call, hole: int) -> Candidate:
    """``call`` undone, its operand in ``hole`` in its place: ``np.clip(g, -2, 2)`` where
    ``g`` belongs (its bounds never reached once it is moved, so moving it proves nothing)."""
    code, kept = ast.unparse(call), ast.unparse(operand(call, hole))
    return (
        Edit(span_of(call), "unwrap", (hole,)),
        f"`{code}` is a step too many: `{kept}` alone is right",
        False,
    )


def bracketed(inner: ast.expr, source: Source) -> bool:
    """Whether the learner wrote parentheses around ``inner`` (a grouping chosen, not one the
    operators' precedence made)."""
    line = inner.lineno
    if not 0 < line <= len(source.lines):
        return False
    return source.lines[line - 1][: inner.col_offset].rstrip().endswith("(")


def _is_conversion(node: ast.expr) -> bool:
    """A call of a type (``float(x)``, ``int(n)``): no step of a computation."""
    path = callee_path(node) if isinstance(node, ast.Call) else None
    return path is not None and _is_builtin(path) and isinstance(getattr(builtins, path), type)


def _step(node: ast.expr, hole: int) -> str:
    """What an operation does to the operand in ``hole``, in code: `np.mean`, `** 2`."""
    if isinstance(node, ast.Call):
        path = callee_path(node)
        return f"`{path}`" if path else f"`.{node.func.attr}()`"  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        return f"`{ast.unparse(node)[: -len(ast.unparse(node.operand))].strip()}`"
    assert isinstance(node, ast.BinOp)
    symbol = ast.unparse(ast.BinOp(ast.Name("a"), node.op, ast.Name("b")))[2:-2]
    other = ast.unparse(operand(node, 1 - hole))
    return f"`{symbol} {other}`" if hole == 0 else f"`{other} {symbol}`"


def swaps(node: ast.expr) -> Iterator[Candidate]:
    """Two positional arguments of a call, a non-commutative operator's operands, or two
    elements of a list or a tuple (of at most four), the wrong way round."""
    if isinstance(node, ast.BinOp):
        pairs = [(0, 1)] if isinstance(node.op, _ORDERED) else []
        what = "operands"
    elif isinstance(node, ast.List | ast.Tuple):  # `[H_in, x_in]`, `return dH, dx`
        pairs = list(itertools.combinations(holes(node), 2)) if len(node.elts) <= 4 else []
        what = "elements"
    else:
        path = callee_path(node) if isinstance(node, ast.Call) else None
        plain = isinstance(node, ast.Call) and not (path and _is_builtin(path))
        places = [h for h in holes(node) if h >= 0] if plain else []
        pairs = list(itertools.pairwise(places))  # neighbours: (x, lo, hi), (a, b)
        what = "arguments"
    for first, second in pairs:
        a, b = operand(node, first), operand(node, second)
        if ast.unparse(a) == ast.unparse(b):
            continue
        if what == "arguments" and (isinstance(a, ast.Constant) or isinstance(b, ast.Constant)):
            continue  # `f(x, 1)`: a flag or a size, not one of two operands of a kind
        new = ast.unparse(swapped(node, (first, second)))
        yield (
            Edit(span_of(node), "swap", (first, second)),
            f"`{ast.unparse(node)}` has its {what} the wrong way round (swapped): `{new}`",
            False,
        )


# --- sizes off by one ---------------------------------------------------------------------------


def _size_names(function: ast.AST) -> set[str]:
    """The names that bound a ``range``, a slice or a pad, or size a new array."""
    found: set[str] = set()
    for node in ast.walk(function):
        for bound in _bounds(node):
            found.update(n.id for n in ast.walk(bound) if isinstance(n, ast.Name))
    return found


def _bounds(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Slice):
        return [b for b in (node.lower, node.upper) if b is not None]
    if isinstance(node, ast.Call):
        path = callee_path(node) or ""
        if path.split(".")[-1] in _SIZED:
            args = node.args[1:2] if path.endswith("pad") else node.args[:3]
            return [e for a in args for e in (a.elts if isinstance(a, ast.Tuple) else [a])]
    return []


def _measured(place: ast.expr) -> bool:
    """A size read off an array as it is (``x.shape[1]``, ``len(x)``): one more or one less
    than an array's own size is no size anyone means — where it makes a check pass, another
    size happens to be one away (D = H - 1), and that would be a name by chance."""
    if isinstance(place, ast.Subscript) and isinstance(place.value, ast.Attribute):
        return place.value.attr == "shape"
    return isinstance(place, ast.Call) and callee_path(place) == "len"


def _arrays(function: ast.AST) -> list[str]:
    """What the function reads sizes off (``x`` of ``x.shape``), then its parameters."""
    found = [
        code
        for n in ast.walk(function)
        if isinstance(n, ast.Attribute) and n.attr == "shape"
        for code in (ast.unparse(n.value),)
        if isinstance(n.value, ast.Name | ast.Attribute)
    ]
    arguments = getattr(function, "args", None)
    if arguments is not None:
        found += [a.arg for a in arguments.args if a.arg != "self"]
    return list(dict.fromkeys(found))


def _other_sizes(place: ast.expr, arrays: list[str]) -> Iterator[Candidate]:
    """``x.shape[k]`` read off another array or axis: H where D belongs (``self.H_out.shape[1]``
    where ``x_in.shape[1]`` belongs) — right only when the two happen to be equal."""
    code = ast.unparse(place)
    found = 0
    for array in arrays:
        for axis in (0, 1, 2):
            other = f"{array}.shape[{axis}]"
            if other != code and found < _PER_SIZE:
                found += 1
                yield (
                    Edit(span_of(place), "name", (other,)),
                    f"`{code}` is the size of another array or axis: `{other}` is right",
                    False,
                )


_PER_SIZE = 6
"""At most this many other sizes are tried for one size read off an array."""


def _sizes(
    statement: ast.AST, names: set[str], counters: set[str], arrays: list[str]
) -> Iterator[Candidate]:
    """Integer expressions (not literals: :func:`.codeedits` steps those) that bound a range,
    slice or pad in ``statement``, or are assigned to a name that does; not those that read a
    loop's counter (``x[i : i + K]``: an index, where a shift says more)."""
    places = [b for n in ast.walk(statement) for b in _bounds(n) if not reads_of(b) & counters]
    if isinstance(statement, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id in names for t in statement.targets
    ):
        places.append(statement.value)
    seen: set[str] = set()
    for place in places:
        code = ast.unparse(place)
        if isinstance(place, ast.Constant | ast.Tuple) or code in seen:
            continue
        if _measured(place):
            seen.add(code)
            yield from _other_sizes(place, arrays)
            continue
        seen.add(code)
        for step, sign in ((1, "+"), (-1, "-")):
            yield (
                Edit(span_of(place), "offset", (step,)),
                f"`{code}` is off by one: `{code} {sign} 1` is right",
                False,
            )
