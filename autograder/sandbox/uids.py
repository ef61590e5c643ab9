"""The user ids of a grader run's workers, as root: two runs side by side never share one.

As root, each worker runs as a user id of its own, and ``RLIMIT_NPROC`` (the processes a
worker may start) counts every process of that user on the machine. Were the id only the
slot's, two runs on one machine (two instructors, two shards of a Slurm array on one node)
would share it: a fork bomb graded in one run would take the processes of the other run's
worker, and a student there would lose points for it. So each run takes a *lease*, one of
:data:`RUNS` numbered locks held for the run's life (``flock``: the kernel lets it go when
the process ends, however it ends), and its slot ``s`` runs as
``WORKER_UID_BASE + lease · RUN_SLOTS + s``.

The grader takes the lease; its fork servers are told it (:data:`ENV`, in their environment
only) and their workers inherit it. A grader never reads :data:`ENV`: a grader started by
another (a test, a Slurm task on the same node) takes a lease of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import threading
from pathlib import Path

__all__ = ["ENV", "RUNS", "RUN_SLOTS", "WORKER_UID_BASE", "lease", "use_lease", "worker_uid"]

WORKER_UID_BASE = 61000
"""The first of the workers' user ids (as root)."""

RUN_SLOTS = 64
"""User ids per run: slot ``s`` and ``s + RUN_SLOTS`` share one (a run of more jobs than that
shares them among its own workers only)."""

RUNS = 16
"""Leases: runs side by side with user ids of their own (``RUNS · RUN_SLOTS`` ids in all)."""

ENV = "DLFS_UID_LEASE"
"""How a fork server is told its grader's lease."""

_held: dict[str, int] = {}
_taking = threading.Lock()


def worker_uid(slot: int) -> int:
    """The user id of this run's worker ``slot`` (as root)."""
    return WORKER_UID_BASE + lease() * RUN_SLOTS + slot % RUN_SLOTS


def lease() -> int:
    """This run's lease: taken on first use in the grader (0 where uids are not ours to
    give: not root), or the one the fork server was told."""
    with _taking:  # the servers started ahead ask from threads of their own, at once
        if "lease" not in _held:
            _held["lease"] = _take() if os.geteuid() == 0 else 0
    return _held["lease"]


def use_lease(said: str | None) -> None:
    """In a fork server, at its start: the lease its grader holds (``ENV``)."""
    if said is not None and said.isdigit() and int(said) < RUNS:
        _held["lease"] = int(said)


def _take() -> int:
    """A free lease, held until this process ends; where none can be had (all held, no
    folder for the locks), one chosen by the process id: the least bad."""
    folder = _folder()
    if folder is not None:
        for number in range(RUNS):
            fd = -1
            try:
                fd = os.open(folder / str(number), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                if fd >= 0:
                    os.close(fd)
                continue
            _held["fd"] = fd  # open, and locked, for the rest of the run
            return number
    return os.getpid() % RUNS


def _folder() -> Path | None:
    """Root's folder of the leases' locks (``/run``, else the temporary directory): made
    ``0700``, and used only where it is root's own folder, not a link."""
    base = Path("/run") if os.path.isdir("/run") else Path(tempfile.gettempdir())
    folder = base / "dlfs-uid-leases"
    with contextlib.suppress(FileExistsError, OSError):
        folder.mkdir(mode=0o700)
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o077:
        return None
    return folder
