"""Relations between a departing value and the reference's, each a counterfactual to prove.

For a value of the learner's that departs (:mod:`.firstline`), a *relation* is a simple way
it could have gone wrong, with the edit of the learner's code that would undo it:

* from the numbers (the learner's value against a value of the reference's at that point):
  transposed, axes in another order, the sign, a constant factor (2, a size such as the
  batch or the number of time steps: a sum where a mean belongs, or back), an axis reversed
  or shifted by one,
  a term too many or missing that is another of the learner's values (or arguments), a
  factor too many or missing likewise;
* from the code of the departing line (:mod:`.codeedits`): an operand reversed (a kernel
  not flipped) or transposed, one value read where another belongs, an integer off by one,
  a reduction over another axis, an operator swapped, a loop run backwards, randomness
  drawn from NumPy's global generator where the generator given belongs.

A relation is only a :class:`Proposal`: :mod:`.explain` runs the learner's code with the edit
in the worker and names the mistake only when the check then passes.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure, close, mirrored
from .codeedits import Candidate, from_code, statements
from .flattened import unflattened
from .layouts import (
    batch_flattened,
    permuted_before_reshape,
    reshape_operands,
    reshaped,
    unpadded,
)
from .opedits import from_operations
from .ranking import DEPARTURES, beside_first, departing, inside_departing, specific, within
from .rederive import rederivations, rederived_candidates
from .relnames import factor_name, written_constant
from .rewrites import rewrites
from .source import Source
from .traces import Trace

__all__ = ["MAX_PROPOSALS", "Proposal", "departure_of", "known_values", "proposals"]

MAX_PROPOSALS = 20
"""How many edits the first batch proves (one worker run: a call each)."""
MAX_LATER = 60
"""How many more a second batch proves, with the statements' edits, when none of the first
passed."""
_DEPARTURES = DEPARTURES


@dataclass(frozen=True)
class Proposal:
    """An edit of the learner's code and what it says when it makes the check pass.

    Attributes:
        fid: the function edited.
        edit: the edit.
        name: the mistake, in a sentence, for when it is confirmed.
        departure: which departure (in the run's order) it explains.
        line: the line it changes.
        evidence: whether the numbers showed it (a value exactly so related), not only the
            code: unconfirmed, it may still be asked as a question.
        also: the same edit made elsewhere too, proven as one change (:mod:`.twins`).
    """

    fid: int
    edit: Edit
    name: str
    departure: int
    line: int
    evidence: bool = False
    also: tuple[Edit, ...] = ()


def departure_of(departures: Sequence[Departure], fid: int) -> int:
    """The index of the first of ``departures`` in function ``fid`` (0: none there), where a
    proposal of that function's code is said."""
    return next((i for i, d in enumerate(departures) if d.value.fid == fid), 0)


def proposals(
    departures: Sequence[Departure], learner: Trace, reference_sources: Sequence[Source]
) -> list[Proposal]:
    """The relations worth proving, at most :data:`MAX_PROPOSALS` and :data:`MAX_LATER` more
    (for a second batch): those the numbers show,
    for the first departures in order, then those the code suggests; each edit once (an
    operand's edit only where it is first read)."""
    shown: list[Proposal] = []
    suggested: list[Proposal] = []
    depth: dict[int, int] = {}  # id(proposal) -> how far upstream its statement is
    beside: set[int] = set()  # ids of proposals that cannot change the first departing value
    seen: dict[tuple, Proposal] = {}
    for index, departure in enumerate(departures[:_DEPARTURES]):
        spans = [s.span for s in statements(departure)]  # the departing statement's first
        fid, source = departure.value.fid, departure.source
        known = _known(departure, learner)
        sizes = _sizes(departure, learner)
        sizes_and_operands = (sizes, reshape_operands(departure, learner))
        if departure.stale:  # the numbers are an earlier call's: relating them says nothing
            continue
        candidates = itertools.chain(
            _from_state(departure),
            _from_numbers(departure, known, sizes_and_operands),
            _whole_statement(departure, learner, known, sizes_and_operands),
            _upstream(departure, learner, known, sizes_and_operands),
            from_code(departure, known, reference_sources[fid]),
            from_operations(departure, reference_sources[fid]),
            rewrites(departure, known, reference_sources[fid]),
        )
        for edit, name, evidence in candidates:
            key = (fid, edit) if evidence else (fid, edit.op, edit.args, source.code(edit.span))
            if edit.op == "name" and spans and within(edit.span, spans[0]):
                key += (edit.span,)  # `f(x, H_in, H_in)`: each read of the departing call
            proposal = Proposal(fid, edit, name, index, edit.span[0], evidence)
            depth[id(proposal)] = next(  # a statement over several lines holds its edits too
                (i for i, outer in enumerate(spans) if within(edit.span, outer)), len(spans)
            )
            apart = beside_first(edit.span, departure) and not departing(edit, departures)
            if index == 0 and apart:
                beside.add(id(proposal))
            kept = seen.get(key)
            if kept is None:
                seen[key] = proposal
                (shown if evidence else suggested).append(proposal)
            elif edit.op == "name" and kept.departure == index and edit.span < kept.edit.span:
                # another name read where the operand is first read: upstream statements come
                # after the departing one here, but before it in the code (`o * self.C_out`
                # for `o * self.tanh_C`, not the `return` of self.C_out after it); other edits
                # stay where the value departs (a kernel flipped where it is multiplied, not
                # where its size is checked)
                seen[key] = proposal
                suggested[suggested.index(kept)] = proposal
    inside = inside_departing(suggested, departures)
    suggested.sort(  # the departing statement's first: upstream, the values still agreed
        key=lambda p: (id(p) in beside, depth[id(p)] > 0, *specific(p, depth[id(p)], inside))
    )
    return (shown + suggested)[: MAX_PROPOSALS + MAX_LATER]


# --- what the learner's run knows at the departing point ----------------------------------------


def known_values(departure: Departure, learner: Trace) -> dict[str, tuple[ndarray, int | None]]:
    """What the learner's call knew before its first departing value (:func:`_known`)."""
    return _known(departure, learner)


def _known(departure: Departure, learner: Trace) -> dict[str, tuple[ndarray, int | None]]:
    """``name -> (value, site)`` of the arguments, the object's attributes and the names
    assigned before the departing value, in the same call (site None: not a site's)."""
    value, source = departure.value, departure.source
    known: dict[str, tuple[ndarray, int | None]] = {}
    results = {
        (s.result, -1): s.assigns for s in source.statements if s.result and len(s.assigns) == 1
    }
    results.update(_unpacked_names(source))
    for other in learner.invocation(value.fid, value.inv):
        if other.seq >= value.seq:
            continue
        if other.kind in ("entry", "self_in") and other.elem == -1:
            known[str(other.key)] = (other.array, None)
        elif other.kind == "value" and 0 <= int(other.key) < len(source.sites):
            site = source.sites[int(other.key)]
            names = results.get((site.span, other.elem))
            if names:  # the latest value before the departure: a loop's carried one
                known[next(iter(names))] = (other.array, int(other.key))
    return known


def _unpacked_names(source: Source) -> dict[tuple[tuple[int, int, int, int], int], set[str]]:
    """``(span, element)`` of each value unpacked into names, with the name it is bound to:
    an element of a tuple assigned to as many names (``P, N = a, b``: each element's own span),
    or the ``i``-th element of one value unpacked (``x_out, H = node.forward(…)``)."""
    found: dict[tuple[tuple[int, int, int, int], int], set[str]] = {}
    for node in ast.walk(source.node):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if not isinstance(target, ast.Tuple):
            continue
        for i, name in enumerate(target.elts):
            if not isinstance(name, ast.Name):
                continue
            if isinstance(value, ast.Tuple) and i < len(value.elts):
                found[(span_of(value.elts[i]), -1)] = {name.id}
            elif not isinstance(value, ast.Tuple):
                found[(span_of(value), i)] = {name.id}
    return found


def _sizes(departure: Departure, learner: Trace) -> dict[int, tuple[str, int]]:
    """The sizes of the arguments' (and the object's arrays') axes, each with the array and
    axis it is (for naming a factor, and for undoing it on any input)."""
    sizes: dict[int, tuple[str, int]] = {}
    for other in learner.invocation(departure.value.fid, departure.value.inv):
        if other.kind not in ("entry", "self_in") or other.array.ndim == 0:
            continue
        for axis, size in enumerate(other.array.shape):
            if size > 2:
                sizes.setdefault(size, (str(other.key), axis))
    return sizes


def _numbers(known: dict[str, tuple[ndarray, int | None]]) -> dict[str, int]:
    """The whole numbers of 2 or more among the call's arguments and the object's attributes
    on entry (``self.size``, ``stride``): a factor equal to one is named by it."""
    return {
        name: int(value)
        for name, (value, site) in known.items()
        if site is None and value.ndim == 0 and value.dtype.kind in "iu" and int(value) >= 2
    }


# --- from the numbers ---------------------------------------------------------------------------


def _from_state(departure: Departure) -> Iterator[Candidate]:
    """An update lost to a new array bound to the name: write into the old one instead."""
    if departure.rebinding is not None:
        yield Edit(departure.rebinding, "inplace"), departure.note, True


def _from_numbers(
    departure: Departure, known: dict[str, tuple[ndarray, int | None]], sizes: Measures
) -> Iterator[Candidate]:
    if departure.site is None:
        return
    span, code = departure.site.span, departure.code
    node = departure.source.node_at(span)
    elem = departure.value.elem
    if isinstance(node, ast.Tuple) and 0 <= elem < len(node.elts):  # `return dZ[:, :D], …`
        span, code = span_of(node.elts[elem]), ast.unparse(node.elts[elem])
    yield from _related(departure.value.array, span, code, departure, known, sizes)


def _whole_statement(
    departure: Departure,
    learner: Trace,
    known: dict[str, tuple[ndarray, int | None]],
    sizes: Measures,
) -> Iterator[Candidate]:
    """Relations of what the departing statement computes as a whole, where the first
    departing value is a part of it (``g * y`` of ``g * y * (1 - y)``: a relation of the
    whole, a derivative of another activation, holds of no part)."""
    statement = departure.source.statement_of(departure.site) if departure.site else None
    whole = _value_span(departure.source, statement.span) if statement else None
    if whole is None or departure.site is None or whole == departure.site.span:
        return
    sid = next((i for i, site in enumerate(departure.source.sites) if site.span == whole), None)
    later = [
        other
        for other in learner.invocation(departure.value.fid, departure.value.inv)
        if other.kind == "value"
        and other.elem == -1
        and other.seq > departure.value.seq
        and sid is not None
        and int(other.key) == sid
    ]
    if later:
        yield from _related(
            later[0].array, whole, departure.source.code(whole), departure, known, sizes
        )


def _value_span(source: Source, span) -> tuple[int, int, int, int] | None:
    """The span of the value a statement assigns, adds or returns (``x[:, :H] = …`` too)."""
    for node in ast.walk(source.node):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Return) and span_of(node) == span:
            return span_of(node.value) if node.value is not None else None
    return None


