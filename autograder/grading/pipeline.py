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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..course import Course, Exercise
from ..results import CheckResult, ExerciseResult
from ..sandbox.protocol import Limits, WorkerRun
from ..sandbox.splice import LearnerFunction, SpliceError, read_target
from ..sandbox.supervisor import run_worker
from .answers import HIDDEN_NOT_RUN, AnswerSource, GraderError
from .blame import blame_other
from .data import DataCache
from .judge import evaluate
from .needs import worker_needs
from .plan import Plan, check_result, plan_checks, skipped_check
from .run import RunSettings

__all__ = ["EventHandler", "grade_exercise", "judge_checks", "read_learner_code", "summarise"]

EventHandler = Callable[[str, dict[str, Any]], None]
"""``on_event(event, info)``: ``"exercise"`` (starting one), ``"check"`` (a probe running:
its name, kind, budget and elapsed seconds), ``"result"`` (an ``ExerciseResult``)."""

_SUMMARY_CHARS = 400
_JUDGING = threading.Lock()


class _Stop(Exception):
    """The exercise ends before any check runs, with this status and message."""

    def __init__(
        self, status: str, message: str, check_message: str | None = None, output: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.output = status, message, output
        self.check_message = message if check_message is None else check_message


def grade_exercise(
    exercise: Exercise,
    workspace: Path,
    data: DataCache | None = None,
    on_event: EventHandler | None = None,
    slot: int = 0,
    settings: RunSettings | None = None,
    time_left: float | None = None,
) -> ExerciseResult:
    """Grade ``exercise`` with the learner's functions from ``workspace``.

    Never raises for anything in the learner's files or code: every problem becomes the
    exercise's status and message. ``slot`` picks the worker server (one per exercise graded
    at the same time); ``settings`` are the run's (by default: expected values from the
    reference where it is installed, else the stored answers; the learner's stable seeds);
    ``time_left`` what is left of the run's budget (the worker gets no more).
    """
    start = time.monotonic()
    if on_event:
        on_event("exercise", {"id": exercise.id, "title": exercise.title})
    settings = settings or RunSettings()
    answers = settings.answers
    points = _points(exercise, answers)
    try:
        functions = read_learner_code(exercise, workspace)
        plan = plan_checks(exercise, data or DataCache(), answers.runs_hidden, settings.seed)
        timeout = float(exercise.timeout)
        if time_left is not None:
            timeout = max(1.0, min(timeout, time_left))
        run = run_checks(exercise, functions, plan, workspace, settings, on_event, slot, timeout)
        checks = judge_checks(exercise, plan, run, answers)
        result = summarise(exercise, checks, run, points)
        result.isolated = run.isolated
    except _Stop as stop:
        checks = _unrun(exercise, answers, stop.check_message)
        result = ExerciseResult(
            exercise.id, 0.0, points, stop.status, stop.message, checks, stop.output
        )
    if settings.course is not None and result.status in ("timeout", "error"):
        _blame(result, workspace, exercise, settings.course)
    result.seconds = time.monotonic() - start
    if on_event:
        on_event("result", {"id": exercise.id, "result": result})
    return result


def _blame(result: ExerciseResult, workspace: Path, exercise: Exercise, course: Course) -> None:
    """Say so where a failure happened in another exercise's code."""
    result.message = blame_other(result.message, workspace, exercise, course)
    for check in result.checks:
        if not check.passed and not check.skipped:
            check.message = blame_other(check.message, workspace, exercise, course)


def _points(exercise: Exercise, answers: AnswerSource) -> float:
    """The exercise's maximum here: hidden checks count only where they can run."""
    return float(sum(s.points for s in exercise.checks if answers.runs_hidden or not s.hidden))


def _unrun(exercise: Exercise, answers: AnswerSource, message: str) -> list[CheckResult]:
    """Every check at zero with ``message`` (hidden ones skipped where they cannot run)."""
    return [
        skipped_check(s)
        if s.hidden and not answers.runs_hidden
        else check_result(s, False, message)
        for s in exercise.checks
    ]


def read_learner_code(exercise: Exercise, workspace: Path) -> list[LearnerFunction]:
    """The learner's version of each target, read without running it.

    Raises:
        _Stop: a file or function is missing or does not parse (``error``), every body is
            still the stub (``not_started``), or the chapter needs PyTorch (``error``).
    """
    try:
        functions = [read_target(workspace, str(target)) for target in exercise.targets]
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
    workspace: Path,
    settings: RunSettings,
    on_event: EventHandler | None,
    slot: int,
    timeout: float,
) -> WorkerRun:
    """Run the planned checks' probe calls on the learner's code in a sandboxed worker.

    Raises:
        _Stop: every check is hidden and cannot run here (``passed``, nothing to grade), or
            the learner's code could not be installed in the worker (``error``).
    """
    answers = settings.answers
    running = plan.running
    if not running and not plan.unavailable:
        message = f"every check of this exercise is hidden: {HIDDEN_NOT_RUN}"
        raise _Stop("passed", message, HIDDEN_NOT_RUN)
    try:
        needs = worker_needs(exercise, plan)
    except GraderError as error:
        raise _Stop("grader_error", f"the grader cannot run this exercise: {error}") from None

    def progress(index: int, elapsed: float) -> None:
        if on_event:
            spec = running[index].spec
            info = {"id": exercise.id, "name": spec.label, "kind": spec.kind}
            on_event("check", {**info, "budget": spec.budget, "elapsed": elapsed})

    run = run_worker(
        functions,
        [check.call for check in running],
        Limits(timeout=timeout, memory_mb=int(exercise.memory_mb)),
        on_progress=progress,
        preload=answers.preload(exercise.chapter),
        slot=slot,
        learner_package=answers.learner_package(workspace),
        hidden=settings.secrets(workspace),
        needs=needs,
    )
    if run.status == "grader_error":
        raise _Stop("grader_error", run.message)
    fault = next((o for o in run.calls if o.status == "grader_error"), None)
    if fault is not None:
        raise _Stop("grader_error", f"the grader failed: {fault.message}", output=run.output)
    if run.status == "splice_error":
        message = answers.explain(run.message, exercise.id)
        if answers.learner_package(workspace) is not None:
            message = f"your exercises package could not be imported: {message}"
        raise _Stop("error", message, output=run.output)
    return run


def judge_checks(
    exercise: Exercise, plan: Plan, run: WorkerRun, answers: AnswerSource
) -> list[CheckResult]:
    """Every check's result in course order: the planned ones judged from the worker's
    outputs, the others as planned."""
    with _JUDGING:  # the probes' reference runs share global state (torch's seed)
        judged = iter(
            [
                evaluate(check, outcome, answers, run.message)
                for check, outcome in zip(plan.running, run.calls, strict=True)
            ]
        )
    checks = [next(judged) if not isinstance(e, CheckResult) else e for e in plan.entries]
    for check in checks:
        if not check.skipped:
            check.message = answers.explain(check.message, exercise.id)
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
            message = f"{len(skipped)} hidden check(s), {hidden:g} points: {HIDDEN_NOT_RUN}"
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


def _shorten(message: str, limit: int = _SUMMARY_CHARS) -> str:
    """The exercise's one-line summary; every check keeps its full message."""
    if len(message) <= limit:
        return message
    return message[: limit - 1].rstrip() + "… (-v for every check)"
