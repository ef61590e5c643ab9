"""The course's model: chapters, exercises, checks and targets, as frozen dataclasses.

Everything here is already resolved: a check carries its own tolerances, metric and budget
(``[defaults]`` and the exercise's overrides applied once, when the course is loaded by
:mod:`.loading`, validated by :mod:`.schema`), so that nothing downstream holds a fallback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from ..kinds import KINDS
from .assignments import Assignment

__all__ = [
    "BUILTIN_DEFAULTS",
    "CHECK_KINDS",
    "COURSE_FILE",
    "HINT_POLICIES",
    "METRICS",
    "PLAIN_NAMES",
    "TORCH_CHAPTERS",
    "Chapter",
    "CheckSpec",
    "Course",
    "CourseError",
    "Exercise",
    "Target",
    "UnknownName",
    "canonical_name",
]

COURSE_FILE = "course.toml"
CHECK_KINDS = tuple(KINDS)
"""The check kinds' names (:data:`dlfs.autograder.kinds.KINDS` holds what each is)."""
TORCH_CHAPTERS = frozenset({"chapter7"})
"""The chapters written in PyTorch: their workers import it first."""
HINT_POLICIES = ("all", "no-solution", "none")
"""What a course may let learners see of the hints (``[course] hint_policy``)."""
PLAIN_NAMES: Mapping[str, str] = MappingProxyType({k.name: k.plain_name for k in KINDS.values()})
"""What each kind of check is called where a learner reads it."""
METRICS: Mapping[str, bool] = MappingProxyType(
    {"accuracy": True, "rmse": False, "mae": False, "mse": False, "loss": False}
)
"""The training checks' metrics, each with whether higher is better."""
BUILTIN_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"timeout": 30, "memory_mb": 2048, "gradcheck_tol": 1e-5, "rtol": 1e-7, "atol": 1e-10}
)
"""The settings ``[defaults]`` may change and every exercise may override."""
_TARGET_RE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")


