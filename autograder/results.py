"""What grading produces: one result per check, per exercise and per run.

The results are plain dataclasses; the CLI's tables and ``--json`` are views of them. The JSON
of a run (``GradeReport.to_dict()``) is::

    {"target": "chapter3", "score": 7.0, "max_score": 9.0,
     "exercises": [{"id": "chapter3.sigmoid_forward", "score": 2.0, "max_score": 2.0,
                    "status": "passed", "message": "", "checks": [...]}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "STATUSES",
    "CheckResult",
    "ExerciseResult",
    "GradeReport",
]

STATUSES = ("passed", "failed", "error", "timeout", "not_started", "grader_error")
"""The status of an exercise: every check passed; some check failed; the learner's code raised
or crashed its worker; the worker ran out of time; the body is still the generated stub; the
grader's own machinery failed (never the learner's fault: it is not recorded in progress)."""


@dataclass
class CheckResult:
    """The outcome of one check of one exercise.

    Attributes:
        name: the check's name in plain words (``"gradient check"``, ``"known values"``).
        kind: agreement | gradient | property | fixture | training.
        score: the points earned (``max_score`` when passed, else 0).
        max_score: the check's points.
        passed: whether the check passed.
        message: what went wrong and, where the evidence fits, the likely mistake.
        hidden: whether the check is hidden from learners (its details are not shown).
        details: machine-readable evidence (worst element, error, tolerance, metric …).
        skipped: not run here — a hidden check where the reference is not installed; it
            counts neither in the score nor in the maximum.
        id: the check's internal id, ``"<kind>:<probe>"`` (``"agreement:sigmoid"``), for
            machines (``--json``) and maintainers.
    """

    name: str
    kind: str
    score: float
    max_score: float
    passed: bool
    message: str = ""
    hidden: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "message": self.message,
            "hidden": self.hidden,
            "details": _jsonable(self.details),
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        """The check whose :meth:`to_dict` is ``data`` (details as JSON made them)."""
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            passed=bool(data["passed"]),
            message=str(data.get("message", "")),
            hidden=bool(data.get("hidden", False)),
            details=dict(data.get("details") or {}),
            skipped=bool(data.get("skipped", False)),
            id=str(data.get("id", "")),
        )


@dataclass
class ExerciseResult:
    """The outcome of one exercise: the sum of its checks.

    Attributes:
        id: the exercise id, ``"chapter3.sigmoid_forward"``.
        score: the points earned.
        max_score: the exercise's points.
        status: one of ``STATUSES``.
        message: a one-line summary a learner can act on.
        checks: the results of the exercise's checks, in course.toml's order.
        output: what the learner's code printed (stdout and stderr), truncated.
        seconds: wall-clock time spent on the exercise.
        isolated: whether its worker ran in namespaces of its own (None: no worker ran).
        graded: False when the run's time budget ran out before the exercise's turn (it is
            reported, not recorded in progress).
    """

    id: str
    score: float
    max_score: float
    status: str
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0
    isolated: bool | None = None
    graded: bool = True

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def shared_message(self) -> str | None:
        """The one message every check that ran shares — said once, on the exercise's line,
        by every edge that lists the checks (the CLI's ``-v``, a notebook, nbgrader's
        feedback) — or the not-started message; None when the checks say different things."""
        if self.status == "not_started":
            return self.message
        messages = {check.message for check in self.checks if not check.skipped}
        return messages.pop() if len(messages) == 1 and "" not in messages else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "message": self.message,
            "graded": self.graded,
            "checks": [check.to_dict() for check in self.checks],
        }

    def to_record(self) -> dict[str, Any]:
        """Everything the result holds, as JSON (:meth:`to_dict` and what the learner printed,
        the seconds and the isolation): what a class's part or cache keeps."""
        return {
            **self.to_dict(),
            "output": self.output,
            "seconds": self.seconds,
            "isolated": self.isolated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExerciseResult:
        """The result whose :meth:`to_dict` or :meth:`to_record` is ``data``."""
        isolated = data.get("isolated")
        return cls(
            id=str(data["id"]),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            status=str(data["status"]),
            message=str(data.get("message", "")),
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
            output=str(data.get("output", "")),
            seconds=float(data.get("seconds", 0.0)),
            isolated=None if isolated is None else bool(isolated),
            graded=bool(data.get("graded", True)),
        )


@dataclass
class GradeReport:
    """The outcome of one ``dlfs-grade`` run.

    Attributes:
        target: what was graded: ``"chapter5"``, ``"all"`` or an exercise id.
        score: the points earned over every exercise graded.
        max_score: the points available.
        exercises: one result per exercise, in course order.
        seconds: wall-clock time of the whole run.
        seed: the seed that salted every check's inputs (an official grade: ``dlfs-grade
            --seed`` reproduces it), or None for the learner's stable inputs.
        workspace: the folder graded (its files' locations in messages are absolute; the
            edges show them relative to where the learner stands).
        warnings: what went wrong around the grade without changing it (progress that
            could not be saved).
        limits: what bounds the workers' memory and processes here (a cgroup per worker,
            or per-process limits and why).
    """

    target: str
    score: float
    max_score: float
    exercises: list[ExerciseResult] = field(default_factory=list)
    seconds: float = 0.0
    seed: int | None = None
    warnings: list[str] = field(default_factory=list)
    workspace: str = ""
    limits: str = ""

    @classmethod
    def from_exercises(
        cls,
        target: str,
        exercises: list[ExerciseResult],
        seconds: float = 0.0,
        seed: int | None = None,
    ) -> GradeReport:
        """Sum the exercises' scores into a report."""
        return cls(
            target=target,
            score=round(sum(e.score for e in exercises), 6),
            max_score=round(sum(e.max_score for e in exercises), 6),
            exercises=exercises,
            seconds=seconds,
            seed=seed,
        )

    @property
    def isolation(self) -> str:
        """``"namespaces"`` when every worker was isolated, ``"none"`` when one was not,
        ``"no worker ran"`` when no exercise reached a worker."""
        known = [e.isolated for e in self.exercises if e.isolated is not None]
        if not known:
            return "no worker ran"
        return "namespaces" if all(known) else "none"

    @property
    def passed(self) -> bool:
        """True when every exercise graded passed (and there was at least one)."""
        return bool(self.exercises) and all(e.passed for e in self.exercises)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "workspace": self.workspace,
            "score": self.score,
            "max_score": self.max_score,
            "seed": self.seed,
            "isolation": self.isolation,
            "limits": self.limits,
            "warnings": list(self.warnings),
            "exercises": [e.to_dict() for e in self.exercises],
        }

    def to_record(self) -> dict[str, Any]:
        """Everything the report holds, as JSON (every exercise's :meth:`~ExerciseResult.
        to_record` and the seconds): what a class's part or cache keeps."""
        return {
            **self.to_dict(),
            "seconds": self.seconds,
            "exercises": [e.to_record() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeReport:
        """The report whose :meth:`to_dict` or :meth:`to_record` is ``data``."""
        seed = data.get("seed")
        report = cls.from_exercises(
            str(data["target"]),
            [ExerciseResult.from_dict(e) for e in data.get("exercises", [])],
            float(data.get("seconds", 0.0)),
            None if seed is None else int(seed),
        )
        report.workspace = str(data.get("workspace", ""))
        report.warnings = [str(w) for w in data.get("warnings", [])]
        return report


def _jsonable(value: Any) -> Any:
    """Turn NumPy scalars, tuples and nested containers into JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return str(value)
    return value
