"""One student's sandbox: namespaces and a root made once, a fresh worker for each exercise.

Isolating a worker (:mod:`.isolate`: namespaces, a root of its own, a second fork into its PID
namespace) cost a chapter-3 worker more CPU than its checks. The exercises of one student
need the same view — the same inputs, the same hidden paths — so the fork server forks, for
each student, one process that isolates itself once and then forks one worker per exercise
inside it (:func:`serve_student`; the fork server waits meanwhile, and the sandbox answers
the grader's messages on the server's own pipes until it is told to ``leave``).

What one exercise's code could leave for the next, and what stops it:

* files: each worker's folder is a tmpfs the sandbox mounts fresh for its job and unmounts
  once the grader has read it; the root is read-only and the devices are the usual ones;
* processes: a worker may not fork (:mod:`.seccomp`), its cgroup is killed when it ends, and
  the sandbox, PID 1 of the namespace, kills whatever else is in it before it answers;
* the modules and memory the next exercise runs on: each worker is a fresh fork of the
  sandbox, which never runs learner code and cannot be traced, read or written by its workers
  (it is not dumpable; as root they run as another user), nor signalled (PID 1 of their
  namespace takes only the signals it handles: none);
* descriptors and the environment: a worker's own, gone with it;
* System V message queues and semaphores: each worker has an IPC namespace of its own
  (shared memory is refused to it).

Where the sandbox cannot be made, or dies, the grader isolates each worker on its own as
before (``server.ForkServer.enter``).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import time
from collections import deque
from collections.abc import Callable
from typing import Any, NoReturn

from .folder import mount_folder
from .isolate import View, die_with_parent, hide_from_workers, isolate
from .lines import Lines
from .mounts import MountRefused, libc, unmount
from .uids import worker_uid

__all__ = ["REFUSED_EXIT", "serve_student"]

REFUSED_EXIT = 75
"""The exit code of a sandbox that could not be made (it said so): any other but 0 means it
died, and whatever it was running with it."""

Prepare = Callable[[dict[str, Any]], None]
"""What the fork server does before forking a job's worker (preloads, memory)."""
Work = Callable[[dict[str, Any]], NoReturn]
"""A worker's whole life (``worker._worker``)."""
Reply = Callable[[dict[str, Any]], None]


def serve_student(
    request: dict[str, Any], lines: Lines, reply: Reply, prepare: Prepare, work: Work
) -> NoReturn:  # pragma: no cover - runs in the student's sandbox
    """In a process the fork server forked for one student: isolate it once (``request``:
    ``folder``, ``readable``, ``hidden``, ``slot``, ``cgroups``), say so, and serve that
    student's jobs until the grader says ``leave`` or closes the input. Never returns."""
    anchor = os.getpid()  # the waiter outside the PID namespace: the grader reads through it
    try:
        die_with_parent()
        folders = _open_groups(request.get("cgroups") or [])
        view = View(
            str(request["folder"]),
            tuple(request.get("readable", [])),
            tuple(request.get("hidden", [])),
            int(request.get("slot", 0)),
        )
        isolate(view, keep_privileges=True)  # returns in PID 1 of the new namespace
        hide_from_workers()
        _quiet_signals()
    except BaseException as error:
        with contextlib.suppress(BaseException):
            reply({"student": False, "refused": repr(error)})
        os._exit(REFUSED_EXIT)
    user, system, _ = _usage()  # since the fork into the namespace (the part before: not said)
    reply({"student": True, "pid": anchor, "cost": {"user": user, "system": system}})
    _Sandbox(view, folders, lines, reply, prepare, work).serve()


