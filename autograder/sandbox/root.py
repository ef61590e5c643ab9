"""A worker's file system: a fresh, minimal root built for it — an allow-list.

Hiding known folders (the answer key, the stored answers …) misses every copy nobody listed: a
clone of the course in a home folder, its git history, a backup in ``/srv``. So a worker sees
no file system of the machine at all. It gets a root of its own, an empty tmpfs entered with
``pivot_root``, holding only

* the Python installation and the folders of packages a learner may import (``sys.path``'s
  site-packages), and the system's libraries (``/usr`` and its ``/lib`` links), read-only, at
  their own paths;
* ``/etc/ld.so.cache`` (to load a library lazily), ``/dev/null``, ``zero``, ``full``,
  ``random`` and ``urandom``, and a fresh ``/proc`` of its own PID namespace;
* its own folder (writable) and the run's inputs (read-only), also at their own paths.

No home folder, no ``/root``, ``/srv``, ``/opt``, ``/mnt``, ``/var`` or ``/tmp`` of the
machine, no course repository: where the Python installation itself lives in one of those, only
its own folder is there. The ``dlfs`` package is never shown, even where it is installed inside
a site-packages folder (the worker has every module it runs already imported), nor any path the
grader names (the answer key, the stored answers, the submissions) that would fall inside a
folder shown.

:func:`plan_root` decides once per fork server what every worker sees; in each worker,
:func:`build_root` mounts it (before the fork into the PID namespace) and :func:`enter_root`
moves into it (after).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from .mounts import (
    MOUNT_ATTR_NODEV,
    MOUNT_ATTR_NOSUID,
    MOUNT_ATTR_RDONLY,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REMOUNT,
    check,
    mount,
    move_mount,
    open_tree,
    set_attributes,
    unmount,
)

__all__ = [
    "ROOT_DEVICES",
    "RootPlan",
    "build_root",
    "enter_root",
    "plan_root",
    "worker_plan",
]

ROOT_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
"""The devices a worker has."""
_DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}
_SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
_FILES = ("/etc/ld.so.cache",)
_OLD_ROOT = ".old-root"
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


@dataclass(frozen=True)
class RootPlan:
    """What every worker of a fork server sees, besides its own folder and inputs.

    Attributes:
        folders: shown read-only at their own paths (Python, site-packages, the system's).
        links: symbolic links ``(path, target)`` (``/lib -> usr/lib``).
        files: single files shown read-only (``/etc/ld.so.cache``).
        masked: paths inside a shown folder that stay empty (``dlfs`` in site-packages).
    """

    folders: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()
    files: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()

    def shows(self, path: str) -> bool:
        """Whether ``path`` lies inside a folder this plan shows."""
        return any(_inside(path, folder) for folder in self.folders)

    def masking(self, hidden: Iterable[str]) -> RootPlan:
        """This plan with ``hidden`` paths left empty where they fall inside a shown folder."""
        paths = [os.path.realpath(h) for h in hidden]
        masked = [*self.masked, *(p for p in paths if self.shows(p) and os.path.exists(p))]
        return RootPlan(self.folders, self.links, self.files, tuple(_outermost(masked)))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths, without those inside another one of them."""
    found: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_inside(path, kept) for kept in found):
            found.append(path)
    return sorted(found)


def _python_folders() -> list[str]:
    """The Python installation, the environment, and the site-packages folders on its path;
    never another folder on the path (the current folder, a checkout on ``PYTHONPATH``: the
    course repository, as like as not)."""
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    found = [os.path.realpath(p) for p in prefixes if os.path.isdir(p)]
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        path = os.path.realpath(entry)
        site = os.path.basename(path) in ("site-packages", "dist-packages")
        if site or any(_inside(path, prefix) for prefix in found):
            found.append(path)
    return found


def _dlfs_sources() -> list[str]:
    """Where the ``dlfs`` package's modules are (a checkout, or a site-packages folder)."""
    package = sys.modules.get("dlfs")
    paths = list(getattr(package, "__path__", []) or [])
    return [os.path.realpath(p) for p in paths if os.path.isdir(p)]


