"""Grade one exercise: read the learner's functions, run the probes in a worker, judge them.

The steps, all but the middle one in the grader's own process:

1. ``splice.read_target`` parses the learner's file for each of the exercise's targets: a
   missing file or function or a syntax error ends the exercise with status ``error``; a body
   that is still the stub makes it ``not_started``.
2. ``sandbox.run_worker`` splices the functions into the reference in a worker and runs one
   probe call per check; training checks get their inputs (never their labels) as a file.
3. ``checks.evaluate`` judges each call; the exercise's score is the sum of its checks'.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .checks import CheckContext, evaluate, probe_module
from .course import CheckSpec, Exercise
from .fixtures import HIDDEN_NOT_RUN, needs_other_exercise, reference_available
from .results import CheckResult, ExerciseResult
from .sandbox import Limits, ProbeCall, run_worker
from .splice import LearnerFunction, SpliceError, read_target

__all__ = ["DataCache", "EventHandler", "check_params", "check_seed", "grade_exercise"]

EventHandler = Callable[[str, dict[str, Any]], None]
"""``on_event(event, info)``: ``"exercise"`` (starting one), ``"check"`` (a probe running:
its name, kind, budget and elapsed seconds), ``"result"`` (an ``ExerciseResult``)."""

_OPTION_KEYS = ("params", "probe", "kind", "points", "hidden", "name")
_SUMMARY_CHARS = 400
_JUDGING = threading.Lock()
_TORCH_PRELOAD = (
    "torch",
    "torch.nn",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "dlfs.reference.pytorch.layers",
    "dlfs.reference.pytorch.models",
    "dlfs.reference.pytorch.trainer",
    "dlfs.reference.pytorch.lstm",
    "dlfs.reference.pytorch.autoencoder",
    "dlfs.autograder.probes.chapter7:warm_up",
)
"""What the worker server imports before forking a chapter 7 worker (PyTorch is slow to
import, and a worker running as ``nobody`` may not be able to read it)."""
_TORCH_OFFLINE_PRELOAD = (*_TORCH_PRELOAD[:4], "dlfs.autograder.probes.chapter7:warm_up_torch")
"""The same without the reference (the learner's package is never imported unsandboxed)."""


class DataCache:
    """Training inputs written once per grading run, and the labels the grader keeps."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._entries: dict[str, tuple[str, dict[str, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        """``(path of the inputs' .npz, labels)`` for a training probe, made on first use."""
        with self._lock:
            return self._get(module, probe, params)

    def _get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        key = json.dumps([module, probe, params], sort_keys=True, default=str)
        if key not in self._entries:
            make = getattr(probe_module(module), f"{probe}__data")
            inputs, labels = make(**params)
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="dlfs-data-"))
                os.chmod(self._dir, 0o755)
            path = self._dir / f"data{len(self._entries)}.npz"
            np.savez(path, **inputs)
            os.chmod(path, 0o644)
            self._entries[key] = (str(path), labels)
        return self._entries[key]

    def close(self) -> None:
        """Delete the files."""
        if self._dir is not None:
            for path in self._dir.iterdir():
                path.unlink(missing_ok=True)
            self._dir.rmdir()
            self._dir = None
        self._entries.clear()


def check_seed(exercise_id: str, index: int) -> int:
    """The seed of a check's inputs: fixed per exercise and check, the same in both runs."""
    return zlib.crc32(f"{exercise_id}/{index}".encode())


def check_params(spec: CheckSpec) -> dict[str, Any]:
    """The probe's keyword arguments for a check (a training check's budget among them)."""
    params = dict(spec.options.get("params", {}) or {})
    if spec.kind == "training" and "budget" in spec.options:
        params.setdefault("budget", spec.options["budget"])
    return params


def _label(spec: CheckSpec) -> str:
    return spec.name if spec.name and spec.name != spec.probe else f"{spec.kind}:{spec.probe}"


def _zero_checks(exercise: Exercise, message: str = "", offline: bool = False) -> list[CheckResult]:
    return [
        _skipped(s)
        if offline and s.hidden
        else CheckResult(_label(s), s.kind, 0.0, float(s.points), False, message, s.hidden)
        for s in exercise.checks
    ]


def _skipped(spec: CheckSpec) -> CheckResult:
    """A hidden check where the reference is not installed: reported, not run, not counted."""
    return CheckResult(
        _label(spec), spec.kind, 0.0, float(spec.points), False, HIDDEN_NOT_RUN, True, skipped=True
    )


def _shorten(message: str, limit: int = _SUMMARY_CHARS) -> str:
    """The exercise's one-line summary; every check keeps its full message."""
    if len(message) <= limit:
        return message
    return message[: limit - 1].rstrip() + "… (-v for every check)"


def _options(spec: CheckSpec) -> dict[str, Any]:
    options = dict(spec.settings)
    options.update({k: v for k, v in spec.options.items() if k not in _OPTION_KEYS})
    return options


def grade_exercise(
    exercise: Exercise,
    workspace: Path,
    data: DataCache | None = None,
    on_event: EventHandler | None = None,
    slot: int = 0,
    use_reference: bool | None = None,
) -> ExerciseResult:
    """Grade ``exercise`` with the learner's functions from ``workspace``.

    Never raises for anything in the learner's files or code: every problem becomes the
    exercise's status and message. ``slot`` picks the worker server (one per exercise graded
    at the same time).

    Without the reference (``use_reference`` False, or None and ``dlfs.reference`` not
    installed), the public checks compare with the stored known answers
    (``dlfs.autograder.fixtures``), the worker runs the learner's whole package, and hidden
    checks are reported as not run; score and maximum count the public checks only.
    """
    start = time.monotonic()
    if on_event:
        on_event("exercise", {"id": exercise.id, "title": exercise.title})
    offline = not (reference_available() if use_reference is None else use_reference)
    result = _grade(exercise, workspace, data or DataCache(), on_event, slot, offline)
    result.seconds = time.monotonic() - start
    if on_event:
        on_event("result", {"id": exercise.id, "result": result})
    return result


