"""The grader's side of the fork server: start it, send it jobs, hear when workers end.

``python -m dlfs.autograder.sandbox.worker`` (see ``worker``) imports NumPy, the reference and the
probes once and then forks one worker per job, so that a worker starts in milliseconds. The
protocol is one line of JSON each way: a job in; ``{"pid": …}`` when the worker is forked,
``{"exit": …}`` when it has ended. The server's replies are read from the pipe's descriptor
itself, never through a buffered reader that could hold a reply ``select`` does not see.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import timings
from .cgroups import support

__all__ = [
    "ForkServer",
    "Isolation",
    "WorkerServerError",
    "get_server",
    "isolation",
    "shutdown",
]


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

    def __init__(self) -> None:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env.pop("PYTHONSTARTUP", None)
        with timings.phase("server_start"):
            ready = self._spawn(env)
        self.isolation = Isolation(
            bool(ready.get("isolation")),
            str(ready.get("refused", "")),
            str(ready.get("folder", "")),
            str(ready.get("calls", "")),
            support().describe(),
        )
        self.folder_pid = self.process.pid if not self.isolation.folder else None
        """The server whose mounts hold the workers' folders (``folder.seen_from``)."""
        self.learner_code_ran = True
        """Whether the last worker that ended had started the learner's code: what a worker
        says of the grader's faults is believed only where it had not."""
        self.own_folder = False
        """Whether the last worker's folder is a tmpfs of its own (the server mounted it)."""

    def _spawn(self, env: dict[str, str]) -> dict[str, Any]:
        """Start the server process; its first reply (it is ready)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlfs.autograder.sandbox.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            bufsize=0,
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

    def start(self, job_json: str) -> int:
        """Send one job (a line of JSON); return the pid of the worker forked for it."""
        assert self.process.stdin is not None
        self.learner_code_ran = True  # until the server says otherwise
        try:
            data = memoryview((job_json + "\n").encode("utf-8"))
            while data:
                data = data[self.process.stdin.write(data) :]
        except OSError as error:
            raise WorkerServerError(f"the grader's worker server stopped: {error}") from None
        reply = self._read(timeout=30)
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
        self.learner_code_ran = bool(reply.get("learner_code", True))
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


_servers: dict[int, ForkServer] = {}
_lock = threading.Lock()


def get_server(slot: int = 0) -> ForkServer:
    """The fork server of ``slot`` (one per exercise graded at a time), started on first use
    and again if it has stopped."""
    with _lock:
        server = _servers.get(slot)
        if server is None or not server.alive():
            server = _servers[slot] = ForkServer()
            atexit.register(server.close)
        return server


def shutdown(slot: int | None = None) -> None:
    """Stop the fork server of ``slot``, or every one (they are started again when needed)."""
    with _lock:
        slots = list(_servers) if slot is None else [slot]
        for key in slots:
            server = _servers.pop(key, None)
            if server is not None:
                server.close()


def isolation() -> Isolation:
    """What this machine gives workers: the first fork server's answer (it is started)."""
    return get_server(0).isolation
