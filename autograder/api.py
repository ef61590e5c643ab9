"""The grading API that the CLI, notebooks and tests call.

>>> from dlfs.autograder.api import grade
>>> report = grade("chapter3")            # the learner's ./exercises
>>> report.score, report.max_score
>>> grade("all", reference=True).passed   # the answer key gets full marks
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from .course import Course, Exercise
from .course.model import canonical_name
from .grading import EventHandler, GradingSession
from .paths import WORKSPACE_MARKER, exercises_root, is_workspace, reference_root
from .progress import ProgressStore, ProgressUnavailable
from .results import GradeReport
from .sandbox.cgroups import support
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
    session: GradingSession | None = None,
    label: str | None = None,
) -> GradeReport:
    """Grade ``target`` — ``"all"``, a chapter (``"chapter5"`` or ``"5"``) or an exercise id.

    Args:
        target: what to grade; several targets grade their exercises in course order.
        path: the workspace (see ``resolve_workspace``).
        reference: grade the reference itself (every exercise should pass).
        record: record each attempt in the progress store (never for the reference).
        course: the course, when no ``session`` is given (default: ``load_course()``).
        on_event: called as grading goes (``grading.EventHandler``; from several threads).
        session: the grading run (:class:`~.grading.GradingSession`: the answer source, the
            seed, what no worker may see, the worker slots). By default a session of its own
            with the learner's stable check inputs, judged by the reference where it is
            installed, one exercise at a time.
        label: what progress records as the workspace (default: its path; ``notebook``).
    Returns:
        The report; learner code never makes this raise.
    Raises:
        ValueError: for an unknown target, a missing workspace, or both ``course`` and a
            ``session`` of another course.
        CourseError: for a malformed course.toml.
    """
    start = time.monotonic()
    if session is None:
        with GradingSession(course) as own:
            return grade(target, path, reference, record, None, on_event, own, label)
    if course is not None and course is not session.course:
        raise ValueError("grade() takes the course of its session: give one or the other")
    exercises, target = _selected(session.course, target)
    workspace = resolve_workspace(path, reference)
    results = session.grade(exercises, workspace, on_event)
    report = GradeReport.from_exercises(target, results, time.monotonic() - start, session.seed)
    report.warnings += session.data.notes  # a missing data set, said once for the run
    report.workspace, report.limits = str(workspace), support().describe()
    report.warnings += filter(None, [_unmarked_local(path, reference)])
    if record and not reference:
        try:
            _record(report, workspace, session.course, label)
        except ProgressUnavailable as error:  # the grade stands; only the bookkeeping failed
            report.warnings.append(f"your progress was not saved: {error}")
    return report


def _selected(course: Course, target: str | Sequence[str]) -> tuple[tuple[Exercise, ...], str]:
    """The exercises of one or several targets, in course order, and the run's name."""
    targets = [target] if isinstance(target, str) else list(target)
    chosen = {e.id for name in targets for e in course.select(name)}
    exercises = tuple(e for e in course.exercises if e.id in chosen)
    return exercises, " ".join(canonical_name(t) for t in targets)


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
