"""Relations the code suggests: edits of the departing statement and of those it reads from.

Where the numbers show no relation, the code may: an operand read reversed (a kernel not
flipped), transposed or with the wrong sign, one value read where another belongs (before
the activation where after it belongs), an integer off by one, a reduction over another
axis or without ``keepdims``, an operator swapped (``*`` where ``@`` belongs), a loop run the
wrong way round, randomness from NumPy's global generator where the generator given belongs.
Each is only a proposal: :mod:`.explain` proves it or says nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure, close, mirrored
from .cancels import cancels
from .lookalikes import lookalikes
from .relnames import activation_between
from .source import Source, Statement, name_of, touches

__all__ = ["Candidate", "from_code", "statement_nodes", "statements"]

Candidate = tuple[Edit, str, bool]
"""``(edit, the mistake it undoes, whether the numbers showed it)``."""

_REDUCTIONS = frozenset({"sum", "mean", "max", "min", "prod", "std", "var", "argmax", "nansum"})
_JOINS = frozenset({"concatenate", "stack"})
"""NumPy's joins: along axis 0 unless told otherwise."""
_DRAWS = frozenset(
    {
        "rand",
        "randn",
        "random",
        "random_sample",
        "randint",
        "binomial",
        "normal",
        "uniform",
        "permutation",
        "shuffle",
        "choice",
        "standard_normal",
    }
)


def from_code(
    departure: Departure, known: dict[str, tuple[ndarray, int | None]], reference: Source
) -> Iterator[Candidate]:
    """Edits of the departing statement's code, then of the statements it reads from."""
    yield from _loops(departure)
    yield from _falsy_defaults(departure.source.node)
    substitutions: list[tuple[float, float, Candidate]] = []  # nearest first, whichever operand
    for index, statement in enumerate(statement_nodes(departure)):
        sized = {  # `x.shape`: x is read for its sizes, and transposing it swaps two names
            id(n.value)
            for n in ast.walk(statement)
            if isinstance(n, ast.Attribute) and n.attr in ("shape", "ndim", "size", "dtype")
        }
        transposed = {  # `x.T`: its transpose too many is an edit of `x.T`, not of `x`
            id(n.value)
            for n in ast.walk(statement)
            if isinstance(n, ast.Attribute) and n.attr == "T"
        }
        stored = {  # `dA[:, H:2 * H] = …`: the array written into is no operand
            id(n) for target in _targets_of(statement) for n in ast.walk(target)
        }
        for node in ast.walk(statement):
            if id(node) in sized or id(node) in stored:
                continue
            yield from _node_edits(
                node, departure, known, reference, substitutions, id(node) in transposed, index
            )
    for _, _, candidate in sorted(substitutions, key=lambda s: s[:2]):
        yield candidate


def _targets_of(statement: ast.AST) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, ast.AugAssign | ast.AnnAssign):
        return [statement.target]
    return []


