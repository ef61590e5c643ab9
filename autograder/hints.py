"""Hints, revealed one at a time, from gentle to explicit; the store remembers how many."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from .course import Course, load_course
from .progress import ProgressStore, ProgressUnavailable

__all__ = ["Hint", "next_hint", "revealed_hints"]


@dataclass(frozen=True)
class Hint:
    """One hint of an exercise.

    Attributes:
        exercise_id: ``chapter5.conv_2d``.
        number: 1 for the gentlest.
        total: how many hints the exercise has.
        text: the hint.
        remembered: whether the progress store recorded that it was shown.
    """

    exercise_id: str
    number: int
    total: int
    text: str
    remembered: bool = True

    @property
    def last(self) -> bool:
        """Whether no more explicit hint follows."""
        return self.number >= self.total

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "last": self.last}


def next_hint(
    exercise_id: str, course: Course | None = None, store: ProgressStore | None = None
) -> Hint | None:
    """Reveal the exercise's next hint (the last one again once all are revealed).

    Returns:
        The hint, or None if the exercise has none.
    Raises:
        ValueError: unknown exercise id.
    """
    exercise = (course or load_course()).exercise(exercise_id)
    if not exercise.hints:
        return None
    try:
        with _opened(store) as opened:
            number = opened.reveal_hint(exercise.id, len(exercise.hints))
    except ProgressUnavailable:
        if store is not None:
            raise
        with ProgressStore(read_only=True) as reader:  # show it, remembered or not
            number = min(reader.hints_revealed(exercise.id) + 1, len(exercise.hints))
        hint = Hint(exercise.id, number, len(exercise.hints), exercise.hints[number - 1])
        return replace(hint, remembered=False)
    return Hint(exercise.id, number, len(exercise.hints), exercise.hints[number - 1])


def revealed_hints(
    exercise_id: str, course: Course | None = None, store: ProgressStore | None = None
) -> list[Hint]:
    """The hints revealed so far, gentlest first, revealing none.

    Raises:
        ValueError: unknown exercise id.
    """
    exercise = (course or load_course()).exercise(exercise_id)
    with _opened(store, read_only=True) as opened:
        count = min(opened.hints_revealed(exercise.id), len(exercise.hints))
    total = len(exercise.hints)
    return [Hint(exercise.id, n, total, exercise.hints[n - 1]) for n in range(1, count + 1)]


@contextmanager
def _opened(store: ProgressStore | None, read_only: bool = False) -> Iterator[ProgressStore]:
    """The given store, left open; else the default store, closed afterwards."""
    if store is not None:
        yield store
        return
    with ProgressStore(read_only=read_only) as default:
        yield default
