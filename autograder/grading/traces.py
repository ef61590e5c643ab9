"""A traced run's values, as the worker (or the grader, for the reference) recorded them.

A :class:`Trace` is every value one run of a check recorded (see ``sandbox.trace``), each a
:class:`Value`: which function and which of its calls (*invocation*) it belongs to, and
whether it is an argument, the object's state before or after the call, or a site's value.
What the source says about each site is :mod:`.source`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["Trace", "Value", "parse_trace", "trace_from_records"]

_KINDS = frozenset({"entry", "entry_out", "self_in", "self_out", "value"})


@dataclass(frozen=True)
class Value:
    """One recorded value.

    Attributes:
        fid: the traced function (its index in the exercise's targets).
        inv: which call of it (0 for the first).
        kind: ``entry`` (an argument), ``self_in`` / ``self_out`` (the object's state when the
            call began / ended), ``value`` (a site's).
        key: the site's number (``value``), else the argument's or attribute's path.
        hit: how many times the site had run before, in this call.
        elem: the element of a tuple the site computed (-1: the whole value).
        seq: when it was recorded (the run's order).
        array: the value.
        alias: for a site's value, the argument or attribute it *is* (the same array, not a
            copy), if it is one.
        graph: for a tensor, whether autograd tracks how it was computed (None: no tensor).
    """

    fid: int
    inv: int
    kind: str
    key: int | str
    hit: int
    elem: int
    seq: int
    array: ndarray = field(repr=False, compare=False)
    alias: str | None = None
    graph: bool | None = None

    @property
    def numeric(self) -> bool:
        """A float or boolean value (integers are counts and indices, not results)."""
        return self.array.dtype.kind in "fb"


@dataclass
class Trace:
    """Every value of one run, in the order recorded."""

    values: list[Value]
    truncated: bool = False

    def invocation(self, fid: int, inv: int) -> list[Value]:
        return [v for v in self.values if v.fid == fid and v.inv == inv]

    def of(self, fid: int) -> list[Value]:
        return [v for v in self.values if v.fid == fid]


def parse_trace(arrays: Mapping[str, ndarray], functions: int) -> Trace | None:
    """A worker's trace (``trace<i>.npz`` as read back), checked: None when it is not one."""
    meta_bytes = arrays.get("meta")
    if meta_bytes is None or meta_bytes.dtype != np.uint8 or meta_bytes.size > 20_000_000:
        return None
    try:
        meta = json.loads(meta_bytes.tobytes().decode("utf-8"))
        records = meta["records"]
        values = [_value(m, arrays[f"v{k}"], functions) for k, m in enumerate(records)]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    values.sort(key=lambda v: v.seq)
    return Trace(values, bool(meta.get("truncated", False)))


def _value(meta: Mapping[str, Any], array: ndarray, functions: int) -> Value:
    kind = str(meta["kind"])
    fid = int(meta["fid"])
    if kind not in _KINDS or not 0 <= fid < functions:
        raise ValueError(f"not a trace record: {meta!r}")
    key = int(meta["key"]) if kind == "value" else str(meta["key"])[:200]
    numbers = (int(meta["inv"]), int(meta["hit"]), int(meta["elem"]), int(meta["seq"]))
    alias = str(meta["alias"])[:200] if meta.get("alias") is not None else None
    graph = bool(meta["graph"]) if meta.get("graph") is not None else None
    return Value(
        fid, numbers[0], kind, key, numbers[1], numbers[2], numbers[3], array, alias, graph
    )


def trace_from_records(records: Iterable[tuple[dict[str, Any], ndarray]], truncated: bool) -> Trace:
    """A trace from a recorder in this process (the reference's)."""
    values = [_value(meta, array, 1 << 30) for meta, array in records]
    values.sort(key=lambda v: v.seq)
    return Trace(values, truncated)


# --- the source ------------------------------------------------------------------------------
