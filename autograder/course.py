"""The course: chapters, exercises, checks and hints, read from ``course.toml``.

Where the file is found (the first that applies):

1. the ``path`` given to :func:`load_course`;
2. ``$DLFS_COURSE``;
3. ``course.toml`` beside the package folders — the repository root for a clone installed
   with ``pip install -e .`` (the way learners and instructors install dlfs);
4. ``course.toml`` in the current directory or one of its parents.

The schema (``[course]``, ``[defaults]``, ``[chapterN]`` and ``[chapterN.<exercise>]`` with
``[[chapterN.<exercise>.checks]]``) is described in the file's own header. A file that breaks
it raises :class:`CourseError` naming the line and the key.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "BUILTIN_DEFAULTS",
    "CHECK_KINDS",
    "COURSE_FILE",
    "Chapter",
    "CheckSpec",
    "Course",
    "CourseError",
    "Exercise",
    "Target",
    "course_path",
    "load_course",
    "parse_course",
]

COURSE_FILE = "course.toml"
CHECK_KINDS = ("agreement", "gradient", "property", "fixture", "training")
BUILTIN_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"timeout": 60, "memory_mb": 2048, "gradcheck_tol": 1e-5, "rtol": 1e-7, "atol": 1e-10}
)
_TARGET_RE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")


class CourseError(ValueError):
    """``course.toml`` is missing or breaks the schema.

    Attributes:
        path: the file.
        line: 1-based line of the offending table or key, when known.
        key: the dotted key at fault (``chapter5.conv_forward.points``), when known.
    """

    def __init__(
        self, message: str, path: Path | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.path, self.line, self.key, self.reason = path, line, key, message
        where = str(path) if path else COURSE_FILE
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: [{key}] {message}" if key else f"{where}: {message}")


@dataclass(frozen=True)
class Target:
    """A function or method in the reference: ``activations:Sigmoid._output``.

    Attributes:
        module: the module, dotted, relative to ``dlfs.reference`` (``activations``).
        qualname: the function's qualified name in it (``Sigmoid._output``).
    """

    module: str
    qualname: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """Parse ``"module:qualname"``; raise ValueError quoting ``text`` if malformed."""
        match = _TARGET_RE.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"a target is 'module:qualname', got {text!r}")
        return cls(match.group(1), match.group(2))

    @property
    def relpath(self) -> PurePosixPath:
        """The module's file relative to the reference folder (``experiments/chapter3.py``)."""
        return PurePosixPath(*self.module.split(".")).with_suffix(".py")

    def __str__(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True)
class CheckSpec:
    """One check of an exercise, as written in ``[[chapterN.<exercise>.checks]]``.

    Attributes:
        kind: agreement | gradient | property | fixture | training.
        probe: the probe function's name in ``dlfs.autograder.probes.chapterN`` (or "").
        points: the partial credit this check is worth.
        hidden: run only where the reference is present.
        name: a short label (the ``name`` key, else the probe, else ``kind``).
        options: the kind-specific keys (rtol, tol, threshold, metric, budget, params …).
        settings: the exercise's effective settings (``[defaults]`` and its overrides).
    """

    kind: str
    probe: str
    points: float
    hidden: bool
    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The check's own ``key``, else the exercise's setting, else ``default``."""
        if key in self.options:
            return self.options[key]
        return self.settings.get(key, default)


@dataclass(frozen=True)
class Exercise:
    """One named body the learner writes (invariant 3).

    Attributes:
        id: ``chapterN.name``, e.g. ``chapter5.conv_forward``.
        chapter: ``chapterN``.
        title: a short human title.
        targets: the functions whose bodies the learner writes.
        points: the total, the sum of the checks' points.
        hints: from gentle to explicit.
        checks: what the grader runs.
        settings: ``[defaults]`` overlaid with the exercise's own timeout, memory_mb, ….
        description: optional longer text.
        line: the line of the exercise's table header in course.toml.
    """

    id: str
    chapter: str
    title: str
    targets: tuple[Target, ...]
    points: float
    hints: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    line: int | None = None

    @property
    def name(self) -> str:
        """The id without its chapter (``conv_forward``)."""
        return self.id.split(".", 1)[1]

    @property
    def timeout(self) -> float:
        """Wall-clock seconds for the exercise's worker."""
        return self.settings["timeout"]

    @property
    def memory_mb(self) -> int:
        """Address-space limit of the worker, in MiB."""
        return self.settings["memory_mb"]

    def to_dict(self) -> dict[str, Any]:
        """The exercise as JSON (hints counted, not shown: they are revealed one by one)."""
        return {
            "id": self.id,
            "title": self.title,
            "points": self.points,
            "targets": [str(target) for target in self.targets],
            "checks": [
                {"name": c.name, "kind": c.kind, "points": c.points, "hidden": c.hidden}
                for c in self.checks
            ],
            "hints": len(self.hints),
        }


