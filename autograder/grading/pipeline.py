"""Grade one exercise: read → plan → run → judge → summarise.

1. :func:`read_learner_code` parses the learner's file for each of the exercise's targets
   (``ast``, no execution): a missing file or function or a syntax error ends the exercise
   with status ``error``; a body that is still the stub makes it ``not_started``.
2. :func:`~.plan.plan_checks` decides which checks run, with which seeds and inputs.
3. :func:`run_checks` splices the functions into the reference in a sandboxed worker and runs
   one probe call per planned check; training checks get their inputs (never their labels).
4. :func:`judge_checks` judges each call against the run's answer source, in the grader.
5. :func:`summarise` turns the checks into the exercise's score, status and message.
"""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import timings
from ..course import Course, Exercise
from ..results import CheckResult, ExerciseResult
from ..sandbox.astlock import AST_LOCK
from ..sandbox.protocol import Limits, ProbeCall, WorkerContext, WorkerRun
from ..sandbox.siblings import LearnerModule, sibling_modules
from ..sandbox.splice import LearnerFunction, SpliceError, parse_target, read_target
from ..sandbox.supervisor import run_worker
from .blame import blame_other
from .context import EventHandler, ExerciseContext
from .expected import HIDDEN_NOT_RUN, ExpectedSource, GraderError
from .explain import Runner, explain_failure
from .judge import evaluate, steady_guesses
from .needs import worker_needs
from .plan import Plan, check_result, plan_checks, skipped_check

__all__ = ["EventHandler", "grade_exercise", "judge_checks", "read_learner_code", "summarise"]

_SUMMARY_CHARS = 400
_ONE_AT_A_TIME = AST_LOCK
"""Judging (the probes' reference runs share global state: torch's seed; stored answers are
arrays), reading the learner's code and blaming another exercise (both parse code): one
grader thread at a time (:mod:`~..sandbox.astlock` says why parsing must be)."""


