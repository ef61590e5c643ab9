"""The first line whose value departs from the reference's.

The learner's run and the reference's run of the same check are aligned call by call: the
k-th call of a traced function in one with the k-th in the other (an *invocation*). A value
of the learner's *matches* when some value of the reference's in the same invocation holds
the same numbers — up to the forms that do not matter: a reshape that keeps the data, a view
or a copy, the order independent statements ran in, a block of a fused array (four gates
computed in one product). A value that matches nothing is *excused* when a later value that
depends on it matches (an intermediate the reference never names, used rightly); what is
left, in the order the run computed it, are the *departures*: the first is the first wrong
line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Site
from .traces import Source, Statement, Trace, Value, touches

__all__ = ["Departure", "Pool", "close", "departures"]


def close(a: ndarray, b: ndarray) -> bool:
    """The same numbers, in any shape of the same size (float32 compared as float32)."""
    if a.size != b.size or a.size == 0:
        return False
    if (a.dtype.kind == "b") != (b.dtype.kind == "b"):
        return False
    x = a.reshape(-1).astype(np.float64)
    y = b.reshape(-1).astype(np.float64)
    single = np.float32 in (a.dtype.type, b.dtype.type)
    rtol = 2e-4 if single else 1e-6
    scale = float(np.max(np.abs(y[np.isfinite(y)]), initial=0.0))
    return bool(np.allclose(x, y, rtol=rtol, atol=rtol * 0.1 * scale + 1e-12, equal_nan=True))


def _block_of(a: ndarray, b: ndarray) -> bool:
    """Whether ``a`` is a block of ``b`` along one axis (a gate of four computed together)."""
    if a.ndim != b.ndim or a.ndim == 0 or a.size >= b.size:
        return False
    differ = [axis for axis in range(a.ndim) if a.shape[axis] != b.shape[axis]]
    if len(differ) != 1 or b.shape[differ[0]] % a.shape[differ[0]]:
        return False
    axis, size = differ[0], a.shape[differ[0]]
    return any(
        close(a, np.take(b, range(start, start + size), axis=axis))
        for start in range(0, b.shape[axis], size)
    )


class Pool:
    """The reference's values of one invocation, looked up by content."""

    def __init__(self, values: Sequence[Value]) -> None:
        self.values = [v for v in values if v.array.size > 0]
        self._by_size: dict[int, list[Value]] = defaultdict(list)
        for value in self.values:
            self._by_size[value.array.size].append(value)

    def find(self, array: ndarray) -> Value | None:
        """A value of the reference's with the same numbers as ``array`` (or of which it is a
        block), if there is one."""
        for value in self._by_size.get(array.size, ()):
            if _quick(array, value.array) and close(array, value.array):
                return value
        if array.ndim >= 1 and array.dtype.kind == "f":
            for value in self.values:
                if value.array.size > array.size and _block_of(array, value.array):
                    return value
        return None

    def shaped(self, shape: tuple[int, ...]) -> list[Value]:
        """The reference's values of this shape."""
        return [v for v in self.values if v.array.shape == shape and v.numeric]


def _quick(a: ndarray, b: ndarray) -> bool:
    """A cheap first look: the first and the last numbers agree roughly."""
    x, y = a.reshape(-1), b.reshape(-1)
    for index in (0, -1):
        p, q = float(x[index]), float(y[index])
        if not (abs(p - q) <= 1e-3 * (abs(q) + 1.0) or (np.isnan(p) and np.isnan(q))):
            return False
    return True


@dataclass
class Departure:
    """A value of the learner's that matches none of the reference's at its point.

    Attributes:
        value: the learner's value.
        source: the learner's function it came from.
        site: its site (None for the object's state after the call).
        line: the line of the learner's file to show.
        code: the code that computed it (or ``self.x`` for state).
        pool: the reference's values of the same invocation.
        earlier: the reference's values of earlier invocations of the same function.
        counterpart: for state, the reference's value of the same attribute.
    """

    value: Value
    source: Source
    site: Site | None
    line: int
    code: str
    pool: Pool
    earlier: list[Value]
    counterpart: Value | None = None