def _usage() -> tuple[float, float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime, time.perf_counter()


def _open_groups(folders: list[str]) -> dict[str, int]:  # pragma: no cover - in the sandbox
    """A descriptor for each of the run's cgroup folders, opened while they can be seen."""
    return {f: os.open(f, os.O_PATH | os.O_DIRECTORY) for f in folders}


def _quiet_signals() -> None:  # pragma: no cover - runs in the student's sandbox
    """No handler of Python's (SIGINT's raises KeyboardInterrupt): PID 1 of a namespace takes
    from its members only the signals it handles, so its workers can signal it nothing."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)


class _Sandbox:  # pragma: no cover - runs in the student's sandbox
    """The sandbox's loop: a job in, a fresh folder, a worker forked, its end said."""

    def __init__(
        self,
        view: View,
        folders: dict[str, int],
        lines: Lines,
        reply: Reply,
        prepare: Prepare,
        work: Work,
    ) -> None:
        self.view, self.folders, self.lines = view, folders, lines
        self.reply, self.prepare, self.work = reply, prepare, work
        self.mounted = 0  # tmpfs mounted over the exercises' folder (one, or none)
        self.later: deque[dict[str, Any]] = deque()  # messages read while a worker ran

    def serve(self) -> NoReturn:
        while True:
            message = self.later.popleft() if self.later else self.lines.next()
            if message is None:
                os._exit(0)
            if "leave" in message:
                self._release()
                user, system, _ = _usage()  # its own part: its workers' is said with each
                self.reply({"left": True, "cost": {"user": user, "system": system}})
                os._exit(0)
            if "release" in message:
                self._release()
            elif "calls" in message:
                self._run(message)

    def _release(self) -> None:
        """Unmount the exercises' folder (its files go with it)."""
        while self.mounted:
            with contextlib.suppress(MountRefused):
                unmount(libc(), self.view.out_dir)
            self.mounted -= 1

    def _run(self, job: dict[str, Any]) -> None:
        self._release()  # the previous exercise's files, should the grader not have said
        uid = worker_uid(self.view.slot) if os.geteuid() == 0 else os.getuid()
        try:
            mount_folder(self.view.out_dir, int(job["limits"]["file_mb"]), uid)
            self.mounted += 1
        except (MountRefused, KeyError, ValueError, TypeError) as error:
            self.reply({"refused": repr(error)})  # no pid: the grader's fault, it retries
            return
        job["out_dir"] = self.view.out_dir
        job["own_folder"] = True
        job["in_student"] = {"cgroups": self.folders}
        self.prepare(job)
        told, job["learner_fd"] = os.pipe()
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.close(told)
            self.work(job)
        os.close(job["learner_fd"])
        self.reply({"pid": pid, "own_folder": True})
        status, usage = self._wait(pid)
        self._clear()
        ran, said = _word(told)
        wall = time.perf_counter() - start
        cost = {"wall": wall, "user": usage.ru_utime, "system": usage.ru_stime}
        cost |= {"minor_faults": usage.ru_minflt, "major_faults": usage.ru_majflt}
        end = {"exit": os.waitstatus_to_exitcode(status), "learner_code": ran}
        self.reply({**end, "usage": cost, "said": said})

    def _wait(self, pid: int) -> tuple[int, Any]:
        """Wait for worker ``pid`` to end, killing it when the grader says ``kill``."""
        ended = os.pidfd_open(pid)
        try:
            while True:
                if self.lines.ready(0):
                    self._take()
                    continue
                readable, _, _ = select.select([ended, self.lines.fd], [], [])
                if ended in readable:
                    _, status, usage = os.wait4(pid, 0)
                    return status, usage
        finally:
            os.close(ended)

    def _take(self) -> None:
        """Read the grader's next message while a worker runs: ``kill`` ends it (and all
        it left), anything else waits its turn."""
        message = self.lines.next()
        if message is None:  # the grader is gone: so is everything here
            _kill_all()
            os._exit(0)
        if "kill" in message:
            _kill_all()
        else:
            self.later.append(message)

    def _clear(self) -> None:
        """Nothing an exercise started outlives it: every other process of the namespace is
        killed and reaped before the next exercise's worker is forked."""
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                time.sleep(0.001)


def _kill_all() -> None:  # pragma: no cover - runs in the student's sandbox
    """SIGKILL every process of the namespace but the sandbox itself."""
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)


def _word(told: int) -> tuple[bool, dict[str, float]]:  # pragma: no cover - in the sandbox
    """Whether the worker said its learner's code starts, and what its grader's part cost."""
    os.set_blocking(told, False)
    try:
        word = os.read(told, 256)
    except OSError:
        return False, {}
    finally:
        os.close(told)
    if word[:1] != b"1":
        return False, {}
    try:
        said = json.loads(word[1:].decode("ascii") or "{}")
        keys = ("wall", "user", "system", "faults")
        return True, {f"isolation_{key}": float(said[key]) for key in keys if key in said}
    except (ValueError, TypeError, UnicodeDecodeError):
        return True, {}
