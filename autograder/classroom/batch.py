"""Grade a whole class: every student's workspace, in parallel, one row per student.

``SUBMISSIONS_DIR/<student>/`` holds one student's exercise files in the ``exercises/``
layout (``activations.py``, ``losses.py`` …), or a whole clone of the project, in which case
its ``exercises/`` folder is graded. Anything else in the folder (a lone ``.py`` file, a zip)
becomes a row with an error: a submission is a folder, because an exercise's targets span
several modules.

Each exercise of each student runs in its own sandboxed worker, exactly as ``dlfs-grade``
grades one learner (spliced into the reference, so one student's broken chapter 3 never
fails their chapter 5); ``jobs`` workers run at the same time. Nothing a submission does
stops the run: a student whose grading fails is a row carrying the error.
"""

from __future__ import annotations

import csv
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course import Course, Exercise, load_course
from ..grading import DataCache, RunSettings, fresh_seed, grade_exercise
from ..grading.budget import Budget, not_graded
from ..results import ExerciseResult, GradeReport
from ..sandbox.cgroups import support
from ..sandbox.scratch import no_leftovers, sweep_stale

__all__ = [
    "ClassReport",
    "StudentResult",
    "find_workspace",
    "grade_class",
    "write_csv",
]

StudentHandler = Callable[["StudentResult"], None]
"""Called once per student, when their last exercise is graded (from a worker thread)."""


@dataclass
class StudentResult:
    """One student's row.

    Attributes:
        student: the submission folder's name.
        report: the grading report, or None when the submission could not be graded at all.
        error: why the submission could not be graded (empty when it was).
        workspace: the folder that was graded.
    """

    student: str
    report: GradeReport | None = None
    error: str = ""
    workspace: str = ""

    @property
    def score(self) -> float:
        return self.report.score if self.report else 0.0

    def errors(self) -> str:
        """The row's error, else each exercise that errored or timed out, with its message."""
        if self.error or self.report is None:
            return self.error
        return "; ".join(
            f"{e.id}: {e.status}: {e.message}"
            for e in self.report.exercises
            if e.status in ("error", "timeout")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "workspace": self.workspace,
            "score": self.score,
            "max_score": self.report.max_score if self.report else None,
            "error": self.error,
            "exercises": [e.to_dict() for e in self.report.exercises] if self.report else [],
        }


@dataclass
class ClassReport:
    """The outcome of grading a class.

    Attributes:
        target: what was graded (``"chapter5"``, ``"all"`` or an exercise id).
        exercises: the exercises graded, in course order, with their points.
        students: one result per student, sorted by name.
        seconds: wall-clock time of the run.
        seed: the seed of the run's fresh check inputs (``--seed`` reproduces the grades).
        budget: the seconds each student's grading may take (course.toml's chapter and
            book budgets); exercises whose turn comes later are "not graded for time".
        limits: what bounds the workers' memory and processes here.
    """

    target: str
    exercises: list[tuple[str, float]]
    students: list[StudentResult] = field(default_factory=list)
    seconds: float = 0.0
    seed: int | None = None
    budget: float = 0.0
    limits: str = ""

    @property
    def isolation(self) -> str:
        """``"namespaces"`` when every worker of every student was isolated, else ``"none"``
        (``"no worker ran"`` when none ran)."""
        reports = [s.report for s in self.students if s.report is not None]
        kinds = {r.isolation for r in reports} - {"no worker ran"}
        if not kinds:
            return "no worker ran"
        return "namespaces" if kinds == {"namespaces"} else "none"

    @property
    def max_score(self) -> float:
        return round(sum(points for _, points in self.exercises), 6)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per student: ``student``, a score per exercise id, ``total``,
        ``max_score`` and ``errors`` (what the CSV holds)."""
        rows = []
        for student in self.students:
            row: dict[str, Any] = {"student": student.student}
            scores = {e.id: e.score for e in student.report.exercises} if student.report else {}
            for exercise_id, _ in self.exercises:
                row[exercise_id] = scores.get(exercise_id)
            row["total"] = student.score
            row["max_score"] = self.max_score
            row["errors"] = student.errors()
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "max_score": self.max_score,
            "exercises": [{"id": i, "max_score": p} for i, p in self.exercises],
            "students": [s.to_dict() for s in self.students],
            "seconds": self.seconds,
            "seed": self.seed,
            "budget_seconds": self.budget,
            "isolation": self.isolation,
            "limits": self.limits,
        }


def find_workspace(folder: Path | str) -> Path:
    """The folder of exercise files in a submission: its ``exercises/`` if it has one.

    Raises:
        ValueError: if ``folder`` is not a directory, holds no Python files, or holds a
            symbolic link.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(
            "a submission is a folder of exercise files (the exercises/ layout), "
            f"got {folder.name!r}"
        )
    workspace = folder / "exercises" if (folder / "exercises").is_dir() else folder
    # A link could hand in someone else's files, or the answer key on the grader's machine.
    links = [p for p in (folder, workspace, *workspace.rglob("*")) if p.is_symlink()]
    if links:
        raise ValueError(
            f"the submission {folder.name!r} holds a symbolic link ({links[0].name}): "
            "submit the files themselves"
        )
    if not any(workspace.rglob("*.py")):
        raise ValueError(f"no Python files in the submission {folder.name!r}")
    return workspace.resolve()


