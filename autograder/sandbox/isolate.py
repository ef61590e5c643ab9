"""Isolating a worker with the kernel's namespaces, before any learner code runs.

A worker is forked from the fork server, so it starts with NumPy and the reference already
imported; a sandbox that must ``exec`` a program (bubblewrap, nsjail) would throw that away
and cost a fresh interpreter per exercise. The worker therefore isolates itself, with the same
kernel mechanisms those tools use (``unshare``, mounts, ``pivot``-free hiding), in a few
system calls:

1. new namespaces: user (as an ordinary user), mount, PID, network, IPC and UTS;
2. its view of the files: the temporary directory replaced by an empty one that holds only
   the worker's own folder (writable) and the run's training inputs (read-only); the answer
   key, the stored answers, the progress store, the course file and the submissions hidden
   under empty read-only mounts; every other mount read-only;
3. a fork: the child is PID 1 of the new PID namespace, so that when it ends the kernel
   kills every process it left behind (however it double-forked or left its session), and
   its ``/proc`` shows only its own processes (not the grader's); the parent waits and exits
   with the child's status;
4. no capabilities and ``no_new_privs`` in what runs the learner's code; as root, a user id
   of its own per concurrent worker.

Where the kernel refuses (another OS, a container without unprivileged user namespaces),
:func:`isolate` raises :class:`IsolationUnavailable` and the worker runs with process limits
only; :func:`try_isolation` says which, so that reports can say so.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "WORKER_UID_BASE",
    "IsolationUnavailable",
    "View",
    "die_with_parent",
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

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

AT_FDCWD = -100
AT_RECURSIVE = 0x8000
AT_EMPTY_PATH = 0x1000
OPEN_TREE_CLONE = 1
MOVE_MOUNT_F_EMPTY_PATH = 0x00000004
MOUNT_ATTR_RDONLY = 0x00000001

SYS_OPEN_TREE = 428  # the same number on every architecture (the syscall table is unified)
SYS_MOVE_MOUNT = 429
SYS_MOUNT_SETATTR = 442

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

WORKER_UID_BASE = 61000
"""As root, concurrent worker ``slot`` runs as user ``WORKER_UID_BASE + slot``."""


class IsolationUnavailable(OSError):
    """The kernel (or the OS) does not let this process isolate itself."""


@dataclass(frozen=True)
class View:
    """What a worker may see of the files.

    Attributes:
        out_dir: the worker's own folder (the only writable place).
        readable: folders the worker reads (the run's training inputs).
        hidden: folders and files that must not exist for the worker.
        slot: the concurrent worker's number (its user id as root).
    """

    out_dir: str
    readable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    slot: int = 0


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _libc() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise IsolationUnavailable(f"namespaces are a Linux feature; this is {sys.platform}")
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise IsolationUnavailable(errno, f"{what}: {os.strerror(errno)}")
    return result


def isolation_flags() -> int:
    """The namespaces a worker unshares (a user namespace unless it runs as root)."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    return flags if os.geteuid() == 0 else flags | CLONE_NEWUSER


def isolate(view: View) -> None:  # pragma: no cover - runs in the worker
    """Enter new namespaces, hide what the worker must not see, and become PID 1 of a PID
    namespace of its own; return in that PID-1 process, without capabilities.

    The calling process (single-threaded: a fresh fork) becomes a waiter that exits with
    the status of the isolated child; it never returns.

    Raises:
        IsolationUnavailable: the kernel refused a step before anything was changed for
            good (the caller then runs without isolation and says so).
    """
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    # a process that changed its user id is not "dumpable": its /proc/self files (the id
    # maps among them) would stay root's
    _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(DUMPABLE)")
    _check(libc.unshare(isolation_flags()), "unshare")
    if uid != 0:
        _map_ids(uid, gid)
    _arrange_files(libc, view)
    child = os.fork()
    if child:
        _wait_and_exit(child)
    _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _drop_privileges(libc, view.slot)
    # after the change of user: a change of credentials clears the parent-death signal
    _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def die_with_parent() -> None:  # pragma: no cover - in the fork server and its workers
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; elsewhere,
    nothing: the parent's own clean-up is all there is)."""
    try:
        libc = _libc()
    except IsolationUnavailable:
        return
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


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


def _encode(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def _mount(
    libc: ctypes.CDLL,
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:  # pragma: no cover - runs in the worker
    result = libc.mount(
        _encode(source), _encode(target), _encode(fstype), ctypes.c_ulong(flags), _encode(data)
    )
    _check(result, f"mount {target}")


def _open_tree(libc: ctypes.CDLL, path: str) -> int:  # pragma: no cover - runs in the worker
    flags = OPEN_TREE_CLONE | AT_RECURSIVE
    return _check(libc.syscall(SYS_OPEN_TREE, AT_FDCWD, path.encode(), flags), f"open_tree {path}")


def _move_mount(libc: ctypes.CDLL, fd: int, target: str) -> None:  # pragma: no cover
    result = libc.syscall(
        SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, target.encode(), MOVE_MOUNT_F_EMPTY_PATH
    )
    _check(result, f"move_mount {target}")
    os.close(fd)


def _set_readonly(libc: ctypes.CDLL, path: str, readonly: bool, recursive: bool) -> None:
    attr = _MountAttr(
        MOUNT_ATTR_RDONLY if readonly else 0, 0 if readonly else MOUNT_ATTR_RDONLY, 0, 0
    )
    flags = AT_RECURSIVE if recursive else 0
    result = libc.syscall(
        SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), flags, ctypes.byref(attr), ctypes.sizeof(attr)
    )
    _check(result, f"mount_setattr {path}")


def _arrange_files(libc: ctypes.CDLL, view: View) -> None:  # pragma: no cover - in the worker
    """The worker's view: a fresh, empty temporary directory holding its own folder and the
    training inputs; hidden paths under empty mounts; everything read-only but its folder."""
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    keep = [view.out_dir, *view.readable]
    trees = [(path, _open_tree(libc, path)) for path in keep]
    for temporary in _temporary_roots(keep):
        _mount(libc, "tmpfs", temporary, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for path, fd in trees:
        os.makedirs(path, exist_ok=True)
        _move_mount(libc, fd, path)
    for path in _existing(view.hidden):
        _hide(libc, path)
    _set_readonly(libc, "/", readonly=True, recursive=True)
    _set_readonly(libc, view.out_dir, readonly=False, recursive=False)


def _temporary_roots(paths: Iterable[str]) -> list[str]:
    """The temporary directories that hold ``paths`` (they are replaced by empty ones)."""
    roots = {os.path.realpath(tempfile.gettempdir()), "/tmp", "/var/tmp", "/dev/shm"}
    found: list[str] = []
    for root in sorted(roots):  # a parent first: a TMPDIR inside /tmp goes with /tmp
        nested = any(root.startswith(parent.rstrip("/") + "/") for parent in found)
        if os.path.isdir(root) and not os.path.islink(root) and not nested:
            found.append(root)
    return found


def _existing(paths: Iterable[str]) -> list[str]:
    return [p for p in dict.fromkeys(paths) if os.path.lexists(p)]


def _hide(libc: ctypes.CDLL, path: str) -> None:  # pragma: no cover - runs in the worker
    """Put an empty, read-only mount over ``path`` (a folder, or a file)."""
    if os.path.isdir(path):
        _mount(libc, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=000,size=4k")
    else:
        _mount(libc, "/dev/null", path, None, MS_BIND)


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


def _drop_privileges(libc: ctypes.CDLL, slot: int) -> None:  # pragma: no cover - in the worker
    """No capabilities, no way to gain any; as root, a user id of the worker's own."""
    if os.geteuid() == 0 and not _in_user_namespace():
        os.setgroups([])
        os.setgid(WORKER_UID_BASE + slot)
        os.setuid(WORKER_UID_BASE + slot)
    else:
        header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        data = (_CapData * 2)()
        _check(libc.capset(ctypes.byref(header), data), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


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
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            isolate(View(folder, slot=0))
        except BaseException as error:
            os.write(write, str(error).encode()[:500] or b"refused")
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        reason = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    os.rmdir(folder)
    if os.waitstatus_to_exitcode(status) == 0:
        return ""
    return reason or f"the isolation test ended with {os.waitstatus_to_exitcode(status)}"
