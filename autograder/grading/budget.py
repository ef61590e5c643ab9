"""A grading run's time budget: per chapter and per book (per student in a class).

Every exercise has its own time limit; a run as a whole has one too (course.toml's
``chapter_budget`` and ``book_budget``), so that code that is slow but correct in every body
cannot hold a run for half an hour. Exercises whose turn comes after the budget is spent are
reported as not graded for time, never dropped; a worker never gets more time than is left.
"""

from __future__ import annotations

import threading

from ..course import Exercise
from ..results import CheckResult, ExerciseResult

__all__ = ["Budget", "not_graded"]


class Budget:
    """Seconds spent against a limit, shared by the threads grading one run (or student).

    Args:
        seconds: the limit.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.spent = 0.0
        self._lock = threading.Lock()

    def left(self) -> float:
        """The seconds left (0 when spent)."""
        with self._lock:
            return max(0.0, self.seconds - self.spent)

    def spend(self, seconds: float) -> None:
        """Count ``seconds`` against the limit."""
        with self._lock:
            self.spent += seconds


def not_graded(exercise: Exercise, budget: Budget) -> ExerciseResult:
    """An exercise whose turn came after the run's budget was spent: reported, not graded."""
    message = (
        f"not graded for time: the run's budget of {budget.seconds:g} s (course.toml's "
        "chapter_budget and book_budget) was spent on the exercises before it; grade it on "
        f"its own with `dlfs-grade {exercise.id}`"
    )
    checks = [
        CheckResult(s.label, s.kind, 0.0, float(s.points), False, message, s.hidden, id=s.check_id)
        for s in exercise.checks
    ]
    return ExerciseResult(
        exercise.id, 0.0, float(exercise.points), "timeout", message, checks, graded=False
    )
