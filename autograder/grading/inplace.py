"""What a call leaves behind: its arguments and its object's state, against the reference's.

After a call, an argument array (``entry_out``) or an attribute of the object (``self_out``)
that holds other numbers than the reference's after the same call departs — and how it
departs says where to look:

* the learner's call changed it and the reference's did not: it was changed *in place* (the
  caller's array, ``x += …`` or ``x[…] = …``): the line is the first that wrote into it;
* the reference's call changed it and the learner's did not: the update was lost, usually
  because a new array was bound to the name (``grad = np.clip(grad, …)``) where the old one
  should have been changed: the line is that binding;
* both changed it: the line that last assigned it.
"""

from __future__ import annotations

import ast

from ..sandbox.instrument import Site
from .aligned import Departure, Pool, close, same
from .source import Source, Statement
from .traces import Trace, Value

__all__ = ["state_departure"]

_BEFORE = {"entry_out": "entry", "self_out": "self_in"}


def _reshaped_state(
    value: Value, theirs: Value, pool: Pool, earlier: list[Value], source: Source
) -> Departure | None:
    """State kept in another shape than the reference's, with its numbers: a departure only
    where the reference's call leaves it as it was (``self.input_``, whose shape a backward
    reads back) and the learner's has lost axes; else no use of it depends on the shape."""
    before = _before(pool.values, theirs)
    kept = before is not None and same(before.array, theirs.array)
    if not kept or value.array.ndim >= theirs.array.ndim or not close(value.array, theirs.array):
        return None
    path = str(value.key)
    departure = Departure(value, source, None, source.node.lineno, path, pool, earlier, theirs)
    departure.line = _reshaping(path, source) or departure.line
    departure.note = (
        f"keeps `{path}` in another shape, {value.array.shape}, than the reference's, "
        f"{theirs.array.shape}: what later reads its shape (a backward's reshape) gets it "
        "wrong; store it as given and reshape a copy"
    )
    return departure


def _reshaping(path: str, source: Source) -> int | None:
    """The line of the first assignment to ``path`` or to its ``.shape``."""
    for node in ast.walk(source.node):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(ast.unparse(t) in (path, f"{path}.shape") for t in targets):
                return node.lineno
    return None


def state_departure(
    value: Value, pool: Pool, earlier: list[Value], learner: Trace, source: Source
) -> Departure | None:
    """The departure of an argument or an attribute after the call (None: it matches)."""
    theirs = next((v for v in pool.values if v.kind == value.kind and v.key == value.key), None)
    if theirs is None or not value.numeric:
        return None
    tracked = value.graph is not None and theirs.graph is not None and value.graph != theirs.graph
    if value.array.shape != theirs.array.shape and value.array.size == theirs.array.size:
        return _reshaped_state(value, theirs, pool, earlier, source)
    if close(value.array, theirs.array) and not tracked:
        return None
    path = str(value.key)
    calls = learner.invocation(value.fid, value.inv)
    mine_before = _before(calls, value)
    theirs_before = _before(pool.values, theirs)
    changed = mine_before is None or not same(value.array, mine_before.array)
    they_changed = theirs_before is None or not same(theirs.array, theirs_before.array)
    departure = Departure(value, source, None, source.node.lineno, path, pool, earlier, theirs)
    if changed and not they_changed:
        departure.line = _first_write(path, calls, source) or departure.line
        departure.note = f"changes `{path}` in place, which the reference leaves as it was"
        if value.kind == "entry_out":
            departure.note += (
                " (the caller's array is not the function's to change: compute a new one)"
            )
    else:
        others = [v for v in learner.of(value.fid) if v.inv != value.inv]
        rebinding = _rebinding(path, calls, source) or _rebinding(path, others, source)
        assigned = _own_assignment(path, calls, source)
        if they_changed and not changed and assigned is not None and rebinding is None:
            departure.line = assigned
            departure.note = (
                f"keeps the value it held before the call: `{source.line_text(assigned)}` "
                "assigns it again, where the reference's call changes it"
            )
        elif they_changed and (not changed or rebinding is not None):
            departure.note = f"never updates `{path}` itself, which the reference changes" + (
                " in place" if value.array.size > 1 else ""
            )
        if rebinding is not None:
            departure.line, departure.rebinding = rebinding.span[0], rebinding.span
            departure.note += (
                f": `{source.line_text(rebinding.span[0])}` binds a new array to the name "
                "instead (update it in place: `+=`, `[...] =`, or `out=`)"
            )
        elif changed:
            departure.line = _last_assignment(path, calls, source) or departure.line
    if tracked:
        departure.note = (
            "still holds the autograd graph of the batch that computed it: .detach() it"
            if value.graph
            else "is cut off from the autograd graph"
        )
    return departure


def _before(values: list[Value], after: Value) -> Value | None:
    kind = _BEFORE[after.kind]
    return next((v for v in values if v.kind == kind and v.key == after.key), None)


def _sites(calls: list[Value], source: Source) -> list[tuple[Value, Statement | None]]:
    """Each site value of the call with its statement."""
    found = []
    for value in calls:
        if value.kind == "value" and 0 <= int(value.key) < len(source.sites):
            site = source.sites[int(value.key)]
            found.append((value, source.statement_of(site)))
    return found


def _first_write(path: str, calls: list[Value], source: Source) -> int | None:
    """The line of the first statement that wrote into the array ``path`` names."""
    for value, statement in _sites(calls, source):
        site = source.sites[int(value.key)]
        if site.kind == "store" and value.alias == path and statement and statement.writes:
            return statement.span[0]
    return None


def _rebinding(path: str, calls: list[Value], source: Source) -> Statement | None:
    """The first plain assignment that binds a new array to ``path`` itself, or to a name
    that held its array (so that the old array is never changed)."""
    names = {path}
    for value, statement in _sites(calls, source):
        if statement is None:
            continue
        site = source.sites[int(value.key)]
        if value.alias == path and statement.result == site.span:
            names |= statement.assigns
        elif statement.rebinds and statement.assigns & names and _bound(site, statement):
            return statement
    return None


def _bound(site: Site, statement: Statement) -> bool:
    """Whether ``site`` holds what ``statement`` binds (judged by the value bound, not by
    the parts of it)."""
    return statement.result is None or site.span == statement.result


def _own_assignment(path: str, calls: list[Value], source: Source) -> int | None:
    """The last statement of the call that assigned ``path`` itself, if one did."""
    lines = [st.span[0] for _, st in _sites(calls, source) if st is not None and path in st.assigns]
    return lines[-1] if lines else None


def _last_assignment(path: str, calls: list[Value], source: Source) -> int | None:
    """The last statement that assigned ``path`` (else an attribute of the same name of
    another object: ``node.grad`` for ``self.grad``)."""
    attribute = "." + path.rsplit(".", 1)[-1] if "." in path else None
    line = fallback = None
    for _, statement in _sites(calls, source):
        if statement is None:
            continue
        if path in statement.assigns:
            line = statement.span[0]
        elif attribute and any(a.endswith(attribute) for a in statement.assigns):
            fallback = statement.span[0]
    return line or fallback
