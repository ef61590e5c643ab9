"""The edits of a function's code that a trace job makes: each undoes one possible mistake.

An :class:`Edit` names a node of the function by where it is in the file (its span) and what
to do there: transform the value it computes (the recorder does it as the value passes), put
other code in its place, or rewrite the statement around it (``x = …`` into ``x[...] = …``).
Nothing here runs any code: :mod:`.instrument` applies the edits to the ``ast`` it compiles.
"""

from __future__ import annotations

import ast
import copy
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .lookalikes import rewritten
from .operations import callee_path, grouped, nested, swapped, unwrapped

__all__ = [
    "NODE_EDITS",
    "RUNTIME",
    "STATEMENT_EDITS",
    "VALUE_EDITS",
    "Edit",
    "Span",
    "cloned",
    "constant",
    "node_edit",
    "reading",
    "runtime_call",
    "span_of",
    "written_in_place",
]

T = TypeVar("T", bound=ast.AST)

RUNTIME = "__dlfs_trace__"
"""The name the instrumented code calls the recorder by, in its module's namespace."""

Span = tuple[int, int, int, int]
"""``(line, column, end line, end column)`` of a node in its file."""

VALUE_EDITS = frozenset(
    {
        "transpose",
        "permute",
        "negate",
        "scale",
        "offset",
        "flip",
        "shift",
        "regroup",
        "add_site",
        "mul_site",
        "sum_axis",
        "regrid",
    }
)
"""Edits the recorder applies to a value as it is computed (``__dlfs_trace__.fix``)."""
NODE_EDITS = frozenset(
    {
        "name",
        "carried",
        "add_name",
        "mul_name",
        "size_scale",
        "call",
        "keyword",
        "generator",
        "reversed",
        "counted",
        "wrap",
        "operator",
        "callee",
        "unwrap",
        "drop",
        "nest",
        "swap",
        "group",
        "complement",
        "is_none",
        "trim",
        "rederive",
        "exchange",
        "literal",
        "invert",
        "elementwise",
        "turned",
        "keep_batch",
        "pad",
        "neg_name",
        "expression",
        "unkeyword",
        "as_float",
        "unnumber",
        "rename",
        "lookalike",
        "form",
        "shaped_as",
    }
)
STATEMENT_EDITS = frozenset(
    {
        "inplace",
        "swap_next",
        "delete",
        "insert_call",
        "convert",
        "accumulate",
        "unpack",
        "carry",
        "keep",
        "hoist",
        "after_loop",
        "sink",
        "augop",
        "return_after",
        "add_at",
    }
)
"""Edits of a whole statement: ``inplace`` makes ``x = …`` write into ``x`` (``x[...] = …``);
the others change its block (:mod:`.blocks`)."""
"""Edits that replace the code itself: another name read, a name's value added or multiplied
in, a keyword argument, another generator."""


