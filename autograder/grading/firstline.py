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

import ast
from collections import defaultdict
from collections.abc import Collection, Sequence

import numpy as np
from numpy import ndarray

from ..sandbox.edits import span_of
from ..sandbox.instrument import Site
from .aligned import Departure, Pool, close, same
from .inplace import state_departure
from .source import Source, Statement, name_of, reads_of, touches
from .traces import Trace, Value

__all__ = ["Departure", "departures"]


def departures(
    learner: Trace,
    reference: Trace,
    sources: Sequence[Source],
    reference_sources: Sequence[Source] = (),
) -> list[Departure]:
    """The learner's values that depart from the reference's, in the order computed
    (``reference_sources``: to match what each call returns with what the reference's
    returns)."""
    pools: dict[tuple[int, int], Pool] = {}
    for value in reference.values:
        pools.setdefault((value.fid, value.inv), None)  # type: ignore[arg-type]
    for fid, inv in list(pools):
        values = reference.invocation(fid, inv)
        pools[(fid, inv)] = Pool(values, _returned(values, reference_sources, fid))
    matched: dict[int, str] = {}
    detaching = {f for f, s in enumerate(reference_sources) if ".detach(" in ast.unparse(s.node)}
    inputs: dict[tuple[int, int], list[ndarray]] = defaultdict(list)
    for value in learner.values:
        if value.kind in ("entry", "self_in") and value.numeric and value.array.size > 1:
            inputs[(value.fid, value.inv)].append(value.array)
    found: list[Departure] = []
    for value in learner.values:
        pool = pools.get((value.fid, value.inv))
        if pool is None or value.kind != "value" or not value.numeric:
            continue
        verdict = "no"
        site = (
            sources[value.fid].sites[int(value.key)]
            if 0 <= int(value.key) < len(sources[value.fid].sites)
            else None
        )
        shaped = site is not None and site.kind == "return"
        if pool.find(value.array, value.graph, shaped) is not None:
            given = inputs[(value.fid, value.inv)]
            verdict = "input" if any(same(value.array, a) for a in given) else "yes"
        matched[value.seq * 16 + value.elem + 1] = verdict
    for value in learner.values:
        pool = pools.get((value.fid, value.inv))
        if pool is None:
            continue
        departure = _departure(
            value, pool, matched, learner, reference, sources[value.fid], detaching
        )
        if departure is not None:
            found.append(departure)
    return _in_code_order(found)


def _where_first(departure: Departure) -> tuple[bool, bool, int]:
    """Departures found at a line before those left at the function's own (none found);
    what the values say plainly (changed in place, never updated) before what follows from
    it (an attribute holding the same array)."""
    unlocated = departure.line == departure.source.node.lineno
    return unlocated, not departure.note, departure.line


def _in_code_order(found: list[Departure]) -> list[Departure]:
    """The departures of one call's end (its arguments and state, recorded together) in the
    order of the lines they point at: the first of them is the first that went wrong."""
    ordered: list[Departure] = []
    for departure in found:
        run = ordered and departure.site is None and ordered[-1].site is None
        if run and (ordered[-1].value.fid, ordered[-1].value.inv) == (
            departure.value.fid,
            departure.value.inv,
        ):
            start = len(ordered)
            while start > 0 and ordered[start - 1].site is None:
                start -= 1
            ordered[start:] = sorted([*ordered[start:], departure], key=_where_first)
        else:
            ordered.append(departure)
    return ordered


def _returned(values: list[Value], sources: Sequence[Source], fid: int) -> list[Value]:
    """The values a call returned (or yielded), by its source's sites."""
    if fid >= len(sources):
        return []
    sites = sources[fid].sites
    return [
        v
        for v in values
        if v.kind == "value" and 0 <= int(v.key) < len(sites) and sites[int(v.key)].kind == "return"
    ]


def _departure(
    value: Value,
    pool: Pool,
    matched: dict[int, str],
    learner: Trace,
    reference: Trace,
    source: Source,
    detaching: Collection[int] = (),
) -> Departure | None:
    earlier = [v for v in reference.of(value.fid) if v.inv < value.inv and v.numeric]
    if value.kind in ("self_out", "entry_out"):
        return state_departure(value, pool, earlier, learner, source)
    key = value.seq * 16 + value.elem + 1
    if value.kind != "value" or matched.get(key, "yes") != "no":
        return None
    if not 0 <= int(value.key) < len(source.sites):
        return None
    site = source.sites[int(value.key)]
    if source.neutral[int(value.key)] or _branch_test(value, site, source):
        return None
    if _unmatched_read(value, site, source, pool):
        return None
    departure = Departure(value, source, site, site.line, source.code(site.span), pool, earlier)
    untracked = value.graph is not None and pool.untracked(value.array, value.graph) is not None
    detached = value.fid in detaching and ".detach(" in source.line_text(site.line)  # as the key
    if untracked and not (detached and not value.graph):
        _cut_from_graph(departure)  # what comes after cannot make up for a lost graph
        return departure
    if pool.widened(value.array, value.graph) is not None:
        departure.note = (
            f"has the right numbers but is {value.array.dtype} where the reference's is "
            "float64: computed in lower precision, losing the digits a gradient check needs; "
            "keep float64 (no astype(np.float32) or dtype=np.float32)"
        )
        return departure
    if _excused(value, site, matched, learner, source):
        return None
    _stale(departure, reference)
    _to_assignment(departure, learner)
    return departure