def grade_class(
    submissions: Path | str,
    target: str = "all",
    jobs: int = 1,
    course: Course | None = None,
    on_student: StudentHandler | None = None,
    seed: int | None = None,
) -> ClassReport:
    """Grade every submission in ``submissions`` (one folder per student).

    Args:
        submissions: the folder of submissions.
        target: what to grade in each: ``"all"``, a chapter or an exercise id.
        jobs: how many exercises to grade at the same time, over all students.
        course: the course (default: ``load_course()``).
        on_student: called as each student's grading ends.
        seed: the seed of the check inputs (default: a fresh one, recorded in the report;
            give a report's seed to reproduce its grades exactly).
    Returns:
        The class's report; nothing in a submission makes this raise.
    Raises:
        ValueError: for a missing submissions folder, an unknown target, ``jobs`` < 1, or
            where the reference is not installed (official grades draw fresh inputs).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got jobs={jobs!r}")
    folder = Path(submissions)
    if not folder.is_dir():
        raise ValueError(f"the submissions must be a folder, got submissions={str(folder)!r}")
    sweep_stale()  # the folders of runs that were killed (kill -9) before they could
    start = time.monotonic()
    course = course or load_course()
    exercises = list(course.select(target))
    seed = fresh_seed() if seed is None else seed
    settings = RunSettings.create(True, seed, (folder.resolve(),), course)
    students: list[StudentResult] = []
    tasks: list[tuple[StudentResult, Exercise]] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):  # every entry is a row,
        student = StudentResult(entry.name)  # hidden names too: none is dropped silently
        students.append(student)
        try:
            student.workspace = str(find_workspace(entry))
        except (ValueError, OSError) as error:
            student.error = str(error)
            continue
        tasks.extend((student, exercise) for exercise in exercises)
    budgets = {s.student: Budget(course.budget(exercises)) for s in students}
    with no_leftovers():  # nothing of the run is left in the temporary folder
        results = _grade_tasks(tasks, jobs, on_student, settings, budgets)
    for student in students:
        if not student.error:
            graded = [results[(student.student, e.id)] for e in exercises]
            student.report = GradeReport.from_exercises(target, graded, seed=seed)
        elif on_student:
            on_student(student)
    points = [(e.id, float(e.points)) for e in exercises]
    budget = course.budget(exercises)
    seconds, limits = time.monotonic() - start, support().describe()
    return ClassReport(target, points, students, seconds, seed, budget, limits)


def _grade_tasks(
    tasks: list[tuple[StudentResult, Exercise]],
    jobs: int,
    on_student: StudentHandler | None,
    settings: RunSettings,
    budgets: dict[str, Budget],
) -> dict[tuple[str, str], ExerciseResult]:
    """Every (student, exercise) graded, ``jobs`` at a time, each slot its own worker server."""
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    remaining: dict[str, int] = {}
    for student, _ in tasks:
        remaining[student.student] = remaining.get(student.student, 0) + 1
    results: dict[tuple[str, str], ExerciseResult] = {}
    lock = threading.Lock()
    data = DataCache()

    def grade_one(task: tuple[StudentResult, Exercise]) -> None:
        student, exercise = task
        budget = budgets[student.student]
        slot = slots.get()
        try:
            if budget.left() <= 0:
                result = not_graded(exercise, budget)
            else:
                workspace = Path(student.workspace)
                result = grade_exercise(
                    exercise, workspace, data, None, slot, settings, budget.left()
                )
                budget.spend(result.seconds)
        except Exception as error:  # the grader's own failure on this submission
            message = f"the grader failed on this submission: {type(error).__name__}: {error}"
            result = ExerciseResult(exercise.id, 0.0, float(exercise.points), "error", message)
        finally:
            slots.put(slot)
        with lock:
            results[(student.student, exercise.id)] = result
            remaining[student.student] -= 1
            done = remaining[student.student] == 0
        if done and on_student:
            graded = [r for (name, _), r in results.items() if name == student.student]
            on_student(StudentResult(student.student, GradeReport.from_exercises("", graded)))

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(grade_one, tasks))
    finally:
        data.close()
    return results


def write_csv(report: ClassReport, path: Path | str) -> Path:
    """Write the class's grades: a row per student, a column per exercise, the total and the
    errors. Scores are plain numbers; an exercise not graded (the row's error) is empty."""
    path = Path(path)
    columns = ["student", *(i for i, _ in report.exercises), "total", "max_score", "errors"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in report.rows():
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (a student's folder name or a message
could otherwise run one when the instructor opens the CSV)."""


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
