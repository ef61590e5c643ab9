"""Entering the sandbox: what a freshly forked worker does before any learner code runs.

It joins its cgroup where the grader made one (:mod:`.cgroups`: memory and processes of the
worker and all it starts), leaves the grader's session (its own process group, no controlling
terminal), sends its stdout/stderr to a file, closes every other inherited descriptor,
isolates itself in new namespaces and a root of its own where the grader asks
(:mod:`.isolate`), limits itself (address space, CPU time, file size, processes, no core
dumps) and gives up kernel keyrings and new processes (:mod:`.seccomp`). Run as root it ends
as a user of its own, so it can neither signal the grader nor write anyone's files.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

from .cgroups import join_cgroup, join_cgroup_at
from .isolate import View, die_with_parent, enter_exercise, isolate
from .seccomp import CallsOpen, restrict_calls
from .uids import worker_uid

__all__ = ["enter_sandbox", "learner_code_ran", "learner_code_starts"]


def enter_sandbox(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker
    """Everything a worker does before the learner's code: its own session and output file,
    its namespaces (:mod:`.isolate`) where the grader asked for them, its signals and limits.

    Raises:
        IsolationUnavailable: isolation was asked for and the kernel refused it (the grader
            reports a grader error; it never grades such a worker unisolated).
    """
    student = job.get("in_student")
    if student is not None:  # forked in a student's sandbox: its groups through descriptors
        join_cgroup_at(job.get("cgroup") or (), student["cgroups"])
    else:
        join_cgroup(job.get("cgroup") or ())  # first: all it does, and starts, counts
    os.setsid()  # its own process group (killed as one), and no controlling terminal
    out = Path(job["out_dir"])
    _redirect_output(out, keep=job.get("learner_fd"))
    view = job.get("view")
    if student is not None:  # the namespaces and the root are the sandbox's already
        enter_exercise(int(job.get("slot", 0)))
    elif view is not None:
        isolate(View(str(out), tuple(view["readable"]), tuple(view["hidden"]), view["slot"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing too much raises, not kills
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # A backstop should the grader itself die: end after the wall-clock limit even when
    # sleeping (which uses no CPU time, so RLIMIT_CPU would never fire).
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(job["limits"]["timeout"]) + 30)
    os.chdir(out)
    os.environ.update(job.get("env", {}))
    os.environ["HOME"] = str(out)
    os.environ["TMPDIR"] = str(out)  # the worker's only writable place
    os.environ["DLFS_MEMORY_MB"] = str(job["limits"]["memory_mb"])
    _set_limits(job["limits"], int(job.get("slot", 0)))
    _write_status(out, view is not None, _restrict_calls(), bool(job.get("own_folder")))
    die_with_parent()  # again: changing the user id (as root) cleared it


def _restrict_calls() -> str:  # pragma: no cover - runs in the worker
    """``"refused"``, or why keyrings and new processes stay open (the reports say so)."""
    try:
        restrict_calls()
    except CallsOpen as error:
        return str(error)
    return "refused"


def learner_code_starts(job: dict[str, Any], spent: bytes = b"") -> None:  # pragma: no cover
    """Tell the fork server, through a pipe only it reads, that the grader's part is done and
    the learner's code may run from now on; close the pipe (the learner's code cannot take
    the word back, nor send it early). ``spent``: what the grader's part cost (a short line
    for :mod:`..timings`), said with the word."""
    fd = job.get("learner_fd")
    if isinstance(fd, int):
        os.write(fd, b"1" + spent[:_SPENT_BYTES])
        os.close(fd)


_SPENT_BYTES = 200


def learner_code_ran(fd: int) -> tuple[bool, bytes]:  # pragma: no cover - in the fork server
    """Whether the worker (ended) sent :func:`learner_code_starts`'s word on ``fd``, and what
    it said its grader's part cost; closes ``fd``.

    What a worker says about the grader's own faults (a sandbox it could not set up) is
    believed only when no learner code ran: after that, its files and its exit code are the
    learner's to forge."""
    os.set_blocking(fd, False)
    try:
        word = os.read(fd, 1 + _SPENT_BYTES)
    except OSError:
        return False, b""
    finally:
        os.close(fd)
    return word[:1] == b"1", word[1:]


def _redirect_output(out: Path, keep: int | None) -> None:  # pragma: no cover - in the worker
    """stdin from /dev/null, stdout and stderr to ``out/output.txt``, nothing else open (but
    ``keep``: the pipe to the fork server)."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(out / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    if isinstance(keep, int) and keep > 2:
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
    else:
        os.closerange(3, 65536)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115


def _write_status(
    out: Path, isolated: bool, calls: str, own_folder: bool
) -> None:  # pragma: no cover - runs in the worker
    """Tell the grader how the worker was confined (``sandbox.json``)."""
    status = {
        "isolated": isolated,
        "calls": calls,
        "own_folder": own_folder,  # a tmpfs of its own: a full disk is the learner's doing
        "uid": os.getuid(),
        "pid": os.getpid(),
    }
    with open(out / "sandbox.json", "w", encoding="utf-8") as f:
        json.dump(status, f)


def _set_limits(limits: dict[str, Any], slot: int) -> None:  # pragma: no cover - in the worker
    """Address space, CPU time, file size, core dumps and processes; as root without
    isolation, a user id of the worker's own first."""
    # RLIMIT_NPROC counts every process and thread of the user: as the worker's own user
    # that is (nearly) only the worker; as an ordinary user, what else the user runs too.
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(worker_uid(slot))
        os.setuid(worker_uid(slot))
        processes: int | None = int(limits["max_processes"])
    else:
        running = _user_tasks(os.getuid())
        processes = None if running is None else running + int(limits["max_processes"])
    settings = [
        (resource.RLIMIT_AS, int(limits["memory_mb"]) * 2**20),
        (resource.RLIMIT_CPU, int(limits["timeout"]) + 5),
        (resource.RLIMIT_FSIZE, int(limits["file_mb"]) * 2**20),
        (resource.RLIMIT_CORE, 0),
    ]
    if processes is not None:
        settings.append((resource.RLIMIT_NPROC, processes))
    for which, value in settings:
        _, hard = resource.getrlimit(which)
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (soft, soft))


def _user_tasks(uid: int) -> int | None:
    """How many processes and threads ``uid`` runs now (from /proc), or None if unknown."""
    total = 0
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return None
    for pid in entries:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue  # gone, or not ours to read
        try:
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (KeyError, ValueError, IndexError):
            continue
    return total