def _unmatched_read(value: Value, site: Site, source: Source, pool: Pool) -> bool:
    """Whether the value is only read (``self.conv.weight``: a name, an attribute) and the
    reference's run holds nothing of its shape at that point: the reference never looked at
    it on its own (it called ``self.conv(x)``), so it computes nothing that could depart;
    what the learner computes from it does, where it goes wrong. A read the reference has a
    value of that shape and kind for (a stale ``self.x``) is still compared; a truth value is
    no counterpart of a number (``self.training`` of ``self.dropout.p``)."""
    if site.kind == "return":
        return False
    node = source.node_at(site.span)
    if not isinstance(node, ast.Attribute) or name_of(node) is None:
        return False
    shape, truth = value.array.shape, value.array.dtype == np.bool_
    return not any(
        v.array.shape == shape and (v.array.dtype == np.bool_) == truth for v in pool.values
    )


def _branch_test(value: Value, site: Site, source: Source) -> bool:
    """Whether the value is the truth of an ``if``/``while`` test or of a part of one
    (``mask is None or …``): a branch of the learner's own has no counterpart in the
    reference's run, and where it goes wrong, the values it leads to depart."""
    if value.array.dtype != np.bool_ or value.array.size != 1:
        return False
    tests = (ast.If, ast.While, ast.IfExp, ast.Assert)
    inner = site.span
    return any(
        isinstance(node, tests)
        and (outer := span_of(node.test))[:2] <= inner[:2]
        and inner[2:] <= outer[2:]
        for node in ast.walk(source.node)
    )


def _stale(departure: Departure, reference: Trace) -> None:
    """Say so where the value is one the reference computed in an earlier call (the checks
    call each function first on other numbers): kept on the object from before. An earlier
    call on the same numbers (another object, set up otherwise) says something else: the
    code does not follow how its object was set up."""
    array = departure.value.array
    if departure.note or array.dtype.kind not in "biuf" or array.size < 2:
        return
    if np.all(array == array.reshape(-1)[0]):  # a constant could come from anywhere
        return
    value = departure.value
    earlier = [
        v for v in departure.earlier if v.array.shape == array.shape and close(v.array, array)
    ]
    if earlier and all(_same_arguments(reference, value.fid, value.inv, v.inv) for v in earlier):
        departure.note = (
            "is what an earlier call on the same numbers gave, for an object set up "
            "otherwise (the check builds two): your code does not follow a setting of its "
            "object that the two differ in (an attribute its constructor set)"
        )
        return
    ignored = earlier and _number_not_followed(reference, value.fid, value.inv, earlier[0].inv)
    if ignored:  # the same arrays, another number: the value does not follow that number
        departure.note, departure.unfollowed = ignored
        return
    if earlier:
        departure.stale = True
        departure.note = (
            "holds what an earlier call computed (the checks call it first on other numbers, "
            "and change the parameters in between, as an optimizer's step does): compute it "
            "from this call's arguments and parameters instead of keeping it from before"
        )


def _same_arguments(reference: Trace, fid: int, inv: int, earlier: int) -> bool:
    """Whether the reference's call ``earlier`` of a function had the arguments of call
    ``inv``, and the object the same state (the same numbers, given to another object)."""
    now, then = _numbers_given(reference, fid, inv), _numbers_given(reference, fid, earlier)
    return bool(now) and now.keys() == then.keys() and all(_same(now[k], then[k]) for k in now)


def _number_not_followed(
    reference: Trace, fid: int, inv: int, earlier: int
) -> tuple[str, str] | None:
    """Where the earlier call had the same arrays and the object the same state, and only a
    number given differs (``delta = 0.001`` then, ``0.01`` now): the value does not follow it
    (a constant written where the argument belongs), rather than being kept from before."""
    now, then = _numbers_given(reference, fid, inv), _numbers_given(reference, fid, earlier)
    if not now or now.keys() != then.keys():
        return None
    differ = [k for k in now if not _same(now[k], then[k])]
    if not differ or any(k[0] != "entry" or now[k].size != 1 for k in differ):
        return None
    (kind, name), *_ = differ
    said = (
        f"is what the earlier call with `{name}` = {then[(kind, name)].item():.4g} gave: it does "
        f"not follow `{name}` ({now[(kind, name)].item():.4g} in this call), as if a number "
        f"stood where `{name}` belongs"
    )
    return said, name


