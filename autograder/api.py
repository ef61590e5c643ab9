"""The grading API that the CLI, notebooks and tests call.

>>> from dlfs.autograder.api import grade
>>> report = grade("chapter3")            # the learner's ./exercises
>>> report.score, report.max_score
>>> grade("all", reference=True).passed   # the answer key gets full marks
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from .course import Course, load_course
from .grading import DataCache, EventHandler, grade_exercise
from .paths import exercises_root, reference_root
from .results import GradeReport
from .splice import target_path

__all__ = ["grade", "resolve_workspace"]


def resolve_workspace(path: Path | str | None = None, reference: bool = False) -> Path:
    """Where the learner's files are.

    ``path`` when given; the reference's own folder with ``reference=True``; else
    ``./exercises`` if it exists; else the installed ``dlfs.exercises`` package's folder.

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
    if local.is_dir():
        return local.resolve()
    return exercises_root()


def grade(
    target: str = "all",
    path: Path | str | None = None,
    reference: bool = False,
    record: bool = True,
    course: Course | None = None,
    on_event: EventHandler | None = None,
) -> GradeReport:
    """Grade ``target`` — ``"all"``, a chapter (``"chapter5"`` or ``"5"``) or an exercise id.

    Args:
        target: what to grade.
        path: the workspace (see ``resolve_workspace``).
        reference: grade the reference itself (every exercise should pass).
        record: record each exercise's attempt in the progress store (never for the
            reference).
        course: the course (default: ``load_course()``).
        on_event: called as grading goes (see ``grading.EventHandler``).
    Returns:
        The report; learner code never makes this raise.
    Raises:
        ValueError: for an unknown target or a missing workspace.
        CourseError: for a malformed course.toml.
    """
    start = time.monotonic()
    course = course or load_course()
    exercises = course.select(target)
    workspace = resolve_workspace(path, reference)
    data = DataCache()
    results = []
    try:
        for exercise in exercises:
            results.append(grade_exercise(exercise, workspace, data, on_event))
    finally:
        data.close()
    report = GradeReport.from_exercises(target, results, time.monotonic() - start)
    if record and not reference:
        _record(report, workspace, course)
    return report


def _source_hash(workspace: Path, targets: list[str]) -> str:
    digest = hashlib.sha256()
    for target in targets:
        try:
            digest.update(target_path(workspace, target).read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()[:16]


def _record(report: GradeReport, workspace: Path, course: Course) -> None:
    from .progress import ProgressStore

    with ProgressStore() as store:
        for result in report.exercises:
            exercise = course.exercise(result.id)
            store.record_attempt(
                result.id,
                result.score,
                result.max_score,
                result.status,
                _source_hash(workspace, [str(t) for t in exercise.targets]),
                report.target,
            )
