"""The kernel's mount calls, through ``ctypes`` (Python has no binding for them).

``mount``, ``umount2``, and the newer ``open_tree``/``move_mount``/``mount_setattr`` (Linux
5.12+), whose numbers are the same on every architecture (the table is unified from 424 on).
Each raises :class:`MountRefused` with the kernel's reason.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = [
    "MOUNT_ATTR_NODEV",
    "MOUNT_ATTR_NOSUID",
    "MOUNT_ATTR_RDONLY",
    "MS_BIND",
    "MS_NODEV",
    "MS_NOEXEC",
    "MS_NOSUID",
    "MS_PRIVATE",
    "MS_RDONLY",
    "MS_REC",
    "MS_REMOUNT",
    "MountRefused",
    "check",
    "libc",
    "mount",
    "move_mount",
    "open_tree",
    "set_attributes",
    "unmount",
]

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4

_AT_FDCWD = -100
_AT_RECURSIVE = 0x8000
_OPEN_TREE_CLONE = 1
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_MNT_DETACH = 2
_SYS_OPEN_TREE = 428
_SYS_MOVE_MOUNT = 429
_SYS_MOUNT_SETATTR = 442


class MountRefused(OSError):
    """The kernel refused a mount call (the message names the call, the path and why)."""


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def libc() -> ctypes.CDLL:
    """The C library, its errors kept (Linux only; found once per process: finding it runs
    ``ldconfig``, and a fork server's workers inherit it found).

    Raises:
        MountRefused: not Linux.
    """
    if not sys.platform.startswith("linux"):
        raise MountRefused(f"namespaces and mounts are Linux features; this is {sys.platform}")
    if not _found:
        _found.append(ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True))
    return _found[0]


_found: list[ctypes.CDLL] = []


def check(lib: ctypes.CDLL, result: int, what: str) -> int:
    """``result``, or :class:`MountRefused` with the kernel's reason for ``what``."""
    if result < 0:
        code = ctypes.get_errno()
        raise MountRefused(code, f"{what}: {os.strerror(code)}")
    return result


def _encode(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def mount(
    lib: ctypes.CDLL,
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    """``mount(2)``."""
    result = lib.mount(
        _encode(source), _encode(target), _encode(fstype), ctypes.c_ulong(flags), _encode(data)
    )
    check(lib, result, f"mount {target}")


def unmount(lib: ctypes.CDLL, target: str) -> None:
    """Detach ``target`` (lazily: what still uses it keeps it until done)."""
    check(lib, lib.umount2(target.encode(), _MNT_DETACH), f"umount {target}")


def open_tree(lib: ctypes.CDLL, path: str, recursive: bool = True) -> int:
    """A detached copy of the mount at ``path`` (with those below it), as a descriptor."""
    flags = _OPEN_TREE_CLONE | (_AT_RECURSIVE if recursive else 0)
    return check(
        lib, lib.syscall(_SYS_OPEN_TREE, _AT_FDCWD, path.encode(), flags), f"open_tree {path}"
    )


def move_mount(lib: ctypes.CDLL, fd: int, target: str) -> None:
    """Attach the copy ``fd`` (from :func:`open_tree`) at ``target``; closes ``fd``."""
    try:
        result = lib.syscall(
            _SYS_MOVE_MOUNT, fd, b"", _AT_FDCWD, target.encode(), _MOVE_MOUNT_F_EMPTY_PATH
        )
        check(lib, result, f"move_mount {target}")
    finally:
        os.close(fd)


def set_attributes(
    lib: ctypes.CDLL, path: str, attributes: int, recursive: bool, clear: int = 0
) -> None:
    """Set ``attributes`` (``MOUNT_ATTR_*``) on the mount at ``path`` and, ``recursive``, on
    those below it; clear ``clear``."""
    attr = _MountAttr(attributes, clear, 0, 0)
    flags = _AT_RECURSIVE if recursive else 0
    result = lib.syscall(
        _SYS_MOUNT_SETATTR, _AT_FDCWD, path.encode(), flags, ctypes.byref(attr), ctypes.sizeof(attr)
    )
    check(lib, result, f"mount_setattr {path}")
