"""Classroom50: the autograder its runner calls once per push, and the ``result.json`` it writes.

Classroom50 (which replaced GitHub Classroom, retired on 2026-08-28) grades each submission in
one GitHub Actions job of the student's repository: its runner calls the assignment's
``autograder.py`` (kept in the instructor's ``classroom50`` repository, at
``CLASSROOM/autograders/ASSIGNMENT/``, with any sibling files) in the student's checkout, and
reads back ``./result.json``, the ``classroom50/result/v1`` contract: ``score``, ``max-score``
and ``tests[]`` (``test-name``, ``passed``, ``score``, ``max-score``), whole numbers.

:func:`~dlfs.autograder.generate.classroom50.write_autograder` makes that folder from a
students' copy. One run of the grader grades the whole target (:func:`run_classroom50`); each
exercise is one test worth its public points, times :func:`integer_scale` (Classroom50 counts
whole points). Hidden checks do not run there: the instructor grades them with
``dlfs-grade batch``.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..course import Course, Exercise, load_course
from ..results import ExerciseResult, GradeReport
from .deadlines import committed_at

__all__ = [
    "RESULT_SCHEMA",
    "Identity",
    "integer_scale",
    "result_json",
    "run_classroom50",
]

RESULT_SCHEMA = "classroom50/result/v1"


def integer_scale(exercises: Iterable[Exercise]) -> int:
    """The smallest whole factor that makes every public check's points whole (2 for a
    course with half points): Classroom50's scores are integers."""
    points = [c.points for e in exercises for c in e.checks if not c.hidden]
    for scale in range(1, 1001):
        if all(math.isclose(p * scale, round(p * scale), abs_tol=1e-9) for p in points):
            return scale
    raise ValueError(
        "the course's points need more than three decimals: Classroom50 counts whole points"
    )


@dataclass(frozen=True)
class Identity:
    """What the runner tells the autograder about the submission (its environment)."""

    classroom: str
    assignment: str
    owner: str
    assignment_type: str
    submission: str
    commit: str
    release: str
    review: str
    datetime: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], checkout: Path, target: str) -> Identity:
        """From Classroom50's variables; outside its runner (a local try), stand-ins."""
        commit = env.get("COMMIT_URL") or "local"
        return cls(
            classroom=env.get("CLASSROOM") or "local",
            assignment=env.get("ASSIGNMENT") or target,
            owner=env.get("OWNER") or env.get("USERNAME") or "local",
            assignment_type=env.get("ASSIGNMENT_TYPE") or "individual",
            submission=env.get("SUBMISSION_TAG") or "submit/local",
            commit=commit,
            release=env.get("RELEASE_URL") or commit,
            review=env.get("REVIEW_URL") or commit,
            datetime=_utc(committed_at(checkout) or datetime.datetime.now(datetime.timezone.utc)),
        )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def result_json(
    report: GradeReport | None,
    course: Course,
    identity: Identity,
    target: str,
    error: str = "",
) -> dict[str, Any]:
    """``result.json`` for ``report``: one test per exercise, its public points times the
    target's :func:`integer_scale`. Without a report (the submission could not be graded:
    ``error`` says why), one failed test worth every point of the target."""
    exercises = course.select(target)
    scale = integer_scale(exercises)
    if report is None:
        total = round(sum(e.public_points for e in exercises) * scale)
        tests = [_test(f"{target}: the submission", False, 0, total, "error", error)]
    else:
        tests = [
            _exercise_test(result, course, scale, report.workspace) for result in report.exercises
        ]
    return {
        "schema": RESULT_SCHEMA,
        **asdict(identity),
        "graded_at": _utc(datetime.datetime.now(datetime.timezone.utc)),
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }


def _exercise_test(result: ExerciseResult, course: Course, scale: int, workspace: str) -> dict:
    exercise = course.exercise(result.id)
    earned = sum(c.score for c in result.checks if not c.skipped and not c.hidden)
    return _test(
        f"{exercise.id}: {exercise.title}",
        result.status == "passed",
        round(earned * scale),
        round(exercise.public_points * scale),
        result.status,
        _relative(result.message, workspace),
    )


def _test(name: str, passed: bool, score: int, most: int, status: str, message: str) -> dict:
    """One test of the contract, with dlfs's status and message (extra fields a test may
    carry: the runner keeps them)."""
    return {
        "test-name": name,
        "passed": passed,
        "score": score,
        "max-score": most,
        "status": status,
        "message": message,
    }


def _relative(message: str, workspace: str) -> str:
    """The submission's files by the names its repository gives them."""
    if not workspace:
        return message
    root = str(Path(workspace).parent).rstrip(os.sep) + os.sep
    return message.replace(root, "")


def run_classroom50(
    checkout: Path | str, target: str, out: Path | str, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Grade the checkout's ``exercises/`` on ``target`` (public checks, stored answers) and
    write ``out`` (``result.json``); return its content. Nothing in the submission makes this
    raise: a checkout that cannot be graded gets a result of 0 saying why."""
    # start-up time: the grader is imported only when grading
    from ..api import grade
    from ..grading import GradingSession  # start-up time, as above
    from .batch import find_workspace

    checkout = Path(checkout)
    course = load_course()
    identity = Identity.from_env(os.environ if env is None else env, checkout, target)
    try:
        workspace = find_workspace(checkout)
        with GradingSession(course, use_reference=False) as session:
            report = grade(target, path=workspace, record=False, session=session)
        result = result_json(report, course, identity, target)
    except ValueError as error:
        why = f"this submission could not be graded: {error}"
        result = result_json(None, course, identity, target, why)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    return result
