"""Hints, revealed one at a time, from gentle to explicit; the store remembers how many."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from .course import Course, load_course
from .progress import ProgressStore, ProgressUnavailable

__all__ = ["Hint", "SolutionAhead", "SolutionWithheld", "next_hint", "revealed_hints"]


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


class SolutionAhead(Exception):
    """The next hint gives the answer away: it is shown only when asked for (``solution``)."""

    def __init__(self, exercise_id: str, number: int, total: int) -> None:
        super().__init__(
            f"hint {number} of {total} for {exercise_id} gives the answer away; ask for it "
            "on purpose to see it"
        )
        self.exercise_id, self.number, self.total = exercise_id, number, total


class SolutionWithheld(Exception):
    """The hint that gives the answer away was asked for, and the course withholds it."""

    def __init__(self, exercise_id: str, policy: str) -> None:
        super().__init__(
            f"the course withholds the hint that gives {exercise_id}'s answer away (its hint "
            f"policy is {policy!r}): ask your instructor"
        )
        self.exercise_id, self.policy = exercise_id, policy


def next_hint(
    exercise_id: str,
    course: Course | None = None,
    store: ProgressStore | None = None,
    solution: bool = False,
) -> Hint | None:
    """Reveal the exercise's next hint (the last one again once all are revealed), within
    the course's ``hint_policy``.

    Args:
        solution: reveal the hint that gives the answer away, when it is the next one.
    Returns:
        The hint, or None if the exercise has none (that the policy lets learners see).
    Raises:
        ValueError: unknown exercise id.
        SolutionAhead: the next hint gives the answer away and ``solution`` is False.
        SolutionWithheld: ``solution`` asked for the hint that gives the answer away and
            the course's policy withholds it (rather than the last allowed hint again).
    """
    course = course or load_course()
    exercise = course.exercise(exercise_id)
    hints = course.allowed_hints(exercise)
    withheld = exercise.solution_hint and len(hints) < len(exercise.hints)
    if solution and (withheld or (exercise.hints and not hints)):
        raise SolutionWithheld(exercise.id, course.hint_policy)
    if not hints:
        return None
    try:
        with _opened(store, read_only=True) as reader:
            shown = reader.hints_revealed(exercise.id)
    except ProgressUnavailable:
        if store is not None:
            raise
        shown = 0
    gives_away = exercise.solution_hint and len(hints) == len(exercise.hints)
    if gives_away and not solution and shown == len(hints) - 1:
        raise SolutionAhead(exercise.id, len(hints), len(hints))
    try:
        with _opened(store) as opened:
            number = opened.reveal_hint(exercise.id, len(hints))
    except ProgressUnavailable:
        if store is not None:
            raise
        number = min(shown + 1, len(hints))  # show it, remembered or not
        return replace(Hint(exercise.id, number, len(hints), hints[number - 1]), remembered=False)
    return Hint(exercise.id, number, len(hints), hints[number - 1])


def revealed_hints(
    exercise_id: str, course: Course | None = None, store: ProgressStore | None = None
) -> list[Hint]:
    """The hints revealed so far, gentlest first, revealing none.

    Raises:
        ValueError: unknown exercise id.
    """
    course = course or load_course()
    exercise = course.exercise(exercise_id)
    hints = course.allowed_hints(exercise)
    with _opened(store, read_only=True) as opened:
        count = min(opened.hints_revealed(exercise.id), len(hints))
    total = len(hints)
    return [Hint(exercise.id, n, total, hints[n - 1]) for n in range(1, count + 1)]


@contextmanager
def _opened(store: ProgressStore | None, read_only: bool = False) -> Iterator[ProgressStore]:
    """The given store, left open; else the default store, closed afterwards."""
    if store is not None:
        yield store
        return
    with ProgressStore(read_only=read_only) as default:
        yield default