def plan_root(hidden: Iterable[str] = ()) -> RootPlan:
    """What a worker of this process sees (see the module's docstring); ``hidden``: more
    paths to leave empty where they fall inside a shown folder."""
    folders: list[str] = _python_folders()
    links: list[tuple[str, str]] = []
    for path in _SYSTEM:
        if os.path.islink(path):
            links.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            folders.append(path)
    folders = _outermost(folders)
    plan = RootPlan(tuple(folders), tuple(links), tuple(f for f in _FILES if os.path.isfile(f)))
    return plan.masking([*_dlfs_sources(), *hidden])


_plan: list[RootPlan] = []


def worker_plan() -> RootPlan:
    """This process's :func:`plan_root`, made on first use (the fork server makes it at
    start-up, so that every worker it forks inherits it)."""
    if not _plan:
        _plan.append(plan_root())
    return _plan[0]


def build_root(
    libc: ctypes.CDLL, plan: RootPlan, out_dir: str, readable: Iterable[str] = ()
) -> str:  # pragma: no cover - runs in the worker
    """Mount the worker's root (in its own mount namespace) over ``out_dir`` and return where
    it is (see :func:`_build`); where the kernel refuses a step, unmount it again (the
    worker's folder is then its own folder again, to say why in) and raise.

    Raises:
        OSError: a step the kernel refused (:class:`~.mounts.MountRefused`), or could not make.
    """
    try:
        return _build(libc, plan, out_dir, readable)
    except OSError:
        with contextlib.suppress(OSError):
            unmount(libc, out_dir)
        raise


def _build(
    libc: ctypes.CDLL, plan: RootPlan, out_dir: str, readable: Iterable[str]
) -> str:  # pragma: no cover - runs in the worker
    """The root's mounts.

    Everything is cloned first (``open_tree``) and placed after; the root is mounted over
    ``out_dir`` itself (the kernel refuses to place a clone below a mount made over one of the
    clone's own parent folders, such as ``/tmp``). Read-only but for ``out_dir`` and the
    devices; nothing in it can be set-user-id or a device node of the worker's making.
    """
    readable = [os.path.realpath(p) for p in readable if os.path.exists(p)]
    trees = [(p, open_tree(libc, p), True) for p in (*plan.folders, *plan.files, *readable)]
    trees += [(d, open_tree(libc, d, recursive=False), False) for d in ROOT_DEVICES]
    trees.append((out_dir, open_tree(libc, out_dir), False))
    root = out_dir
    mount(libc, "tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for path, fd in ((p, f) for p, f, _ in trees):
        _make_mountpoint(root + path, directory=os.path.isdir(path))
        move_mount(libc, fd, root + path)
    for path, readonly in ((p, r) for p, _, r in trees):
        attributes = MOUNT_ATTR_NOSUID | (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV if readonly else 0)
        set_attributes(libc, root + path, attributes, recursive=True)
    for path, target in plan.links:
        os.makedirs(os.path.dirname(root + path), exist_ok=True)
        os.symlink(target, root + path)
    for name, target in _DEVICE_LINKS.items():
        os.symlink(target, f"{root}/dev/{name}")
    for path in plan.masked:
        _mask(libc, root + path)
    for folder in ("proc", "tmp", _OLD_ROOT):
        os.makedirs(f"{root}/{folder}", exist_ok=True)
    return root


def _make_mountpoint(path: str, directory: bool) -> None:  # pragma: no cover - in the worker
    if directory:
        os.makedirs(path, exist_ok=True)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def _mask(libc: ctypes.CDLL, path: str) -> None:  # pragma: no cover - runs in the worker
    """An empty, read-only mount over ``path`` (a folder, or a file)."""
    if os.path.isdir(path):
        mount(libc, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=000,size=4k")
    else:
        mount(libc, "/dev/null", path, None, MS_BIND)


def enter_root(libc: ctypes.CDLL, root: str, out_dir: str) -> None:  # pragma: no cover
    """Make ``root`` (from :func:`build_root`) this process's ``/``, with a ``/proc`` of its
    PID namespace (so called in the namespace's first process), and detach the machine's.

    The new ``/proc`` is mounted before the old root goes: in a user namespace the kernel
    mounts a ``/proc`` only while a complete one is visible.
    """
    mount(libc, "proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(root)
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"pivot_root: unknown architecture {os.uname().machine}")
    check(libc, libc.syscall(number, b".", _OLD_ROOT.encode()), "pivot_root")
    unmount(libc, f"/{_OLD_ROOT}")
    os.rmdir(f"/{_OLD_ROOT}")
    mount(libc, None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(out_dir)
