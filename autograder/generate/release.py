"""``dlfs-grade release DIR``: the students' copy of the project, without the answer key.

What it holds: the grader and the data loaders; fresh stubs in ``exercises/`` (with the
chapters' notebooks and the workspace marker); the stored answers of the public checks;
the stubs themselves (``autograder/generate/stubs.json``, so that ``dlfs-grade reset`` works
without the reference); course.toml holding only the hints its policy lets students see
(:mod:`.withhold`); the probes without their known mistakes' code (:mod:`.copy_probes`: the
stored answers describe the mistakes); a students' README whose every command works there;
and, on request, Classroom50's autograder beside it (:mod:`.classroom50`). What it leaves
out: ``reference/``, the tests, the benchmarks, the instructors' guide, CI, version control
and build leftovers. Pure Python file copies: no rsync, any platform.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..course import HINT_POLICIES, Course, load_course
from ..paths import reference_root
from .answers import build_answers
from .classroom50 import write_autograder
from .copy_probes import mistake_parameters, passes_mistakes, without_mistakes
from .exercises import generate_tree
from .readme import students_readme
from .stored_stubs import STORED_STUBS
from .withhold import students_course_text

__all__ = ["ReleaseReport", "release"]

LEFT_OUT = (
    "reference",
    "tests",
    "bench",
    ".git",
    ".github",
    ".ci",
    ".venv",
    "venv",
    "build",
    "dist",
    "instructors.md",
    "__pycache__",
    "*.egg-info",
    ".*cache",
    "*.pyc",
)
"""What the students' copy never holds (names or patterns, at any depth)."""


@dataclass(frozen=True)
class ReleaseReport:
    """What :func:`release` wrote."""

    out: Path
    files: int
    exercises: int
    public_points: float
    hint_policy: str
    classroom50: Path | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "files": self.files,
            "exercises": self.exercises,
            "public_points": self.public_points,
            "hint_policy": self.hint_policy,
            "classroom50": str(self.classroom50) if self.classroom50 else None,
        }


def release(
    out: Path | str,
    hint_policy: str | None = None,
    classroom50: bool = False,
    course: Course | None = None,
    target: str = "all",
) -> ReleaseReport:
    """Write the students' copy to ``out`` (a new or empty folder).

    Args:
        out: where; it must not exist, or be empty.
        hint_policy: ``all``, ``no-solution`` or ``none`` (default: course.toml's).
        classroom50: also write Classroom50's autograder grading ``target``, beside ``out``
            in ``<out>-classroom50/`` (it belongs in the instructor's classroom50
            repository, not in the students' template).
        course: by default :func:`~dlfs.autograder.course.load_course`.
        target: what the Classroom50 autograder grades: ``all``, a chapter or an exercise.
    Raises:
        ValueError: ``out`` (or the autograder's folder) is not empty, a hint policy or the
            target is unknown.
    """
    out = Path(out)
    autograder = out.with_name(f"{out.name}-classroom50") if classroom50 else None
    for folder in (out, autograder):
        if folder is not None and folder.exists() and any(folder.iterdir()):
            raise ValueError(f"{folder} is not empty: release writes a new folder")
    if hint_policy is not None and hint_policy not in HINT_POLICIES:
        raise ValueError(f"hint_policy must be one of {HINT_POLICIES}, got {hint_policy!r}")
    course = course or load_course()
    course.select(target)  # an unknown target fails before anything is written
    root = reference_root().parent
    shutil.copytree(root, out, ignore=shutil.ignore_patterns(*LEFT_OUT), dirs_exist_ok=True)
    generation = generate_tree(course=course)
    exercises = out / "exercises"
    shutil.rmtree(exercises, ignore_errors=True)
    for relpath, data in generation.files.items():
        path = exercises / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    build_answers(course, out / "autograder" / "answers")  # fresh, whatever was committed
    _probes_without_mistakes(out / "autograder" / "probes")
    stubs = {str(p): d.decode("utf-8") for p, d in generation.files.items() if p.suffix == ".py"}
    stored = out / "autograder" / STORED_STUBS
    stored.write_text(json.dumps(stubs, indent=0, sort_keys=True), encoding="utf-8")
    policy = hint_policy or course.hint_policy
    course_file = out / course_file_name(course)
    text = Path(course.path or course_file).read_text(encoding="utf-8")
    course_file.write_text(students_course_text(text, course, policy), encoding="utf-8")
    (out / "README.md").write_text(students_readme(course), encoding="utf-8")
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):  # emptied by what was left out (docs/)
            folder.rmdir()
    files = sum(1 for p in out.rglob("*") if p.is_file())
    if autograder is not None:
        write_autograder(autograder, out, target, course)
    points = sum(e.public_points for e in course.exercises)
    return ReleaseReport(out, files, len(course.exercises), points, policy, autograder)


def _probes_without_mistakes(folder: Path) -> None:
    """Rewrite the copy's probe modules without their known mistakes' code, and leave out the
    book's code (it models the book's bugs: a mistake each) once nothing imports it."""
    everything = sorted(folder.glob("*.py"))
    parameters = mistake_parameters(path.read_text(encoding="utf-8") for path in everything)
    modules = [p for p in everything if passes_mistakes(p.read_text(encoding="utf-8"), parameters)]
    for path in modules:
        text = without_mistakes(path.read_text(encoding="utf-8"), parameters)
        path.write_text(text, encoding="utf-8")
    sources = [p.read_text(encoding="utf-8") for p in folder.glob("*.py")]
    if not any(re.search(r"from \. import .*\bbook\b|from \.book import", s) for s in sources):
        (folder / "book.py").unlink(missing_ok=True)


def course_file_name(course: Course) -> str:
    """Where course.toml sits in the project, relative to its root."""
    root = reference_root().parent
    if course.path is None:
        return "course.toml"
    try:
        return Path(course.path).resolve().relative_to(root).as_posix()
    except ValueError:
        return "course.toml"
