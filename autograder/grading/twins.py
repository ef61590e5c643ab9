"""The same slip made twice: an edit proposed in one statement, made in its twins too.

Code that treats two things alike is often written twice, line for line (the hidden and the
cell state, ``h_0 = …unsqueeze(1)`` and ``c_0 = …unsqueeze(1)``; a gradient for each of two
inputs): a slip copied with it is undone by no single edit, so no single edit proves it. A
statement's *twins* are the other simple statements of the function with the same form up to
the names they read and write (every constant and operator the same). For a proposal whose
edit lies in a statement that has twins, :func:`twinned` adds the same edit made at the same
place of each twin, proven as one change. An edit that reads another name is made in a twin
as the exchange of the two (``c_n`` read where ``h_n`` belongs in one statement, ``h_n`` where
``c_n`` belongs in its twin: the two values swapped between two statements).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace

from ..sandbox.instrument import Edit, span_of
from .relations import Proposal
from .source import Source

__all__ = ["twinned"]

_SAME_EVERYWHERE = frozenset(
    {
        "offset",
        "negate",
        "transpose",
        "flip",
        "scale",
        "operator",
        "swap",
        "keyword",
        "permute",
        "literal",
        "unwrap",
        "drop",
        "call",
        "callee",
        "lookalike",
        "wrap",
        "shift",
    }
)
"""Edits whose arguments say nothing of the names a statement reads: made alike in a twin."""
_NAMED = frozenset({"name", "add_name", "mul_name"})
"""Edits whose first argument is a name read (another name, a term or a factor added): in a
twin, where that name is read, the home's name takes its place (``x + y`` and ``y + x``)."""


def twinned(tried: Sequence[Proposal], sources: Sequence[Source]) -> list[Proposal]:
    """For each proposal of ``tried`` whose statement has twins, the same edit made in every
    twin too (at most one such for each proposal), in ``tried``'s order."""
    out: list[Proposal] = []
    runs: dict[int, list[list[ast.AST]]] = {}
    for proposal in tried:
        if proposal.edit.op not in _SAME_EVERYWHERE | _NAMED or proposal.also:
            continue
        if proposal.fid not in runs:
            runs[proposal.fid] = _runs(sources[proposal.fid].node)
        run = next(
            (r for r in runs[proposal.fid] if any(_holds(s, proposal.edit.span) for s in r)), None
        )
        if run is None:
            continue
        home = next(s for s in run if _holds(s, proposal.edit.span))
        moved = [
            (twin, edit)
            for twin in run
            if twin is not home
            for edit in [_moved(proposal.edit, home, twin)]
            if edit is not None
        ]
        if moved:
            also = tuple(edit for _, edit in moved)
            out.append(replace(proposal, name=_said(proposal, moved, sources), also=also))
    return out


def _said(proposal: Proposal, moved: list[tuple[ast.AST, Edit]], sources: Sequence[Source]) -> str:
    """The proposal's sentence, with where the same edit is made too."""
    twin, edit = moved[0]
    if isinstance(twin, ast.expr):  # an element of the same tuple
        return f"{proposal.name}; the same in `{ast.unparse(twin)}`"
    source = sources[proposal.fid]
    lines = ", ".join(str(e.span[0]) for _, e in moved)
    return f"{proposal.name}; the same in line {lines} (`{source.line_text(edit.span[0]).strip()}`)"


def _runs(function: ast.AST) -> list[list[ast.AST]]:
    """Runs of two or more consecutive statements of one block that have the same form, and
    of the elements of one tuple that have the same form (``return dsda * y, dsda * x``)."""
    found: list[list[ast.AST]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load):
            forms: dict[str, list[ast.AST]] = {}
            for element in node.elts:
                if not isinstance(element, ast.Slice | ast.Starred):  # `x[:, :H]`'s index
                    forms.setdefault(_form(element), []).append(element)
            found.extend(alike for alike in forms.values() if len(alike) > 1)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            run: list[ast.stmt] = []
            for statement in [*block, None]:
                simple = isinstance(statement, ast.Assign | ast.AugAssign | ast.Expr | ast.Return)
                if run and simple and _form(statement) == _form(run[0]):
                    run.append(statement)
                    continue
                if len(run) > 1:
                    found.append(run)
                run = [statement] if simple else []
    return found


def _holds(statement: ast.AST, span: tuple[int, ...]) -> bool:
    outer = span_of(statement)
    return outer[:2] <= span[:2] and span[2:] <= outer[2:]


def _form(node: ast.AST) -> str:
    """``node``'s code with every name and attribute name blanked: the same form."""
    blanked = _Blank().visit(ast.parse(ast.unparse(node)))
    return ast.dump(blanked, annotate_fields=False, include_attributes=False)


class _Blank(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id="_", ctx=node.ctx)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return ast.Attribute(value=self.visit(node.value), attr="_", ctx=node.ctx)


def _moved(edit: Edit, home: ast.AST, twin: ast.AST) -> Edit | None:
    """``edit`` made at the node of ``twin`` that stands where its node stands in ``home``."""
    for mine, theirs in zip(ast.walk(home), ast.walk(twin), strict=False):
        if not hasattr(mine, "lineno") or span_of(mine) != edit.span:
            continue
        if edit.op not in _NAMED:
            return Edit(span_of(theirs), edit.op, edit.args)
        read, wanted = ast.unparse(mine), str(edit.args[0])
        if ast.unparse(theirs) == wanted:  # the two names exchanged between the statements
            return Edit(span_of(theirs), edit.op, (read, *edit.args[1:]))
        return None
    return None
