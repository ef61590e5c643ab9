"""The sandbox: learner code runs here, in a limited worker process, never in the grader.

:mod:`.protocol` is what goes to a worker and comes back, :mod:`.supervisor` starts one per
exercise and reads its outputs with :mod:`.outputs`, :mod:`.server` talks to the fork server
that :mod:`.worker` runs, :mod:`.confine` is what a worker does before any learner code runs,
and :mod:`.splice` reads the learner's functions (in the grader) and installs them (in the
worker).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "CallOutcome": ".protocol",
    "Limits": ".protocol",
    "ProbeCall": ".protocol",
    "WorkerContext": ".protocol",
    "WorkerRun": ".protocol",
    "Isolation": ".server",
    "isolation": ".servers",
    "run_worker": ".supervisor",
}
"""Where each name lives: imported when first used (PEP 562), so that the grader's command
line can start a fork server (``server.prestart``) before it imports NumPy."""

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value
