"""A reshape where a transpose belongs, found where the reshape itself looks right.

``cols.reshape(N, H * W, -1)`` of im2col's [N, C·K·K, H·W] columns has the shape the next
product needs and the columns' numbers in their order: the same data as the key's columns,
only another shape, so the first value that departs is the learner's next, correct line (the
product). A reshape keeps the data's order; putting the axes in another order is a
transpose. Where a reshape's result holds exactly a reference value's numbers in another
shape (it matched only as "a reshape that keeps the data") and a value of the same call
departs, each order of the reshaped array's axes that gives the reshape's shape (as it is,
or with neighbouring axes merged) is proposed made before the reshape; proven like any edit.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence

from numpy import ndarray

from ..sandbox.instrument import Edit, span_of
from .aligned import Departure, Pool, close
from .layouts import reshaped_operand
from .relations import Proposal
from .source import Source
from .traces import Trace

__all__ = ["untransposed_reshapes"]

MAX_ORDERS = 4
"""At most this many orders proposed for one reshape (the fewest axes moved first)."""


def untransposed_reshapes(
    sources: Sequence[Source], learner: Trace, departures: Sequence[Departure]
) -> list[Proposal]:
    """For each reshape whose result matched the reference's only in another shape, in a call
    where something departs: its operand's axes put in an order that the reshape needs."""
    found: list[Proposal] = []
    for index, departure in enumerate(departures):
        fid = departure.value.fid
        if any(p.fid == fid for p in found) or fid >= len(sources):
            continue
        values = _latest(learner, departure)
        for edit, said in _orders(sources[fid], values, departure.pool):
            found.append(Proposal(fid, edit, said, index, edit.span[0]))
    return found


def _latest(learner: Trace, departure: Departure) -> dict[object, ndarray]:
    """The call's values by site number, and its arguments by name (the last of each)."""
    values: dict[object, ndarray] = {}
    for value in learner.invocation(departure.value.fid, departure.value.inv):
        if value.elem != -1 or not value.numeric:
            continue
        if value.kind == "value":
            values[int(value.key)] = value.array
        elif value.kind == "entry":
            values[str(value.key)] = value.array
    return values


def _orders(
    source: Source, values: dict[object, ndarray], pool: Pool
) -> Iterator[tuple[Edit, str]]:
    by_span = {site.span: sid for sid, site in enumerate(source.sites)}
    for call in ast.walk(source.node):
        operand = reshaped_operand(call) if isinstance(call, ast.Call) else None
        if operand is None:
            continue
        mine = values.get(by_span.get(span_of(call), -1))
        held = values.get(by_span.get(span_of(operand), -1))
        if held is None and isinstance(operand, ast.Name):
            held = values.get(operand.id)
        if mine is None or held is None or not _reshaped_only(mine, pool):
            continue
        if held.size != mine.size or not 2 <= held.ndim <= 5 or held.dtype.kind not in "fc":
            continue
        code, reshape = ast.unparse(operand), ast.unparse(call)
        for axes in _axes(held.shape, mine.shape)[:MAX_ORDERS]:
            order = ", ".join(map(str, axes))
            moved = f"{code}.T" if held.ndim == 2 else f"{code}.transpose({order})"
            said = (
                f"`{reshape}` reshapes `{code}` where its axes must be put in another order "
                f"first (a reshape keeps the data's order): `{moved}` before the reshape"
            )
            yield Edit(span_of(operand), "permute", (list(axes),)), said


def _reshaped_only(mine: ndarray, pool: Pool) -> bool:
    """Whether ``mine`` holds a reference value's numbers in another shape only."""
    if mine.dtype.kind not in "fc" or mine.size < 4:
        return False
    shaped = any(v.array.shape == mine.shape and close(v.array, mine) for v in pool.values)
    return not shaped and any(
        v.array.size == mine.size and v.array.shape != mine.shape and close(v.array, mine)
        for v in pool.values
        if v.numeric
    )


def _axes(shape: tuple[int, ...], wanted: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The orders of ``shape``'s axes (not its own) from which ``wanted`` is the shape as it
    is or with neighbouring axes merged; the fewest axes moved first."""
    found = []
    for axes in itertools.permutations(range(len(shape))):
        if axes == tuple(range(len(shape))):
            continue
        if _merges(tuple(shape[a] for a in axes), wanted):
            found.append(axes)
    return sorted(found, key=lambda axes: sum(a != i for i, a in enumerate(axes)))


def _merges(shape: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    """Whether ``wanted`` is ``shape`` with runs of neighbouring axes merged (sizes of one
    ignored)."""
    rest = [s for s in shape if s != 1]
    for size in (w for w in wanted if w != 1):
        product = 1
        while rest and product < size:
            product *= rest.pop(0)
        if product != size:
            return False
    return not rest
