"""Instrument a function's code: record its intermediate values, or change one of them.

Used in the worker on the learner's functions and in the grader on the reference's (the
grader never runs learner code): both sides get the same transformation, so that their
values are recorded at the same kinds of places.

:func:`instrument` rewrites a function's ``ast`` so that

* every *site* — an expression that computes a value (a call, an arithmetic operation, an
  index, an attribute such as ``.T``, a comparison), the value a statement leaves in the
  array it changes in place (``a[i] += …``, ``x += …``), and each value returned or yielded
  — hands its value to the run-time recorder (``__dlfs_trace__.v(fid, sid, value)``, which
  returns it unchanged);
* the body reports its start and end (``enter(fid, locals())`` … ``finally: leave(fid)``);
* each :class:`Edit` changes the code at one place: a value transformed (transposed,
  negated, scaled, flipped, an intermediate added …), a name read in place of another, an
  integer or a keyword argument changed, a draw taken from another generator, another
  function called, two operations or operands exchanged (:mod:`.operations`), two statements
  swapped, one deleted or a method call inserted (:mod:`.blocks`). An edit is a
  counterfactual: "with this undone, does the check pass?".

Sites are numbered in a fixed order (:func:`site_table`), so the grader knows every site of
the learner's function from the source alone, without running it.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .blocks import BLOCK_EDITS, restructured
from .edits import (
    NODE_EDITS,
    RUNTIME,
    STATEMENT_EDITS,
    VALUE_EDITS,
    Edit,
    Span,
    cloned,
    constant,
    node_edit,
    runtime_call,
    span_of,
    written_in_place,
)
from .operations import changed_by_call

__all__ = [
    "NODE_EDITS",
    "RUNTIME",
    "STATEMENT_EDITS",
    "VALUE_EDITS",
    "Edit",
    "Site",
    "Span",
    "instrument",
    "site_table",
    "span_of",
]

_MODULES = frozenset({"np", "numpy", "torch", "nn", "F", "math", "random", "optim"})
_RECORDED = (ast.Call, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Attribute, ast.Compare, ast.IfExp)


@dataclass(frozen=True)
class Site:
    """A place whose value is recorded.

    Attributes:
        kind: ``value`` (an expression), ``store`` (what a statement changed in place, read
            after it), ``return`` (a value returned or yielded).
        span: where it is in the file.
    """

    kind: str
    span: Span

    @property
    def line(self) -> int:
        return self.span[0]


def site_table(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Site]:
    """The sites of ``function``, in the order :func:`instrument` numbers them."""
    transformer = _Instrument(0, {}, record=True)
    transformer.visit(cloned(function))
    return transformer.sites


def instrument(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    fid: int,
    edits: Iterable[Edit] = (),
    record: bool = True,
    sites: bool = True,
    copy: bool = True,
) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """A copy of ``function`` that reports to the recorder as function ``fid``, with
    ``edits`` made. Without ``record`` it still reports every site (an edit may add another
    site's latest value), but the recorder keeps nothing of it; without ``sites``, it reports
    only its start and end (the in-place guard's, ``guard.Guard``). ``copy=False``: change
    ``function`` itself (a tree the caller copied already).

    An edit proven (no recording, no other site's value) reaches only the nodes around it: a
    traced check compiles the learner's function anew for each edit, and visiting and
    locating the whole tree each time cost more than running it."""
    tree = cloned(function) if copy else function
    edits = list(edits)
    blocks = [edit for edit in edits if edit.op in BLOCK_EDITS]
    restructured(tree, blocks)
    wrap = record or any(edit.op in ("add_site", "mul_site") for edit in edits)
    if sites and (wrap or edits):
        transformer = _Instrument(fid, {edit.span: edit for edit in edits}, record, wrap)
        new = transformer.visit(tree)
    else:
        new = tree
    body = new.body
    docstring = body[:1] if body and _is_docstring(body[0]) else []
    rest = body[len(docstring) :] or [ast.Pass()]
    enter = ast.Expr(runtime_call("enter", [ast.Constant(fid), _call_name("locals")]))
    leave = ast.Expr(runtime_call("leave", [ast.Constant(fid)]))
    guarded = ast.Try(body=rest, handlers=[], orelse=[], finalbody=[leave])
    new.body = [*docstring, enter, guarded]
    for statement in new.body:
        ast.copy_location(statement, function)
    if wrap or blocks or not rest[0:1] or isinstance(rest[0], ast.Pass):
        return ast.fix_missing_locations(new)
    for statement in (enter, leave):  # everything else kept its place, or was given one
        ast.fix_missing_locations(ast.copy_location(statement, function))
    return new


def _call_name(name: str) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[], keywords=[])


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


class _Instrument(ast.NodeTransformer):
    """Wraps sites with ``v`` and makes edits; numbers sites in visiting order."""

    def __init__(self, fid: int, edits: dict[Span, Edit], record: bool, wrap: bool = True) -> None:
        self.fid, self.edits, self.record, self.wrap = fid, edits, record, wrap
        self.sites: list[Site] = []
        self._skip: set[int] = set()  # nodes not to wrap (a call's function, a store target)

    def _site(self, kind: str, node: ast.AST) -> ast.Constant:
        self.sites.append(Site(kind, span_of(node)))
        return ast.Constant(len(self.sites) - 1)

    def _wrap(self, kind: str, node: ast.expr, original: ast.AST) -> ast.expr:
        sid = self._site(kind, original)
        wrapped = runtime_call("v", [ast.Constant(self.fid), sid, node])
        return ast.copy_location(wrapped, original)

    # --- expressions ------------------------------------------------------------------------

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if not self.wrap and not self._holds_an_edit(node):
            return node  # nothing to report, nothing to change below
        if isinstance(node, ast.Call):
            self._skip.add(id(node.func))
        if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
            return self._visit_scope(node)
        original = copy.copy(node)
        new = super().generic_visit(node)
        if not isinstance(new, ast.expr) or id(node) in self._skip:
            return new
        if getattr(new, "ctx", ast.Load()).__class__ is not ast.Load:
            return new
        new = self._edited(new, original)
        if self._recorded(original) and self.wrap:
            new = self._wrap("value", new, original)
        return new

    def _visit_scope(self, node: ast.AST) -> ast.AST:
        """Nested functions: their bodies are instrumented, not their signatures."""
        body = node.body  # type: ignore[attr-defined]
        if not isinstance(body, list):  # a lambda's expression
            node.body = self.visit(body)  # type: ignore[attr-defined]
            return node
        new: list[ast.stmt] = []
        for statement in body:
            visited = self.visit(statement)
            new.extend(visited if isinstance(visited, list) else [visited])
        node.body = new  # type: ignore[attr-defined]
        return node

    def _holds_an_edit(self, node: ast.AST) -> bool:
        """Whether an edit is at ``node`` or below it (a node without a place: perhaps)."""
        if getattr(node, "end_lineno", None) is None:
            return True
        start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return any(start <= span[:2] and span[2:] <= end for span in self.edits)

    def _recorded(self, node: ast.AST) -> bool:
        if not isinstance(node, _RECORDED):
            return False
        if isinstance(node, ast.Attribute):
            base = node.value
            return not (isinstance(base, ast.Name) and base.id in _MODULES | {RUNTIME})
        return True

    def _edited(self, node: ast.expr, original: ast.AST) -> ast.expr:
        edit = self.edits.get(span_of(original))
        if edit is None:
            return node
        if edit.op in VALUE_EDITS:
            args = [node, ast.Constant(self.fid), ast.Constant(edit.op), constant(edit.args)]
            fixed = ast.copy_location(runtime_call("fix", args), original)
        else:
            fixed = ast.copy_location(node_edit(node, edit), original)
        return ast.fix_missing_locations(fixed)

    # --- statements -------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> Any:
        edit = self.edits.get(span_of(node))
        if edit is not None and edit.op == "inplace":
            node.targets = [ast.fix_missing_locations(written_in_place(t)) for t in node.targets]
        for target in node.targets:
            self._skip.add(id(target))
        alias = isinstance(node.value, ast.Name) and all(
            isinstance(t, ast.Name) for t in node.targets
        )
        original = node.value
        node.value = self.visit(node.value)
        if alias and self.wrap:  # `H0 = H`: what H0 holds from here (a name is no site else)
            node.value = self._wrap("value", node.value, original)
        node.targets = [self._visit_target(t) for t in node.targets]
        changed = [t for t in node.targets if isinstance(t, ast.Subscript | ast.Attribute)]
        return [node, *(a for a in (self._after(t) for t in changed) if a is not None)]

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        self._skip.add(id(node.target))
        node.value = self.visit(node.value)
        node.target = self._visit_target(node.target)
        after = self._after(node.target)
        return [node] if after is None else [node, after]

    def visit_Expr(self, node: ast.Expr) -> Any:
        """A call whose result is thrown away: what it changes in place is read after it
        (``np.subtract(p, v, out=p)``, ``x.fill(0)``), as after ``p -= v``."""
        changed = [cloned(target) for target in changed_by_call(node)]
        node.value = self.visit(node.value)
        after = [self._after(target) for target in changed]
        return [node, *(a for a in after if a is not None)] if changed else node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def _visit_target(self, target: ast.expr) -> ast.expr:
        """Instrument what a store target reads (indices), never the target itself."""
        if isinstance(target, ast.Subscript):
            self._skip.add(id(target.value))
            target.slice = self.visit(target.slice)
            target.value = self._visit_target_base(target.value)
        elif isinstance(target, ast.Attribute):
            self._skip.add(id(target.value))
        elif isinstance(target, ast.Tuple | ast.List):
            target.elts = [self._visit_target(e) for e in target.elts]
        return target

    def _visit_target_base(self, base: ast.expr) -> ast.expr:
        if isinstance(base, ast.Subscript):
            return self._visit_target(base)
        return base

    def _after(self, target: ast.expr) -> ast.stmt | None:
        """``v(fid, sid, <what the statement changed>)``, as a statement after it."""
        if not self.wrap:
            self._site("store", target)
            return None
        changed = _changed_array(target)
        load = _as_load(cloned(changed))
        sid = self._site("store", target)
        call = runtime_call("v", [ast.Constant(self.fid), sid, load])
        return ast.copy_location(ast.Expr(call), target)

    def visit_Return(self, node: ast.Return) -> ast.Return:
        if node.value is not None:
            node.value = self._returned(node.value)
        return node

    def visit_Yield(self, node: ast.Yield) -> ast.Yield:
        if node.value is not None:
            node.value = self._returned(node.value)
        return node

    def _returned(self, value: ast.expr) -> ast.expr:
        visited = self.visit(value)
        if self.wrap:
            return self._wrap("return", visited, value)
        self._site("return", value)
        return visited


def _changed_array(target: ast.expr) -> ast.expr:
    """The array a store into ``target`` changes: ``a`` for ``a[i, j]``; the element itself
    for a dictionary entry (``params["W"]["deriv"]``) or a plain name or attribute."""
    node = target
    while isinstance(node, ast.Subscript) and not _is_key(node.slice):
        node = node.value
    return node


def _is_key(index: ast.expr) -> bool:
    return isinstance(index, ast.Constant) and isinstance(index.value, str)


def _as_load(node: ast.expr) -> ast.expr:
    for child in ast.walk(node):
        if hasattr(child, "ctx"):
            child.ctx = ast.Load()  # type: ignore[attr-defined]
    return node
