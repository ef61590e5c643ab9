"""What a worker keeps in memory of the answer key and the grader, from the recorded calls.

Each planned check names a probe; the record made with the stored answers
(``answers.calls``) says what that probe calls on the pristine reference and what each
target's reference body calls. The worker keeps those (``sandbox.prune``), and guards the
key's functions its targets' bodies never call (``sandbox.keyforward``).
"""

from __future__ import annotations

from ..answers.calls import CallRecordError, load_calls, reference_name
from ..course import Exercise
from ..sandbox.prune import Needs
from .expected import GraderError
from .plan import Plan

__all__ = ["worker_needs"]


def worker_needs(exercise: Exercise, plan: Plan) -> Needs:
    """What the worker grading ``exercise`` with ``plan``'s running checks keeps.

    Raises:
        GraderError: a check's probe is not in the record (it is older than course.toml).
    """
    try:
        record = load_calls()
        keep: set[str] = set()
        for check in plan.running:
            keep |= record.calls_of(check.module, check.spec.probe)
    except CallRecordError as error:
        raise GraderError(str(error)) from None
    targets = tuple(reference_name(str(t)) for t in exercise.targets)
    inside = set().union(*(record.inside.get(t, set()) for t in targets))
    return Needs(
        exercise.id,
        tuple(sorted(keep)),
        targets,
        tuple(sorted(inside)),
        tuple(sorted(record.inside)),
    )