class CourseError(ValueError):
    """``course.toml`` is missing or breaks the schema.

    Attributes:
        path: the file.
        line: 1-based line of the offending table or key, when known.
        key: the dotted key at fault (``chapter5.conv_2d.points``), when known.
    """

    def __init__(
        self, message: str, path: Path | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.path, self.line, self.key, self.reason = path, line, key, message
        where = str(path) if path else COURSE_FILE
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: [{key}] {message}" if key else f"{where}: {message}")


class UnknownName(ValueError):
    """No chapter or exercise has this name (the message suggests the closest ones)."""


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
    """One check of an exercise, every default resolved.

    Attributes:
        kind: agreement | gradient | property | fixture | training.
        probe: the probe's name in its chapter's module of ``dlfs.autograder.probes`` (by
            default the exercise's name).
        points: the partial credit this check is worth.
        hidden: run only where the reference is present.
        name: the course's label for the check (by default the probe's name).
        params: the probe's keyword arguments.
        rtol: relative tolerance of an agreement or fixture check.
        atol: absolute tolerance of an agreement or fixture check.
        tol: the largest relative error of a gradient check.
        arrays: the outputs a gradient check compares (None: every ``*grad*`` output).
        expected: a fixture check's known answers written in course.toml (None: the probe's).
        metric: a training check's metric (a key of :data:`METRICS`).
        threshold: the value a training check's metric must reach.
        budget: a training check's time budget in seconds (passed to the probe).
        line: the line of the check in course.toml, when known.
    """

    kind: str
    probe: str
    points: float
    hidden: bool = False
    name: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    rtol: float = BUILTIN_DEFAULTS["rtol"]
    atol: float = BUILTIN_DEFAULTS["atol"]
    tol: float = BUILTIN_DEFAULTS["gradcheck_tol"]
    arrays: tuple[str, ...] | None = None
    expected: Mapping[str, Any] | None = None
    metric: str = "accuracy"
    threshold: float | None = None
    budget: float | None = None
    line: int | None = None
    title: str = ""
    """What a learner reads: the check's own name, else what its kind checks in plain words
    (made unique within the exercise when the course loads)."""

    @property
    def label(self) -> str:
        """What reports call the check, in plain words (``"gradient check"``)."""
        return self.title or self.plain_name

    @property
    def plain_name(self) -> str:
        """The check's own name, else its kind's plain name."""
        if self.name and self.name != self.probe:
            return self.name
        return PLAIN_NAMES[self.kind]

    @property
    def check_id(self) -> str:
        """The internal id (``"agreement:sigmoid"``), in JSON reports only."""
        if self.name and self.name != self.probe:
            return self.name
        return f"{self.kind}:{self.probe}"

    @property
    def higher_is_better(self) -> bool:
        """Whether a training check's metric improves upwards (accuracy) or downwards."""
        return METRICS[self.metric]

    @property
    def probe_params(self) -> dict[str, Any]:
        """The probe's keyword arguments: ``params``, and a training check's ``budget``."""
        params = dict(self.params)
        if self.kind == "training" and self.budget is not None:
            params.setdefault("budget", self.budget)
        return params


@dataclass(frozen=True)
class Exercise:
    """One named body the learner writes (invariant 3).

    Attributes:
        id: ``chapterN.name``, e.g. ``chapter5.conv_2d``.
        chapter: ``chapterN``.
        title: a short human title.
        targets: the functions whose bodies the learner writes.
        points: the total, the sum of the checks' points.
        hints: from gentle to explicit; of two or more, the last gives the answer away
            (``solution_hint``), and a course's ``hint_policy`` may withhold it.
        checks: what the grader runs.
        settings: ``[defaults]`` overlaid with the exercise's own timeout, memory_mb, ….
        description: optional longer text.
        line: the line of the exercise's table header in course.toml.
        changes_in_place: the arguments its functions may change in place (``param``,
            ``params_dict.*.deriv``); every other array they are given must be left as it
            was (the in-place guard, ``sandbox.guard``).
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
    changes_in_place: tuple[str, ...] = ()

    @property
    def solution_hint(self) -> bool:
        """Whether the last hint gives the answer away (it does when there are several)."""
        return len(self.hints) >= 2

    @property
    def public_points(self) -> float:
        """The points of the checks that are not hidden: what runs without the answer key
        (a students' copy, Classroom50)."""
        return float(sum(check.points for check in self.checks if not check.hidden))

    @property
    def name(self) -> str:
        """The id without its chapter (``conv_2d``)."""
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
    """The whole course: title, defaults and chapters in order of their number.

    Attributes:
        chapter_budget: seconds a grading run may spend on one chapter (per student).
        book_budget: seconds a grading run may spend in all, however many chapters.
        hint_policy: which hints learners may see: ``all``, ``no-solution`` (not an
            exercise's last hint when it has several: that one gives the answer away) or
            ``none``.
        assignments: the ``[assignments.NAME]`` tables: deadlines and late policies.
    """

    title: str
    defaults: Mapping[str, Any]
    chapters: tuple[Chapter, ...]
    path: Path | None = None
    chapter_budget: float = 120.0
    book_budget: float = 300.0
    hint_policy: str = "all"
    assignments: tuple[Assignment, ...] = ()

    def assignment(self, target: str) -> Assignment | None:
        """The assignment (deadline and late policy) named ``target`` or grading it, if any."""
        wanted = canonical_name(target)
        for assignment in self.assignments:
            if wanted in (assignment.name, canonical_name(assignment.target)):
                return assignment
        return None

    def allowed_hints(self, exercise: Exercise) -> tuple[str, ...]:
        """The exercise's hints that the course's policy lets learners see."""
        if self.hint_policy == "none":
            return ()
        if self.hint_policy == "no-solution" and exercise.solution_hint:
            return exercise.hints[:-1]
        return exercise.hints

    def budget(self, exercises: tuple[Exercise, ...] | list[Exercise]) -> float:
        """The seconds a run grading ``exercises`` may take (per student in a class)."""
        chapters = {exercise.chapter for exercise in exercises}
        return min(self.book_budget, self.chapter_budget * max(1, len(chapters)))

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
        """The chapter called ``name`` (``chapter5``, ``5``, ``ch5``, ``Chapter05`` …)."""
        wanted = canonical_name(str(name))
        for chapter in self.chapters:
            if chapter.name == wanted:
                return chapter
        raise UnknownName(_unknown("chapter", name, [c.name for c in self.chapters]))

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with id ``exercise_id`` (``chapter5.conv_2d``, ``ch5.conv_2d`` …)."""
        exercise_id = canonical_name(exercise_id)
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise UnknownName(_unknown("exercise", exercise_id, [e.id for e in self.exercises]))

    def select(self, target: str) -> tuple[Exercise, ...]:
        """What ``dlfs-grade TARGET`` means: ``all``, a chapter, or one exercise id (the
        chapter spelled as a learner may: ``chapter05``, ``Chapter5``, ``ch5``, ``5``)."""
        target = canonical_name(target)
        if target == "all":
            return self.exercises
        if "." in target:
            return (self.exercise(target),)
        names = [c.name for c in self.chapters] + [e.id for e in self.exercises] + ["all"]
        try:
            return self.chapter(target).exercises
        except ValueError:
            raise UnknownName(_unknown("chapter or exercise", target, names)) from None

    def exercise_for(self, target: Target | str) -> Exercise | None:
        """The exercise whose targets include ``target``, or None."""
        wanted = Target.parse(target) if isinstance(target, str) else target
        for exercise in self.exercises:
            if wanted in exercise.targets:
                return exercise
        return None


_CHAPTER_SPELLING = re.compile(r"(?:chapter|ch)?\s*0*([0-9]+)", re.IGNORECASE)


def canonical_name(name: str) -> str:
    """``chapter05``, ``Chapter5``, ``ch5``, ``chapter 5`` and ``5`` → ``chapter5``; the same
    for the chapter part of an exercise id; ``ALL`` → ``all``; anything else as it is."""
    text = name.strip()
    if text.lower() == "all":
        return "all"
    head, dot, rest = text.partition(".")
    found = _CHAPTER_SPELLING.fullmatch(head.strip())
    if found:
        head = f"chapter{int(found.group(1))}"
    return head + dot + rest


def _unknown(what: str, value: object, known: list[str]) -> str:
    """The message for an unknown name, with the names it may have meant: those it begins
    (``chapter3.mse`` → ``chapter3.mse_forward``, ``chapter3.mse_backward``), then the
    closest spellings."""
    message = f"unknown {what} {value!r}"
    text = str(value)
    begun = [k for k in known if k.startswith(text) and len(text) > len("chapterN.")]
    close = begun + [c for c in difflib.get_close_matches(text, known, n=3) if c not in begun]
    if close:
        message += f"; did you mean {' or '.join(repr(c) for c in close[:4])}?"
    return message
