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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course import Course
from ..grading import GradingSession, fresh_seed
from ..results import ExerciseResult, GradeReport
from ..sandbox.cgroups import support
from .cache import ResultCache
from .deadlines import Lateness
from .identity import RunIdentity
from .shards import ClassShard, Shard

__all__ = [
    "LATE_COLUMNS",
    "ClassReport",
    "StudentResult",
    "find_workspace",
    "grade_class",
    "grade_students",
    "read_submissions",
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
        cached: the report was kept from an earlier grading of the same submission, course,
            grader, target and seed (not graded again).
        late: when the assignment has a deadline: the submission's time, its penalty and
            the points after it (:mod:`.deadlines`).
    """

    student: str
    report: GradeReport | None = None
    error: str = ""
    workspace: str = ""
    cached: bool = False
    late: Lateness | None = None

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
            if e.status in ("error", "timeout", "grader_error")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "workspace": self.workspace,
            "score": self.score,
            "max_score": self.report.max_score if self.report else None,
            "error": self.error,
            "late": self.late.to_dict() if self.late else None,
            "exercises": [e.to_dict() for e in self.report.exercises] if self.report else [],
        }

    def to_record(self) -> dict[str, Any]:
        """Everything about the row, as JSON: what a class's part and cache keep."""
        return {
            "student": self.student,
            "workspace": self.workspace,
            "error": self.error,
            "report": self.report.to_record() if self.report else None,
            "late": self.late.to_dict() if self.late else None,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> StudentResult:
        """The row whose :meth:`to_record` is ``data``."""
        report = data.get("report")
        return cls(
            student=str(data["student"]),
            report=GradeReport.from_dict(report) if report is not None else None,
            error=str(data.get("error", "")),
            workspace=str(data.get("workspace", "")),
            late=Lateness.from_dict(data["late"]) if data.get("late") else None,
        )


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
        run: the course, grader, target and seed that graded it (what a merge compares).
        shard: which shard of the class it is, None for a whole class.
        limits: what bounds the workers' memory and processes here.
    """

    target: str
    exercises: list[tuple[str, float]]
    students: list[StudentResult] = field(default_factory=list)
    seconds: float = 0.0
    seed: int | None = None
    budget: float = 0.0
    run: RunIdentity | None = None
    shard: ClassShard | None = None
    limits: str = ""

    @property
    def passed(self) -> bool:
        """True when every student's every exercise graded passed (the exit code's rule)."""
        return all(s.report is not None and s.report.passed and not s.error for s in self.students)

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
        ``max_score``, where a deadline applies the late columns (:data:`LATE_COLUMNS`: the
        points before the penalty are ``total``), and ``errors`` (what the CSV holds)."""
        late = any(student.late for student in self.students)
        rows = []
        for student in self.students:
            row: dict[str, Any] = {"student": student.student}
            scores = {e.id: e.score for e in student.report.exercises} if student.report else {}
            for exercise_id, _ in self.exercises:
                row[exercise_id] = scores.get(exercise_id)
            row["total"] = student.score
            row["max_score"] = self.max_score
            if late:
                row.update(_late_columns(student.late))
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
            "course_hash": self.run.course if self.run else None,
            "grader_version": self.run.grader if self.run else None,
            "shard": str(self.shard.shard) if self.shard else None,
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
    *,
    shard: Shard | None = None,
    cache: ResultCache | Path | str | None = None,
    force: bool = False,
    hidden: Sequence[Path | str] = (),
) -> ClassReport:
    """Grade every submission in ``submissions`` (one folder per student), or one shard.

    Args:
        submissions: the folder of submissions.
        target: what to grade in each: ``"all"``, a chapter or an exercise id.
        jobs: how many exercises to grade at the same time, over all students.
        course: the course (default: ``load_course()``).
        on_student: called as each student's grading ends (or their kept result is used).
        seed: the seed of the check inputs (default: a fresh one, recorded in the report;
            give a report's seed to reproduce its grades exactly). A shard needs one.
        shard: grade only this shard of the class (:class:`~.shards.Shard`).
        cache: a folder of kept results (:mod:`.cache`): a student whose submission, course,
            grader, target and seed are unchanged keeps their result; what is graded is kept.
        force: regrade every student even where a result is kept.
        hidden: more paths no worker may see (the folder of the class's parts).
    Returns:
        The class's report (the shard's students only, for a shard); nothing in a
        submission makes this raise.
    Raises:
        ValueError: for a missing submissions folder, an unknown target, ``jobs`` < 1, a
            shard without a seed, or where the reference is not installed (official grades
            draw fresh inputs).
    """
    folder = Path(submissions)
    if not folder.is_dir():
        raise ValueError(f"the submissions must be a folder, got submissions={str(folder)!r}")
    if shard is not None and shard.count > 1 and seed is None:
        raise ValueError("the shards of one class need one seed: give it (or a class id)")
    seed = fresh_seed() if seed is None else seed
    secret = [folder.resolve(), *(Path(h).resolve() for h in hidden)]
    if cache is not None:  # other students' results
        secret.append(Path(cache.folder if isinstance(cache, ResultCache) else cache).resolve())
    options = {"use_reference": True, "seed": seed, "hidden": secret, "jobs": jobs}
    with GradingSession(course, **options) as session:
        run = RunIdentity.of(session.course, target, seed)
        students, part = _sharded(read_submissions(folder), shard)
        kept = cache if isinstance(cache, ResultCache | None) else ResultCache(cache, run, force)
        fresh = _take_kept(kept, students, on_student)
        report = grade_students(session, fresh, target, on_student)
        if kept is not None:
            for student in fresh:
                if student.report is not None:
                    kept.put(Path(student.workspace), student.report)
    report.students, report.run, report.shard = students, run, part
    return report