def _same(a: ndarray, b: ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _numbers_given(reference: Trace, fid: int, inv: int) -> dict[tuple[str, str], ndarray]:
    """A call's arguments and its object's arrays of numbers when it began (not its flags)."""
    return {
        (v.kind, str(v.key)): v.array
        for v in reference.invocation(fid, inv)
        if v.kind == "entry" or (v.kind == "self_in" and v.array.dtype.kind in "fc")
    }


def _cut_from_graph(departure: Departure) -> None:
    """The numbers are right but autograd does not track them (or still does)."""
    if departure.value.graph:
        departure.note = "still holds the autograd graph that computed it: .detach() it"
        return
    departure.note = (
        "has the right numbers but is cut off from the autograd graph: no gradient flows "
        "back through it (computed under torch.no_grad(), .detach()ed, or rebuilt from "
        ".item())"
    )
    line = departure.line
    for node in ast.walk(departure.source.node):
        within = isinstance(node, ast.With) and node.body[0].lineno <= line <= (
            node.end_lineno or 0
        )
        if within and "no_grad" in ast.unparse(node.items[0].context_expr):  # type: ignore[union-attr]
            departure.line = node.lineno


def _to_assignment(departure: Departure, learner: Trace) -> None:
    """A departing value that only reads a name (``return x``) was made where the name was
    assigned: point there."""
    source, value = departure.source, departure.value
    node = source.node_at(departure.site.span) if departure.site else None
    path = name_of(node) if isinstance(node, ast.Name | ast.Attribute) else None
    if path is None:
        return
    assignments = []  # the statements that assigned the name, each with what it assigned
    for other in learner.invocation(value.fid, value.inv):
        if other.seq >= value.seq or other.kind != "value":
            continue
        if not 0 <= int(other.key) < len(source.sites):
            continue
        site = source.sites[int(other.key)]
        statement = source.statement_of(site)
        if statement is not None and path in statement.assigns and statement.result == site.span:
            assignments.append((statement, other.array))
    if not assignments:
        return
    origin = assignments[-1][0]
    for statement, array in reversed(assignments):  # back while the value passes through
        if not (array.shape == value.array.shape and close(array, value.array)):
            break
        origin = statement
    departure.line = origin.span[0]
    departure.code = source.line_text(origin.span[0])


def _excused(
    value: Value, site: Site, matched: dict[int, str], learner: Trace, source: Source
) -> bool:
    """Whether a later value of the same call, computed from ``value``, matches: it reads
    a path that a statement computed from ``value`` had written before it was computed (a
    store into ``dA`` before ``dO`` was copied into it is not computed from ``dO``)."""
    statement = source.statement_of(site)
    if statement is None:
        return False
    tainted = _tainted(statement, source)
    ran: dict[int, int] = {}  # id of a statement -> when it first ran in this call
    values = learner.invocation(value.fid, value.inv)
    for other in values:
        if other.kind == "value" and 0 <= int(other.key) < len(source.sites):
            done = source.statement_of(source.sites[int(other.key)])
            if done is not None:
                ran.setdefault(id(done), other.seq)
    for other in values:
        if other.seq <= value.seq or matched.get(other.seq * 16 + other.elem + 1) != "yes":
            continue  # a value equal to an input of the call vindicates nothing
        if not 0 <= int(other.key) < len(source.sites):
            continue
        other_site = source.sites[int(other.key)]
        if source.statement_of(other_site) == statement:
            if _encloses(other_site, site) or other_site.kind == "store":
                return True
            continue
        reads = _reads_of_element(source, other_site, int(other.key), other.elem)
        for name, by in tainted.items():
            if touches(reads, {name}) and any(ran.get(s, other.seq) < other.seq for s in by):
                return True
    return False


def _reads_of_element(source: Source, site: Site, sid: int, elem: int) -> frozenset[str]:
    """What a site's value is computed from; for one element of a tuple it computed
    (``return dZ[:, :D], dZ[:, D:], dC * f``), what that element's own code reads."""
    if elem >= 0:
        node = source.node_at(site.span)
        if isinstance(node, ast.Tuple) and elem < len(node.elts):
            return reads_of(node.elts[elem])
    return source.site_reads[sid]


def _encloses(outer: Site, inner: Site) -> bool:
    a, b = inner.span, outer.span
    return (a[0], a[1]) >= (b[0], b[1]) and (a[2], a[3]) <= (b[2], b[3])


def _tainted(start: Statement, source: Source) -> dict[str, set[int]]:
    """What ``start`` assigns, and what every statement reading any of that assigns, and so
    on: the paths whose values may be computed from ``start``'s, each with the statements
    (by ``id``) that write into it from a tainted value."""
    by: dict[str, set[int]] = {name: {id(start)} for name in start.assigns}
    grown = True
    while grown:
        grown = False
        for statement in source.statements:
            if not touches(statement.reads, set(by)):
                continue
            for name in statement.assigns:
                writers = by.setdefault(name, set())
                if id(statement) not in writers:
                    writers.add(id(statement))
                    grown = True
    return by
