"""Where a grading run's time goes: phases recorded for ``bench/grader.py``.

Off unless the environment variable ``DLFS_TIMINGS`` names a file: then every process of the
run that the grader trusts (the grader itself and its fork servers) appends one JSON line
per phase to it::

    {"phase": "judge", "wall": 0.012, "user": 0.010, "system": 0.0, "pid": 4242, ...}

``wall`` is seconds; ``user`` and ``system`` are the CPU seconds of the thread that ran the
phase (or, for a process-wide phase such as ``startup``, of the process). Workers never
write here: what a worker spent is recorded by its fork server, from what it measured before
the learner's code started and from ``wait4``. Recording costs one ``getenv`` when off.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["ENV", "cpu", "enabled", "phase", "process_seconds", "record"]

ENV = "DLFS_TIMINGS"
_WHO = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)


def enabled() -> bool:
    """Whether this run records its phases."""
    return bool(os.environ.get(ENV))


def cpu(thread: bool = True) -> tuple[float, float]:
    """``(user, system)`` CPU seconds of this thread (``thread=False``: of the process)."""
    usage = resource.getrusage(_WHO if thread else resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def record(name: str, wall: float, user: float = 0.0, system: float = 0.0, **extra: Any) -> None:
    """Append one phase to the timings file (nothing when recording is off; never raises)."""
    path = os.environ.get(ENV)
    if not path:
        return
    line = {"phase": name, "wall": wall, "user": user, "system": system, "pid": os.getpid()}
    data = (json.dumps({**line, **extra}) + "\n").encode("utf-8")
    with contextlib.suppress(OSError):  # one write of a short line: appends do not interleave
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


@contextlib.contextmanager
def phase(name: str, **extra: Any) -> Iterator[None]:
    """Record the wall and CPU time of the ``with`` body as phase ``name`` (when on)."""
    if not enabled():
        yield
        return
    wall, (user, system) = time.perf_counter(), cpu()
    try:
        yield
    finally:
        after = cpu()
        record(name, time.perf_counter() - wall, after[0] - user, after[1] - system, **extra)


def process_seconds() -> float:
    """Wall seconds since this process started (from ``/proc``; 0.0 where unknown)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            started = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, uptime - started / os.sysconf("SC_CLK_TCK"))
