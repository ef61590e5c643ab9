"""The grader's side of the fork server: start it, send it jobs, hear when workers end.

``python -m dlfs.autograder.sandbox.worker`` (see ``worker``) imports NumPy, the reference and the
probes once and then forks one worker per job, so that a worker starts in milliseconds. The
protocol is one line of JSON each way: a job in; ``{"pid": …}`` when the worker is forked,
``{"exit": …}`` when it has ended. The server's replies are read from the pipe's descriptor
itself, never through a buffered reader that could hold a reply ``select`` does not see. Which
slot's server a job runs on, and when it is started: :mod:`.servers`.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from .. import timings
from .cgroups import support
from .spawn import popen
from .uids import ENV, lease

__all__ = ["ForkServer", "Isolation", "WorkerServerError"]


class WorkerServerError(RuntimeError):
    """The fork server could not be started or stopped answering."""


@dataclass(frozen=True)
class Isolation:
    """Whether the server's workers can isolate themselves in namespaces of their own, and
    what else confines them.

    Attributes:
        available: they can (user, mount, PID, network, IPC namespaces; a root of their own).
        refused: where they cannot, what the kernel (or the OS) said.
        folder: ``""`` when each worker's folder is a tmpfs of its own size, else why not.
        calls: ``""`` when kernel keyrings and new processes are refused to workers (a
            worker is one process, its threads), else why not.
        limits: what bounds a worker's memory and processes (:func:`.cgroups.support`).
    """

    available: bool
    refused: str = ""
    folder: str = ""
    calls: str = ""
    limits: str = ""

    def describe(self) -> str:
        """One line for reports."""
        if not self.available:
            return f"none — grades are not tamper-proof ({self.refused})"
        return "namespaces (PID, mount, network, IPC; user namespace or own uid; a root of its own)"

    def details(self) -> dict[str, str]:
        """What else confines a worker, one line each (``dlfs-grade doctor``)."""
        return {
            "limits": self.limits,
            "folder": "a tmpfs of its own (bounded size)"
            if not self.folder
            else f"a folder of the temporary directory, each file bounded ({self.folder})",
            "calls": "keyrings and new processes refused (seccomp; threads allowed)"
            if not self.calls
            else f"keyrings and new processes allowed ({self.calls})",
        }


class ForkServer:
    """The fork server (``python -m dlfs.autograder.sandbox.worker``), started once per grader."""

    def __init__(self, record: bool = True) -> None:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env[ENV] = str(lease())  # its workers' user ids: this run's own
        env.pop("PYTHONSTARTUP", None)
        started = time.perf_counter()
        ready = self._spawn(env)
        if record:  # the grader waited for it (not for one started ahead: ``servers``)
            timings.record("server_start", time.perf_counter() - started)
        self.isolation = Isolation(
            bool(ready.get("isolation")),
            str(ready.get("refused", "")),
            str(ready.get("folder", "")),
            str(ready.get("calls", "")),
            support().describe(),
        )
        self.folder_pid = self.process.pid if not self.isolation.folder else None
        """The process whose mounts hold the workers' folders (``folder.seen_from``): the
        server, or the student's sandbox its jobs run in."""
        self.student: str | None = None
        """The key of the student's sandbox (:mod:`.student`) the jobs run in, if any."""
        self.pids_in_student = False
        """Whether the last job's worker was forked in a student's sandbox (its pid is the
        sandbox's namespace's, not this machine's)."""
        self.prepared: set[Any] = set()
        """The workers' needs (``prune.Needs``) this server has prepared for the run."""
        self.learner_code_ran = True
        """Whether the last worker that ended had started the learner's code: what a worker
        says of the grader's faults is believed only where it had not."""
        self.own_folder = False
        """Whether the last worker's folder is a tmpfs of its own (the server mounted it)."""

    def _spawn(self, env: dict[str, str]) -> dict[str, Any]:
        """Start the server process; its first reply (it is ready)."""
        self.process = popen(  # from a thread that outlives every run (see .spawn)
            [sys.executable, "-m", "dlfs.autograder.sandbox.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            bufsize=0,
            **_own_process_group(),
        )
        self._pending = b""  # bytes read from the server but not yet a whole line
        ready = self._read(timeout=120)
        if ready is None:
            self.close()
            raise WorkerServerError("the grader's worker server did not start")
        return ready

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The server's next reply, or None after ``timeout`` seconds without one.

        Reads the pipe's descriptor directly: a buffered reader may hold a reply that
        ``select`` then never reports (the pid and the exit of a quick worker arrive together).
        """
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise WorkerServerError("the grader's worker server stopped")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        try:
            value = json.loads(line)
        except ValueError:
            raise WorkerServerError(f"the grader's worker server said {line[:80]!r}") from None
        return value if isinstance(value, dict) else None

    def resident_mb(self) -> int:
        """The server's resident memory now (MB; 0 where unknown): a worker forked from it
        shares those pages with it."""
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) // 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        try:
            data = memoryview((text + "\n").encode("utf-8"))
            while data:
                data = data[self.process.stdin.write(data) :]
        except OSError as error:
            raise WorkerServerError(f"the grader's worker server stopped: {error}") from None

    def preload(self, names: tuple[str, ...] | list[str]) -> None:
        """Have the server import ``names`` now, before any job asks for them (no reply: the
        next job's waits for it)."""
        self._send(json.dumps({"import": list(names)}))

    def enter(self, key: str, request: dict[str, Any]) -> bool:
        """Run the next jobs in the sandbox of one student (:mod:`.student`), made now unless
        it is the one they run in already (``key``); whether they do. ``request``: its
        ``folder``, ``readable`` and ``hidden`` paths, ``slot``, ``cgroups``, ``preload``."""
        if self.student == key:
            return True
        self.leave()
        self._send(json.dumps({"student": request}))
        reply = self._read(timeout=60)
        if reply is None:
            raise WorkerServerError("the grader's worker server did not make a student's sandbox")
        if not reply.get("student"):
            return False
        self.student, self.folder_pid = key, int(reply["pid"])
        cost = reply.get("cost") or {}
        timings.record("student", float(cost.get("wall", 0.0)), *_cpu(cost))
        return True

    def leave(self) -> None:
        """Jobs run in the server's own workers again: the student's sandbox ends."""
        if self.student is None:
            return
        self.student = None
        self.folder_pid = self.process.pid if not self.isolation.folder else None
        self._send(json.dumps({"leave": True}))
        reply = self._read(timeout=10)
        if reply is None:
            raise WorkerServerError("a student's sandbox did not end when told")
        timings.record("student_jobs", 0.0, *_cpu(reply.get("cost") or {}))

    def kill(self, pid: int) -> None:
        """End the worker ``pid`` and all it started: its process group, or, in a student's
        sandbox (whose pids are its own: never one to signal here), through the sandbox."""
        if self.pids_in_student:
            if self.student is not None:  # else the sandbox is gone, and its workers with it
                with contextlib.suppress(WorkerServerError):
                    self._send(json.dumps({"kill": True}))
            return
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(pid, signal.SIGKILL)

    def start(self, job_json: str) -> int:
        """Send one job (a line of JSON); return the pid of the worker forked for it."""
        self.learner_code_ran = True  # until the server says otherwise
        self.pids_in_student = self.student is not None
        self._send(job_json)
        reply = self._read(timeout=30)
        if reply is not None and "student_lost" in reply:  # it died between two jobs
            self.student = None
        if reply is None or "pid" not in reply:
            raise WorkerServerError("the grader's worker server did not fork a worker")
        self.own_folder = bool(reply.get("own_folder", False))
        return int(reply["pid"])

    def release(self, folder: str) -> None:
        """Tell the server that the grader has read ``folder`` (it unmounts it)."""
        if self.folder_pid is None or self.process.stdin is None:
            return
        with contextlib.suppress(OSError):
            self.process.stdin.write((json.dumps({"release": folder}) + "\n").encode())

    def wait_exit(self, timeout: float) -> int | None:
        """The worker's exit code once it has ended, or None after ``timeout`` seconds (and
        :attr:`learner_code_ran` for that worker)."""
        reply = self._read(timeout=timeout)
        if reply is None:
            return None
        if "student_lost" in reply:  # the sandbox itself died (not its worker's doing)
            self.student, self.learner_code_ran = None, False
            raise WorkerServerError(f"a student's sandbox ended ({reply['student_lost']})")
        self.learner_code_ran = bool(reply.get("learner_code", True))
        usage = reply.get("usage")
        if isinstance(usage, dict):  # a student's sandbox cannot write the timings: it says
            said = reply.get("said") if isinstance(reply.get("said"), dict) else {}
            faults = {k: usage[k] for k in ("minor_faults", "major_faults") if k in usage}
            timings.record("worker", float(usage.get("wall", 0.0)), *_cpu(usage), **said, **faults)
        return int(reply["exit"])

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None

    def close(self) -> None:
        """End the server: close its stdin (it exits at the end of its input), then wait."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _own_process_group() -> dict[str, Any]:
    """Popen's arguments that start the server in a process group of its own (in the
    grader's session): the terminal's Ctrl-C reaches the grader alone, which then ends its
    servers in order — each waits for what it forked, so nothing is orphaned. Signalled along
    with the grader, a server died before it had reaped its student's sandbox, which was left
    a zombie of the machine's init."""
    if sys.version_info >= (3, 11):
        return {"process_group": 0}
    return {"preexec_fn": os.setpgrp}  # pragma: no cover - Python 3.10


def _cpu(said: dict[str, Any]) -> tuple[float, float]:
    return float(said.get("user", 0.0)), float(said.get("system", 0.0))
