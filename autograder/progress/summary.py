"""The progress summary: the attempts in the store, as the best score per exercise and chapter.

:func:`summarize` reads the :class:`~.store.ProgressStore` once for a course (or one chapter,
one workspace) and returns a :class:`ProgressReport`: what ``dlfs-grade progress`` shows and
:mod:`.plot` draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..course import Course
from .store import Attempt, ProgressStore

__all__ = [
    "WORKSPACES",
    "ChapterProgress",
    "ExerciseProgress",
    "ProgressReport",
    "summarize",
]


@dataclass(frozen=True)
class ExerciseProgress:
    """The learner's standing on one exercise."""

    id: str
    title: str
    best: float
    max_score: float
    attempts: int
    last_attempt: datetime | None
    last_status: str
    hints_revealed: int = 0

    def to_dict(self) -> dict[str, Any]:
        last = self.last_attempt.isoformat() if self.last_attempt else None
        return {**asdict(self), "last_attempt": last}


@dataclass(frozen=True)
class ChapterProgress:
    """The learner's standing on one chapter: the sum of the best per exercise."""

    name: str
    title: str
    best: float
    max_score: float
    attempts: int
    last_attempt: datetime | None
    exercises: tuple[ExerciseProgress, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "best": self.best,
            "max_score": self.max_score,
            "attempts": self.attempts,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "exercises": [exercise.to_dict() for exercise in self.exercises],
        }


@dataclass(frozen=True)
class ProgressReport:
    """Best scores over the course, and every attempt behind them (oldest first)."""

    best: float
    max_score: float
    chapters: tuple[ChapterProgress, ...]
    history: tuple[Attempt, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "max_score": self.max_score,
            "chapters": [chapter.to_dict() for chapter in self.chapters],
        }


WORKSPACES = ("files", "notebook")
"""The two workspaces progress keeps apart: the ``.py`` files, and the notebooks."""


def _in_workspace(attempt: Attempt, workspace: str | None) -> bool:
    if workspace is None:
        return True
    return (attempt.workspace == "notebook") == (workspace == "notebook")


def _chapter_progress(
    ch: Any, by_exercise: dict[str, list[Attempt]], store: ProgressStore
) -> ChapterProgress:
    """One chapter's standing: the best per exercise, summed."""
    rows = []
    for exercise in ch.exercises:
        attempts = by_exercise.get(exercise.id, [])
        rows.append(
            ExerciseProgress(
                id=exercise.id,
                title=exercise.title,
                best=max((min(a.score, exercise.points) for a in attempts), default=0.0),
                max_score=exercise.points,
                attempts=len(attempts),
                last_attempt=attempts[-1].time if attempts else None,
                last_status=attempts[-1].status if attempts else "",
                hints_revealed=store.hints_revealed(exercise.id),
            )
        )
    times = [row.last_attempt for row in rows if row.last_attempt]
    return ChapterProgress(
        name=ch.name,
        title=ch.title,
        best=sum(row.best for row in rows),
        max_score=ch.points,
        attempts=len({a.run or f"row {a.id}" for row in rows for a in by_exercise.get(row.id, [])}),
        last_attempt=max(times, default=None),
        exercises=tuple(rows),
    )


def summarize(
    course: Course,
    store: ProgressStore,
    chapter: str | None = None,
    workspace: str | None = None,
) -> ProgressReport:
    """Best score, attempts and last attempt per exercise and chapter.

    Args:
        course: the course (attempts at exercises it no longer has are left out).
        store: the progress store.
        chapter: only this chapter (``chapter5`` or ``5``), if given.
        workspace: only the attempts of one workspace: ``files`` (the ``.py`` files) or
            ``notebook`` (the notebooks' ``check()``); None: every attempt.
    Raises:
        ValueError: unknown chapter or workspace.
    """
    if workspace is not None and workspace not in WORKSPACES:
        raise ValueError(f"workspace must be one of {WORKSPACES}, got {workspace!r}")
    chapters = (course.chapter(chapter),) if chapter is not None else course.chapters
    wanted = {exercise.id for ch in chapters for exercise in ch.exercises}
    history = tuple(
        a for a in store.attempts() if a.exercise_id in wanted and _in_workspace(a, workspace)
    )
    by_exercise: dict[str, list[Attempt]] = {}
    for attempt in history:
        by_exercise.setdefault(attempt.exercise_id, []).append(attempt)
    summaries = [_chapter_progress(ch, by_exercise, store) for ch in chapters]
    return ProgressReport(
        best=sum(s.best for s in summaries),
        max_score=sum(s.max_score for s in summaries),
        chapters=tuple(summaries),
        history=history,
    )
