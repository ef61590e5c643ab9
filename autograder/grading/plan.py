"""Planning an exercise's checks: which run in the worker, with which seeds and inputs.

A check either runs (a :class:`PlannedCheck`, sent to the worker as a probe call) or is
decided without running: a hidden check where the answers cannot judge it (skipped), or a
training check whose data set could not be loaded (an error that says which).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from numpy import ndarray

from ..course import CheckSpec, Exercise
from ..probes.record import Probe, find_probe
from ..results import CheckResult
from ..sandbox.protocol import ProbeCall
from .data import DataCache
from .seeds import check_seed

__all__ = [
    "HIDDEN_NOT_RUN",
    "Plan",
    "PlannedCheck",
    "check_result",
    "plan_checks",
    "skipped_check",
]

HIDDEN_NOT_RUN = "not run here (hidden checks run at the instructor's)"


@dataclass
class PlannedCheck:
    """A check that runs: its spec, its probe call's seed and arguments, and what the grader
    keeps for judging it (a training check's labels).

    Attributes:
        spec: the check as course.toml resolves it.
        module: the chapter's probe module name (``"chapter3"``).
        seed: the seed of the probe's inputs, in the worker and in the grader.
        params: the probe's keyword arguments.
        labels: for a training check, the test labels (they never reach the worker).
        data: for a training check, the ``.npz`` of its inputs.
        probe: the check's probe, resolved once when the check is planned.
    Raises:
        ProbeError: the chapter has no probe of the spec's name (the course is checked for
            that when it loads).
    """

    spec: CheckSpec
    module: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, ndarray] | None = None
    data: str | None = None
    probe: Probe = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.probe = find_probe(self.module, self.spec.probe)

    @property
    def call(self) -> ProbeCall:
        """The probe call the worker makes."""
        return ProbeCall(self.module, self.spec.probe, self.params, self.seed, self.data)


@dataclass
class Plan:
    """An exercise's checks in course order: each a :class:`PlannedCheck` that runs, or an
    already decided :class:`CheckResult`."""

    entries: list[PlannedCheck | CheckResult]

    @property
    def running(self) -> list[PlannedCheck]:
        """The checks sent to the worker, in order."""
        return [e for e in self.entries if isinstance(e, PlannedCheck)]

    @property
    def skipped(self) -> list[CheckResult]:
        """The hidden checks not run here."""
        return [e for e in self.entries if isinstance(e, CheckResult) and e.skipped]

    @property
    def unavailable(self) -> list[CheckResult]:
        """The checks that could not run for want of their data."""
        return [e for e in self.entries if isinstance(e, CheckResult) and not e.skipped]


def check_result(
    spec: CheckSpec,
    passed: bool,
    message: str = "",
    details: dict[str, Any] | None = None,
    skipped: bool = False,
) -> CheckResult:
    """The result of the check ``spec``: its points if passed, else none."""
    return CheckResult(
        name=spec.label,
        kind=spec.kind,
        score=float(spec.points) if passed else 0.0,
        max_score=float(spec.points),
        passed=passed,
        message=message,
        hidden=spec.hidden,
        details=details or {},
        skipped=skipped,
        id=spec.check_id,
    )


def plan_checks(
    exercise: Exercise, data: DataCache, runs_hidden: bool, salt: int | None = None
) -> Plan:
    """Plan every check of ``exercise``.

    Args:
        exercise: the exercise.
        data: the run's training inputs (made on first use).
        runs_hidden: whether hidden checks can run here.
        salt: the run's seed (fresh inputs), or None for the learner's stable ones.
    """
    entries: list[PlannedCheck | CheckResult] = []
    for index, spec in enumerate(exercise.checks):
        if spec.hidden and not runs_hidden:
            entries.append(skipped_check(spec))
            continue
        planned = PlannedCheck(
            spec, exercise.chapter, check_seed(exercise.id, index, salt), spec.probe_params
        )
        if spec.kind == "training":
            try:
                planned.data, planned.labels = data.get(
                    exercise.chapter, spec.probe, planned.params
                )
            except Exception as error:  # the data set is missing: the grader's fault, not yours
                message = f"the training data could not be loaded: {error or repr(error)}"
                entries.append(check_result(spec, False, message, {"grader_error": True}))
                continue
        entries.append(planned)
    return Plan(entries)


def skipped_check(spec: CheckSpec) -> CheckResult:
    """A hidden check where the answers cannot judge it: reported, not run, not counted."""
    return check_result(spec, False, HIDDEN_NOT_RUN, skipped=True)