@dataclass(frozen=True)
class Edit:
    """One change of a function's code, at the node that spans ``span``.

    ``op`` and ``args``: ``transpose``; ``permute`` (axes); ``negate``; ``scale`` (factor);
    ``offset`` (a number added); ``flip`` (axes); ``shift`` (axis, steps: rolled along the
    axis); ``regroup`` (shape, axes: split, permute and merge back); ``add_site`` (another
    site's number, coefficient[, axis, start, stop]: add its latest value, or that slice of
    it); ``mul_site`` (site number, power[, complement: times ``(1 - value) ** power``]);
    ``sum_axis`` (axis: summed over it, the axis dropped);
    ``trim`` (name, axes: cut equally from both ends of each axis down to ``name``'s size
    along it); ``name`` (``x`` or ``self.x``: read instead);
    ``add_name`` (name, coefficient[, axis, start, stop]); ``mul_name`` (name, power[,
    complement]);
    ``size_scale`` (name, axis, power: times ``name.shape[axis] ** power``); ``call``
    (another function's name, for
    ``np.sum`` where ``np.mean`` is); ``keyword`` (name, value); ``generator`` (``self.rng``
    or ``rng``); ``reversed`` (a loop's iterable, reversed); ``counted`` (steps: each
    value of a loop's ``range`` moved by that many); ``wrap`` (a path: the value passed
    through that function, ``np.tanh(c)`` for ``c``); ``operator`` (another binary
    operator's name: ``MatMult`` for ``Mult``); ``callee`` (a path: another function called,
    ``np.tanh`` for ``sigmoid``); ``unwrap`` (a hole: the operation undone, its operand in its
    place; ``drop``: the same, for an operand too many of ``+ - * /``);
    ``nest`` (outer hole, inner hole: ``f(g(x))`` made ``g(f(x))``); ``group``
    (nested pairs of operand numbers: a run of operators grouped another way); ``swap`` (two holes:
    two arguments or a binary operator's operands exchanged) — holes as
    :func:`.operations.holes` numbers them; ``keep_batch`` (``x.flatten()`` made
    ``x.reshape(x.shape[0], -1)``); ``pad`` (each axis's width: ``np.pad(x, …)``);
    ``expression`` (the key's code of names and arithmetic, ``K // 2``, written in);
    ``lookalike`` (a form of :data:`.lookalikes.FORMS`: ``np.repeat`` for ``np.tile``);
    ``form`` (the key's code of a part of the statement, calls allowed: :func:`key_form`);
    ``shaped_as`` (a path: ``(v).reshape(path.shape)``, the axes a flat value lost);
    ``augop`` (an operator's name: ``x *= v`` made ``x -= v``); ``return_after`` (a path:
    ``return self.output`` after the statement); ``add_at`` (``a[idx] += v`` made
    ``np.add.at(a, idx, v)``);
    ``swap_next``, ``delete``, ``insert_call`` (receiver,
    method[, "after"]), ``convert`` (a path, an argument's name): see :mod:`.blocks`. Args
    are JSON values.
    """

    span: Span
    op: str
    args: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.op not in VALUE_EDITS | NODE_EDITS | STATEMENT_EDITS:
            raise ValueError(f"unknown edit {self.op!r}")
        object.__setattr__(self, "args", _tupled(tuple(self.args)))

    def to_json(self) -> list[Any]:
        return [list(self.span), self.op, _jsonable(self.args)]

    @classmethod
    def from_json(cls, value: Sequence[Any]) -> Edit:
        span, op, args = value
        return cls(tuple(int(v) for v in span), str(op), _tupled(args))  # type: ignore[arg-type]


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _tupled(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_tupled(v) for v in value)
    return value


def cloned(node: T) -> T:
    """A deep copy of a syntax tree, four times faster than ``copy.deepcopy`` (a traced check
    copies the learner's function once for each edit it proves)."""
    return pickle.loads(pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL))


def span_of(node: ast.AST) -> Span:
    """Where ``node`` is: ``(line, column, end line, end column)``."""
    return (
        int(getattr(node, "lineno", 0)),
        int(getattr(node, "col_offset", 0)),
        int(getattr(node, "end_lineno", 0) or 0),
        int(getattr(node, "end_col_offset", 0) or 0),
    )


def runtime_call(method: str, args: list[ast.expr]) -> ast.Call:
    func = ast.Attribute(value=ast.Name(id=RUNTIME, ctx=ast.Load()), attr=method, ctx=ast.Load())
    return ast.Call(func=func, args=args, keywords=[])


def constant(value: Any) -> ast.expr:
    """A JSON value as an expression (tuples for lists)."""
    if isinstance(value, tuple | list):
        return ast.Tuple(elts=[constant(v) for v in value], ctx=ast.Load())
    return ast.Constant(value)


def written_in_place(target: ast.expr) -> ast.expr:
    """``x[...]`` for the target ``x``: the assignment writes into the array ``x`` holds."""
    if not isinstance(target, ast.Name):
        return target
    load = ast.Name(id=target.id, ctx=ast.Load())
    return ast.copy_location(
        ast.Subscript(value=load, slice=ast.Constant(Ellipsis), ctx=ast.Store()), target
    )


def node_edit(node: ast.expr, edit: Edit) -> ast.expr:
    """The code that replaces ``node`` for a :data:`NODE_EDITS` edit (``node`` itself where
    the edit does not fit it)."""
    make = _NODE_EDITS.get(edit.op)
    needs_call = edit.op in (
        "call",
        "keyword",
        "generator",
        "callee",
        "unkeyword",
        "as_float",
        "lookalike",
    )
    if make is None or (needs_call and not isinstance(node, ast.Call)):
        return node
    if edit.op == "operator" and not isinstance(node, ast.BinOp):
        return node
    return make(node, edit.args)


