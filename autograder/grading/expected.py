"""Where the expected values come from: the reference, or the answers stored from it.

One object, chosen once per grading run by :func:`expected_source`, answers every question the
pipeline asks about the right answer:

* :class:`ReferenceAnswers` runs each probe on the pristine reference, in the grader (where
  the reference is installed: self-study, the instructor's machine, Gradescope);
* :class:`StoredAnswers` reads the arrays that ``dlfs-grade build-answers`` stored from the
  reference (the students' copy, which has no reference). Hidden checks cannot run there; the
  worker imports the learner's whole package, so a check can run into another unfinished
  exercise, which the messages then name.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from ..answers.store import AnswerStoreError, load_expected, load_mistakes
from ..course.model import PLAIN_NAMES, TORCH_CHAPTERS
from ..kinds import KINDS
from ..probes.chapter7 import OPTIMIZER_PROBES
from ..sandbox.servers import TORCH
from .plan import HIDDEN_NOT_RUN, PlannedCheck

__all__ = [
    "HIDDEN_NOT_RUN",
    "ExpectedSource",
    "GraderError",
    "ReferenceAnswers",
    "StoredAnswers",
    "expected_source",
    "reference_available",
]

_STUB_ERROR = re.compile(r"NotImplementedError: (chapter\d+\.\w+)")
_REFERENCE_TORCH = tuple(
    f"dlfs.reference.pytorch.{name}"
    for name in ("layers", "models", "trainer", "lstm", "autoencoder")
)


class GraderError(Exception):
    """The grader cannot judge a check (a broken course or probe, missing stored answers):
    the grader's fault, never the learner's."""


class ExpectedSource(Protocol):
    """What the pipeline asks about the right answers."""

    runs_hidden: bool
    """Whether hidden checks can run (they need the reference)."""

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        """The pristine probe's outputs (or, ``numerical``, its central differences)."""

    def mistakes(self, check: PlannedCheck) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(description, outputs)`` of each known mistake of the check's probe."""

    def learner_package(self, workspace: Path) -> str | None:
        """The package the worker imports whole (None: splice into the reference)."""

    def preload(self, chapter: str, probes: Collection[str] = ()) -> tuple[str, ...]:
        """What the worker server imports before forking a worker for ``chapter`` that runs
        ``probes`` (none named: any of the chapter's)."""

    def explain(self, message: str, exercise_id: str) -> str:
        """A check's message, reworded where this source makes it mean something else."""

    def check_name(self, name: str) -> str:
        """A check's name as this source can say it (no reference: no "the reference")."""


def reference_available() -> bool:
    """Whether the answer key, ``dlfs.reference``, is installed here."""
    try:
        return importlib.util.find_spec("dlfs.reference") is not None
    except (ImportError, ValueError):
        return False


def expected_source(use_reference: bool | None = None) -> ExpectedSource:
    """The reference where it is installed (or when asked for), else the stored answers."""
    if use_reference is None:
        use_reference = reference_available()
    return ReferenceAnswers() if use_reference else StoredAnswers()


def _reference() -> ModuleType:
    """The pristine reference package (the grader never splices anything into it)."""
    return importlib.import_module("dlfs.reference")


class ReferenceAnswers:
    """Expected values computed by running the probes on the pristine reference, or read
    from the answers ``dlfs-grade build-answers`` stored from this same reference.

    A public check on the learner's stable inputs is judged from the stored answers where
    they hold it: the same values, computed once (the tests fail while they are out of date),
    so that a run spends nothing on the reference's side of those checks, and chapter 7's
    imports no PyTorch into the grader (about 2 s of a 3 s exercise). Fresh seeds, hidden
    checks, checks not stored and known mistakes run the reference.

    Args:
        stored_first: read the stored answers first (False: always run the reference, as
            ``build-answers`` must).
    """

    runs_hidden = True

    def __init__(self, stored_first: bool = True) -> None:
        self.stored_first = stored_first

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        if self.stored_first and not check.spec.hidden:
            try:
                return load_expected(
                    check.module, check.spec.probe, check.params, check.seed, numerical
                )
            except AnswerStoreError:
                pass  # not stored (a fresh seed, a new check): the reference computes it
        extra = {"numerical": True} if numerical else {}
        probe = check.probe
        try:
            rng = np.random.default_rng(check.seed)
            return probe(_reference(), rng, **check.params, **extra)
        except Exception as error:
            raise GraderError(f"probe {check.module}.{probe.name}: {error!r}") from error

    def mistakes(self, check: PlannedCheck) -> Iterator[tuple[str, dict[str, Any]]]:
        probe = check.probe
        rng = np.random.default_rng(check.seed)
        for _, description, outputs in probe.wrong_outputs(_reference(), rng, check.params):
            yield description, outputs

    def learner_package(self, workspace: Path) -> str | None:
        return None

    def preload(self, chapter: str, probes: Collection[str] = ()) -> tuple[str, ...]:
        if chapter not in TORCH_CHAPTERS:
            return ()
        warm_up = "warm_up"
        if probes and not OPTIMIZER_PROBES.intersection(probes):
            warm_up = "warm_up_layers"  # no torch._dynamo, a second, for a layer's checks
        return (*TORCH, *_REFERENCE_TORCH, f"dlfs.autograder.probes.chapter7:{warm_up}")

    def explain(self, message: str, exercise_id: str) -> str:
        return message

    def check_name(self, name: str) -> str:
        return name


_AGREEMENT = PLAIN_NAMES["agreement"]
_AGREEMENT_STORED = "agrees with the stored answers"


class StoredAnswers:
    """Expected values read from the answers stored with the package (no reference here).

    Args:
        folder: where the ``chapterN.npz`` files are (default: the package's own).
    """

    runs_hidden = False

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        try:
            return load_expected(
                check.module, check.spec.probe, check.params, check.seed, numerical, self.folder
            )
        except AnswerStoreError as error:
            raise GraderError(str(error)) from error

    def mistakes(self, check: PlannedCheck) -> Iterator[tuple[str, dict[str, Any]]]:
        numerical = KINDS[check.spec.kind].numerical
        stored = load_mistakes(
            check.module, check.spec.probe, check.params, check.seed, numerical, self.folder
        )
        known = list(check.probe.mistakes)  # a copy has none
        for index, (description, outputs) in sorted(stored.items()):
            if not description and index < len(known):
                description = known[index]
            if description:
                yield description, outputs

    def learner_package(self, workspace: Path) -> str | None:
        return str(workspace)

    def preload(self, chapter: str, probes: Collection[str] = ()) -> tuple[str, ...]:
        # the learner's package is never imported unsandboxed: warm torch up on its own
        return (
            (*TORCH, "dlfs.autograder.probes.chapter7:warm_up_torch")
            if chapter in TORCH_CHAPTERS
            else ()
        )

    def check_name(self, name: str) -> str:
        """``agrees with the stored answers``: a students' copy has no reference."""
        return name.replace(_AGREEMENT, _AGREEMENT_STORED)

    def explain(self, message: str, exercise_id: str) -> str:
        """Reword a stub's ``NotImplementedError`` from *another* exercise (the learner's own
        unfinished code runs beside the exercise graded)."""
        match = _STUB_ERROR.search(message)
        if match is None or match.group(1) == exercise_id:
            return message
        other = match.group(1)
        return (
            f"this check needs {other} too: without the reference your own {other} runs with "
            f"{exercise_id}, and it is still the stub. Finish {other} first (at the instructor's, "
            "each exercise is graded on its own)"
        )
