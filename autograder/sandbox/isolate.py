"""Isolating a worker with the kernel's namespaces, before any learner code runs.

A worker is forked from the fork server, so it starts with NumPy and the reference already
imported; a sandbox that must ``exec`` a program (bubblewrap, nsjail) would throw that away
and cost a fresh interpreter per exercise. The worker therefore isolates itself, with the same
kernel mechanisms those tools use, in a few system calls:

1. new namespaces: user (as an ordinary user), mount, PID, network, IPC and UTS;
2. a root of its own (:mod:`.root`): a fresh tmpfs holding only the Python installation, its
   packages and the system's libraries (read-only), the worker's own folder (writable) and the
   run's inputs (read-only) — an allow-list: nothing else of the machine exists for it;
3. a fork: the child is PID 1 of the new PID namespace, so that when it ends the kernel
   kills every process it left behind (however it double-forked or left its session), and
   its ``/proc`` shows only its own processes (not the grader's); it enters the new root
   (``pivot_root``) and the machine's is detached; the parent waits outside and exits with
   the child's status;
4. no capabilities and ``no_new_privs`` in what runs the learner's code; as root, a user id
   of its own per concurrent worker.

Where the kernel refuses (another OS, a container without unprivileged user namespaces),
:func:`isolate` raises :class:`IsolationUnavailable` and the worker runs with process limits
only; :func:`try_isolation` says which, so that reports can say so.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import tempfile
from dataclasses import dataclass

from .mounts import MS_PRIVATE, MS_REC, MountRefused, check, libc, mount
from .processes import tried_in_child
from .root import build_root, enter_root, worker_plan
from .uids import worker_uid

__all__ = [
    "IsolationUnavailable",
    "View",
    "die_with_parent",
    "enter_exercise",
    "hide_from_workers",
    "isolate",
    "isolation_flags",
    "try_isolation",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_SET_NO_NEW_PRIVS = 38


class IsolationUnavailable(OSError):
    """The kernel (or the OS) does not let this process isolate itself."""


@dataclass(frozen=True)
class View:
    """What a worker may see of the files, besides what every worker sees (:mod:`.root`).

    Attributes:
        out_dir: the worker's own folder (the only writable place).
        readable: folders the worker reads (the run's training inputs).
        hidden: paths left empty should they fall inside a folder every worker sees (the
            answer key, the stored answers, the submissions: never there in a usual install).
        slot: the concurrent worker's number (its user id as root).
    """

    out_dir: str
    readable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    slot: int = 0


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _libc() -> ctypes.CDLL:
    try:
        return libc()
    except MountRefused as error:
        raise IsolationUnavailable(str(error)) from None


def _check(lib: ctypes.CDLL, result: int, what: str) -> int:
    try:
        return check(lib, result, what)
    except MountRefused as error:
        raise IsolationUnavailable(*error.args) from None


def isolation_flags() -> int:
    """The namespaces a worker unshares (a user namespace unless it runs as root)."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    return flags if os.geteuid() == 0 else flags | CLONE_NEWUSER


def isolate(view: View, keep_privileges: bool = False) -> None:  # pragma: no cover - forked
    """Enter new namespaces and a root of the worker's own, and become PID 1 of a PID
    namespace of its own; return in that PID-1 process, without capabilities
    (``keep_privileges``: with them — a student's sandbox, :mod:`.student`, which mounts each
    exercise's folder and drops them in each worker it forks, :func:`enter_exercise`).

    The calling process (single-threaded: a fresh fork) becomes a waiter that exits with
    the status of the isolated child; it never returns.

    Raises:
        IsolationUnavailable: the kernel refused a step before anything was changed for
            good (the caller then runs without isolation and says so).
    """
    lib = _libc()
    uid, gid = os.getuid(), os.getgid()
    # a process that changed its user id is not "dumpable": its /proc/self files (the id
    # maps among them) would stay root's
    _check(lib, lib.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(DUMPABLE)")
    _check(lib, lib.unshare(isolation_flags()), "unshare")
    try:
        if uid != 0:
            _map_ids(uid, gid)
        mount(lib, None, "/", None, MS_REC | MS_PRIVATE)
        plan = worker_plan().masking(view.hidden)
        root = build_root(lib, plan, view.out_dir, view.readable)
    except OSError as error:
        raise IsolationUnavailable(*error.args) from None
    child = os.fork()
    if child:
        _wait_and_exit(child)
    enter_root(lib, root, view.out_dir)
    if not keep_privileges:
        _drop_privileges(lib, view.slot)
    # after the change of user: a change of credentials clears the parent-death signal
    _check(lib, lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def enter_exercise(slot: int) -> None:  # pragma: no cover - runs in the worker
    """In a worker forked from a student's sandbox (already in its namespaces and root): an
    IPC namespace of its own (a message queue or semaphore set one exercise made is gone for
    the next), then no capabilities and ``no_new_privs`` (as root, the slot's user id), and
    death with its parent."""
    lib = _libc()
    lib.prctl(PR_SET_NAME, b"dlfs-worker", 0, 0, 0)  # in ps, not its sandbox's name
    _check(lib, lib.unshare(CLONE_NEWIPC), "unshare(IPC)")
    _drop_privileges(lib, slot)
    _check(lib, lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def hide_from_workers() -> None:  # pragma: no cover - runs in a student's sandbox
    """Make this process (a student's sandbox, PID 1 of the workers' namespace) one its
    workers cannot trace, read or write (``/proc/1/mem``): not dumpable. Its workers inherit
    that, so that they cannot trace each other either."""
    lib = _libc()
    _check(lib, lib.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(DUMPABLE)")
    lib.prctl(PR_SET_NAME, b"dlfs-student", 0, 0, 0)  # what ps shows of it


def die_with_parent() -> None:  # pragma: no cover - in the fork server and its workers
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; elsewhere,
    nothing: the parent's own clean-up is all there is)."""
    try:
        lib = _libc()
    except IsolationUnavailable:
        return
    lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _map_ids(uid: int, gid: int) -> None:  # pragma: no cover - runs in the worker
    """Map the user's own ids into the new user namespace (files keep their owners)."""
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)  # no text layer: its codecs may be
        try:  # unreadable to a worker's user
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def _wait_and_exit(child: int) -> None:  # pragma: no cover - runs in the worker
    """The waiter outside the PID namespace: exit as the isolated child exits."""
    while True:
        try:
            _, status = os.waitpid(child, 0)
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        code = os.waitstatus_to_exitcode(status)
        if code >= 0:
            os._exit(code)
        with contextlib.suppress(OSError, ValueError):  # die of the same signal
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(128 - code)


def _drop_privileges(lib: ctypes.CDLL, slot: int) -> None:  # pragma: no cover - in the worker
    """No capabilities, no way to gain any; as root, a user id of the worker's own."""
    if os.geteuid() == 0 and not _in_user_namespace():
        os.setgroups([])
        os.setgid(worker_uid(slot))
        os.setuid(worker_uid(slot))
    else:
        header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        data = (_CapData * 2)()
        _check(lib, lib.capset(ctypes.byref(header), data), "capset")
    _check(lib, lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


def _in_user_namespace() -> bool:
    try:
        with open("/proc/self/uid_map", encoding="ascii") as f:
            first = f.read().split()
    except OSError:
        return False
    return first[:3] != ["0", "0", "4294967295"]


def try_isolation() -> str:  # pragma: no cover - runs in the fork server
    """Fork a child that isolates itself in an empty folder and exits: ``""`` when it could,
    else why not (the kernel's refusal). Called once by the fork server at start-up."""
    if os.environ.get("DLFS_NO_ISOLATION"):
        return "turned off by DLFS_NO_ISOLATION (for measuring its cost, or debugging)"
    try:
        _libc()
    except IsolationUnavailable as error:
        return str(error)
    folder = tempfile.mkdtemp(prefix="dlfs-probe-")
    try:
        code, reason = tried_in_child(lambda: isolate(View(folder, slot=0)))
    finally:
        os.rmdir(folder)
    if code == 0:
        return ""
    return reason or f"the isolation test ended with {code}"
