"""A traced run's values, and what the source says about them (read, never run).

A :class:`Trace` is every value one run of a check recorded (see ``sandbox.trace``), each a
:class:`Value`: which function and which of its calls (*invocation*) it belongs to, and
whether it is an argument, the object's state before or after the call, or a site's value.
:class:`Source` is the static side of one traced function: each site's code, the statement
around it, which names a statement assigns and reads — what the grader needs to say where a
value came from and what depends on it.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy import ndarray

from ..course.targets import FunctionNode, find_definition
from ..sandbox.instrument import Site, Span, site_table, span_of
from ..sandbox.splice import parse_target

__all__ = [
    "Source",
    "Statement",
    "Trace",
    "Value",
    "name_of",
    "overlaps",
    "parse_trace",
    "reads_of",
    "touches",
    "trace_from_records",
]

_KINDS = frozenset({"entry", "entry_out", "self_in", "self_out", "value"})


@dataclass(frozen=True)
class Value:
    """One recorded value.

    Attributes:
        fid: the traced function (its index in the exercise's targets).
        inv: which call of it (0 for the first).
        kind: ``entry`` (an argument), ``self_in`` / ``self_out`` (the object's state when the
            call began / ended), ``value`` (a site's).
        key: the site's number (``value``), else the argument's or attribute's path.
        hit: how many times the site had run before, in this call.
        elem: the element of a tuple the site computed (-1: the whole value).
        seq: when it was recorded (the run's order).
        array: the value.
        alias: for a site's value, the argument or attribute it *is* (the same array, not a
            copy), if it is one.
        graph: for a tensor, whether autograd tracks how it was computed (None: no tensor).
    """

    fid: int
    inv: int
    kind: str
    key: int | str
    hit: int
    elem: int
    seq: int
    array: ndarray = field(repr=False, compare=False)
    alias: str | None = None
    graph: bool | None = None

    @property
    def numeric(self) -> bool:
        """A float or boolean value (integers are counts and indices, not results)."""
        return self.array.dtype.kind in "fb"


@dataclass
class Trace:
    """Every value of one run, in the order recorded."""

    values: list[Value]
    truncated: bool = False

    def invocation(self, fid: int, inv: int) -> list[Value]:
        return [v for v in self.values if v.fid == fid and v.inv == inv]

    def of(self, fid: int) -> list[Value]:
        return [v for v in self.values if v.fid == fid]


def parse_trace(arrays: Mapping[str, ndarray], functions: int) -> Trace | None:
    """A worker's trace (``trace<i>.npz`` as read back), checked: None when it is not one."""
    meta_bytes = arrays.get("meta")
    if meta_bytes is None or meta_bytes.dtype != np.uint8 or meta_bytes.size > 20_000_000:
        return None
    try:
        meta = json.loads(meta_bytes.tobytes().decode("utf-8"))
        records = meta["records"]
        values = [_value(m, arrays[f"v{k}"], functions) for k, m in enumerate(records)]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    values.sort(key=lambda v: v.seq)
    return Trace(values, bool(meta.get("truncated", False)))


def _value(meta: Mapping[str, Any], array: ndarray, functions: int) -> Value:
    kind = str(meta["kind"])
    fid = int(meta["fid"])
    if kind not in _KINDS or not 0 <= fid < functions:
        raise ValueError(f"not a trace record: {meta!r}")
    key = int(meta["key"]) if kind == "value" else str(meta["key"])[:200]
    numbers = (int(meta["inv"]), int(meta["hit"]), int(meta["elem"]), int(meta["seq"]))
    alias = str(meta["alias"])[:200] if meta.get("alias") is not None else None
    graph = bool(meta["graph"]) if meta.get("graph") is not None else None
    return Value(
        fid, numbers[0], kind, key, numbers[1], numbers[2], numbers[3], array, alias, graph
    )


def trace_from_records(records: Iterable[tuple[dict[str, Any], ndarray]], truncated: bool) -> Trace:
    """A trace from a recorder in this process (the reference's)."""
    values = [_value(meta, array, 1 << 30) for meta, array in records]
    values.sort(key=lambda v: v.seq)
    return Trace(values, truncated)


# --- the source ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A statement of a traced function: where, what it assigns, what it reads."""

    span: Span
    assigns: frozenset[str]
    reads: frozenset[str]
    result: Span | None = None
    """The site that holds what a one-name assignment assigned (its value, or for ``x += …``
    the name read after it)."""
    rebinds: bool = False
    """Whether it binds names to new values (``x = …``), changing no array in place."""
    writes: bool = False
    """Whether it writes into an array (``x += …``, ``x[i] = …``)."""


class Source:
    """The static side of a traced function: its sites and statements, from its file's text.

    Args:
        path: the file.
        text: the file's text.
        target: ``module:Qualname``.
    """

    def __init__(self, path: str, text: str, target: str) -> None:
        self.path, self.text, self.target = path, text, target
        node = find_definition(ast.parse(text), parse_target(target)[1])
        if node is None:
            raise ValueError(f"{path} does not define {target}")
        self.node: FunctionNode = node
        self.sites: list[Site] = site_table(node)
        self.lines = text.splitlines()
        self._statement_of: dict[Span, Statement | None] = {}

    @cached_property
    def statements(self) -> list[Statement]:
        """Every simple statement of the body, and the headers of compound ones."""
        found = []
        for node in ast.walk(self.node):
            if node is self.node:
                continue
            if isinstance(node, ast.stmt) and not isinstance(node, _COMPOUND):
                rebinds = isinstance(node, ast.Assign) and all(
                    isinstance(t, ast.Name) or _is_entry(t) for t in node.targets
                )
                writes = isinstance(node, ast.AugAssign) or (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Subscript) and not _is_entry(t) for t in node.targets)
                )
                found.append(
                    Statement(
                        span_of(node), _assigned(node), _read(node), _result(node), rebinds, writes
                    )
                )
            elif isinstance(node, ast.For | ast.While | ast.If | ast.With):
                head = _header(node)
                assigns = _assigned(node.target) if isinstance(node, ast.For) else frozenset()
                found.append(Statement(span_of(head), assigns, _read(head)))
        return found

    @cached_property
    def site_reads(self) -> list[frozenset[str]]:
        """What each site's value is computed from: the paths its code reads (for a value
        stored in place, all its statement reads and changes)."""
        nodes = {span_of(n): n for n in ast.walk(self.node) if isinstance(n, ast.expr)}
        reads = []
        for site in self.sites:
            node = nodes.get(site.span)
            if site.kind == "store" or node is None:
                statement = self.statement_of(site)
                reads.append(statement.reads | statement.assigns if statement else frozenset())
            else:
                reads.append(reads_of(node))
        return reads

    @cached_property
    def neutral(self) -> list[bool]:
        """For each site, whether its value is a fresh buffer or a constant (``np.zeros``,
        ``np.empty``, ``float("inf")``): computed from nothing, it cannot depart."""
        nodes = {span_of(n): n for n in ast.walk(self.node) if isinstance(n, ast.expr)}
        assigned = {
            span_of(target): node.value
            for node in ast.walk(self.node)
            if isinstance(node, ast.Assign)
            for target in node.targets
        }
        return [
            _is_neutral(assigned.get(site.span) if site.kind == "store" else nodes.get(site.span))
            for site in self.sites
        ]

    def statement_of(self, site: Site) -> Statement | None:
        """The statement whose code holds ``site`` (the innermost)."""
        if site.span in self._statement_of:
            return self._statement_of[site.span]
        best: Statement | None = None
        for statement in self.statements:
            if _within(site.span, statement.span) and (
                best is None or _within(statement.span, best.span)
            ):
                best = statement
        self._statement_of[site.span] = best
        return best

    @cached_property
    def nodes(self) -> dict[Span, ast.AST]:
        """Every statement and expression of the function by where it is (the outermost,
        where two share a span)."""
        found: dict[Span, ast.AST] = {}
        for node in ast.walk(self.node):
            if isinstance(node, ast.stmt | ast.expr):
                found.setdefault(span_of(node), node)
        return found

    def code(self, span: Span) -> str:
        """The source text of ``span`` (one line's worth at most)."""
        line, col, end_line, end_col = span
        if line <= 0 or line > len(self.lines):
            return ""
        if end_line != line:
            return self.lines[line - 1].strip()
        return self.lines[line - 1][col:end_col]

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def node_at(self, span: Span) -> ast.AST | None:
        """The expression node that spans ``span``."""
        for node in ast.walk(self.node):
            if isinstance(node, ast.expr) and span_of(node) == span:
                return node
        return None


_COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _header(node: ast.For | ast.While | ast.If | ast.With) -> ast.AST:
    if isinstance(node, ast.For):
        return node.iter
    if isinstance(node, ast.With):
        return node.items[0].context_expr
    return node.test


def _result(node: ast.stmt) -> Span | None:
    one = isinstance(node, ast.Assign) and len(node.targets) == 1
    if one and isinstance(node.targets[0], ast.Name | ast.Attribute):  # type: ignore[attr-defined]
        return span_of(node.value)  # type: ignore[attr-defined]
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name | ast.Attribute):
        return span_of(node.target)
    return None


_BUFFERS = frozenset(
    {
        "zeros",
        "ones",
        "empty",
        "full",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "arange",
        "eye",
        "identity",
        "linspace",
    }
)
_MODULE_PATHS = ("np.", "numpy.", "torch.", "math.", "float", "int", "range", "len")


def _is_neutral(node: ast.AST | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _BUFFERS:
            return True
    reads = reads_of(node)
    return all(path.startswith(_MODULE_PATHS) for path in reads)


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def name_of(node: ast.AST) -> str | None:
    """The path of what ``node`` names: ``x``, ``self.x``, ``params['W']['deriv']`` (string
    keys kept; None for anything else, such as ``a[i]`` or a call's result)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = name_of(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and _is_key(node.slice):
        base = name_of(node.value)
        return f"{base}[{node.slice.value!r}]" if base else None  # type: ignore[attr-defined]
    return None


def _is_entry(target: ast.AST) -> bool:
    """A dictionary entry, ``d["deriv"]``: storing into it binds, it writes into no array."""
    return isinstance(target, ast.Subscript) and _is_key(target.slice)


def _is_key(index: ast.AST) -> bool:
    return isinstance(index, ast.Constant) and isinstance(index.value, str)


def overlaps(first: str, second: str) -> bool:
    """Whether two paths name the same data or one holds the other (``x`` and ``x.T``)."""
    if first == second:
        return True
    shorter, longer = sorted((first, second), key=len)
    return longer.startswith((shorter + ".", shorter + "["))


def touches(reads: frozenset[str], names: frozenset[str] | set[str]) -> bool:
    """Whether any path read is, holds or is held by a path of ``names``."""
    return any(overlaps(r, n) for r in reads for n in names)


def _written(target: ast.AST) -> set[str]:
    """The paths a store into ``target`` changes: ``a`` for ``a[i] = …``, the entry itself
    for ``params['W']['deriv'] += …``, each of a tuple's."""
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_written(e) for e in target.elts)) if target.elts else set()
    if isinstance(target, ast.Starred):
        return _written(target.value)
    node = target
    while isinstance(node, ast.Subscript) and not _is_key(node.slice):
        node = node.value
    path = name_of(node)
    return {path} if path else set()


def _assigned(node: ast.AST) -> frozenset[str]:
    if isinstance(node, ast.Assign):
        return frozenset(set().union(*(_written(t) for t in node.targets)))
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return frozenset(_written(node.target))
    if isinstance(node, ast.expr):
        return frozenset(_written(node))
    return frozenset()


def reads_of(node: ast.AST) -> frozenset[str]:
    """The longest paths ``node`` reads (``params['W']['value']``, not also ``params``)."""
    found: set[str] = set()

    def visit(part: ast.AST) -> None:
        if isinstance(getattr(part, "ctx", None), ast.Load):
            path = name_of(part)
            if path is not None:
                found.add(path)
                for child in ast.walk(part):
                    if isinstance(child, ast.Subscript) and not _is_key(child.slice):
                        visit(child.slice)
                return
        for child in ast.iter_child_nodes(part):
            visit(child)

    visit(node)
    return frozenset(found)


def _read(node: ast.AST) -> frozenset[str]:
    names = set(reads_of(node))
    if isinstance(node, ast.AugAssign):
        names |= _assigned(node)
    return frozenset(names)
