"""Classroom50: the autograder its runner calls once per push, and the ``result.json`` it writes.

Classroom50 (which replaced GitHub Classroom, retired on 2026-08-28) grades each submission in
one GitHub Actions job of the student's repository: its runner calls the assignment's
``autograder.py`` (kept in the instructor's ``classroom50`` repository, at
``CLASSROOM/autograders/ASSIGNMENT/``, with any sibling files) in the student's checkout, and
reads back ``./result.json``, the ``classroom50/result/v1`` contract: ``score``, ``max-score``
and ``tests[]`` (``test-name``, ``passed``, ``score``, ``max-score``), whole numbers.

:func:`write_autograder` makes that folder from a students' copy: ``autograder.py``, the copy's
grader (no answer key: the public checks compare with its stored answers), its ``course.toml``
and ``requirements.txt`` (PyTorch's CPU build only when the target has chapter 7). One run of
the grader grades the whole target (:func:`run_classroom50`); each exercise is one test worth
its public points, times :func:`integer_scale` (Classroom50 counts whole points). Hidden
checks do not run there: the instructor grades them with ``dlfs-grade batch``.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..course import Course, Exercise, load_course
from ..results import ExerciseResult, GradeReport
from .deadlines import committed_at
from .gradescope import requirements

__all__ = [
    "RESULT_SCHEMA",
    "Identity",
    "integer_scale",
    "result_json",
    "run_classroom50",
    "write_autograder",
]

RESULT_SCHEMA = "classroom50/result/v1"
_TORCH_MODULES = ("torch",)
_MODULES = ("numpy", "click", "rich", "platformdirs", "tqdm", "matplotlib")


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


_AUTOGRADER = '''#!/usr/bin/env python3
"""Classroom50's autograder for dlfs, {what}: written by `dlfs-grade release --classroom50`.

Classroom50's runner calls it once per submission, in the student's checkout. It installs
what the grader needs with pip (its cache kept: nothing when a self-hosted runner has them
already){torch_note}, grades {target} with one `dlfs-grade` run over the checkout's exercises/
(the public checks, against the answers stored beside this file; the grader used is the one
beside this file, not the student's copy of it) and writes ./result.json
(classroom50/result/v1): one test per exercise, worth its public points x {scale}. Hidden
checks do not run here: grade them with `dlfs-grade batch`. Regenerate it with the course
(`dlfs-grade release --classroom50`) rather than edit it.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = {target!r}
MODULES = {modules!r}
HERE = Path(__file__).resolve().parent


def install() -> None:
    """pip installs requirements.txt unless its modules import already."""
    present = [sys.executable, "-c", "import " + ", ".join(MODULES)]
    if subprocess.run(present, capture_output=True, check=False).returncode == 0:
        return
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt")]
    subprocess.run(pip, check=True, env=dict(os.environ, PIP_BREAK_SYSTEM_PACKAGES="1"))


def main() -> int:
    install()
    checkout = Path.cwd()
    env = dict(os.environ, PYTHONPATH=str(HERE), DLFS_COURSE=str(HERE / "course.toml"))
    env.setdefault("DLFS_HOME", tempfile.mkdtemp(prefix="dlfs-home-"))
    grade = [sys.executable, "-m", "dlfs.autograder.cli", "export", "classroom50-run", TARGET]
    grade += ["--submission", str(checkout), "--out", str(checkout / "result.json")]
    return subprocess.run(grade, cwd=HERE, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
'''

_README = """# The Classroom50 autograder of dlfs: {what}

Copy this folder's contents into your `classroom50` repository, at
`CLASSROOM/autograders/ASSIGNMENT/` (the assignment whose template is the students' copy this
was released with), and commit. Classroom50 then runs `autograder.py` once per submission in
the student's checkout: one `dlfs-grade` run over {target}, writing `result.json` with one
test per exercise. Classroom50 counts whole points, so each exercise is worth its public
points x {scale} ({points:g} dlfs points = {total} Classroom50 points). Hidden checks
({hidden:g} points) are not run there: clone the students' repositories and grade them with
`dlfs-grade batch`.

Try it on a checkout first:
`cd SOME-CHECKOUT && python3 PATH/TO/THIS/autograder.py && cat result.json`.
"""


def write_autograder(folder: Path | str, copy: Path | str, target: str, course: Course) -> Path:
    """Write Classroom50's autograder for ``target`` into ``folder`` (new or empty), with the
    grader of the students' copy ``copy`` (which :func:`~.release.release` wrote).

    Returns:
        The ``autograder.py`` written.
    Raises:
        ValueError: ``folder`` is not empty, or ``target`` is unknown.
    """
    folder, copy = Path(folder), Path(copy)
    exercises = course.select(target)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: the autograder is written to a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "stubs.json")
    for package in ("autograder", "datasets"):
        shutil.copytree(copy / package, folder / "dlfs" / package, ignore=ignore)
    shutil.copyfile(copy / "course.toml", folder / "course.toml")
    torch = any(e.chapter == "chapter7" for e in exercises)
    (folder / "requirements.txt").write_text(requirements(torch), encoding="utf-8")
    scale = integer_scale(exercises)
    public = sum(e.public_points for e in exercises)
    what = "the whole course" if target == "all" else target
    script = folder / "autograder.py"
    script.write_text(
        _AUTOGRADER.format(
            what=what,
            target=target,
            scale=scale,
            modules=_MODULES + (_TORCH_MODULES if torch else ()),
            torch_note=", PyTorch (CPU) for chapter 7" if torch else "",
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    (folder / "README.md").write_text(
        _README.format(
            what=what,
            target=target,
            scale=scale,
            points=public,
            total=round(public * scale),
            hidden=sum(e.points for e in exercises) - public,
        ),
        encoding="utf-8",
    )
    return script
