"""The grading API that the CLI, notebooks and tests call.

>>> from dlfs.autograder.api import grade
>>> report = grade("chapter3")            # the learner's ./exercises
>>> report.score, report.max_score
>>> grade("all", reference=True).passed   # the answer key gets full marks
"""

from __future__ import annotations

import hashlib
import queue
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .course import Course, Exercise, load_course
from .course.model import canonical_name
from .grading import DataCache, EventHandler, RunSettings, grade_exercise
from .grading.budget import Budget, not_graded
from .paths import WORKSPACE_MARKER, exercises_root, is_workspace, reference_root
from .progress import ProgressStore, ProgressUnavailable
from .results import ExerciseResult, GradeReport
from .sandbox.cgroups import support
from .sandbox.scratch import no_leftovers, sweep_stale
from .sandbox.splice import target_path

__all__ = ["grade", "resolve_workspace"]


def resolve_workspace(path: Path | str | None = None, reference: bool = False) -> Path:
    """Where the learner's files are.

    ``path`` when given; the reference's own folder with ``reference=True``; else
    ``./exercises`` if it is a dlfs workspace (it holds ``dlfs-workspace.toml``, which
    ``dlfs-grade build`` writes); else the installed ``dlfs.exercises`` package's folder.

    Raises:
        ValueError: if ``path`` is not a directory.
    """
    if reference:
        return reference_root()
    if path is not None:
        workspace = Path(path).expanduser()
        if not workspace.is_dir():
            raise ValueError(f"the workspace must be a directory, got path={str(path)!r}")
        return workspace.resolve()
    local = Path.cwd() / "exercises"
    if is_workspace(local):
        return local.resolve()
    return exercises_root()


def _unmarked_local(path: Path | str | None, reference: bool) -> str | None:
    """A warning when ``./exercises`` was passed over because it is no dlfs workspace."""
    local = Path.cwd() / "exercises"
    if path is not None or reference or not local.is_dir() or is_workspace(local):
        return None
    return (
        f"./exercises was not graded: it has no {WORKSPACE_MARKER}, so it is not a dlfs "
        "workspace (grade it anyway with --path exercises)"
    )


def grade(
    target: str | Sequence[str] = "all",
    path: Path | str | None = None,
    reference: bool = False,
    record: bool = True,
    course: Course | None = None,
    on_event: EventHandler | None = None,
    jobs: int = 1,
    use_reference: bool | None = None,
    seed: int | None = None,
    hidden: Sequence[Path | str] = (),
    label: str | None = None,
) -> GradeReport:
    """Grade ``target`` — ``"all"``, a chapter (``"chapter5"`` or ``"5"``) or an exercise id.

    Args:
        target: what to grade; several targets grade their exercises in course order.
        path: the workspace (see ``resolve_workspace``).
        reference: grade the reference itself (every exercise should pass).
        record: record each attempt in the progress store (never for the reference).
        course: the course (default: ``load_course()``).
        on_event: called as grading goes (``grading.EventHandler``; from several threads).
        jobs: how many exercises to grade at the same time (one worker server each).
        use_reference: judge with the reference (True) or with the stored known answers,
            hidden checks not run (False); by default, the reference where it is installed.
        seed: None for the learner's stable check inputs; else fresh inputs salted with it
            (an official grade: :func:`~.grading.fresh_seed`), recorded in the report.
        hidden: more paths no worker may see (in a class, the other submissions).
        label: what progress records as the workspace (default: its path; ``notebook``).
    Returns:
        The report; learner code never makes this raise.
    Raises:
        ValueError: for an unknown target, a missing workspace, ``jobs`` < 1, or a seed
            where the reference is not installed.
        CourseError: for a malformed course.toml.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got jobs={jobs!r}")
    sweep_stale()  # the folders of runs that were killed (kill -9) before they could
    start = time.monotonic()
    course = course or load_course()
    exercises, target = _selected(course, target)
    workspace = resolve_workspace(path, reference)
    settings = RunSettings.create(use_reference, seed, tuple(hidden), course)
    data = DataCache()
    try:
        with no_leftovers():  # nothing of the run is left in the temporary folder
            budget = Budget(course.budget(exercises))
            results = _grade_all(list(exercises), workspace, data, on_event, jobs, settings, budget)
    finally:
        data.close()
    report = GradeReport.from_exercises(target, results, time.monotonic() - start, seed)
    report.workspace, report.limits = str(workspace), support().describe()
    report.warnings += filter(None, [_unmarked_local(path, reference)])
    if record and not reference:
        try:
            _record(report, workspace, course, label)
        except ProgressUnavailable as error:  # the grade stands; only the bookkeeping failed
            report.warnings.append(f"your progress was not saved: {error}")
    return report


def _selected(course: Course, target: str | Sequence[str]) -> tuple[tuple[Exercise, ...], str]:
    """The exercises of one or several targets, in course order, and the run's name."""
    targets = [target] if isinstance(target, str) else list(target)
    chosen = {e.id for name in targets for e in course.select(name)}
    exercises = tuple(e for e in course.exercises if e.id in chosen)
    return exercises, " ".join(canonical_name(t) for t in targets)


def _grade_all(
    exercises: list[Exercise],
    workspace: Path,
    data: DataCache,
    on_event: EventHandler | None,
    jobs: int,
    settings: RunSettings,
    budget: Budget,
) -> list[ExerciseResult]:
    """Each exercise's result, in order; ``jobs`` at a time, each on its own worker server;
    those whose turn comes after the budget is spent, not graded."""

    def within_budget(exercise: Exercise, slot: int) -> ExerciseResult:
        left = budget.left()
        if left <= 0:
            return not_graded(exercise, budget)
        result = grade_exercise(exercise, workspace, data, on_event, slot, settings, left)
        budget.spend(result.seconds)
        return result

    if jobs == 1 or len(exercises) < 2:
        return [within_budget(e, 0) for e in exercises]
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def grade_one(exercise: Exercise) -> ExerciseResult:
        slot = slots.get()
        try:
            return within_budget(exercise, slot)
        finally:
            slots.put(slot)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(grade_one, exercises))


def _source_hash(workspace: Path, targets: list[str]) -> str:
    digest = hashlib.sha256()
    for target in targets:
        try:
            digest.update(target_path(workspace, target).read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()[:16]


def _record(report: GradeReport, workspace: Path, course: Course, label: str | None) -> None:
    run = uuid.uuid4().hex  # the chapter's attempts count runs, not exercises times runs
    with ProgressStore() as store:
        for result in report.exercises:
            if result.status in ("grader_error", "not_started") or not result.graded:
                continue  # an attempt is a body the learner wrote, graded by a working grader
            exercise = course.exercise(result.id)
            store.record_attempt(
                result.id,
                result.score,
                result.max_score,
                result.status,
                _source_hash(workspace, [str(t) for t in exercise.targets]),
                report.target,
                run=run,
                workspace=label or str(workspace),
            )
