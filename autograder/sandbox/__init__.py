"""The sandbox: learner code runs here, in a limited worker process, never in the grader.

:mod:`.protocol` is what goes to a worker and comes back, :mod:`.supervisor` starts one per
exercise and reads its outputs with :mod:`.outputs`, :mod:`.server` talks to the fork server
that :mod:`.worker` runs, :mod:`.confine` is what a worker does before any learner code runs,
and :mod:`.splice` reads the learner's functions (in the grader) and installs them (in the
worker).
"""

from .protocol import CallOutcome, Limits, ProbeCall, WorkerContext, WorkerRun
from .server import Isolation, isolation
from .supervisor import run_worker

__all__ = [
    "CallOutcome",
    "Isolation",
    "Limits",
    "ProbeCall",
    "WorkerContext",
    "WorkerRun",
    "isolation",
    "run_worker",
]