def departures(learner: Trace, reference: Trace, sources: Sequence[Source]) -> list[Departure]:
    """The learner's values that depart from the reference's, in the order computed."""
    pools: dict[tuple[int, int], Pool] = {}
    for value in reference.values:
        pools.setdefault((value.fid, value.inv), None)  # type: ignore[arg-type]
    for fid, inv in list(pools):
        pools[(fid, inv)] = Pool(reference.invocation(fid, inv))
    matched: dict[int, bool] = {}
    found: list[Departure] = []
    for value in learner.values:
        pool = pools.get((value.fid, value.inv))
        if pool is None or value.kind != "value" or not value.numeric:
            continue
        matched[value.seq * 16 + value.elem + 1] = pool.find(value.array) is not None
    for value in learner.values:
        pool = pools.get((value.fid, value.inv))
        if pool is None:
            continue
        departure = _departure(value, pool, matched, learner, reference, sources[value.fid])
        if departure is not None:
            found.append(departure)
    return found


def _departure(
    value: Value,
    pool: Pool,
    matched: dict[int, bool],
    learner: Trace,
    reference: Trace,
    source: Source,
) -> Departure | None:
    earlier = [v for v in reference.of(value.fid) if v.inv < value.inv and v.numeric]
    if value.kind == "self_out":
        return _state_departure(value, pool, earlier, learner, source)
    key = value.seq * 16 + value.elem + 1
    if value.kind != "value" or matched.get(key, True):
        return None
    if not 0 <= int(value.key) < len(source.sites):
        return None
    site = source.sites[int(value.key)]
    if _excused(value, site, matched, learner, source):
        return None
    return Departure(value, source, site, site.line, source.code(site.span), pool, earlier)


def _state_departure(
    value: Value, pool: Pool, earlier: list[Value], learner: Trace, source: Source
) -> Departure | None:
    """The object's state after the call, attribute by attribute."""
    theirs = next((v for v in pool.values if v.kind == "self_out" and v.key == value.key), None)
    if theirs is None or not value.numeric or close(value.array, theirs.array):
        return None
    if value.array.shape != theirs.array.shape and value.array.size == theirs.array.size:
        return None  # kept in another shape: no use of it depends on the shape here
    name = str(value.key)
    line = _assigning_line(name, learner, value, source)
    return Departure(value, source, None, line, name, pool, earlier, theirs)


def _assigning_line(name: str, learner: Trace, value: Value, source: Source) -> int:
    """The line of the last statement that assigned ``name`` in this call (else the def's)."""
    line = source.node.lineno
    for other in learner.invocation(value.fid, value.inv):
        if other.kind != "value" or not 0 <= int(other.key) < len(source.sites):
            continue
        statement = source.statement_of(source.sites[int(other.key)])
        if statement is not None and name in statement.assigns:
            line = statement.span[0]
    return line


def _excused(
    value: Value, site: Site, matched: dict[int, bool], learner: Trace, source: Source
) -> bool:
    """Whether a later value of the same call, computed from ``value``, matches."""
    statement = source.statement_of(site)
    if statement is None:
        return False
    tainted = _tainted(statement, source)
    for other in learner.invocation(value.fid, value.inv):
        if other.seq <= value.seq or not matched.get(other.seq * 16 + other.elem + 1, False):
            continue
        if not 0 <= int(other.key) < len(source.sites):
            continue
        other_site = source.sites[int(other.key)]
        if source.statement_of(other_site) == statement:
            if _encloses(other_site, site) or other_site.kind == "store":
                return True
        elif touches(source.site_reads[int(other.key)], tainted):
            return True
    return False


def _encloses(outer: Site, inner: Site) -> bool:
    a, b = inner.span, outer.span
    return (a[0], a[1]) >= (b[0], b[1]) and (a[2], a[3]) <= (b[2], b[3])


def _tainted(start: Statement, source: Source) -> set[str]:
    """What ``start`` assigns, and what every statement reading any of that assigns, and so
    on: the paths whose values may be computed from ``start``'s."""
    names = set(start.assigns)
    grown = True
    while grown:
        grown = False
        for statement in source.statements:
            if statement.assigns - names and touches(statement.reads, names):
                names |= statement.assigns
                grown = True
    return names
