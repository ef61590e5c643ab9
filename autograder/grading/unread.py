"""A value computed and never used: the reference reads it, the learner's code does not.

The learner's function computes what the reference's computes (the names are the stub's),
but a gate computed and then left out (``r`` of a GRU's candidate, ``r ⊙ H_in`` written
``H_in``) shows in no relation of the numbers at the first departing value: the values the
statement reads all match, the product they make does not. What does show is in the code:
the reference's function reads a name the learner's assigns but never reads.
:func:`unread_factors` proposes that name as a factor of each value of its shape that the
statements up to the first departure read; :mod:`.explain` proves one or says nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure
from .relations import Proposal, known_values
from .source import Source, name_of, reads_of
from .traces import Trace

__all__ = ["unread_factors"]

MAX_UNREAD = 12
"""Edits proposed at most."""


def unread_factors(
    departures: Sequence[Departure], learner: Trace, reference_sources: Sequence[Source]
) -> list[Proposal]:
    """For the first departure's function, each name the reference's reads and the
    learner's assigns without reading, as a factor missing from a value of its shape read at
    or before the departing line."""
    if not departures:
        return []
    departure = departures[0]
    fid, source = departure.value.fid, departure.source
    if fid >= len(reference_sources):
        return []
    known = known_values(departure, learner)
    theirs, mine = reads_of(reference_sources[fid].node), reads_of(source.node)
    assigned = {path for s in source.statements for path in s.assigns}
    shapes = {p: v.shape for p, (v, _) in known.items()}
    for value in learner.invocation(fid, departure.value.inv):  # an attribute set in a
        if value.kind == "self_out" and str(value.key) not in shapes:  # tuple assignment
            shapes[str(value.key)] = value.array.shape
    unread = [p for p in sorted(theirs - mine) if p in assigned and p in shapes]
    found = []
    for missing in unread:
        shape = shapes[missing]
        for node in _loads_up_to(source.node, departure.line):
            path = name_of(node)
            if path is None or path == missing or path not in known:
                continue
            if known[path][0].shape != shape or known[path][0].ndim < 1:
                continue
            found.append(
                Proposal(
                    fid,
                    Edit(span_of(node), "mul_name", (missing, 1)),
                    f"`{missing}` is computed but never used: `{path}` is read where "
                    f"`{missing} * {path}` belongs",
                    0,
                    node.lineno,
                )
            )
    return found[:MAX_UNREAD]


def _loads_up_to(function: ast.AST, line: int) -> list[ast.expr]:
    """The names and attributes the function reads on lines up to ``line``, in order."""
    loads = [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Name | ast.Attribute)
        and isinstance(node.ctx, ast.Load)
        and node.lineno <= line
    ]
    return sorted(loads, key=lambda n: (n.lineno, n.col_offset))