def _upstream(
    departure: Departure,
    learner: Trace,
    known: dict[str, tuple[ndarray, int | None]],
    sizes: Measures,
) -> Iterator[Candidate]:
    """Relations of the values the departing statement reads, as their statements assigned
    them: a value can match a part of the reference's (a term of a sum) and still be wrong."""
    source = departure.source
    by_span = {site.span: sid for sid, site in enumerate(source.sites)}
    latest: dict[int, ndarray] = {}
    for other in learner.invocation(departure.value.fid, departure.value.inv):
        if other.kind == "value" and other.seq < departure.value.seq and other.elem == -1:
            latest[int(other.key)] = other.array
    for statement in statements(departure)[1:]:
        sid = by_span.get(statement.result) if statement.result else None
        if sid is not None and sid in latest:
            span = statement.result
            code = source.code(span)  # type: ignore[arg-type]
            yield from _related(latest[sid], span, code, departure, known, sizes)  # type: ignore[arg-type]


Measures = tuple[dict[int, tuple[str, int]], dict[tuple[int, int, int, int], ndarray]]
"""The sizes the learner's call knew, and what each reshape of its code was given
(:func:`.layouts.reshape_operands`)."""


def _related(
    mine: ndarray,
    span,
    code: str,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
    measures: Measures,
) -> Iterator[Candidate]:
    """The relations of ``mine`` to the reference's values at the departing point."""
    sizes, operands = measures
    if mine.dtype.kind != "f" or mine.size == 0:  # empty: no number relates it to another
        return
    mine = mine.astype(np.float64)
    terms = _term_candidates(mine.shape, known)  # once for every counterpart
    derivatives = rederived_candidates(mine.shape, known)
    numbers = _numbers(known)
    yield from _trimmed(mine, departure, span, code, known)
    yield from _unsummed(mine, span, code, departure)
    yield from batch_flattened(mine, span, departure)
    yield from unflattened(mine, span, code, departure, known)
    yield from unpadded(mine, span, departure, known)
    for theirs in _counterparts(mine, departure, span):
        yield from reshaped(mine, theirs, span, code)
        if theirs.shape != mine.shape:
            continue
        yield from _scaled(mine, theirs, span, code, sizes, numbers)
        yield from _flipped(mine, theirs, span, code, known)
        yield from _shifted(mine, theirs, span, code)
        yield from _terms(mine, theirs, span, code, terms)
        yield from rederivations(mine, theirs, span, code, derivatives)
        yield from permuted_before_reshape(mine, theirs, span, departure, known, operands)


