"""What one grading run decides once for all its exercises.

* where the expected values come from (:mod:`.expected`);
* which inputs the checks draw: the learner's own, stable seeds (a learner's run, so that a
  failure can be reproduced), or fresh ones salted with a seed drawn for the run (the
  official grade: a submission cannot replay outputs it has seen), recorded in the report
  so that a grade can be reproduced exactly;
* what no worker may see: the answer key, the stored answers, the progress store, the
  course file, the workspace graded, and whatever else the caller names (in a class, every
  submission).
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..answers.store import answers_dir
from ..course import Course, CourseError, course_path
from ..paths import data_dir, package_root
from .expected import ExpectedSource, expected_source
from .remembered import RememberedAnswers

__all__ = ["RunSettings"]


@dataclass(frozen=True)
class RunSettings:
    """A grading run's decisions.

    Attributes:
        answers: where expected values come from.
        seed: None for the learner's stable seeds; else the salt of every check's seed.
        hidden: paths no worker may see, besides :meth:`secrets`'s own.
        course: the course graded (to say whose code a timeout or an error was in).
    """

    answers: ExpectedSource = field(default_factory=expected_source)
    seed: int | None = None
    hidden: tuple[str, ...] = ()
    course: Course | None = None
    _secrets: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """:meth:`secrets` by workspace, worked out once per run (a class asks for each student's
    once per exercise: resolving a dozen paths each time cost the grader a millisecond)."""

    def __post_init__(self) -> None:
        if self.seed is not None and not self.answers.runs_hidden:
            raise ValueError(
                "fresh seeds need the reference (the stored answers hold the learners' seeds "
                "only): grade where dlfs.reference is installed"
            )

    @classmethod
    def create(
        cls,
        use_reference: bool | None = None,
        seed: int | None = None,
        hidden: tuple[Path | str, ...] = (),
        course: Course | None = None,
    ) -> RunSettings:
        """Settings with the answer source chosen here (see :func:`.expected.expected_source`),
        each check's expected values computed once for the run (:mod:`.remembered`)."""
        answers = RememberedAnswers(expected_source(use_reference))
        return cls(answers, seed, tuple(str(h) for h in hidden), course)  # type: ignore[arg-type]

    def secrets(self, workspace: Path) -> tuple[str, ...]:
        """Every path a worker must not see when grading ``workspace`` (never one that holds
        Python or the grader itself, which the worker needs); worked out once per workspace
        in a run."""
        key = str(workspace)
        if key not in self._secrets:
            self._secrets[key] = self._find_secrets(workspace)
        return self._secrets[key]

    def _find_secrets(self, workspace: Path) -> tuple[str, ...]:
        paths = [answers_dir(), data_dir(), workspace, *self.hidden]
        with contextlib.suppress(ValueError):  # the students' copy has no answer key to hide
            paths.append(package_root("reference"))
        with contextlib.suppress(CourseError):
            paths.append(course_path())
        return tuple(dict.fromkeys(str(p) for p in map(_resolved, paths) if not _needed(p)))


def _resolved(path: Path | str) -> Path:
    return Path(path).resolve()


def _needed(path: Path) -> bool:
    """Whether ``path`` holds what a worker runs on: Python, its packages or the grader."""
    needed = (Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parents[1])
    resolved = [n.resolve() for n in needed]
    return any(path == n or path in n.parents for n in resolved)