@dataclass(frozen=True)
class Chapter:
    """A ``[chapterN]`` table: its fields and its exercises, in file order."""

    name: str
    number: int
    title: str
    exercises: tuple[Exercise, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def points(self) -> float:
        """The chapter's total points."""
        return sum(exercise.points for exercise in self.exercises)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "points": self.points,
            "exercises": [exercise.to_dict() for exercise in self.exercises],
        }


@dataclass(frozen=True)
class Course:
    """The whole course: title, defaults and chapters in order of their number."""

    title: str
    defaults: Mapping[str, Any]
    chapters: tuple[Chapter, ...]
    path: Path | None = None

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        """Every exercise, chapter by chapter."""
        return tuple(ex for chapter in self.chapters for ex in chapter.exercises)

    @property
    def points(self) -> float:
        """The course's total points."""
        return sum(chapter.points for chapter in self.chapters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "points": self.points,
            "chapters": [chapter.to_dict() for chapter in self.chapters],
        }

    def __iter__(self) -> Iterator[Chapter]:
        return iter(self.chapters)

    def chapter(self, name: str) -> Chapter:
        """The chapter called ``name`` (``chapter5``, or just ``5``)."""
        wanted = f"chapter{name}" if str(name).isdigit() else name
        for chapter in self.chapters:
            if chapter.name == wanted:
                return chapter
        raise ValueError(_unknown("chapter", name, [c.name for c in self.chapters]))

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with id ``exercise_id`` (``chapter5.conv_forward``)."""
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise ValueError(_unknown("exercise", exercise_id, [e.id for e in self.exercises]))

    def select(self, target: str) -> tuple[Exercise, ...]:
        """What ``dlfs-grade TARGET`` means: ``all``, a chapter, or one exercise id."""
        if target == "all":
            return self.exercises
        if "." in target:
            return (self.exercise(target),)
        names = [c.name for c in self.chapters] + [e.id for e in self.exercises] + ["all"]
        try:
            return self.chapter(target).exercises
        except ValueError:
            raise ValueError(_unknown("chapter or exercise", target, names)) from None

    def exercise_for(self, target: Target | str) -> Exercise | None:
        """The exercise whose targets include ``target``, or None."""
        wanted = Target.parse(target) if isinstance(target, str) else target
        for exercise in self.exercises:
            if wanted in exercise.targets:
                return exercise
        return None


def _unknown(what: str, value: object, known: list[str]) -> str:
    message = f"unknown {what} {value!r}"
    close = difflib.get_close_matches(str(value), known, n=3)
    if close:
        message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
    return message


def course_path() -> Path:
    """Where the course file is: ``$DLFS_COURSE``, the repository root, or the cwd upwards.

    Raises:
        CourseError: if none of them holds a ``course.toml``.
    """
    env = os.environ.get("DLFS_COURSE")
    if env:
        return Path(env)
    beside_packages = Path(__file__).resolve().parents[1] / COURSE_FILE
    if beside_packages.is_file():
        return beside_packages
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder / COURSE_FILE
    raise CourseError(
        f"no {COURSE_FILE} found beside the dlfs packages nor in {here} or its parents; "
        "set DLFS_COURSE to its path"
    )


def load_course(path: str | os.PathLike[str] | None = None) -> Course:
    """Read and validate the course file.

    Args:
        path: the file; by default see :func:`course_path`.
    Returns:
        The course, chapters ordered by number, exercises in file order.
    Raises:
        CourseError: the file is missing, is not valid TOML, or breaks the schema; the message
            names the line and the key.
    """
    file = Path(path) if path is not None else course_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(f"cannot read the course file: {error.strerror}", file) from None
    return parse_course(text, file)


def parse_course(text: str, path: Path | None = None) -> Course:
    """Validate the TOML ``text`` of a course file (``path`` is only used in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        if line is None:
            found = re.search(r"line (\d+)", str(error))
            line = int(found.group(1)) if found else None
        raise CourseError(f"invalid TOML: {error}", path, line) from None
    from ._course_schema import CourseParser  # the schema needs this module's classes

    return CourseParser(text, path).course(data)
