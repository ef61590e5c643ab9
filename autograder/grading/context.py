"""What a grading session hands to the grading of one exercise.

A :class:`~.session.GradingSession` owns a run; each exercise it grades gets an
:class:`ExerciseContext`: the run's settings and training inputs, the worker slot it holds,
who listens to its events and what is left of its time budget. The sandbox gets the part
that concerns it as a :class:`~..sandbox.protocol.WorkerContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..sandbox.protocol import Student, WorkerContext
from .data import DataCache
from .run import RunSettings

__all__ = ["EventHandler", "ExerciseContext"]

EventHandler = Callable[[str, dict[str, Any]], None]
"""``on_event(event, info)``: ``"exercise"`` (starting one), ``"check"`` (a probe running:
its name, kind, budget and elapsed seconds), ``"result"`` (an ``ExerciseResult``)."""


@dataclass(frozen=True)
class ExerciseContext:
    """One exercise's share of a grading run.

    Attributes:
        settings: the run's decisions (answer source, seed, what no worker may see, course).
        data: the run's training inputs (written once; the labels stay in the grader).
        slot: the worker slot this exercise holds (one fork server per slot).
        on_event: called as grading goes (from the thread grading the exercise).
        time_left: what is left of the run's budget, in seconds (None: only the exercise's
            own time limit applies).
        student: the student whose sandbox its workers are forked in (None: each worker
            isolates itself).
    """

    settings: RunSettings = field(default_factory=RunSettings)
    data: DataCache = field(default_factory=DataCache)
    slot: int = 0
    on_event: EventHandler | None = None
    time_left: float | None = None
    student: Student | None = None

    def worker(self, chapter: str, workspace: Path, probes: Collection[str] = ()) -> WorkerContext:
        """What the sandbox needs to know about the worker grading ``workspace``'s code of
        ``chapter`` with ``probes`` (none named: any of the chapter's)."""
        answers = self.settings.answers
        return WorkerContext(
            slot=self.slot,
            hidden=self.settings.secrets(workspace),
            preload=answers.preload(chapter, probes),
            learner_package=answers.learner_package(workspace),
            student=self.student,
        )
