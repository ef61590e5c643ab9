"""Numbers in the learner's code: written in where an argument or a setting belongs, cut to
whole numbers, or held in a buffer of the input's integer dtype.

* a number written where an argument belongs (``h = 0.001`` for ``delta``; ``axis=0`` in a
  softmax that takes ``axis``), shown where the value does not follow the argument;
* a setting read where another belongs (``self.stride`` for ``self.size``, ``self.initial_lr``
  for ``self.lr``);
* a buffer made with an integer input's dtype, and a number cut to a whole one or rounded.

Each is only a proposal: :mod:`.explain` proves it by making the check pass, or says nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import numpy as np
from numpy import ndarray

from ..sandbox.edits import node_edit
from ..sandbox.instrument import Edit, span_of
from ..sandbox.operations import MODULES, callee_path
from .aligned import Departure
from .codeedits import Candidate
from .source import Source, name_of, parameters

__all__ = [
    "float_buffers",
    "keywords_written_in",
    "loaded",
    "settings_exchanged",
    "unfollowed",
    "value_node",
    "whole_number_casts",
    "written_number",
]


def value_node(statement: ast.AST) -> ast.expr | None:
    """The value a statement assigns, adds, returns or computes."""
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.Return | ast.Expr):
        return statement.value
    return None


def loaded(node: ast.AST) -> bool:
    """Whether ``node`` reads a name, an attribute or an index of one."""
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript) and isinstance(
        getattr(node, "ctx", None), ast.Load
    )


def unfollowed(
    statement: ast.AST, departure: Departure, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """Where the value does not follow an argument (:mod:`.firstline`): each number the
    statement reads, written in or held by a name, read as that argument instead."""
    argument = departure.unfollowed
    value = value_node(statement)
    if not argument or value is None:
        return
    numbers = {n.value for n in ast.walk(value) if written_number(n)}
    for number in sorted(numbers):  # every place it is written, as one change
        yield (
            Edit(span_of(value), "unnumber", (number, argument)),
            f"`{number}` is written in where `{argument}` belongs: the value does not follow "
            f"`{argument}`",
            True,
        )
    called = {id(n.func) for n in ast.walk(value) if isinstance(n, ast.Call)}
    for node in ast.walk(value):
        path = name_of(node) if loaded(node) and id(node) not in called else None
        number = written_number(node)
        held = known.get(path or "")
        scalar = held is None or held[0].size == 1  # a number, or a name no site recorded
        if number or (path and path != argument and path not in MODULES and scalar):
            code = ast.unparse(node)
            yield (
                Edit(span_of(node), "name", (argument,)),
                f"`{code}` is read where `{argument}` belongs: the value does not follow "
                f"`{argument}`",
                True,
            )
        if path and path != argument and scalar:  # `h = 0.001`, read here and elsewhere
            for bound in _numbers_bound(departure.source.node, path):
                yield (
                    Edit(span_of(bound.value), "name", (argument,)),
                    f"`{ast.unparse(bound)}` writes in a number where `{argument}` belongs: "
                    f"`{path}` does not follow `{argument}`",
                    True,
                )


def settings_exchanged(
    statement: ast.AST, known: dict[str, tuple[ndarray, int | None]]
) -> Iterator[Candidate]:
    """A setting read where another belongs (``self.stride`` for ``self.size``,
    ``self.initial_lr`` for ``self.lr``): at one of its reads, at all of them, or at those
    of one index (``x[:, :, ::s, ::s]``, the window's step, where ``(s, s)`` is its size).
    Settings are whole numbers, and numbers kept on an object."""
    value = value_node(statement)
    if value is None:
        return
    numbers = {
        path: held[0].item()
        for path, held in known.items()
        if held[0].ndim == 0 and (held[0].dtype.kind in "iu" or _kept_number(path, held[0]))
    }
    reads = [
        n
        for n in ast.walk(value)
        if isinstance(n, ast.Name | ast.Attribute)
        and isinstance(n.ctx, ast.Load)
        and ast.unparse(n) in numbers
    ]
    for old in dict.fromkeys(ast.unparse(n) for n in reads):
        mine = [n for n in reads if ast.unparse(n) == old]
        groups = [[i] for i in range(len(mine))]
        groups += [list(range(len(mine)))] if len(mine) > 1 else []
        groups += _within_one_index(value, mine)
        for new, number in numbers.items():
            if number == numbers[old] or new == old:
                continue
            for group in groups[:_GROUPS]:
                yield (
                    Edit(span_of(value), "rename", (old, new, group)),
                    f"`{old}` is read where `{new}` belongs"
                    + (f" (its {len(group)} reads in one index)" if len(group) > 1 else ""),
                    False,
                )


def _kept_number(path: str, held: ndarray) -> bool:
    """A number kept on an object (``self.lr``), not one the call computed."""
    return held.dtype.kind == "f" and "." in path


_GROUPS = 6
"""At most this many groups of a setting's reads are tried for each other setting."""


def _within_one_index(value: ast.AST, reads: list[ast.AST]) -> list[list[int]]:
    """The positions in ``reads`` that share one subscript's index, where two or more do."""
    found = []
    for node in ast.walk(value):
        if isinstance(node, ast.Subscript):
            inside = {id(n) for n in ast.walk(node.slice)}
            group = [i for i, read in enumerate(reads) if id(read) in inside]
            if 1 < len(group) < len(reads):
                found.append(group)
    return found


def keywords_written_in(statement: ast.AST, source: Source) -> Iterator[Candidate]:
    """A keyword given a number where the function has an argument of that very name
    (``np.max(x, axis=0)`` in a softmax that takes ``axis``): the argument belongs there."""
    own = set(parameters(source.node))
    value = value_node(statement)
    for node in ast.walk(value) if value is not None else ():
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg in own and written_number(keyword.value):
                yield (
                    Edit(span_of(keyword.value), "name", (keyword.arg,)),
                    f"`{keyword.arg}={ast.unparse(keyword.value)}` writes in a number where "
                    f"the function's own argument `{keyword.arg}` belongs",
                    True,
                )


def written_number(node: ast.AST) -> bool:
    """Whether ``node`` is a number written in (an int or a float, not a bool)."""
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _numbers_bound(function: ast.AST, path: str) -> list[ast.Assign]:
    """The statements that bind ``path`` to a number written in (``h = 0.001``)."""
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and type(node.value.value) in (int, float)
        and any(name_of(t) == path for t in node.targets)
    ]


