"""Per-exercise statistics of a graded class: what an instructor asks of each exercise.

For each exercise, over the students whose submission could be graded: the mean points, the
pass rate, how many students each status had (``timeout`` and ``error`` among them, syntax
errors counted apart) and how well the exercise separates strong students from weak ones —
its *discrimination*, the correlation between the exercise's points and each student's
points on the rest of the target (the corrected item–total correlation of test theory:
near 1, the students who do well elsewhere do well here; near 0 or below, the exercise
measures something else, or is broken). It is undefined (None) where either side does not
vary (everyone passed) or fewer than three students were graded.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExerciseStatistics", "discrimination", "exercise_statistics", "is_syntax_error"]


@dataclass(frozen=True)
class ExerciseStatistics:
    """One exercise over a class.

    Attributes:
        id: the exercise id.
        max_score: its points.
        graded: how many students' submissions were graded.
        mean: the mean points earned.
        pass_rate: the share of those students who passed it.
        statuses: status -> how many students (``syntax_error`` apart from ``error``).
        discrimination: the corrected item–total correlation, or None where undefined.
    """

    id: str
    max_score: float
    graded: int
    mean: float
    pass_rate: float
    statuses: dict[str, int] = field(default_factory=dict)
    discrimination: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "max_score": self.max_score,
            "graded": self.graded,
            "mean": self.mean,
            "pass_rate": self.pass_rate,
            "statuses": dict(self.statuses),
            "discrimination": self.discrimination,
        }


def is_syntax_error(status: str, message: str) -> bool:
    """Whether an exercise's error is its file not parsing (the grader says ``syntax
    error at FILE:LINE``)."""
    return status == "error" and "syntax error" in message


def discrimination(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Pearson's correlation of ``item`` and ``rest`` (None: under three pairs, or a side
    that does not vary)."""
    n = len(item)
    if n < 3 or len(rest) != n:
        return None
    mean_x, mean_y = sum(item) / n, sum(rest) / n
    sxx = sum((x - mean_x) ** 2 for x in item)
    syy = sum((y - mean_y) ** 2 for y in rest)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(item, rest, strict=True))
    return sxy / math.sqrt(sxx * syy)


def exercise_statistics(report: Any) -> list[ExerciseStatistics]:
    """Each exercise of ``report`` (a :class:`~.batch.ClassReport`), in course order, over
    its graded students."""
    graded = [s for s in report.students if s.report is not None and not s.error]
    by_student = [{e.id: e for e in s.report.exercises} for s in graded]
    totals = [s.score for s in graded]
    found = []
    for exercise_id, points in report.exercises:
        results = [found_[exercise_id] for found_ in by_student if exercise_id in found_]
        scores = [r.score for r in results]
        statuses = Counter(
            "syntax_error" if is_syntax_error(r.status, r.message) else r.status for r in results
        )
        rest = [t - s for t, s in zip(totals, scores, strict=True)] if results else []
        count = len(results)
        found.append(
            ExerciseStatistics(
                id=exercise_id,
                max_score=points,
                graded=count,
                mean=sum(scores) / count if count else 0.0,
                pass_rate=statuses["passed"] / count if count else 0.0,
                statuses=dict(statuses),
                discrimination=discrimination(scores, rest) if count == len(totals) else None,
            )
        )
    return found