def _added(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """``node + coef * name`` (name, coef), or ``+ coef * name[:, start:stop]`` (name,
    coef, axis, start, stop: a slice along one axis)."""
    read = reading(args[0])
    if len(args) == 5:
        axis, start, stop = int(args[2]), int(args[3]), int(args[4])
        parts = [ast.Slice() for _ in range(axis)] + [
            ast.Slice(lower=ast.Constant(start), upper=ast.Constant(stop))
        ]
        read = ast.Subscript(
            value=read, slice=ast.Tuple(elts=parts, ctx=ast.Load()), ctx=ast.Load()
        )
    term = ast.BinOp(left=ast.Constant(args[1]), op=ast.Mult(), right=read)
    return ast.BinOp(left=node, op=ast.Add(), right=term)


def _multiplied(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    held = reading(args[0])
    if len(args) > 2 and args[2]:  # its complement: (1 - name)
        held = ast.BinOp(left=ast.Constant(1.0), op=ast.Sub(), right=held)
    factor = ast.BinOp(left=held, op=ast.Pow(), right=ast.Constant(args[1]))
    return ast.BinOp(left=node, op=ast.Mult(), right=factor)


def _size_scaled(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    shape = ast.Attribute(value=reading(args[0]), attr="shape", ctx=ast.Load())
    size = ast.Subscript(value=shape, slice=ast.Constant(int(args[1])), ctx=ast.Load())
    factor = ast.BinOp(left=size, op=ast.Pow(), right=ast.Constant(args[2]))
    return ast.BinOp(left=node, op=ast.Mult(), right=factor)


def _called(node: Any, args: tuple[Any, ...]) -> ast.expr:
    func = copy.copy(node.func)
    if isinstance(func, ast.Attribute):
        func.attr = _identifier(args[0])
    elif isinstance(func, ast.Name):
        func = ast.Name(id=_identifier(args[0]), ctx=ast.Load())
    return ast.Call(func=func, args=node.args, keywords=node.keywords)


def _operator(node: Any, args: tuple[Any, ...]) -> ast.expr:
    operator = getattr(ast, _identifier(args[0]), None)
    if not (isinstance(operator, type) and issubclass(operator, ast.operator)):
        return node
    return ast.BinOp(left=node.left, op=operator(), right=node.right)


def _reversed(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    listed = ast.Call(func=ast.Name(id="list", ctx=ast.Load()), args=[node], keywords=[])
    return ast.Call(func=ast.Name(id="reversed", ctx=ast.Load()), args=[listed], keywords=[])


def _counted(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """``[step + k for step in node]``: a loop over ``range(n)`` counting from ``k``."""
    step = "__dlfs_step__"
    moved = ast.BinOp(left=ast.Name(id=step, ctx=ast.Load()), op=ast.Add(), right=constant(args[0]))
    loop = ast.comprehension(
        target=ast.Name(id=step, ctx=ast.Store()), iter=node, ifs=[], is_async=0
    )
    return ast.ListComp(elt=moved, generators=[loop])


def _keyword(node: Any, args: tuple[Any, ...]) -> ast.expr:
    """The call with keyword ``args[0]`` set to ``args[1]`` (and ``args[2]`` to ``args[3]``…)."""
    keywords = list(node.keywords)
    for at in range(0, len(args) - 1, 2):
        name = _identifier(args[at])
        keywords = [k for k in keywords if k.arg != name]
        keywords.append(ast.keyword(arg=name, value=constant(args[at + 1])))
    return ast.Call(func=node.func, args=node.args, keywords=keywords)


_NODE_EDITS = {
    "trim": lambda node, args: runtime_call("trim", [node, reading(args[0]), constant(args[1])]),
    "rederive": lambda node, args: _rederived(node, reading(args[0]), str(args[1]), str(args[2])),
    "name": lambda node, args: reading(args[0]),
    "neg_name": lambda node, args: ast.UnaryOp(op=ast.USub(), operand=reading(args[0])),
    "carried": lambda node, args: _carried(node, str(args[0])),
    "add_name": _added,
    "mul_name": _multiplied,
    "size_scale": _size_scaled,
    "call": _called,
    "operator": _operator,
    "reversed": _reversed,
    "counted": _counted,
    "wrap": lambda node, args: _wrapped(node, args),
    "keyword": _keyword,
    "generator": lambda node, args: _redrawn(node, args),
    "callee": lambda node, args: _callee(node, args),
    "unwrap": unwrapped,
    "drop": unwrapped,  # an operand of a term or factor too many: ranked apart from `unwrap`
    "nest": nested,
    "swap": swapped,
    "group": grouped,
    "complement": lambda node, args: ast.BinOp(left=ast.Constant(1.0), op=ast.Sub(), right=node),
    "is_none": lambda node, args: _none_default(node),
    "exchange": lambda node, args: _exchanged(node, str(args[0]), str(args[1])),
    "literal": lambda node, args: _literal(args[0]),
    "invert": lambda node, args: ast.UnaryOp(op=ast.Not(), operand=node),
    "elementwise": lambda node, args: _elementwise(node),
    "turned": lambda node, args: _turned(node),
    "keep_batch": lambda node, args: _batch_kept(node),
    "pad": lambda node, args: _padded(node, args[0]),
    "expression": lambda node, args: expression(args[0]),
    "form": lambda node, args: key_form(args[0]),
    "shaped_as": lambda node, args: _shaped_as(node, str(args[0])),
    "unkeyword": lambda node, args: _unkeyworded(node, args),
    "as_float": lambda node, args: _as_float(node),
    "unnumber": lambda node, args: _unnumbered(node, args),
    "rename": lambda node, args: _renamed(node, args),
    "lookalike": lambda node, args: rewritten(node, str(args[0])),
}


def _shaped_as(node: ast.expr, path: str) -> ast.expr:
    """``node`` given the shape of the array ``path`` reads: ``(node).reshape(path.shape)``."""
    shape = ast.Attribute(value=reading(path), attr="shape", ctx=ast.Load())
    method = ast.Attribute(value=node, attr="reshape", ctx=ast.Load())
    return ast.Call(func=method, args=[shape], keywords=[])


def _renamed(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """``node`` with the reads of path ``args[0]`` numbered in ``args[2]`` (in the order
    ``ast.walk`` meets them) read as path ``args[1]`` instead."""
    old, new, chosen = str(args[0]), args[1], {int(i) for i in args[2]}
    if ast.unparse(node) == old:  # the node is the one read
        return reading(new) if 0 in chosen else node
    tree = copy.deepcopy(node)
    reads = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name | ast.Attribute)
        and isinstance(n.ctx, ast.Load)
        and ast.unparse(n) == old
    ]
    for index, read in enumerate(reads):
        if index in chosen:
            _replace(tree, read, reading(new))
    return tree


def _replace(tree: ast.AST, old: ast.AST, new: ast.expr) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list):
                parent_list = value
                for i, item in enumerate(parent_list):
                    if item is old:
                        parent_list[i] = new


def _unnumbered(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """``node`` with every number equal to ``args[0]`` written in read as ``args[1]``."""

    class Unnumber(ast.NodeTransformer):
        def visit_Constant(self, constant: ast.Constant) -> ast.expr:
            plain = type(constant.value) in (int, float)
            return reading(args[1]) if plain and constant.value == args[0] else constant

    return Unnumber().visit(copy.deepcopy(node))


def _as_float(node: Any) -> ast.expr:
    """The array a call makes, made of floats: ``dtype=float`` given (in place of another),
    or ``x.astype(float)`` for ``x.copy()``."""
    as_float = ast.Name(id="float", ctx=ast.Load())
    if isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args:
        method = ast.Attribute(value=node.func.value, attr="astype", ctx=ast.Load())
        return ast.Call(func=method, args=[as_float], keywords=[])
    keywords = [k for k in node.keywords if k.arg != "dtype"]
    return ast.Call(
        func=node.func, args=node.args, keywords=[*keywords, ast.keyword("dtype", as_float)]
    )


def _elementwise(node: ast.expr) -> ast.expr:
    """``a or b`` as ``a | b``, ``a and b`` as ``a & b``: Python's operators on truth values
    made NumPy's, element by element."""
    if not isinstance(node, ast.BoolOp):
        return node
    op: ast.operator = ast.BitOr() if isinstance(node.op, ast.Or) else ast.BitAnd()
    combined = node.values[0]
    for value in node.values[1:]:
        combined = ast.BinOp(left=combined, op=op, right=value)
    return combined


_TURNED = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}


def _turned(node: ast.expr) -> ast.expr:
    """``a < b`` as ``a > b`` (and ``<=`` as ``>=``): a comparison the wrong way round."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return node
    turned = _TURNED.get(type(node.ops[0]))
    if turned is None:
        return node
    return ast.Compare(left=node.left, ops=[turned()], comparators=node.comparators)


def _unkeyworded(node: Any, args: tuple[Any, ...]) -> ast.expr:
    """The call without its keyword argument ``args[0]`` (its default instead)."""
    name = _identifier(args[0])
    if not isinstance(node, ast.Call):
        return node
    keywords = [k for k in node.keywords if k.arg != name]
    return ast.Call(func=node.func, args=node.args, keywords=keywords)


def _padded(node: ast.expr, widths: Any) -> ast.expr:
    """``np.pad(node, ((0, 0), (p, p), …))`` with each ``p`` a number, a name the function
    holds or half of one (``K // 2``): zeros around an array (NumPy code only)."""
    pairs = ast.Tuple(
        elts=[ast.Tuple(elts=[_width(w), _width(w)], ctx=ast.Load()) for w in widths],
        ctx=ast.Load(),
    )
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="pad", ctx=ast.Load())
    return ast.Call(func=func, args=[node, pairs], keywords=[])


def _width(width: Any) -> ast.expr:
    """A pad width: an int, ``"name"`` or ``"name // 2"`` (nothing else is read)."""
    if isinstance(width, int):
        return ast.Constant(width)
    name, _, half = str(width).partition(" // ")
    read = ast.Name(id=_identifier(name), ctx=ast.Load())
    if half == "2":
        return ast.BinOp(left=read, op=ast.FloorDiv(), right=ast.Constant(2))
    return read


def _batch_kept(node: Any) -> ast.expr:
    """``x.reshape(x.shape[0], -1)`` for ``x.flatten()``: one row per observation."""
    operand = node.func.value
    shape = ast.Attribute(value=copy.deepcopy(operand), attr="shape", ctx=ast.Load())
    rows = ast.Subscript(value=shape, slice=ast.Constant(0), ctx=ast.Load())
    reshape = ast.Attribute(value=copy.deepcopy(operand), attr="reshape", ctx=ast.Load())
    return ast.Call(func=reshape, args=[rows, ast.Constant(-1)], keywords=[])


def _rederived(node: ast.expr, at: ast.expr, written: str, right: str) -> ast.expr:
    """``node * (right / written)``: one activation's derivative, a factor of ``node``, made
    another's, each written out as code of the value ``at`` (``1 - y * y``, ``y * (1 - y)``
    at the output; the same of ``tanh(z)`` or ``σ(z)`` at the input; ``1`` for none). Code,
    not a function: nothing in the worker computes an activation's derivative on a call."""
    ratio = ast.BinOp(left=_form(right, at), op=ast.Div(), right=_form(written, at))
    return ast.BinOp(left=node, op=ast.Mult(), right=ratio)


def _form(name: str, at: ast.expr) -> ast.expr:
    if name == "none":
        return ast.Constant(1.0)
    if name.endswith("_in"):  # taken at the input: of the activation's output there
        half = ast.BinOp(left=ast.Constant(0.5), op=ast.Mult(), right=copy.deepcopy(at))
        tanh = _numpy_call("tanh", half if name == "sigmoid_in" else copy.deepcopy(at))
        if name == "sigmoid_in":  # σ(z) = (1 + tanh(z / 2)) / 2
            tanh = ast.BinOp(
                left=ast.Constant(0.5),
                op=ast.Mult(),
                right=ast.BinOp(left=ast.Constant(1.0), op=ast.Add(), right=tanh),
            )
        at, name = tanh, name[: -len("_in")]
    one_minus = ast.BinOp(left=ast.Constant(1.0), op=ast.Sub(), right=copy.deepcopy(at))
    if name == "tanh":
        square = ast.BinOp(left=copy.deepcopy(at), op=ast.Mult(), right=copy.deepcopy(at))
        return ast.BinOp(left=ast.Constant(1.0), op=ast.Sub(), right=square)
    if name == "sigmoid":
        return ast.BinOp(left=copy.deepcopy(at), op=ast.Mult(), right=one_minus)
    raise ValueError(f"not a derivative: {name!r}")


def _numpy_call(function: str, argument: ast.expr) -> ast.expr:
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=function, ctx=ast.Load())
    return ast.Call(func=func, args=[argument], keywords=[])


def _exchanged(node: ast.expr, first: str, second: str) -> ast.expr:
    """``node`` with every read of the paths ``first`` and ``second`` exchanged."""
    swap = {first: reading(second), second: reading(first)}

    class _Exchange(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            return _read(name)

        def visit_Attribute(self, attribute: ast.Attribute) -> ast.expr:
            found = _read(attribute)
            return found if found is not attribute else self.generic_visit(attribute)

        def visit_Subscript(self, subscript: ast.Subscript) -> ast.expr:
            found = _read(subscript)
            return found if found is not subscript else self.generic_visit(subscript)

    def _read(part: ast.expr) -> ast.expr:
        if not isinstance(getattr(part, "ctx", None), ast.Load):
            return part
        other = swap.get(ast.unparse(part))
        return copy.deepcopy(other) if other is not None else part

    return _Exchange().visit(copy.deepcopy(node))


_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub)


def expression(code: Any) -> ast.expr:
    """Code of the answer key's, written in the learner's place: arithmetic on names,
    attributes, subscripts and numbers, and tuples of it (``K // 2``, ``x.shape[1] - 1``,
    ``((0, 0), (p, p))``) — no call."""
    node = ast.parse(str(code), mode="eval").body
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and type(part.value) in (int, float, str):
            continue
        plain = ast.Name | ast.Attribute | ast.Subscript | ast.Load | ast.Tuple
        plain |= ast.BinOp | ast.UnaryOp
        dunder = isinstance(part, ast.Attribute) and part.attr.startswith("__")
        if dunder or (not isinstance(part, plain) and not isinstance(part, _ARITHMETIC)):
            raise ValueError(f"not an expression of names and numbers: {code!r}")
    return node


_FORM_NODES = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.Call,
    ast.keyword,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Load,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)


def key_form(code: Any) -> ast.expr:
    """A part of a statement of the answer key's, written in the learner's place
    (``self.lr * grad``, ``np.clip(g, -c, c)``): names, attributes, calls, arithmetic,
    comparisons, slices and constants; no dunder, no lambda, comprehension or assignment."""
    node = ast.parse(str(code), mode="eval").body
    for part in ast.walk(node):
        if not isinstance(part, _FORM_NODES):
            raise ValueError(f"not a part of a statement: {code!r}")
        named = getattr(part, "id", None) or getattr(part, "attr", None) or ""
        if str(named).startswith("__"):
            raise ValueError(f"not a part of a statement: {code!r}")
    return node


def _literal(value: Any) -> ast.expr:
    """A string or a whole number, written in the code's place."""
    if type(value) not in (str, int):
        raise ValueError(f"not a literal: {value!r}")
    return ast.Constant(value)


def _none_default(node: ast.expr) -> ast.expr:
    """``x or d`` as ``d if x is None else x``: a default only for a missing value, not for
    every falsy one (0, 0.0, an empty array)."""
    if not (isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2):
        return node
    given, default = node.values
    missing = ast.Compare(left=given, ops=[ast.Is()], comparators=[ast.Constant(None)])
    return ast.IfExp(test=missing, body=default, orelse=given)


def _callee(node: ast.Call, args: tuple[Any, ...]) -> ast.expr:
    """``node`` calling the function at the path ``args[0]`` instead (only where it calls a
    path itself: a method of a computed value keeps its receiver)."""
    if callee_path(node) is None:
        return node
    return ast.Call(func=reading(args[0]), args=node.args, keywords=node.keywords)


def _wrapped(node: ast.expr, args: tuple[Any, ...]) -> ast.expr:
    """``f(node)``, ``f`` the function at the path ``args[0]``."""
    return ast.Call(func=reading(args[0]), args=[node], keywords=[])


def _carried(node: ast.expr, name: str) -> ast.expr:
    """``name`` as an earlier pass of the loop left it, ``node`` on the first pass (before
    the loop's statement binds it): ``(C if "C" in locals() else C0)``."""
    if not name.isidentifier():
        raise ValueError(f"not a name: {name!r}")
    bound = ast.Compare(
        ast.Constant(name), [ast.In()], [ast.Call(ast.Name("locals", ast.Load()), [], [])]
    )
    return ast.IfExp(bound, ast.Name(name, ast.Load()), node)


def reading(path: Any) -> ast.expr:
    """Code that reads ``path``: ``x``, ``self.x``, ``params['W']['value']`` or ``x.shape[1]``
    (names, attributes, string keys and integer indices only: nothing else is accepted)."""
    node = ast.parse(str(path), mode="eval").body
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and type(part.value) in (str, int):
            continue
        if not isinstance(part, ast.Name | ast.Attribute | ast.Subscript | ast.Load):
            raise ValueError(f"not a path: {path!r}")
    return node


def _redrawn(node: ast.Call, args: tuple[Any, ...]) -> ast.expr:
    """``np.random.f(args)`` drawn from the generator ``args[0]`` instead."""
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else ""
    call = runtime_call("draw", [reading(args[0]), ast.Constant(method), *node.args])
    call.keywords = list(node.keywords)
    return call


def _identifier(value: Any) -> str:
    text = str(value)
    if not text.isidentifier():
        raise ValueError(f"not an identifier: {text!r}")
    return text
