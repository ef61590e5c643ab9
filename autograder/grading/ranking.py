"""The order proposals are tried in: the edits that could change the first departing value
before those beside it, the most specific kinds first, and of one kind those within a
departing value's own code. Each batch proves a fixed number of edits, so the order decides
which are tried at all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..sandbox.instrument import Edit
from .aligned import Departure


class Proposal(Protocol):
    """What ordering reads of a proposal (:class:`.relations.Proposal`)."""

    edit: Edit
    name: str
    departure: int


__all__ = ["beside_first", "departing", "inside_departing", "specific", "within"]

DEPARTURES = 3
"""The departures whose edits are proposed (each in the order of the run)."""


def departing(edit: Edit, departures: Sequence[Departure]) -> bool:
    """Whether the edit lies within a later departing value beside the first (`1.0 + O1` of
    `dLdO1 * O1 * (1.0 + O1)`, whose first departing value is `dLdO1 * O1`; not within one
    that holds the first, `dLdO1 * O1 * (1.0 + O1)` itself): not beside it."""
    first = departures[0].site if departures else None
    return any(
        d.site is not None
        and d.site.kind != "store"
        and within(edit.span, d.site.span)
        and not (first is not None and within(first.span, d.site.span))
        for d in departures[1:DEPARTURES]
    )


def beside_first(span: tuple[int, ...], departure: Departure) -> bool:
    """Whether an edit lies in the first departing value's statement, neither within its
    code nor around it (another element of ``np.concatenate([…, d_h * self.C_out * o, …])``
    than the one that departs): it cannot change that value, so it is tried after every edit
    that could."""
    site = departure.site
    statement = departure.source.statement_of(site) if site is not None else None
    if site is None or statement is None or site.kind == "store":
        return False  # a store departs with what it stores: its whole statement computes it
    inside, around = within(span, site.span), within(site.span, span)
    return within(span, statement.span) and not inside and not around


def within(inner: tuple[int, ...], outer: tuple[int, ...]) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def inside_departing(suggested: list[Proposal], departures: Sequence[Departure]) -> set[int]:
    """The ids of the proposals within a departing value's own code (`1.0 - self.tanh_C` of
    `dC = …`, `1.0 + O1` beside `dLdO1 * O1`): of edits alike, these are tried first."""
    first = departures[0].site if departures else None
    if first is None or first.kind == "store":
        return set()
    return {
        id(p)
        for p in suggested
        if p.departure == 0 and (within(p.edit.span, first.span) or departing(p.edit, departures))
    }


def specific(
    proposal: Proposal,
    depth: int,
    inside: set[int],
) -> tuple[int, bool, int, bool]:
    """The most specific edits first, the departing statement's before those upstream; a
    kernel's flip before another array's; a value read before its activation where the value
    after it belongs (or the reverse) with the calls and keywords; of one kind, those within a
    departing value (``inside``) first."""
    rank = _SPECIFIC.get(proposal.edit.op, len(_SPECIFIC))
    if proposal.edit.op == "name" and "the activation" in proposal.name:
        rank = _SPECIFIC["keyword"]  # before or after an activation: a name the numbers relate
    return rank, id(proposal) not in inside, depth, "kernel" not in proposal.name


_SPECIFIC = {
    op: rank
    for rank, ops in enumerate(
        (
            ("generator", "counted", "reversed", "is_none", "invert"),
            (
                "keyword",
                "call",
                "callee",
                "lookalike",
                "swap",
                "literal",
            ),  # `b / a` for `a / b` before `a + b`
            ("operator", "nest", "unwrap", "complement"),
            ("name", "carried", "exchange"),
            ("offset",),
            ("drop", "mul_name"),
            ("flip", "transpose"),
            ("negate",),
        )
    )
    for op in ops
}
"""The code's edits, the most specific first: few of them apply where they are proposed (a
draw from np.random, a loop, an integer that bounds a range), many could (an operand's
sign)."""