def _sharded(
    students: list[StudentResult], shard: Shard | None
) -> tuple[list[StudentResult], ClassShard | None]:
    """The students of ``shard`` (all without one), and the shard of the class."""
    if shard is None:
        return students, None
    chosen = set(shard.select(s.student for s in students))
    part = ClassShard.of(shard, [s.student for s in students])
    return [s for s in students if s.student in chosen], part


def _take_kept(
    cache: ResultCache | None, students: list[StudentResult], on_student: StudentHandler | None
) -> list[StudentResult]:
    """Give each student whose result ``cache`` keeps that result (``on_student`` hears of
    them); return the others, to grade."""
    fresh = []
    for student in students:
        kept = None if cache is None or student.error else cache.get(Path(student.workspace))
        if kept is None:
            fresh.append(student)
            continue
        student.report, student.cached = kept, True
        if on_student is not None:
            on_student(student)
    return fresh


def read_submissions(folder: Path) -> list[StudentResult]:
    """One row per entry of ``folder``, sorted by name: its workspace, or why it has none."""
    students = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):  # every entry is a row,
        student = StudentResult(entry.name)  # hidden names too: none is dropped silently
        try:
            student.workspace = str(find_workspace(entry))
        except (ValueError, OSError) as error:
            student.error = str(error)
        students.append(student)
    return students


def grade_students(
    session: GradingSession,
    students: list[StudentResult],
    target: str,
    on_student: StudentHandler | None = None,
) -> ClassReport:
    """Grade ``target`` in each of ``students``' workspaces in ``session``; a student with an
    error keeps it (and no report).

    Raises:
        ValueError: for an unknown target.
    """
    start = time.monotonic()
    exercises = list(session.course.select(target))
    seed = session.seed

    def done(name: str, results: list[ExerciseResult]) -> None:
        if on_student is not None:
            on_student(StudentResult(name, GradeReport.from_exercises(target, results, seed=seed)))

    workspaces = {s.student: Path(s.workspace) for s in students if not s.error}
    graded = session.grade_workspaces(workspaces, exercises, done)
    for student in students:
        if student.student in graded:
            student.report = GradeReport.from_exercises(target, graded[student.student], seed=seed)
        elif on_student:
            on_student(student)
    points = [(e.id, float(e.points)) for e in exercises]
    budget = session.course.budget(exercises)
    report = ClassReport(target, points, students, time.monotonic() - start, seed, budget)
    report.limits = support().describe()
    return report


LATE_COLUMNS = ("submitted", "late_hours", "penalty_percent", "total_after_penalty", "late_note")
"""The CSV's columns where the assignment has a deadline, after ``max_score``."""


def _late_columns(late: Lateness | None) -> dict[str, Any]:
    if late is None:
        return dict.fromkeys(LATE_COLUMNS)
    return {
        "submitted": late.submitted.isoformat() if late.submitted else None,
        "late_hours": round(late.late_seconds / 3600, 2),
        "penalty_percent": late.penalty_percent,
        "total_after_penalty": late.points_after,
        "late_note": late.note,
    }


def write_csv(report: ClassReport, path: Path | str) -> Path:
    """Write the class's grades: a row per student, a column per exercise, the total, the
    late columns where a deadline applies, and the errors. Scores are plain numbers; an
    exercise not graded (the row's error) is empty."""
    path = Path(path)
    columns = ["student", *(i for i, _ in report.exercises), "total", "max_score"]
    if any(student.late for student in report.students):
        columns += LATE_COLUMNS
    columns.append("errors")
    rows = report.rows()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
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