def _grade(
    exercise: Exercise,
    workspace: Path,
    data: DataCache,
    on_event: EventHandler | None,
    slot: int,
    offline: bool = False,
) -> ExerciseResult:
    points = float(
        sum(s.points for s in exercise.checks if not s.hidden) if offline else exercise.points
    )
    functions: list[LearnerFunction] = []
    try:
        for target in exercise.targets:
            functions.append(read_target(workspace, str(target)))
    except SpliceError as error:
        checks = _zero_checks(exercise, str(error), offline)
        return ExerciseResult(exercise.id, 0.0, points, "error", str(error), checks)
    if all(f.stub for f in functions):
        where = ", ".join(f"{Path(f.path).name} line {f.stub_line}" for f in functions)
        message = f"not started: write the body at {where}"
        checks = _zero_checks(exercise, "not started", offline)
        return ExerciseResult(exercise.id, 0.0, points, "not_started", message, checks)

    if exercise.chapter == "chapter7" and importlib.util.find_spec("torch") is None:
        message = 'PyTorch is not installed: pip install -e ".[torch]" (chapter 7 needs it)'
        checks = _zero_checks(exercise, message, offline)
        return ExerciseResult(exercise.id, 0.0, points, "error", message, checks)

    contexts: list[CheckContext] = []
    calls: list[ProbeCall] = []
    unavailable: dict[int, str] = {}  # check index -> why it cannot run (missing data)
    skipped = {i for i, spec in enumerate(exercise.checks) if offline and spec.hidden}
    for index, spec in enumerate(exercise.checks):
        if index in skipped:
            continue
        params = check_params(spec)
        seed = check_seed(exercise.id, index)
        context = CheckContext(
            name=_label(spec),
            kind=spec.kind,
            module=exercise.chapter,
            probe=spec.probe,
            params=params,
            seed=seed,
            points=float(spec.points),
            hidden=spec.hidden,
            options=_options(spec),
            offline=offline,
        )
        data_path = None
        if spec.kind == "training":
            try:
                data_path, context.labels = data.get(exercise.chapter, spec.probe, params)
            except Exception as error:  # the data set is missing: say so, grade the rest
                first_line = str(error).splitlines()[0] if str(error) else repr(error)
                unavailable[index] = f"the training data could not be loaded: {first_line}"
                continue
        contexts.append(context)
        calls.append(ProbeCall(exercise.chapter, spec.probe, params, seed, data_path))

    def progress(index: int, elapsed: float) -> None:
        if on_event:
            context = contexts[index]
            on_event(
                "check",
                {
                    "id": exercise.id,
                    "name": context.name,
                    "kind": context.kind,
                    "budget": context.options.get("budget"),
                    "elapsed": elapsed,
                },
            )

    if len(skipped) == len(exercise.checks):
        message = f"every check of this exercise is hidden: {HIDDEN_NOT_RUN}"
        checks = _zero_checks(exercise, offline=True)
        return ExerciseResult(exercise.id, 0.0, 0.0, "passed", message, checks)
    limits = Limits(timeout=float(exercise.timeout), memory_mb=int(exercise.memory_mb))
    preload: tuple[str, ...] = ()
    if exercise.chapter == "chapter7":  # the learner's package is not imported before forking
        preload = _TORCH_OFFLINE_PRELOAD if offline else _TORCH_PRELOAD
    run = run_worker(
        functions,
        calls,
        limits,
        on_progress=progress,
        preload=preload,
        slot=slot,
        learner_package=str(workspace) if offline else None,
    )
    if run.status == "splice_error":
        message = needs_other_exercise(run.message, exercise.id) if offline else run.message
        if offline:
            message = f"your exercises package could not be imported: {message}"
        return ExerciseResult(
            exercise.id,
            0.0,
            points,
            "error",
            message,
            _zero_checks(exercise, message, offline),
            output=run.output,
        )
    with _JUDGING:  # the probes' reference runs share global state (torch's seed)
        judged = iter(
            [
                evaluate(context, outcome, run.message)
                for context, outcome in zip(contexts, run.calls, strict=True)
            ]
        )
    checks = [
        _skipped(spec)
        if i in skipped
        else CheckResult(
            _label(spec), spec.kind, 0.0, float(spec.points), False, unavailable[i], spec.hidden
        )
        if i in unavailable
        else next(judged)
        for i, spec in enumerate(exercise.checks)
    ]
    if offline:
        for check in checks:
            check.message = needs_other_exercise(check.message, exercise.id)
    ran = [c for c in checks if not c.skipped]
    score = round(sum(c.score for c in ran), 6)
    if all(c.passed for c in ran):
        status, message = "passed", ""
        if skipped:
            hidden = sum(c.max_score for c in checks if c.skipped)
            message = f"{len(skipped)} hidden check(s), {hidden:g} points: {HIDDEN_NOT_RUN}"
    elif run.status == "timeout":
        status, message = "timeout", f"timed out: {run.message}"
    elif run.status == "crashed" or unavailable or any(o.status == "error" for o in run.calls):
        status = "error"
        message = next(c.message for c in ran if not c.passed)
    else:
        status = "failed"
        message = next(c.message for c in ran if not c.passed)
    if status in ("failed", "error"):
        failing = next(c for c in ran if not c.passed)
        message = _shorten(f"{failing.name}: {message}")
    return ExerciseResult(exercise.id, score, points, status, message, checks, output=run.output)