def _node_edits(
    node: ast.AST,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
    reference: Source,
    substitutions: list[tuple[float, float, Candidate]],
    transposed: bool,
    index: int,
) -> Iterator[Candidate]:
    """The edits of one node of a statement (``index``: the statement's place, 0 for the
    departing one)."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield from _transposed_once_too_often(node, known)
    if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
        yield from _operand(node, departure, known, substitutions, transposed)
        yield from _fixed_size(node, departure, known)
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        if name_of(node) is not None:  # `forward_info["N1"]`: an entry by its key
            yield from _entry(node, departure, known, reference)
    elif isinstance(node, ast.Call):
        yield from _call(node, departure, reference)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield from _off_by_one(node, departure)
    elif isinstance(node, ast.Constant) and type(node.value) is float:
        yield from _constant_factor(node, departure, known)
    elif isinstance(node, ast.BinOp) and type(node.op) in _SWAPS:
        yield from _swapped_operator(node, departing=index == 0)


def _loops(departure: Departure) -> Iterator[Candidate]:
    """The loops around the departing line: a ``range`` counted from one further on (or one
    back), then each loop run the other way round."""
    line = departure.line
    loops = [
        node
        for node in ast.walk(departure.source.node)
        if isinstance(node, ast.For) and node.body[0].lineno <= line <= (node.end_lineno or 0)
    ]
    yield from loop_edits(loops)


def loop_edits(loops: list[ast.For]) -> Iterator[Candidate]:
    """For each loop over a ``range``, its values one further on and one back; then each loop
    run the other way round."""
    for node in loops:
        if _is_range(node.iter):
            code = ast.unparse(node.iter)
            for steps, way in ((1, "one too small"), (-1, "one too large")):
                yield (
                    Edit(span_of(node.iter), "counted", (steps,)),
                    f"the loop over `{code}` counts off by one: each of its values is {way} "
                    "(an index, an epoch or a step counted from 0 where 1 belongs, or back)",
                    False,
                )
    for node in loops:
        code = ast.unparse(node.iter)
        inner = _reversed_of(node.iter)
        way = (
            f"it must run forwards (`{inner}`), first step first"
            if inner
            else f"it must run backwards (reversed({code})), last step first"
        )
        yield (
            Edit(span_of(node.iter), "reversed"),
            f"the loop over `{code}` runs in the wrong order: {way}",
            False,
        )


def _reversed_of(node: ast.expr) -> str | None:
    """``x`` of ``reversed(x)`` or of ``x[::-1]`` (a loop already run backwards), else None."""
    called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    if called and node.func.id == "reversed" and len(node.args) == 1:
        return ast.unparse(node.args[0])
    if isinstance(node, ast.Subscript) and ast.unparse(node.slice).replace(" ", "") == "::-1":
        return ast.unparse(node.value)
    return None


def _is_range(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
    )


def statement_nodes(departure: Departure) -> list[ast.AST]:
    """The code of :func:`statements`."""
    source = departure.source
    return [source.nodes[s.span] for s in statements(departure) if s.span in source.nodes]


def statements(departure: Departure, depth: int = 2) -> list[Statement]:
    """The departing statement, and up to ``depth`` levels of the statements before it that
    assign what it reads (where a mistake upstream first shows)."""
    source = departure.source
    statement = None
    if departure.site is not None:
        statement = source.statement_of(departure.site)
    elif departure.line:
        statement = next((s for s in source.statements if s.span[0] == departure.line), None)
    if statement is None:
        return []
    chosen = [statement]
    frontier = [statement]
    for _ in range(depth):
        frontier = [
            s
            for s in source.statements
            if s not in chosen
            and any(touches(f.reads, s.assigns) for f in frontier)
            and s.span < statement.span
        ]
        chosen.extend(frontier)
    return chosen


def _operand(
    node: ast.Name | ast.Attribute,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
    substitutions: list[tuple[float, float, Candidate]],
    transposed: bool = False,
) -> Iterator[Candidate]:
    """The edits of one operand; another value read in its place goes to ``substitutions``,
    ranked by how near it is to the operand's (``self.tanh_C`` for ``self.C_out`` before
    ``C_out_grad`` for ``dH``): a value confused with another is mostly one like it."""
    name = name_of(node)
    if name is None or name not in known:
        return
    value = known[name][0]
    if value.dtype.kind != "f" or value.ndim == 0 or value.size < 2:
        return
    span = span_of(node)
    axes = [value.ndim - 2, value.ndim - 1] if value.ndim >= 2 else [0]
    if value.shape[-1] > 1 and not mirrored(value, axes):
        kernel = "the kernel is not flipped: " if _kernel_like(name, value) else ""
        if kernel and _CONVOLVES.search(departure.code):  # the call flips it already
            kernel = (
                "the kernel is flipped once too often (a convolution function flips it "
                "itself; the book's convolution is a correlation, as np.correlate's): "
            )
        yield (
            Edit(span, "flip", (axes,)),
            f"{kernel}`{name}` should be read reversed"
            + (" along its last two axes (rotated by 180°)" if len(axes) == 2 else "")
            + " here",
            False,
        )
    square = value.ndim == 2 and value.shape[0] == value.shape[1]
    symmetric = square and (close(value.T, value) or close(value.T, -value))
    if value.ndim == 2 and not transposed and not symmetric:  # `x.T` read: undoing the `.T`
        yield Edit(span, "transpose"), f"`{name}` should be transposed here (`{name}.T`)", False
    yield (
        Edit(span, "negate"),
        f"`{name}` has the wrong sign here (a + where a − belongs, or the reverse?)",
        False,
    )
    if _fraction_like(value):  # a gate, a probability: its two sides exchanged
        yield (
            Edit(span, "complement"),
            f"`{name}` is read where `1 - {name}` belongs: the two sides of a gate (or a "
            "probability and its complement) exchanged",
            False,
        )
    if _bounded_by_one(value):  # an activation's output: its square, in a derivative
        yield (
            Edit(span, "mul_name", (name, 1)),
            f"`{name}` is read where its square `{name} ** 2` belongs (a power left out: "
            "tanh's derivative is `1 - tanh(x) ** 2`)",
            False,
        )
    for other, theirs in _others(name, value, span, departure, known):
        _substitute(name, value, other, theirs, span, departure, known, substitutions)


def _substitute(
    name: str,
    value: ndarray,
    other: str,
    theirs: ndarray,
    span: tuple[int, ...],
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
    substitutions: list[tuple[float, float, Candidate]],
) -> None:
    """``other`` read in place of ``name`` (as a loop's previous pass left it, where it is
    bound after the read), or added to it."""
    gap, order = _gap(value, theirs), len(substitutions)
    said = _substitution(name, value, other, theirs)
    if _carried(departure, known[other][1], span):  # the previous pass's value
        if other.startswith("_"):  # thrown away (`y, _h = step(…)`): blockedits says so
            return
        if other.isidentifier():  # unbound on the first pass: `name` there
            carried = (
                f"`{name}` is read on every pass of the loop where `{other}` belongs, as "
                f"the previous pass left it (only the first pass starts from `{name}`)"
            )
            substitutions.append(
                (gap, order + 0.5, (Edit(span, "carried", (other,)), carried, False))
            )
        said += " (as the loop's previous pass left it)"
    substitutions.append((gap, order, (Edit(span, "name", (other,)), said, False)))
    added = (  # `deriv(sigma, x)` where sigma was applied to `x + y`
        Edit(span, "add_name", (other, 1.0)),
        f"`{name}` is read where `{name} + {other}` belongs (a term left out)",
        False,
    )
    substitutions.append((gap, order + 1, added))


def _fixed_size(
    node: ast.Name | ast.Attribute,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[Candidate]:
    """A size read where the size of a piece cut in a loop belongs (``* batch_size`` for
    ``* X_chunk.shape[0]``: the last chunk is smaller when the size does not divide the
    whole): each axis of an array bound in a loop around the departure that is shorter there
    than the size (at most :data:`_PIECES`)."""
    name = name_of(node)
    if name is None or name not in known:
        return
    size = known[name][0]
    if size.ndim != 0 or size.dtype.kind not in "iu" or int(size) < 2:
        return
    loops = [
        span_of(n)
        for n in ast.walk(departure.source.node)
        if isinstance(n, ast.For | ast.While) and _within(span_of(node), span_of(n))
    ]
    count = 0
    for other, (value, site) in known.items():
        if site is None or value.ndim == 0 or not other.isidentifier():
            continue
        assigned = departure.source.sites[site].span if site < len(departure.source.sites) else None
        if assigned is None or not any(_within(assigned, loop) for loop in loops):
            continue
        if (span_of(node)[0], span_of(node)[1]) < (assigned[2], assigned[3]):
            continue  # read before this pass binds the piece
        for axis, length in enumerate(value.shape):
            if 0 < length < int(size) and count < _PIECES:
                count += 1
                yield (
                    Edit(span_of(node), "name", (f"{other}.shape[{axis}]",)),
                    f"`{name}` is read where `{other}.shape[{axis}]` belongs: a piece cut in "
                    f"the loop can be shorter than `{name}` (the last, when it does not "
                    "divide the whole)",
                    False,
                )


_PIECES = 4
"""At most this many sizes proposed for one size read."""


def _gap(value: ndarray, other: ndarray) -> float:
    """How far ``other`` is from ``value``, relative to ``value``'s size (inf if not finite)."""
    with np.errstate(all="ignore"):
        gap = float(np.mean(np.abs(other - value)) / (np.mean(np.abs(value)) + 1e-12))
    return gap if np.isfinite(gap) else np.inf