class _Stop(Exception):
    """The exercise ends before any check runs, with this status and message."""

    def __init__(
        self, status: str, message: str, check_message: str | None = None, output: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.output = status, message, output
        self.check_message = message if check_message is None else check_message


def grade_exercise(
    exercise: Exercise, workspace: Path, context: ExerciseContext | None = None
) -> ExerciseResult:
    """Grade ``exercise`` with the learner's functions from ``workspace``.

    Never raises for anything in the learner's files or code: every problem becomes the
    exercise's status and message. ``context`` is the session's (:class:`ExerciseContext`:
    the run's settings and training inputs, the worker slot, the event handler, what is left
    of the run's budget — the worker gets no more); by default, expected values from the
    reference where it is installed, else the stored answers, and the learner's stable seeds.
    """
    start = time.monotonic()
    context = context or ExerciseContext()
    on_event = context.on_event
    if on_event:
        on_event("exercise", {"id": exercise.id, "title": exercise.title})
    settings = context.settings
    answers = settings.answers
    points = _points(exercise, answers)
    try:
        with _ONE_AT_A_TIME:
            functions = read_learner_code(exercise, workspace)
        plan = plan_checks(exercise, context.data, answers.runs_hidden, settings.seed)
        timeout = float(exercise.timeout)
        if context.time_left is not None:
            timeout = max(1.0, min(timeout, context.time_left))
        worker = _worker(exercise, plan, workspace, context)
        worker = replace(worker, siblings=_siblings(workspace, functions))
        run = run_checks(exercise, functions, plan, worker, context, timeout)
        _record_calls(exercise, plan, run)
        with timings.phase("judge", exercise=exercise.id):
            checks = judge_checks(exercise, plan, run, answers)
        failed = any(not c.passed and not c.skipped for c in checks)
        if failed and answers.learner_package(workspace) is None:  # a pass costs nothing more
            runner = _runner(exercise, functions, worker)
            with timings.phase("explain", exercise=exercise.id):
                explain_failure(plan, run, checks, functions, answers, runner, _ONE_AT_A_TIME)
        result = summarise(exercise, checks, run, points)
        result.isolated = run.isolated
    except _Stop as stop:
        checks = _unrun(exercise, answers, stop.check_message)
        result = ExerciseResult(
            exercise.id, 0.0, points, stop.status, stop.message, checks, stop.output
        )
    if settings.course is not None and result.status in ("timeout", "error"):
        with _ONE_AT_A_TIME:
            _blame(result, workspace, exercise, settings.course)
    result.seconds = time.monotonic() - start
    if on_event:
        on_event("result", {"id": exercise.id, "result": result})
    return result


def _worker(
    exercise: Exercise, plan: Plan, workspace: Path, context: ExerciseContext
) -> WorkerContext:
    """The exercise's worker as the session sees it, keeping in memory only what the planned
    checks need.

    Raises:
        _Stop: the record of what the checks need is older than the course (``grader_error``).
    """
    try:
        needs = worker_needs(exercise, plan)
    except GraderError as error:
        raise _Stop("grader_error", f"the grader cannot run this exercise: {error}") from None
    probes = {check.spec.probe for check in plan.running}
    return replace(context.worker(exercise.chapter, workspace, probes), needs=needs)


def _siblings(workspace: Path, functions: list[LearnerFunction]) -> tuple[LearnerModule, ...]:
    """The learner's other files that their targets' files import (``siblings``)."""
    files = {parse_target(f.target)[0]: f.source for f in functions}
    return sibling_modules(workspace, files.items(), files)


def _record_calls(exercise: Exercise, plan: Plan, run: WorkerRun) -> None:
    """Each probe call's seconds in the worker, by its check's kind (:mod:`..timings`)."""
    if not timings.enabled():
        return
    for check, outcome in zip(plan.running, run.calls, strict=True):
        kind = check.spec.kind
        timings.record("call", outcome.seconds, exercise=exercise.id, kind=kind)


def _runner(exercise: Exercise, functions: list[LearnerFunction], worker: WorkerContext) -> Runner:
    """How a failing check's trace jobs run: the exercise's worker, limits, view and needs."""

    def run(calls: list[ProbeCall], trace: dict[str, Any], timeout: float) -> WorkerRun:
        limits = Limits(timeout=timeout, memory_mb=int(exercise.memory_mb))
        return run_worker(functions, calls, limits, worker, trace=trace)

    return run


def _blame(result: ExerciseResult, workspace: Path, exercise: Exercise, course: Course) -> None:
    """Say so where a failure happened in another exercise's code."""
    result.message = blame_other(result.message, workspace, exercise, course)
    for check in result.checks:
        if not check.passed and not check.skipped:
            check.message = blame_other(check.message, workspace, exercise, course)


def _count(number: float, noun: str) -> str:
    """``1 point``, ``2 points``, ``0.5 points``: as a person writes it."""
    return f"{number:g} {noun}{'' if number == 1 else 's'}"


def _points(exercise: Exercise, answers: ExpectedSource) -> float:
    """The exercise's maximum here: hidden checks count only where they can run."""
    return float(sum(s.points for s in exercise.checks if answers.runs_hidden or not s.hidden))


def _unrun(exercise: Exercise, answers: ExpectedSource, message: str) -> list[CheckResult]:
    """Every check at zero with ``message`` (hidden ones skipped where they cannot run)."""
    checks = [
        skipped_check(s)
        if s.hidden and not answers.runs_hidden
        else check_result(s, False, message)
        for s in exercise.checks
    ]
    for check in checks:
        check.name = answers.check_name(check.name)
    return checks


def read_learner_code(exercise: Exercise, workspace: Path) -> list[LearnerFunction]:
    """The learner's version of each target, read without running it.

    Raises:
        _Stop: a file or function is missing or does not parse (``error``), every body is
            still the stub (``not_started``), or the chapter needs PyTorch (``error``).
    """
    try:
        functions = [
            replace(read_target(workspace, str(t)), changes=exercise.changes_in_place)
            for t in exercise.targets
        ]
    except SpliceError as error:
        raise _Stop("error", str(error)) from None
    if all(f.stub for f in functions):
        where = ", ".join(f"{f.path}:{f.stub_line}" for f in functions)
        raise _Stop("not_started", f"not started: write the body at {where}", "not started")
    if exercise.chapter == "chapter7" and importlib.util.find_spec("torch") is None:
        raise _Stop(
            "error", 'PyTorch is not installed: pip install -e ".[torch]" (chapter 7 needs it)'
        )
    return functions


def run_checks(
    exercise: Exercise,
    functions: list[LearnerFunction],
    plan: Plan,
    worker: WorkerContext,
    context: ExerciseContext,
    timeout: float,
) -> WorkerRun:
    """Run the planned checks' probe calls on the learner's code in a sandboxed worker.

    Raises:
        _Stop: every check is hidden and cannot run here (``passed``, nothing to grade), or
            the learner's code could not be installed in the worker (``error``).
    """
    answers = context.settings.answers
    on_event = context.on_event
    running = plan.running
    if not running and not plan.unavailable:
        message = f"every check of this exercise is hidden: {HIDDEN_NOT_RUN}"
        raise _Stop("passed", message, HIDDEN_NOT_RUN)

    def progress(index: int, elapsed: float) -> None:
        if on_event:
            spec = running[index].spec
            info = {"id": exercise.id, "name": spec.label, "kind": spec.kind}
            on_event("check", {**info, "budget": spec.budget, "elapsed": elapsed})

    run = run_worker(
        functions,
        [check.call for check in running],
        Limits(timeout=timeout, memory_mb=int(exercise.memory_mb)),
        worker,
        on_progress=progress,
    )
    if run.status == "grader_error":
        raise _Stop("grader_error", run.message)
    fault = next((o for o in run.calls if o.status == "grader_error"), None)
    if fault is not None:
        raise _Stop("grader_error", f"the grader failed: {fault.message}", output=run.output)
    if run.status == "splice_error":
        message = answers.explain(run.message, exercise.id)
        if worker.learner_package is not None:
            message = f"your exercises package could not be imported: {message}"
        raise _Stop("error", message, output=run.output)
    return run


def judge_checks(
    exercise: Exercise, plan: Plan, run: WorkerRun, answers: ExpectedSource
) -> list[CheckResult]:
    """Every check's result in course order: the planned ones judged from the worker's
    outputs, the others as planned."""
    with _ONE_AT_A_TIME:
        judged = iter(
            [
                evaluate(check, outcome, answers, run.message)
                for check, outcome in zip(plan.running, run.calls, strict=True)
            ]
        )
    checks = [next(judged) if not isinstance(e, CheckResult) else e for e in plan.entries]
    for check in checks:
        check.name = answers.check_name(check.name)
        if not check.skipped:
            check.message = answers.explain(check.message, exercise.id)
    steady_guesses(checks)
    return checks


def summarise(
    exercise: Exercise, checks: list[CheckResult], run: WorkerRun, points: float
) -> ExerciseResult:
    """The exercise's score, status and one-line message from its checks."""
    ran = [c for c in checks if not c.skipped]
    score = round(sum(c.score for c in ran), 6)
    failing = next((c for c in ran if not c.passed), None)
    if failing is None:
        skipped = [c for c in checks if c.skipped]
        message = ""
        if skipped:
            hidden = sum(c.max_score for c in skipped)
            message = f"{_count(len(skipped), 'hidden check')}, {_count(hidden, 'point')}: "
            message += HIDDEN_NOT_RUN
        return ExerciseResult(exercise.id, score, points, "passed", message, checks, run.output)
    if run.status == "timeout":
        return ExerciseResult(
            exercise.id, score, points, "timeout", f"timed out: {run.message}", checks, run.output
        )
    crashed = run.status == "crashed" or any(o.status == "error" for o in run.calls)
    grader = next((c for c in ran if c.details.get("grader_error")), None)
    status = "grader_error" if grader else "error" if crashed else "failed"
    failing = grader or failing
    message = f"{failing.name}: {failing.message}"
    message = message if grader else _shorten(message)
    return ExerciseResult(exercise.id, score, points, status, message, checks, run.output)


_LOCATION = re.compile(r" \(at [^()]+:\d+\)")


def _shorten(message: str, limit: int = _SUMMARY_CHARS) -> str:
    """The exercise's one-line summary, its location kept (the line to open); every check
    keeps its full message."""
    if len(message) <= limit:
        return message
    where = _LOCATION.search(message)
    kept = where.group(0) if where and where.start() > limit // 2 else ""
    return message[: limit - 1 - len(kept)].rstrip() + f"…{kept} (-v for every check)"
