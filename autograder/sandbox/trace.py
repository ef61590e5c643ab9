"""The recorder behind instrumented code, and a worker's trace job.

:class:`Recorder` is what ``__dlfs_trace__`` names in an instrumented function's module (see
:mod:`.instrument`). It keeps, for each call of each traced function (an *invocation*), the
values its sites computed — the first :data:`FIRST_HITS` times a site runs, and the last —
with the arguments it was called with and the arrays its object (``self``) held when it
returned. It applies the code's edits to values (:meth:`Recorder.fix`) and redraws from a
generator (:meth:`Recorder.draw`).

In a worker, a job with a ``trace`` (:class:`TraceJob`) runs each probe call on the learner's
functions instrumented, recording or with that call's edits, and writes ``trace<i>.npz``:
arrays only (``v<k>``), and ``meta``, the records' description as JSON bytes. The grader
reads it back bounded (:func:`read_trace`) and never trusts it for a score: a trace only
explains a failure the checks found.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy import ndarray

from .guard import Guard, is_array, is_tensor, leaves
from .instrument import RUNTIME, Edit, instrument
from .outputs import load_arrays
from .splice import REFERENCE_PACKAGE, LearnerFunction, install, parse_target

__all__ = [
    "FIRST_HITS",
    "Recorder",
    "TraceJob",
    "captured",
    "read_trace",
    "trace_file",
]

FIRST_HITS = 3
"""A site's first values kept in an invocation (then only its last)."""
SMALL_HITS = 64
"""For a small value (a number: a loop over a graph's nodes), the first values kept."""
_SMALL = 16
MAX_ELEMENTS = 6_000_000
"""Elements kept in all (48 MB of float64): a trace explains, it need not be complete."""
MAX_ARRAY = 1_000_000
"""The largest array kept."""
MAX_RECORDS = 20_000


@dataclass
class _Invocation:
    fid: int
    index: int
    owner: Any = None
    hits: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    last: dict[int, tuple[int, int, Any]] = field(default_factory=dict)
    aliases: dict[int, str] = field(default_factory=dict)
    """``id`` of each array the call was given (or its object held) -> its path."""
    given: list[tuple[str, Any]] = field(default_factory=list)
    """The arrays among the arguments, kept to be recorded again at the end."""