def _transposed_once_too_often(
    node: ast.Attribute, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """``x.T`` where ``x`` belongs (a weight kept as [out, in] and transposed to [in, out]
    once more): proposed for a matrix ``x`` the call knows."""
    path = name_of(node.value)
    if path is None or path not in known or known[path][0].ndim != 2:
        return
    yield (
        Edit(span_of(node), "transpose"),
        f"`{path}.T` is transposed once too often (a .T too many): `{path}` is right here",
        False,
    )


def _fraction_like(value: ndarray) -> bool:
    """Every element between 0 and 1, not all the same (a gate's output, a probability)."""
    finite = value[np.isfinite(value)]
    return finite.size == value.size and bool(
        finite.min() >= 0.0 and finite.max() <= 1.0 and finite.min() < finite.max()
    )


def _bounded_by_one(value: ndarray) -> bool:
    """Every element within [-1, 1], not all the same (a tanh's or a sigmoid's output)."""
    finite = value[np.isfinite(value)]
    return finite.size == value.size and bool(
        np.abs(finite).max() <= 1.0 and finite.min() < finite.max()
    )


def _entry(
    node: ast.Subscript,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
    reference: Source,
) -> Iterator[Candidate]:
    """An entry read by the wrong key (``forward_info["N1"]`` where ``"O1"`` belongs): each
    other entry of the same shape that the reference's own function reads."""
    name = name_of(node)
    if name is None or name not in known:
        return
    value, span = known[name][0], span_of(node)
    read = {name_of(n) for n in ast.walk(reference.node) if isinstance(n, ast.Subscript)}
    for other, held in _others(name, value, span, departure, known):
        if other in read:
            yield Edit(span, "name", (other,)), _substitution(name, value, other, held), False


def _others(
    name: str,
    value: ndarray,
    span: tuple[int, ...],
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[tuple[str, ndarray]]:
    """The other known values that could be read at ``span`` in place of ``name``'s: of its
    shape, with other numbers, and already assigned there. Where the value returned has a
    shape none of the reference's has, a matrix of the transposed shape too (``X.T`` where
    ``W.T`` belongs: X [1, D], W [D, 1])."""
    shapes = {value.shape}
    mine, returned = departure.value.array.shape, departure.pool.returned
    if value.ndim == 2 and returned and not any(v.array.shape == mine for v in returned):
        shapes.add(value.shape[::-1])
    for other, (theirs, site) in known.items():
        if other == name or theirs.shape not in shapes or theirs.dtype.kind != "f":
            continue
        if not close(theirs, value) and _assigned_before(departure, site, span):
            yield other, theirs


def _assigned_before(departure: Departure, site: int | None, span: tuple[int, ...]) -> bool:
    """Whether a name assigned at ``site`` (None: known on entry) holds that value where
    ``span`` reads: after the assignment ends, or anywhere in a loop around both (the value
    an earlier pass left: ``forward(x[:, t], H0)`` where ``H`` from step t − 1 belongs). Read
    in the statement that assigns it, or before, outside a loop, it is an earlier value
    (``self.H_out = np.tanh(A)`` cannot read ``self.H_out``)."""
    if site is None or not 0 <= site < len(departure.source.sites):
        return True
    assigned = departure.source.sites[site].span
    if (span[0], span[1]) >= (assigned[2], assigned[3]):
        return True
    return any(
        _within(span, span_of(loop)) and _within(assigned, span_of(loop))
        for loop in ast.walk(departure.source.node)
        if isinstance(loop, ast.For | ast.While)
    )


def _carried(departure: Departure, site: int | None, span: tuple[int, ...]) -> bool:
    """Whether a name assigned at ``site`` is read at ``span`` before that assignment, in a
    loop: the value read is the one the previous pass left."""
    if site is None or not 0 <= site < len(departure.source.sites):
        return False
    assigned = departure.source.sites[site].span
    return (span[0], span[1]) < (assigned[2], assigned[3])


def _within(inner: tuple[int, ...], outer: tuple[int, ...]) -> bool:
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def _constant_factor(
    node: ast.Constant, departure: Departure, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """A number where that number times an array belongs (``np.where(x > 0, x, 0.2)`` for
    ``0.2 * x``): each known array of the departing value's shape as the factor."""
    if node.value in (0.0, 1.0):  # no factor is left out of a zero or a one (`1.0 - u`)
        return
    shape = departure.value.array.shape
    for other, (value, _) in known.items():
        if value.shape == shape and value.ndim >= 1 and value.dtype.kind == "f":
            yield (
                Edit(span_of(node), "mul_name", (other, 1)),
                f"the constant `{node.value!r}` stands where `{node.value!r} * {other}` belongs "
                "(a factor left out)",
                False,
            )


_CONVOLVES = re.compile(r"\bconvolve(?:2d|1d)?\s*\(|\bfftconvolve\s*\(")
"""A call that flips its kernel itself (``np.convolve``, ``scipy.signal.convolve2d``)."""


def _kernel_like(name: str, value: ndarray) -> bool:
    spatial = value.shape[-2:] if value.ndim >= 2 else value.shape
    return name.split(".")[-1].lower() in {
        "param",
        "w",
        "weights",
        "kernel",
        "filter",
        "param_",
    } or (len(set(spatial)) == 1 and spatial[0] in (3, 5, 7) and value.ndim in (1, 2, 4))


def _substitution(name: str, value: ndarray, other: str, theirs: ndarray) -> str:
    activation = activation_between(value, theirs)
    if activation:
        return (
            f"`{name}` is read where `{other}` belongs: the value before the activation "
            f"where its {activation} belongs (pre- for post-activation)"
        )
    activation = activation_between(theirs, value)
    if activation:
        return (
            f"`{name}` is read where `{other}` belongs: the value after the activation "
            f"({activation.split(' (')[0]}) where the value before it belongs"
        )
    return f"`{name}` is read where `{other}` belongs"


def _whole(call: ast.Call) -> bool:
    """Whether a reduction names no axis: ``np.sum(x)``, ``x.sum()`` (not ``np.sum(x, 0)``)."""
    func = call.func
    on_module = isinstance(func, ast.Attribute) and ast.unparse(func.value) in ("np", "numpy")
    return len(call.args) == (1 if on_module or isinstance(func, ast.Name) else 0)


def _axes(node: ast.Call, method: str, span) -> Iterator[Candidate]:
    """A reduction over another axis, or over one where it names none; a join along another
    axis than NumPy's default 0."""
    axis = next((k for k in node.keywords if k.arg == "axis"), None)
    if method in _REDUCTIONS and axis is not None and isinstance(axis.value, ast.Constant):
        current = axis.value.value
        for other in (0, 1, 2, -1):
            if other != current:
                yield (
                    Edit(span, "keyword", ("axis", other)),
                    f"`{ast.unparse(node)}` reduces over the wrong axis: axis={other} "
                    f"where it has axis={current}",
                    False,
                )
        if not any(k.arg == "keepdims" for k in node.keywords):
            yield (
                Edit(span, "keyword", ("keepdims", True)),
                f"`{ast.unparse(node)}` drops the axis it reduces: keepdims=True is missing",
                False,
            )
    elif method in _REDUCTIONS and axis is None and _whole(node):
        kept = any(k.arg == "keepdims" for k in node.keywords)
        for other in (0, 1, -1):
            yield (
                Edit(span, "keyword", ("axis", other)),
                f"`{ast.unparse(node)}` reduces every element to one number: it should "
                f"reduce along one axis only (axis={other})",
                False,
            )
            if not kept:
                yield (
                    Edit(span, "keyword", ("axis", other, "keepdims", True)),
                    f"`{ast.unparse(node)}` reduces every element to one number: it should "
                    f"reduce along one axis only and keep it (axis={other}, keepdims=True)",
                    False,
                )
    if method in _JOINS and axis is None and len(node.args) == 1:
        for other in (1, -1):  # `np.concatenate([x, h])` stacks rows where columns belong
            yield (
                Edit(span, "keyword", ("axis", other)),
                f"`{ast.unparse(node)}` joins along axis 0, NumPy's default: it should join "
                f"along axis={other}",
                False,
            )


def _call(node: ast.Call, departure: Departure, reference: Source) -> Iterator[Candidate]:
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    span = span_of(node)
    yield from _axes(node, method, span)
    yield from lookalikes(node)
    order = next((k for k in node.keywords if k.arg == "order"), None)
    if order is not None and isinstance(order.value, ast.Constant) and order.value.value != "C":
        yield (  # MATLAB's, Julia's and Fortran's habit: columns first
            Edit(span, "keyword", ("order", "C")),
            f"`{ast.unparse(node)}` reads the numbers column by column (order="
            f"{order.value.value!r}, MATLAB's and Fortran's order): NumPy's row-major order "
            "(order='C', the default) is right here",
            False,
        )
    if method in _DRAWS and _is_global_random(func):
        for generator in _generators(reference):
            yield (
                Edit(span, "generator", (generator,)),
                f"`{ast.unparse(node)}` draws from NumPy's global generator (np.random): "
                f"the randomness must come from the generator given, `{generator}` (the same "
                "seed must give the same numbers)",
                False,
            )


def _is_global_random(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "random"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id in ("np", "numpy")
    )


def _generators(reference: Source) -> list[str]:
    """What the reference's function draws its randomness from (``self.rng``, ``rng``)."""
    found: list[str] = []
    for node in ast.walk(reference.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = name_of(node.func.value)
            draws = node.func.attr in _DRAWS | {"integers"}
            if receiver and draws and "random" not in receiver and receiver not in found:
                found.append(receiver)
    return found


_SWAPS = {
    ast.Mult: ("MatMult", "multiplies element by element where a matrix product (@) belongs"),
    ast.MatMult: ("Mult", "is a matrix product where an element-by-element product (*) belongs"),
    ast.Add: ("Sub", "adds where it should subtract (a sign)"),
    ast.Sub: ("Add", "subtracts where it should add (a sign)"),
    ast.Div: ("Mult", "divides where it should multiply"),
    ast.FloorDiv: ("Div", "divides rounding down (`//`) where true division (`/`) belongs"),
}
"""Each operator's nearest other (a sign, * and @), tried wherever the departure reads."""
_ARITHMETIC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}
"""In the departing statement itself, between two names, each of these is also tried for each
other."""


def _swapped_operator(node: ast.BinOp, departing: bool) -> Iterator[Candidate]:
    operator, words = _SWAPS[type(node.op)]
    code = ast.unparse(node)
    swapped = ast.BinOp(left=node.left, op=getattr(ast, operator)(), right=node.right)
    if not cancels(node, swapped):
        said = f"`{code}` {words}: `{ast.unparse(swapped)}` is right"
        yield Edit(span_of(node), "operator", (operator,)), said, False
    if not departing or type(node.op) not in _ARITHMETIC:
        return
    if any(isinstance(side, ast.Constant) for side in (node.left, node.right)):
        return  # two values combined here (`df1dx + df2du`, `deriv(f, x) + deriv(g, u)`)
    verb = _ARITHMETIC[type(node.op)]
    for other, should in _ARITHMETIC.items():
        if cancels(node, ast.BinOp(left=node.left, op=other(), right=node.right)):
            continue  # `K / K` for `K * K` is 1: it proves only that the term is too many
        if other is not type(node.op) and other.__name__ != operator:
            yield (
                Edit(span_of(node), "operator", (other.__name__,)),
                f"`{code}` uses the wrong operator: it should {should}, not {verb}",
                False,
            )


def _falsy_defaults(function: ast.AST) -> Iterator[Candidate]:
    """``x or 1`` where ``1 if x is None else x`` belongs: 0 given is not a missing value
    (anywhere in the function: a default is given once, early)."""
    for node in ast.walk(function):
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            yield from _falsy_default(node)


def _falsy_default(node: ast.BoolOp) -> Iterator[Candidate]:
    if len(node.values) == 2 and isinstance(node.values[1], ast.Constant):
        given, default = (ast.unparse(v) for v in node.values)
        yield (
            Edit(span_of(node), "is_none"),
            f"`{ast.unparse(node)}` replaces every falsy `{given}` (0, 0.0) by {default}, not "
            f"only a missing one: `{default} if {given} is None else {given}` is right",
            False,
        )


def _off_by_one(node: ast.Constant, departure: Departure) -> Iterator[Candidate]:
    span = span_of(node)
    code = departure.source.line_text(span[0])
    call = _called_with(node, departure.source.node)
    for step in (1, -1):
        said = f"an integer is off by one in `{code}`: {node.value} should be {node.value + step}"
        if call is not None and _no_swap(call, node, step):  # transpose(0, 1) made (1, 1)
            said = f"`{_call_text(call, node)}` moves axes that are where they belong: leave it out"
        elif call is not None:  # `unsqueeze(1)` should be `unsqueeze(0)`
            was, right = _call_text(call, node), _call_text(call, node, step)
            said = f"an integer is off by one in `{code}`: `{was}` should be `{right}`"
        yield Edit(span, "offset", (step,)), said, False


_AXIS_SWAPS = frozenset({"transpose", "swapaxes", "swapdims", "moveaxis", "movedim"})


def _no_swap(call: ast.Call, argument: ast.Constant, step: int) -> bool:
    """Whether moving ``argument`` by ``step`` makes an exchange of two axes exchange an axis
    with itself: the edit leaves the call out."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    axes = call.args[-2:] if len(call.args) >= 2 else []
    if name not in _AXIS_SWAPS or len(axes) != 2:
        return False
    if not all(isinstance(a, ast.Constant) for a in axes):
        return False
    moved = [a.value + step if a is argument else a.value for a in axes]  # type: ignore[attr-defined]
    return moved[0] == moved[1]


def _called_with(argument: ast.expr, function: ast.AST) -> ast.Call | None:
    """The call that takes ``argument`` as one of its own arguments, if any."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and any(
            a is argument for a in [*node.args, *(k.value for k in node.keywords)]
        ):
            return node
    return None


def _call_text(call: ast.Call, argument: ast.Constant, step: int = 0) -> str:
    """``unsqueeze(1)``: the called name and its arguments, ``argument`` moved by ``step``."""

    def text(node: ast.expr) -> str:
        return str(argument.value + step) if node is argument else ast.unparse(node)

    name = call.func.attr if isinstance(call.func, ast.Attribute) else ast.unparse(call.func)
    given = [text(a) for a in call.args] + [f"{k.arg}={text(k.value)}" for k in call.keywords]
    return f"{name}({', '.join(given)})"