_LIKE = frozenset({"zeros_like", "empty_like", "ones_like", "full_like", "copy", "array"})
"""NumPy's functions that make an array of their first argument's dtype."""
_MADE = frozenset({"zeros", "empty", "ones", "full"})
"""NumPy's functions that make an array of the dtype they are given."""


def float_buffers(
    function: ast.AST, known: dict[str, tuple[ndarray, int | None]] | None = None
) -> Iterator[Candidate]:
    """An array made with another's dtype (``np.zeros_like(x)``, ``np.empty(…,
    dtype=x.dtype)``, ``x.copy()``) made of floats instead: where ``x`` holds integers, what is
    written into it is cut to whole numbers. With ``known``, only where it holds integers."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        dtype = next((k for k in node.keywords if k.arg == "dtype"), None)
        name, path = node.func.attr, callee_path(node) or ""
        numpy = path.split(".")[0] in MODULES
        if numpy and name in _LIKE and node.args and dtype is None:
            like = node.args[0]
        elif numpy and name in _MADE | _LIKE and _dtype_of(dtype) is not None:
            like = _dtype_of(dtype)
        elif numpy and name in _MADE | _LIKE and _whole_dtype(dtype):
            code, new = (
                ast.unparse(node),
                ast.unparse(node_edit(node, Edit(span_of(node), "as_float", ()))),
            )
            yield (
                Edit(span_of(node), "as_float", ()),
                f"`{code}` makes an array of whole numbers: the floats written into it are "
                f"cut to whole numbers (`{new}` keeps them)",
                False,
            )
            continue
        elif name == "copy" and not numpy and not node.args:
            like = node.func.value
        else:
            continue
        held = known.get(name_of(like) or "") if known is not None else None
        if known is not None and (held is None or held[0].dtype.kind not in "iub"):
            continue
        code, of = ast.unparse(node), ast.unparse(like)
        new = ast.unparse(node_edit(node, Edit(span_of(node), "as_float", ())))
        yield (
            Edit(span_of(node), "as_float", ()),
            f"`{code}` makes an array of `{of}`'s dtype, whole numbers where `{of}` holds "
            "integers (pixels as they come): the floats written into it are cut to whole "
            f"numbers (`{new}` keeps them)",
            known is not None,
        )


_CASTS = frozenset({"int", "round", "floor", "trunc", "rint"})
"""Calls that cut a number to a whole one (``int(x)``, ``np.floor(x)``, ``round(x)``)."""


def whole_number_casts(
    function: ast.AST, known: dict[str, tuple[ndarray, int | None]] | None = None
) -> Iterator[Candidate]:
    """A number cut to a whole one (``int(other)``, ``x.astype(int)``) kept as it is: where
    the value is not whole (a 0.25 that ``int`` makes 0), that loses it. The numbers show
    it where a value it reads is known not to be whole."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        rounded = name in ("round", "around") and len(node.args) == 2  # round(x, 4)
        cast = (name in _CASTS and len(node.args) == 1 and not node.keywords) or rounded
        typed = name == "astype" and len(node.args) == 1 and "int" in ast.unparse(node.args[0])
        if not (cast or typed):
            continue
        inner = node.func.value if typed else node.args[0]
        code, kept = ast.unparse(node), ast.unparse(inner)
        cut = "rounds" if rounded else "cuts"
        to = "" if rounded else " to a whole number"
        yield (
            Edit(span_of(node), "unwrap", (-1 if typed else 0,)),
            f"`{code}` {cut} `{kept}`{to}: `{kept}` as it is belongs there",
            known is not None and _fractional(inner, known),
        )


def _fractional(node: ast.expr, known: dict[str, tuple[ndarray, int | None]]) -> bool:
    """Whether a value ``node`` reads is known and not all whole numbers."""
    for part in ast.walk(node):
        held = known.get(name_of(part) or "")
        if held is not None and held[0].dtype.kind == "f" and np.any(held[0] % 1 != 0):
            return True
    return False


def _whole_dtype(keyword: ast.keyword | None) -> bool:
    """``dtype=int`` (``np.int64``, ``"int32"``, ``bool``…): a dtype of whole numbers given."""
    if keyword is None:
        return False
    text = ast.unparse(keyword.value).strip("'\"").rpartition(".")[2]
    return text in ("int", "bool", "uint8") or text.startswith(("int", "uint"))


def _dtype_of(keyword: ast.keyword | None) -> ast.expr | None:
    """``x`` of ``dtype=x.dtype``."""
    value = keyword.value if keyword is not None else None
    return value.value if isinstance(value, ast.Attribute) and value.attr == "dtype" else None