def _unsummed(mine: ndarray, span, code: str, departure: Departure) -> Iterator[Candidate]:
    """An axis kept where its sum belongs: a gradient per example where the batch's sum is
    the parameter's (``[N, K]`` for ``[K]``)."""
    if mine.ndim < 2 or mine.ndim > 5:
        return
    for axis in range(mine.ndim):
        shape = mine.shape[:axis] + mine.shape[axis + 1 :]
        if mine.shape[axis] < 2:
            continue
        theirs = [v.array for v in departure.pool.values if v.numeric and v.array.shape == shape]
        if not theirs:
            continue
        summed = mine.sum(axis=axis)
        if any(close(summed, t) for t in theirs):
            said = (
                f"`{code}` keeps axis {axis} ({mine.shape[axis]} entries: one per example?) "
                f"where its sum belongs: `({code}).sum(axis={axis})`"
            )
            yield Edit(span, "sum_axis", (axis,)), said, True
            return


def _counterparts(mine: ndarray, departure: Departure, span=None) -> list[ndarray]:
    """The reference's values at the departing point of ``mine``'s shape (or its
    transpose's): for what the call returns, what the reference's returns first; then the
    nearest first."""
    shapes = {mine.shape, mine.shape[::-1]}
    returned = departure.site is not None and departure.site.kind == "return"
    returned = returned and (span is None or span == departure.site.span)
    first = departure.pool.returned if returned else []
    values = [
        v.array.astype(np.float64)
        for v in [*first, *departure.pool.values]
        if v.numeric and v.array.shape in shapes and v.array.size > 1
    ]
    scale = float(np.abs(mine).max(initial=0.0)) + 1e-12

    def distance(theirs: ndarray) -> float:
        if theirs.shape != mine.shape:
            return np.inf
        with np.errstate(all="ignore"):
            gaps = np.abs(theirs - mine)
        finite = gaps[~np.isnan(gaps)]  # all NaN: no distance (nanmean would warn)
        return float(finite.mean()) / scale if finite.size else np.inf

    head = values[: len([v for v in first if v.array.shape in shapes])]
    return (head + sorted(values[len(head) :], key=distance))[:40]


