"""The worker's folder: a tmpfs of a bounded size, which the grader still reads.

A limit per file (``RLIMIT_FSIZE``) does not bound a folder: a worker writing many files
filled the grader's disk (1.15 GB with 256 MB per file). A tmpfs has a size, but mounting one
where the grader reads it takes root, and an ordinary user's mounts live in a mount namespace
of their own that the grader is not in.

So the fork server enters a mount namespace of its own at start-up (and, as an ordinary user,
a user namespace that lets it mount there): :func:`enter_private_mounts`. For each job it
mounts a tmpfs of the job's size over the worker's folder in that namespace
(:func:`mount_folder`) before forking the worker, which inherits it; the grader reads the
folder through the server's root, ``/proc/<server>/root/<folder>`` (:func:`seen_from`: the
kernel lets a process read another of its own user's that way), and the server unmounts it
once the grader has read it (:func:`release_folder`). Should the server die, its namespace and
every tmpfs in it go with it. The pages a worker writes there count against its memory (and
its cgroup's, where it has one).

Where the kernel refuses a namespace (no user namespaces for an ordinary user, another OS),
the folder is an ordinary one in the temporary directory, each file limited, and the server
says why (``dlfs-grade doctor``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from .mounts import (
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_REC,
    MountRefused,
    check,
    libc,
    mount,
    unmount,
)
from .uids import worker_uid

__all__ = [
    "enter_private_mounts",
    "mount_folder",
    "prepare_folder",
    "release_folder",
    "seen_from",
]

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000


def enter_private_mounts() -> str:  # pragma: no cover - runs in the fork server
    """Move this process (single-threaded: the fork server at start-up) into a mount
    namespace of its own; ``""`` when it could, else why not."""
    if os.environ.get("DLFS_NO_ISOLATION"):
        return "turned off by DLFS_NO_ISOLATION"
    try:
        lib = libc()
        uid, gid = os.getuid(), os.getgid()
        flags = _CLONE_NEWNS if uid == 0 else _CLONE_NEWNS | _CLONE_NEWUSER
        check(lib, lib.unshare(flags), "unshare")
        if uid != 0:
            for name, text in (
                ("setgroups", "deny"),
                ("uid_map", f"{uid} {uid} 1"),
                ("gid_map", f"{gid} {gid} 1"),
            ):
                fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
                try:
                    os.write(fd, text.encode())
                finally:
                    os.close(fd)
        mount(lib, None, "/", None, MS_REC | MS_PRIVATE)
    except (MountRefused, OSError) as error:
        return str(error) or repr(error)
    return ""


MAX_FILES = 4096
"""The files and folders a worker's tmpfs holds at most (its outputs are a few per check; a
flood of empty files costs the kernel's memory, which a size limit does not count)."""


def prepare_folder(job: dict[str, Any]) -> bool:  # pragma: no cover - runs in the fork server
    """Mount the job's folder (``out_dir``) as a tmpfs of ``limits.file_mb`` MB for its
    worker (as root, owned by the slot's user id); whether it could."""
    uid = worker_uid(int(job.get("slot", 0))) if os.geteuid() == 0 else os.getuid()
    try:
        mount_folder(str(job["out_dir"]), int(job["limits"]["file_mb"]), uid)
    except (MountRefused, KeyError, ValueError, TypeError):
        return False
    return True


def mount_folder(path: str, size_mb: int, uid: int) -> None:  # pragma: no cover - in the server
    """A tmpfs of ``size_mb`` over ``path`` (in the server's namespace), owned by ``uid``."""
    owner = f",uid={uid},gid={uid}" if os.geteuid() == 0 else ""
    options = f"size={int(size_mb)}m,mode=0700,nr_inodes={MAX_FILES}{owner}"
    mount(libc(), "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)


def release_folder(path: str) -> None:  # pragma: no cover - runs in the fork server
    """Unmount the worker's tmpfs at ``path`` (its files go with it)."""
    with contextlib.suppress(MountRefused):  # not mounted (the job never started)
        unmount(libc(), path)


def seen_from(server_pid: int | None, path: str | Path) -> Path:
    """``path`` as the grader reads it: through the server's root when the server's folders
    are its own (``server_pid``), else as it is."""
    if server_pid is None:
        return Path(path)
    return Path(f"/proc/{server_pid}/root") / Path(path).relative_to("/")
