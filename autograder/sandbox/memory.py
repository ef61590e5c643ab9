"""What a worker keeps in memory: the job's :class:`~.prune.Needs`, prepared in the fork server.

The fork server decides, before each fork, which functions the worker makes refuse and which
modules it unloads (:mod:`.prune`) and which of the key's forward passes it guards
(:mod:`.keyforward`): :func:`prepare_memory`. The worker, before the learner's code runs, only does
it: :func:`keep_only_needs`.
"""

from __future__ import annotations

import linecache
from typing import Any

from .keyforward import guard, prepare_guard
from .prune import Needs, prepare, prune, unload

__all__ = ["forget_modules", "guarded", "keep_only_needs", "prepare_memory", "prepare_needs"]


def prepare_needs(raw: dict[str, Any]) -> None:  # pragma: no cover - in the fork server
    """Prepare what a worker with ``raw`` needs keeps (``prune.prepare``, which keeps it), so
    that every student's sandbox forked afterwards finds it prepared."""
    prepare(_needs(raw))


def _needs(raw: dict[str, Any]) -> Needs:
    return Needs(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


def prepare_memory(job: dict[str, Any]) -> None:  # pragma: no cover - in the fork server
    """Decide what the job's worker keeps of its memory (``prune``, ``guard``), before the
    fork: the worker then only does it."""
    linecache.clearcache()  # no source in a worker but the learner's
    if job.get("needs") is None:
        return
    try:
        needs = _needs(job["needs"])
        files = [str(f.get("path", "")) for f in job.get("functions", [])]
        files += [str(m.get("path", "")) for m in job.get("siblings") or []]
        job["prepared"] = (prepare(needs), prepare_guard(needs, files))
    except Exception as error:  # the worker reports it as the grader's fault
        job["prepared"] = error


def keep_only_needs(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker
    """``prune`` and ``guard`` as the fork server prepared them (none: nothing is trimmed)."""
    if isinstance(job.get("prepared"), Exception):
        raise job["prepared"]
    if "prepared" in job:
        pruning, guarding = job["prepared"]
        prune(pruning)
        guard(guarding)


def forget_modules(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker
    """``unload`` the modules the exercise does not need (after the learner's imports)."""
    prepared = job.get("prepared")
    if isinstance(prepared, tuple):
        unload(prepared[0])


def guarded(job: dict[str, Any]) -> list[str]:  # pragma: no cover - runs in the worker
    """The key's forward passes guarded in the job's worker (``keyforward``)."""
    prepared = job.get("prepared")
    return list(prepared[1].names) if isinstance(prepared, tuple) else []
