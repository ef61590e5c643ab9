"""Tracing what each check calls on the pristine reference (``dlfs-grade build-answers``).

:func:`record_calls` runs every check of the course — hidden and training ones too — as a worker
runs it (the probe on the reference, with the check's inputs and, for a training check, the
inputs its data set gives the worker), under a profile function that notes every function of
``dlfs`` called, and those called while an exercise's target runs (see :mod:`..answers.calls`). The
checks run with the learner's own inputs and with one official draw, so that a branch taken
for some inputs only is seen.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
import sys
import types
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..answers.calls import CallRecord, CallRecordError, reference_name
from ..course import Course, Exercise
from ..grading.seeds import check_seed
from ..probes.record import find_probe

__all__ = ["record_calls"]

_TRACED = "dlfs."
_SALTS = (None, 1)
"""The checks' inputs traced: the learner's own, and one official draw."""
_TRAINING_BUDGET = 1.0
"""Seconds a training check trains while traced: every step of a training loop calls the
same functions, so a second of them shows them all (the budget is a wall-clock bound)."""


def _qualname(code: types.CodeType, names: dict[types.CodeType, str]) -> str:
    """The qualified name of ``code`` (Python 3.11 keeps it on the code object; before, the
    functions in memory say it)."""
    name = getattr(code, "co_qualname", None)
    return name if name is not None else names.get(code, code.co_name)


class _Tracer:
    """A profile function that records the ``dlfs`` functions called, and those called while
    one of ``targets`` runs."""

    def __init__(self, targets: Iterable[str]) -> None:
        self.targets = set(targets)
        self.called: set[str] = set()
        self.inside: dict[str, set[str]] = {}
        self._open: list[tuple[types.FrameType, str]] = []
        self._names: dict[types.CodeType, str] = {}
        if not hasattr(types.CodeType, "co_qualname"):  # Python 3.10
            import gc  # optional: only where code objects do not know their qualified name

            for obj in gc.get_objects():
                if isinstance(obj, types.FunctionType):
                    self._names[obj.__code__] = obj.__qualname__

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if not module.startswith(_TRACED) or frame.f_code.co_name == "<module>":
                return
            name = f"{module}:{_qualname(frame.f_code, self._names)}"
            self.called.add(name)
            for _, target in self._open:
                if target != name:
                    self.inside.setdefault(target, set()).add(name)
            if name in self.targets:
                self._open.append((frame, name))
        elif event == "return" and self._open and self._open[-1][0] is frame:
            self._open.pop()


def _runs(
    exercise: Exercise, data: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any] | Exception, int]]:
    """``(probe, params, seed)`` of each of the exercise's checks, as the workers run them
    (``params`` is why not, for a training check whose data set cannot be loaded here)."""
    for index, spec in enumerate(exercise.checks):
        params = dict(spec.probe_params)
        if spec.kind == "training":
            key = f"{exercise.chapter}:{spec.probe}:{json.dumps(params, sort_keys=True)}"
            if key not in data:
                make = find_probe(exercise.chapter, spec.probe).data
                assert make is not None, "the course checks that training probes have data"
                try:
                    data[key] = make(**params)[0]  # the inputs only, as the worker gets them
                except Exception as error:  # the data set is not here
                    data[key] = error
            if isinstance(data[key], Exception):
                yield spec.probe, data[key], check_seed(exercise.id, index)
                continue
            traced = {**params, "data": data[key]}
            if "budget" in traced:
                traced["budget"] = min(float(traced["budget"]), _TRAINING_BUDGET)
            yield spec.probe, traced, check_seed(exercise.id, index)
            continue
        for salt in _SALTS:
            yield spec.probe, params, check_seed(exercise.id, index, salt)


def _import_all(reference: types.ModuleType) -> None:
    """Import every module of the reference first (PyTorch's where it is installed), so that
    no module's or class's body runs while a check is traced: what is recorded is then the
    same whatever ran before."""
    torch = importlib.util.find_spec("torch") is not None
    for module in pkgutil.walk_packages(reference.__path__, reference.__name__ + "."):
        name = module.name
        if ".experiments" in name or (".pytorch" in name and not torch):
            continue
        importlib.import_module(name)


def record_calls(
    course: Course, chapters: Iterable[str] | None = None, earlier: CallRecord | None = None
) -> CallRecord:
    """Run every check of ``chapters`` (default: all) on the pristine reference, as the
    worker runs it, and record what each calls. A training check whose data set is not here
    keeps what ``earlier`` (the record committed with the package) says of it.

    Raises:
        CallRecordError: a training check's data set is missing and ``earlier`` does not
            know it either.
        Exception: a check cannot run on the reference (a broken probe): the record would be
            incomplete.
    """
    wanted = set(chapters) if chapters is not None else None
    reference = importlib.import_module("dlfs.reference")
    _import_all(reference)
    record = CallRecord()
    data: dict[str, Any] = {}
    for exercise in course.exercises:
        if wanted is not None and exercise.chapter not in wanted:
            continue
        targets = [reference_name(str(t)) for t in exercise.targets]
        for probe_name, params, seed in _runs(exercise, data):
            if isinstance(params, Exception):
                _keep_earlier(record, earlier, f"{exercise.chapter}:{probe_name}", targets, params)
                continue
            probe = find_probe(exercise.chapter, probe_name)
            tracer = _Tracer(targets)
            sys.setprofile(tracer)
            try:
                probe(reference, np.random.default_rng(seed), **params)
            finally:
                sys.setprofile(None)
            record.probes.setdefault(f"{exercise.chapter}:{probe_name}", set()).update(
                tracer.called
            )
            for target in targets:
                record.inside.setdefault(target, set()).update(tracer.inside.get(target, ()))
    return record


def _keep_earlier(
    record: CallRecord, earlier: CallRecord | None, probe: str, targets: list[str], why: Exception
) -> None:
    """Record what ``earlier`` says of ``probe`` (and of the targets it runs)."""
    if earlier is None or probe not in earlier.probes:
        raise CallRecordError(
            f"{probe} cannot be traced: its data set cannot be loaded ({why}), and no earlier "
            "record says what it calls; fetch it (`dlfs-grade data fetch all`) and build again"
        )
    record.probes.setdefault(probe, set()).update(earlier.probes[probe])
    for target in targets:
        record.inside.setdefault(target, set()).update(earlier.inside.get(target, ()))
