"""What the source says about a traced function (read, never run).

:class:`Source` is the static side of one traced function: each site's code, the statement
around it, which names (paths: ``x``, ``self.x``, ``params['W']['deriv']``) a statement
assigns and reads — what the grader needs to say where a value came from, what depends on
it, and which line to point at.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from ..course.targets import FunctionNode, find_definition
from ..sandbox.instrument import Site, Span, site_table, span_of
from ..sandbox.operations import changed_by_call
from ..sandbox.splice import parse_target

__all__ = [
    "Source",
    "Statement",
    "is_neutral",
    "name_bindings",
    "name_of",
    "names_read",
    "overlaps",
    "parameters",
    "reads_of",
    "touches",
]


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
        self.module = ast.parse(text)  # the whole file: its helpers (read, never changed)
        node = find_definition(self.module, parse_target(target)[1])
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
                writes = (
                    isinstance(node, ast.AugAssign)
                    or bool(changed_by_call(node))
                    or (
                        isinstance(node, ast.Assign)
                        and any(
                            isinstance(t, ast.Subscript) and not _is_entry(t) for t in node.targets
                        )
                    )
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
        ``np.empty``, ``float("inf")``): computed from nothing, it cannot depart (unless it is
        what the call returns)."""
        nodes = {span_of(n): n for n in ast.walk(self.node) if isinstance(n, ast.expr)}
        assigned = {
            span_of(target): node.value
            for node in ast.walk(self.node)
            if isinstance(node, ast.Assign)
            for target in node.targets
        }
        found = (assigned if site.kind == "store" else nodes for site in self.sites)
        clocks = frozenset(  # `start = time.perf_counter()`: what is computed from it is a time
            target.id
            for node in ast.walk(self.node)
            if isinstance(node, ast.Assign)
            and reads_of(node.value)
            and all(path.startswith("time.") for path in reads_of(node.value))
            for target in node.targets
            if isinstance(target, ast.Name)
        )
        return [  # what a call returns is its answer, a constant one too (`np.ones_like(g)`)
            site.kind != "return" and is_neutral(where.get(site.span), clocks)
            for site, where in zip(self.sites, found, strict=True)
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
_MODULE_PATHS = ("np.", "numpy.", "torch.", "math.", "time.", "float", "int", "range", "len")
"""Reads that compute from nothing of the call's (a clock too: never the reference's value)."""


def is_neutral(node: ast.AST | None, clocks: frozenset[str] = frozenset()) -> bool:
    """Whether ``node`` computes a fresh buffer or a constant (``np.zeros``, ``0.0``), or a
    time from a clock and the names in ``clocks`` (which hold times)."""
    if node is None:
        return False
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _BUFFERS:
            return True
    reads = reads_of(node)
    return all(path.startswith(_MODULE_PATHS) or path in clocks for path in reads)


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def name_bindings(function: ast.AST) -> dict[str, list[ast.Assign]]:
    """Each local name the function assigns alone (``x = …``), with its assignments in the
    order ``ast.walk`` meets them."""
    bindings: dict[str, list[ast.Assign]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                bindings.setdefault(target.id, []).append(node)
    return bindings


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
    if isinstance(node, ast.Expr):  # np.subtract(p, v, out=p), x.fill(0)
        return frozenset(set().union(*(_written(t) for t in changed_by_call(node))))
    return frozenset()


def reads_of(node: ast.AST) -> frozenset[str]:
    """The longest paths ``node`` reads (``params['W']['value']``, not also ``params``)."""
    found: set[str] = set()

    def visit(part: ast.AST) -> None:
        context = getattr(part, "ctx", None)
        if isinstance(context, ast.Store | ast.Del):  # a target: only its indices are read
            for child in ast.walk(part):
                if isinstance(child, ast.Subscript) and not _is_key(child.slice):
                    visit(child.slice)
            return
        if isinstance(context, ast.Load):
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


def parameters(function: ast.AST) -> list[str]:
    """A function's parameters by name (positional and keyword-only), in order."""
    arguments = getattr(function, "args", None)
    if not isinstance(arguments, ast.arguments):
        return []
    return [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]


def names_read(node: ast.AST) -> set[str]:
    """Every plain name ``node`` reads somewhere (``x`` of ``x.shape``, not ``shape``)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