class Recorder(Guard):
    """Collects an instrumented run's values; it guards the arguments as :class:`Guard`
    does, so that a traced run ends as the graded one did.

    Args:
        record: keep values (else only apply edits; a site's latest value is still held,
            for edits that add it elsewhere).
        allowed: per function, the arguments it may change in place.
        enforce: raise where a function changes another (the reference's run does not: it
            is the answer key).
    """

    def __init__(
        self,
        record: bool = True,
        allowed: Mapping[int, Any] | None = None,
        enforce: bool = True,
    ) -> None:
        super().__init__(allowed, enforce)
        self.thread = threading.get_ident()
        """The thread whose calls are traced: in the grader, the reference's functions are
        swapped for instrumented ones for every thread, and another slot's thread computing
        its own answers meanwhile must neither be recorded nor disturb the stacks."""
        self.record = record
        self.records: list[tuple[dict[str, Any], ndarray]] = []
        self.truncated = False
        self._stacks: dict[int, list[_Invocation]] = defaultdict(list)
        self._count: dict[int, int] = defaultdict(int)
        self._seq = 0
        self._elements = 0

    # --- called by instrumented code ---------------------------------------------------------

    def enter(self, fid: int, frame: Mapping[str, Any]) -> None:
        if threading.get_ident() != self.thread:
            return
        super().enter(fid, frame)
        invocation = _Invocation(fid, self._count[fid], frame.get("self"))
        self._count[fid] += 1
        self._stacks[fid].append(invocation)
        if self.record:
            for name, value in list(frame.items()):
                if name != "self":
                    self._keep_tree(invocation, "entry", name, value)
            self._keep_owner(invocation, "self_in")

    def leave(self, fid: int) -> None:
        if threading.get_ident() != self.thread:
            return
        stack = self._stacks.get(fid)
        if stack:
            self._end(stack.pop())
        super().leave(fid)

    def _end(self, invocation: _Invocation) -> None:
        if self.record:
            for sid, (hit, seq, value) in invocation.last.items():
                if hit >= (SMALL_HITS if _small(value) else FIRST_HITS):
                    self._keep(invocation, "value", sid, value, hit, seq)
            for path, value in invocation.given:
                self._seq += 1
                self._keep(invocation, "entry_out", path, value, 0, self._seq)
            self._keep_owner(invocation, "self_out")

    def v(self, fid: int, sid: int, value: Any) -> Any:
        stack = self._stacks.get(fid)
        if not stack or threading.get_ident() != self.thread:
            return value
        invocation = stack[-1]
        hit = invocation.hits[sid]
        invocation.hits[sid] = hit + 1
        self._seq += 1
        invocation.last[sid] = (hit, self._seq, value)
        if self.record and (hit < FIRST_HITS or (hit < SMALL_HITS and _small(value))):
            self._keep(invocation, "value", sid, value, hit, self._seq)
        return value

    def fix(self, value: Any, fid: int, op: str, args: tuple[Any, ...]) -> Any:
        """``value`` with the edit ``op`` made (unchanged where it does not apply)."""
        if threading.get_ident() != self.thread:
            return value
        try:
            return _apply(value, op, args, self._latest(fid))
        except Exception:
            return value

    def trim(self, value: Any, like: Any, axes: tuple[int, ...]) -> Any:
        """``value`` cut equally from both ends of each of ``axes`` down to ``like``'s size
        along it (unchanged where it is not larger)."""
        try:
            block = [slice(None)] * value.ndim
            for axis in axes:
                extra = value.shape[axis] - like.shape[axis]
                if extra > 0:
                    block[axis] = slice(extra // 2, extra // 2 + like.shape[axis])
            return value[tuple(block)]
        except Exception:
            return value

    def draw(self, generator: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        """``np.random.<method>(*args)``, drawn from ``generator`` instead."""
        return _draw(generator, method, args, kwargs)

    # --- keeping values ----------------------------------------------------------------------

    def _latest(self, fid: int) -> Callable[[int], Any]:
        stack = self._stacks.get(fid)
        last = stack[-1].last if stack else {}
        return lambda sid: last[sid][2]

    def _keep(
        self, invocation: _Invocation, kind: str, key: int | str, value: Any, hit: int, seq: int
    ) -> None:
        for element, array, graph in captured(value):
            if self._full(array):
                return
            meta = {
                "fid": invocation.fid,
                "inv": invocation.index,
                "kind": kind,
                "key": key,
                "hit": hit,
                "elem": element,
                "seq": seq,
            }
            alias = invocation.aliases.get(id(value))
            if alias is not None and kind == "value":
                meta["alias"] = alias
            if graph is not None:
                meta["graph"] = graph
            self.records.append((meta, array))

    def _full(self, array: ndarray) -> bool:
        if len(self.records) >= MAX_RECORDS or self._elements + array.size > MAX_ELEMENTS:
            self.truncated = True
            return True
        self._elements += array.size
        return False

    def _keep_tree(self, invocation: _Invocation, kind: str, name: str, value: Any) -> None:
        for path, leaf in leaves(name, value):
            self._seq += 1
            if kind in ("entry", "self_in") and is_array(leaf):
                invocation.aliases.setdefault(id(leaf), path)
                if kind == "entry":
                    invocation.given.append((path, leaf))
            self._keep(invocation, kind, path, leaf, 0, self._seq)

    def _keep_owner(self, invocation: _Invocation, kind: str) -> None:
        owner = invocation.owner
        state = getattr(owner, "__dict__", None)
        if not isinstance(state, dict):
            return
        for name, value in _attributes(state):
            self._keep_tree(invocation, kind, f"self.{name}", value)

    # --- writing -----------------------------------------------------------------------------

    def write(self, path: Path) -> None:
        """The records as ``v<k>`` arrays and ``meta`` (JSON bytes) in one ``.npz``."""
        arrays = {f"v{k}": array for k, (_, array) in enumerate(self.records)}
        meta = {"records": [m for m, _ in self.records], "truncated": self.truncated}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)


_MODULE_STATE = ("_parameters", "_buffers")
"""Where a ``torch.nn.Module`` keeps the tensors its code sets as ``self.x``."""


def _attributes(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """An object's attributes as its code names them (a module's tensors by their names)."""
    found = []
    for name, value in list(state.items())[:64]:
        if name in _MODULE_STATE and isinstance(value, dict):
            found.extend((str(k), v) for k, v in list(value.items())[:32])
        else:
            found.append((name, value))
    return found


def _small(value: Any) -> bool:
    """A number or an array of at most a few numbers."""
    if isinstance(value, ndarray):
        return value.size <= _SMALL
    if isinstance(value, int | float | np.generic):
        return True
    return is_tensor(value) and value.numel() <= _SMALL


def captured(value: Any) -> list[tuple[int, ndarray, bool | None]]:
    """``value`` as arrays to keep: ``[(-1, array, graph)]``, one per element of a tuple or
    list of arrays, or none (anything not numeric, or too large). ``graph`` says whether a
    tensor is the result of operations autograd tracks (None: not a tensor)."""
    if isinstance(value, tuple | list) and 0 < len(value) <= 8:
        if any(isinstance(v, tuple | list | int | float) for v in value):
            return []
        parts = [(i, _array(v), _graph(v)) for i, v in enumerate(value)]
        return [(i, a, g) for i, a, g in parts if a is not None]
    array = _array(value)
    return [] if array is None else [(-1, array, _graph(value))]


def _graph(value: Any) -> bool | None:
    return bool(value.grad_fn is not None) if is_tensor(value) else None


def _array(value: Any) -> ndarray | None:
    if isinstance(value, ndarray):
        array = value
    elif isinstance(value, bool | int | float | np.generic):
        array = np.asarray(value)
    elif type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        try:
            array = value.detach().cpu().numpy()
        except Exception:
            return None
    else:
        return None
    if array.dtype.kind not in "biuf" or array.size > MAX_ARRAY:
        return None
    return np.array(array, copy=True)


# --- edits of values ---------------------------------------------------------------------------


def _apply(value: Any, op: str, args: tuple[Any, ...], latest: Callable[[int], Any]) -> Any:
    tensor = is_tensor(value)
    if op == "transpose":
        return value.T if not tensor else value.transpose(-2, -1)
    if op == "permute":
        return value.permute(*args[0]) if tensor else np.transpose(value, args[0])
    if op == "negate":
        return -value
    if op == "scale":
        return value * args[0]
    if op == "offset":
        return value + args[0]
    if op in ("flip", "shift", "regroup", "sum_axis", "regrid"):
        return _along_axes(value, op, args, tensor)
    if op == "add_site":  # site, coefficient[, axis, start, stop: a slice of it]
        term = latest(int(args[0]))
        if len(args) == 5:
            axis, start, stop = int(args[2]), int(args[3]), int(args[4])
            term = term[(slice(None),) * axis + (slice(start, stop),)]
        return value + args[1] * term
    if op == "mul_site":  # site, power[, complement: (1 - its value)]
        held = latest(int(args[0]))
        return value * ((1.0 - held) if len(args) > 2 and args[2] else held) ** args[1]
    raise ValueError(op)


def _along_axes(value: Any, op: str, args: tuple[Any, ...], tensor: bool) -> Any:
    """The edits of a value's axes: reversed, rolled, regrouped, summed over."""
    if op == "flip":
        axes = tuple(args[0])
        return value.flip(axes) if tensor else np.flip(value, axes)
    if op == "shift":
        axis, steps = int(args[0]), int(args[1])
        return value.roll(steps, axis) if tensor else np.roll(value, steps, axis)
    if op == "regrid":  # the data read in the axes' order args[0], then put in this one
        order = [int(a) for a in args[0]]
        moved = value.reshape(tuple(value.shape[a] for a in order))
        back = tuple(int(a) for a in np.argsort(order))
        return moved.permute(*back) if tensor else np.transpose(moved, back)
    if op == "regroup":
        shape, axes = tuple(args[0]), tuple(args[1])
        moved = value.reshape(shape)
        moved = moved.permute(*axes) if tensor else np.transpose(moved, axes)
        return moved.reshape(value.shape)
    return value.sum(dim=int(args[0])) if tensor else value.sum(axis=int(args[0]))


_LEGACY = {
    "rand": ("random", True),
    "randn": ("standard_normal", True),
    "random_sample": ("random", False),
    "ranf": ("random", False),
    "sample": ("random", False),
    "randint": ("integers", False),
}


def _draw(generator: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A legacy ``np.random`` call made on a ``np.random.Generator``."""
    name, sizes_as_args = _LEGACY.get(method, (method, False))
    if sizes_as_args:
        return getattr(generator, name)(tuple(args) if args else None, **kwargs)
    return getattr(generator, name)(*args, **kwargs)


# --- the worker's trace job ----------------------------------------------------------------------


@dataclass(frozen=True)
class TraceJob:
    """What a worker traces: for each probe call, whether to record and which edits to make.

    Attributes:
        record: per call, whether its values are recorded (written to ``trace<i>.npz``).
        edits: per call, ``(function index, edit)`` pairs: the learner's code changed so.
    """

    record: tuple[bool, ...]
    edits: tuple[tuple[tuple[int, Edit], ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "record": list(self.record),
            "edits": [[[fid, e.to_json()] for fid, e in call] for call in self.edits],
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TraceJob:
        edits = tuple(
            tuple((int(fid), Edit.from_json(e)) for fid, e in call) for call in value["edits"]
        )
        return cls(tuple(bool(r) for r in value["record"]), edits)

    def before_call(
        self, index: int, functions: list[LearnerFunction], package: str = REFERENCE_PACKAGE
    ) -> Recorder:
        """Install the learner's functions instrumented for call ``index`` (worker only)."""
        allowed = {fid: f.changes for fid, f in enumerate(functions)}
        recorder = Recorder(record=self.record[index], allowed=allowed)
        for fid, function in enumerate(functions):
            module_name, _ = parse_target(function.target)
            module = importlib.import_module(f"{package}.{module_name}")
            module.__dict__[RUNTIME] = recorder
            edits = [edit for owner, edit in self.edits[index] if owner == fid]
            transform = _instrumenter(fid, edits, recorder.record)
            install(function, package, transform=transform, helpers=False)
        return recorder


def _instrumenter(fid: int, edits: list[Edit], record: bool) -> Callable[[Any], Any]:
    return lambda node: instrument(node, fid, edits, record, copy=False)  # a copy already


def trace_file(out: Path, index: int) -> Path:
    """Where a worker writes call ``index``'s trace."""
    return out / f"trace{index}.npz"


def read_trace(out: Path, index: int, file_mb: int) -> dict[str, ndarray] | None:
    """Call ``index``'s trace as the worker wrote it (None: none, or unreadable), read with
    the same distrust as its outputs."""
    path = trace_file(out, index)
    try:
        if path.lstat().st_size > file_mb * 2**20:
            return None
        return load_arrays(path, file_mb * 2**20, members=MAX_RECORDS + 1)  # and meta
    except Exception:  # whatever the worker wrote: no trace, and the checks stand
        return None