def _trimmed(
    mine: ndarray,
    departure: Departure,
    span,
    code: str,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[Candidate]:
    """A value larger than the reference's along some axes that holds it as one block, where
    the reference's keeps an argument's size along them: padded along an axis that should
    not be (a batch or channel axis given a pad width too), a slice too wide. Only where no
    value of the reference's at that point has the learner's shape."""
    values = [v.array for v in departure.pool.values if v.numeric]
    if mine.ndim == 0 or any(v.shape == mine.shape for v in values):
        return
    fits = [v for v in values if v.ndim == mine.ndim and all(np.less_equal(v.shape, mine.shape))]
    for theirs in sorted(fits, key=lambda v: mine.size - v.size)[:8]:  # the nearest first
        extra = [m - t for m, t in zip(mine.shape, theirs.shape, strict=True)]
        axes = [a for a, e in enumerate(extra) if e]
        if not axes or max(extra) > 8:
            continue
        block = tuple(slice(e // 2, e // 2 + t) for e, t in zip(extra, theirs.shape, strict=True))
        if not close(mine[block].astype(np.float64), theirs.astype(np.float64)):
            continue
        like = next(
            (
                name
                for name, (value, site) in known.items()
                if site is None
                and value.ndim == mine.ndim
                and all(value.shape[a] == theirs.shape[a] for a in axes)
            ),
            None,
        )
        if like is None:
            return
        rest = mine.astype(np.float64)
        rest[block] = 0.0
        where = " and ".join(f"axis {a} ({extra[a]} more)" for a in axes)
        why = (
            "np.pad with one width pads every axis: give each its own, ((0, 0), (p, p)) …"
            if not np.any(rest)
            else "a slice or a window too wide?"
        )
        name = (
            f"`{code}` is larger than the right value along {where}, which should keep "
            f"`{like}`'s size ({why})"
        )
        yield Edit(span, "trim", (like, axes)), name, True
        return


def _scaled(
    mine: ndarray,
    theirs: ndarray,
    span,
    code: str,
    sizes: dict[int, tuple[str, int]],
    numbers: dict[str, int],
) -> Iterator[Candidate]:
    big = np.abs(theirs) > 1e-6 * float(np.abs(theirs).max(initial=0.0))
    if not big.any():
        return
    c = float(np.median(mine[big] / theirs[big]))
    if not np.isfinite(c) or c == 0.0 or abs(c - 1.0) < 1e-6 or not close(mine, c * theirs):
        return
    if abs(c + 1.0) < 1e-6:
        yield Edit(span, "negate"), f"`{code}` has the wrong sign", True
        return
    for path, n in numbers.items():  # an integer argument or attribute (a window's size)
        for power in (-1, 1):
            if abs(abs(c) - float(n) ** -power) <= 1e-6 * abs(c):
                times = f"{n} times" if power == -1 else f"1/{n} of"
                act = "divide by" if power == -1 else "multiply by"
                yield (
                    Edit(span, "mul_name", (path, power)),
                    f"`{code}` has {times} the right value ({n} = `{path}`): {act} `{path}` "
                    "once more (a power of it missing, or one too many?)",
                    True,
                )
    name = factor_name(code, c, sizes)
    for size, (path, axis) in sizes.items():
        for power, factor in ((-1, size), (1, 1.0 / size)):
            if abs(abs(c) - factor) <= 1e-6 * factor:
                yield from _reduction_swapped(span, code, power, name)
                yield Edit(span, "size_scale", (path, axis, power)), name, True
                if c < 0:
                    yield Edit(span, "negate"), f"`{code}` has the wrong sign", True
                return
    if written_constant(c):  # not 1.008 times: no one writes that; it is a coincidence
        yield Edit(span, "scale", (1.0 / c,)), name, True


def _reduction_swapped(span, code: str, power: int, name: str) -> Iterator[Candidate]:
    """``np.sum`` where ``np.mean`` belongs (``power`` -1: too large by a size), or back."""
    wrong, right = ("sum", "mean") if power == -1 else ("mean", "sum")
    if f"{wrong}(" in code and code.rstrip().endswith(")"):
        yield Edit(span, "call", (right,)), f"{name} — np.{right} belongs where np.{wrong} is", True


def _flipped(
    mine: ndarray,
    theirs: ndarray,
    span,
    code: str,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[Candidate]:
    """The right value reversed along an axis (or its last two). Not where an argument of
    that shape is its own mirror along them (``x = [-1, 0, 1]``): there the value of an odd
    or even function reversed is that function of ``-x`` or ``x``, and a reversal proves
    nothing (``σ(-x)`` where ``σ(x)`` belongs is no loop run backwards)."""
    axes_options: list[tuple[int, ...]] = [(a,) for a in range(mine.ndim)]
    if mine.ndim >= 2:
        axes_options.append((mine.ndim - 2, mine.ndim - 1))
    if 3 <= mine.ndim <= 4:  # a filter's channels reversed with its taps (`w[::-1, ::-1, …]`)
        axes_options += [
            c
            for k in range(2, mine.ndim + 1)
            for c in itertools.combinations(range(mine.ndim), k)
            if c not in axes_options
        ]
    arguments = [v for v, site in known.values() if site is None and v.shape == mine.shape]
    for axes in axes_options:
        if not all(mine.shape[a] > 1 for a in axes):
            continue
        flipped = np.flip(mine, axes)  # a view: a few elements looked at before all of them
        if not (_likely(_sampled(flipped), _sampled(theirs)) and close(flipped, theirs)):
            continue
        if not any(mirrored(x, axes) for x in arguments):
            last_two = axes == (mine.ndim - 2, mine.ndim - 1) and len(axes) == 2
            where = (
                f"axis {axes[0]}"
                if len(axes) == 1
                else "its last two axes"
                if last_two
                else f"axes {', '.join(map(str, axes))}"
            )
            undone = _unreversed(code, axes)
            said = (
                f"`{code}` reverses {where} too: `{undone}` is right"
                if undone
                else f"`{code}` is reversed along {where}: the order of a loop, an index "
                "counted from the wrong end, or a kernel flipped once too often (or not at all)?"
            )
            yield Edit(span, "flip", (list(axes),)), said, True
            return


def _unreversed(code: str, axes: tuple[int, ...]) -> str | None:
    """``x[::-1, ::-1, …]`` with the reversal of ``axes`` taken out (each of them written
    ``::-1``), or None where the code reverses them otherwise."""
    try:
        node = ast.parse(code, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Subscript):
        return None
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    reversing = [ast.unparse(p).replace(" ", "") == "::-1" for p in parts]
    if max(axes) >= len(parts) or not all(reversing[a] for a in axes):
        return None
    kept = [ast.Slice() if a in axes else p for a, p in enumerate(parts)]
    node.slice = ast.Tuple(elts=kept, ctx=ast.Load()) if len(kept) > 1 else kept[0]
    return ast.unparse(node)


def _shifted(mine: ndarray, theirs: ndarray, span, code: str) -> Iterator[Candidate]:
    """The right values one step along an axis (a time step or an index off by one): where
    the two overlap, each of the learner's elements is the reference's neighbour's."""
    for axis in range(mine.ndim):
        size = mine.shape[axis]
        if size < 3:
            continue
        head = (slice(None),) * axis + (slice(0, size - 1),)  # views, not copies
        tail = (slice(None),) * axis + (slice(1, size),)
        for step, (mine_part, theirs_part) in ((1, (tail, head)), (-1, (head, tail))):
            later, earlier = mine[mine_part], theirs[theirs_part]
            if not _likely(_sampled(later), _sampled(earlier)):
                continue  # a few elements first: most counterparts are not shifted at all
            if np.ptp(earlier) == 0 or not close(later, earlier):
                continue
            if close(later, theirs[mine_part]):  # the same in place: no shift
                continue
            held = "before" if step == 1 else "after"
            yield (
                Edit(span, "shift", (axis, -step)),
                f"`{code}` is the right value shifted by one along axis {axis} (each element "
                f"holds the one {held} it): an index, a window or a time step is off by one",
                True,
            )
            return


def _terms(
    mine: ndarray,
    theirs: ndarray,
    span,
    code: str,
    terms: list[Term],
) -> Iterator[Candidate]:
    """A term or factor too many or missing, equal to another known value (or a slice of one
    along an axis: `dZ_h[:, :D]` of a gradient taken apart by its gates)."""
    gap = theirs - mine
    samples = _sampled(gap)
    if _likely(samples, (0.0,) * len(samples)):
        return
    with np.errstate(all="ignore"):
        ratio = _sampled(theirs / mine)
    for term in terms:
        name, _, value, seen, cut, label = term
        for coef, word in ((1.0, "misses the term"), (-1.0, "has the extra term")):
            if _likely(samples, [coef * t for t in seen]) and close(
                mine + coef * value.astype(np.float64), theirs
            ):
                said = f"`{code}` {word} `{label}`"
                if coef < 0 and name not in code:  # `y - N` for `y - N - B`: nothing to remove
                    said = f"`{code}` misses the term `- {label}` (it is `{label}` too large)"
                if name == code and coef < 0 and cut is None:  # all of it too many
                    said = (
                        f"`{code}` holds what an earlier call left: the reference's value is "
                        "zeros here (a buffer kept on the object, never reset?)"
                    )
                yield _term_edit(span, "add", term, coef), said, True
        if cut is None:
            yield from _factors(mine, theirs, span, code, term, ratio)


def _factors(
    mine: ndarray, theirs: ndarray, span, code: str, term: Term, ratio: tuple[float, ...]
) -> Iterator[Candidate]:
    """A factor missing or too many: a known value, or its complement ``(1 - u)`` (a gate's
    share of what passes, the other share's weight)."""
    name, _, value, seen, _, _ = term
    for complement in (False, True):
        said = f"(1 - {name})" if complement else name
        for power, word in ((1, "misses the factor"), (-1, "has the extra factor")):
            if not _likely(ratio, [_power(1.0 - t if complement else t, power) for t in seen]):
                continue
            with np.errstate(all="ignore"):
                held = value.astype(np.float64)
                factor = (1.0 - held if complement else held) ** power
            if close(mine * factor, theirs):
                edit = _term_edit(span, "mul", term, power)
                if complement:
                    edit = Edit(edit.span, edit.op, (*edit.args, True))
                yield edit, f"`{code}` {word} `{said}`", True


Term = tuple[str, int | None, ndarray, tuple[float, ...], tuple[int, int, int] | None, str]
"""``(name, site, value, a few of its elements, (axis, start, stop) of a slice or None, the
code that reads it)``."""


def _term_edit(span, kind: str, term: Term, number: float) -> Edit:
    name, site, _, _, cut, _ = term
    if site is not None:
        return Edit(span, f"{kind}_site", (site, number, *(cut or ())))
    return Edit(span, f"{kind}_name", (name, number, *(cut or ())))


def _sliced(name: str, cut: tuple[int, int, int], size: int, called: dict[int, str]) -> str:
    """``name[:, D:D + H]``: the slice's bounds by the names of the whole numbers the call
    knows, where one name holds that number (else the number); none at either end."""
    axis, start, stop = cut
    lower = "" if start == 0 else called.get(start, str(start))
    upper = "" if stop == size else called.get(stop, str(stop))
    if upper and start and stop - start in called and stop not in called:
        upper = f"{lower} + {called[stop - start]}"
    return f"{name}[{':, ' * axis}{lower}:{upper}]"


def _integers(known: dict[str, tuple[ndarray, int | None]]) -> dict[int, str]:
    """Each whole number the call knows that exactly one name holds, by that name."""
    holders: dict[int, list[str]] = {}
    for name, (value, _) in known.items():
        if value.ndim == 0 and value.dtype.kind in "iu" and int(value) > 0:
            holders.setdefault(int(value), []).append(name)
    return {number: names[0] for number, names in holders.items() if len(names) == 1}


def _term_candidates(
    shape: tuple[int, ...], known: dict[str, tuple[ndarray, int | None]]
) -> list[Term]:
    """Each known value that could be a term or a factor of a value of ``shape`` (a bias
    [1, V] added to every row), with a few of its elements (most known values relate in none:
    those are looked at first); else each slice along one axis of a larger one, cut in pieces
    of ``shape``'s size from its start (the last piece also from its end)."""
    found: list[Term] = []
    called = _integers(known)
    for name, (held, site) in known.items():
        if held.dtype.kind != "f" or not held.any():
            continue
        if _broadcasts(held.shape, shape):
            value = np.broadcast_to(held, shape)
            found.append((name, site, value, _sampled(value), None, name))
            continue
        for axis, start, stop, piece in _pieces(held, shape):
            cut = (axis, start, stop)
            found.append(
                (
                    name,
                    site,
                    piece,
                    _sampled(piece),
                    cut,
                    _sliced(name, cut, held.shape[axis], called),
                )
            )
    return found


def _pieces(held: ndarray, shape: tuple[int, ...]) -> Iterator[tuple[int, int, int, ndarray]]:
    """Slices of ``held`` along the one axis where it is larger than ``shape``."""
    if held.ndim != len(shape):
        return
    differ = [a for a in range(held.ndim) if held.shape[a] != shape[a]]
    if len(differ) != 1 or held.shape[differ[0]] <= shape[differ[0]]:
        return
    axis, width, size = differ[0], shape[differ[0]], held.shape[differ[0]]
    for start in sorted({*range(0, size - width + 1, width), size - width}):
        cut = (slice(None),) * axis + (slice(start, start + width),)
        yield axis, start, start + width, held[cut]


def _broadcasts(shape: tuple[int, ...], to: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``to`` as it is (no new axes in front)."""
    return len(shape) == len(to) and all(a in (1, b) for a, b in zip(shape, to, strict=True))


def _sampled(a: ndarray) -> tuple[float, ...]:
    """The first, middle and last elements: a cheap first look before :func:`close`."""
    if a.size == 0:
        return ()
    flat = a.flat  # no copy of a view
    return tuple(float(flat[index]) for index in (0, a.size // 2, a.size - 1))


def _power(t: float, power: int) -> float:
    if power == 1:
        return t
    return 1.0 / t if t else float("inf")


def _likely(a: Sequence[float], b: Sequence[float]) -> bool:
    """A few elements agree (:func:`_sampled`)."""
    return all(abs(p - q) <= 1e-4 * (abs(q) + abs(p)) + 1e-9 for p, q in zip(a, b, strict=True))


# --- from the code ------------------------------------------------------------------------------
