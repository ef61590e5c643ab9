"""A cgroup per worker: its memory and its processes counted together, its share of the CPU.

Process limits (``RLIMIT_AS``, ``RLIMIT_NPROC``) are per process or per user: a worker that
forks holds the memory limit once per child (4.1 GB with ``memory_mb = 2048``). A cgroup counts
the worker and everything it starts as one: ``memory_mb`` for all of its memory (the pages of
its tmpfs folder included, no swap), ``max_processes`` tasks, and — where the CPU controller is
there — one fair share of the CPU, however many processes it runs. Its memory being exhausted
kills it (the kernel's OOM killer, inside the group only), which the report says.

Where: cgroup v2 where its ``memory`` and ``pids`` controllers can be enabled below this
process's own group (as root, or an ordinary user in a group systemd delegated to them), else
the v1 ``memory`` and ``pids`` hierarchies where this process may make groups in them (root
on a machine with v1 or hybrid cgroups), else none: the workers keep the per-process limits,
and :func:`support` says why (``dlfs-grade doctor``, the reports).

This module runs in the grader: it makes the run's group ``dlfs-<pid>`` once and a group for
each worker in it (:func:`worker_group`), which the worker joins first thing
(:func:`join_cgroup`); the grader reads whether it ran out of memory, kills what is left and
removes the group once the worker has ended.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .processes import alive

__all__ = [
    "CgroupSupport",
    "WorkerGroup",
    "join_cgroup",
    "join_cgroup_at",
    "support",
    "worker_group",
]

_REQUIRED = ("memory", "pids")
_OPTIONAL = ("cpu",)
_REMOVE_TRIES = 50


@dataclass(frozen=True)
class CgroupSupport:
    """What cgroups give this grader's workers.

    Attributes:
        version: ``"v2"``, ``"v1"``, or ``""`` (none).
        controllers: the controllers each worker's group has (``memory``, ``pids``, ``cpu``).
        reason: with none, why; else where the groups are.
        folders: the run's group in each hierarchy, by controller (v1) or ``""`` (v2).
    """

    version: str
    controllers: tuple[str, ...] = ()
    reason: str = ""
    folders: dict[str, Path] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        """One line for reports."""
        if not self.version:
            return f"per-process limits only (rlimits): {self.reason}"
        return f"a cgroup {self.version} per worker ({', '.join(self.controllers)})"


@dataclass
class WorkerGroup:
    """One worker's cgroup: a folder per v1 hierarchy, or one v2 folder."""

    version: str
    folders: dict[str, Path]

    @property
    def procs(self) -> list[str]:
        """The files the worker writes its pid to, to join the group."""
        return [str(folder / "cgroup.procs") for folder in dict.fromkeys(self.folders.values())]

    def out_of_memory(self) -> bool:
        """Whether the kernel killed one of the group's processes for want of memory."""
        memory = self.folders.get("memory")
        if memory is None:
            return False
        name = "memory.events" if self.version == "v2" else "memory.oom_control"
        return _field(memory / name, "oom_kill") > 0

    def kill(self) -> None:
        """SIGKILL every process in the group."""
        for folder in dict.fromkeys(self.folders.values()):
            _kill_all(folder, self.version)

    def close(self) -> None:
        """Kill whatever is left in the group, and remove it."""
        for folder in dict.fromkeys(self.folders.values()):
            _kill_all(folder, self.version)
            _remove(folder)


def _field(path: Path, key: str) -> int:
    """A ``key value`` line's value in a cgroup file (0 where there is none)."""
    try:
        for line in path.read_text(encoding="ascii").splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _kill_all(folder: Path, version: str) -> None:
    """SIGKILL every process of the group (``cgroup.kill`` where the kernel has it)."""
    if version == "v2" and (folder / "cgroup.kill").exists():
        with contextlib.suppress(OSError):
            _write(folder / "cgroup.kill", "1")
            return
    for _ in range(_REMOVE_TRIES):
        try:
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)


def _remove(folder: Path) -> None:
    """``rmdir`` the group, waiting a little for killed processes to be gone."""
    for attempt in range(_REMOVE_TRIES):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.001 * (attempt + 1))


def join_cgroup(procs: Iterable[str]) -> None:  # pragma: no cover - runs in the worker
    """Move this process into the worker's group (``procs`` from :attr:`WorkerGroup.procs`).

    Raises:
        OSError: it could not (the grader reports its own error).
    """
    for path in procs:
        with open(path, "w", encoding="ascii") as f:
            f.write("0")


def join_cgroup_at(procs: Iterable[str], folders: dict[str, int]) -> None:  # pragma: no cover
    """:func:`join_cgroup` where the cgroup file system is out of sight (a worker forked in a
    student's sandbox, whose root has none): each of ``procs`` is opened below the run's
    group it lies in, through the descriptor ``folders`` holds for it (opened before the
    sandbox entered its root; the worker closes them before any learner code runs).

    Raises:
        OSError: it could not (the grader reports its own error).
    """
    for path in procs:
        run = next((f for f in folders if path.startswith(f.rstrip("/") + "/")), None)
        if run is None:
            raise OSError(f"{path} is not below a group the sandbox holds")
        relative = path[len(run.rstrip("/")) + 1 :]
        fd = os.open(relative, os.O_WRONLY, dir_fd=folders[run])
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)


# --- finding where groups can be made ----------------------------------------------------------


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """``(root, mount point, type, options)`` of every cgroup file system mounted."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            found.append((fields[3], fields[4], tail[0], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """This process's group by hierarchy: ``""`` for v2, else its controllers' names."""
    found = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            found[controllers] = path
    return found


def _folder(root: str, mountpoint: str, path: str) -> Path:
    """The folder of group ``path`` in a hierarchy mounted at ``mountpoint`` from ``root``."""
    relative = path[len(root) :] if root != "/" and path.startswith(root) else path
    return Path(mountpoint) / relative.lstrip("/")


def _controllers(folder: Path, name: str) -> set[str]:
    try:
        return set((folder / name).read_text().split())
    except OSError:
        return set()


def _v2_parent() -> tuple[Path | None, str]:
    """The v2 group under which the run's group can be made, or why there is none."""
    mounts = [m for m in _mounts() if m[2] == "cgroup2"]
    own = _own_groups().get("")
    if not mounts or own is None:
        return None, "no cgroup v2 hierarchy"
    root, mountpoint, _, _ = mounts[0]
    mine = _folder(root, mountpoint, own)
    parent = mine if mine == Path(mountpoint) else mine.parent
    available = _controllers(parent, "cgroup.controllers")
    missing = [c for c in _REQUIRED if c not in available]
    if missing:
        return None, f"cgroup v2 has no {' or '.join(missing)} controller here ({parent})"
    if not os.access(parent, os.W_OK):
        return None, f"cgroup v2 group {parent} is not delegated to uid {os.geteuid()}"
    return parent, ""


def _make_v2() -> CgroupSupport:
    parent, why = _v2_parent()
    if parent is None:
        return CgroupSupport("", reason=why)
    wanted = [
        c for c in (*_REQUIRED, *_OPTIONAL) if c in _controllers(parent, "cgroup.controllers")
    ]
    try:
        enabled = _controllers(parent, "cgroup.subtree_control")
        if not set(wanted) <= enabled:
            _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
        run = parent / f"dlfs-{os.getpid()}"
        _sweep(parent)
        run.mkdir(exist_ok=True)
        _write(run / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
        if "cpu" in wanted:
            _write(run / "cpu.weight", str(min(10000, 100 * _cpus())))
    except OSError as error:
        return CgroupSupport("", reason=f"cgroup v2 under {parent}: {error.strerror or error}")
    return CgroupSupport("v2", tuple(wanted), str(run), {"": run})


def _make_v1() -> CgroupSupport:
    own = _own_groups()
    folders: dict[str, Path] = {}
    for controller in (*_REQUIRED, *_OPTIONAL):
        mount = next((m for m in _mounts() if m[2] == "cgroup" and controller in m[3]), None)
        path = next((p for names, p in own.items() if controller in names.split(",")), None)
        if mount is None or path is None:
            if controller in _REQUIRED:
                return CgroupSupport("", reason=f"no cgroup v1 {controller} hierarchy")
            continue
        base = _folder(mount[0], mount[1], path)
        run = base / f"dlfs-{os.getpid()}"
        try:
            _sweep(base)
            run.mkdir(exist_ok=True)
            if controller == "cpu":
                _write(run / "cpu.shares", str(1024 * _cpus()))
        except OSError as error:
            if controller in _REQUIRED:
                _remove_all(folders.values())
                why = f"cgroup v1 {controller} groups cannot be made by uid {os.geteuid()}"
                return CgroupSupport("", reason=f"{why} ({base}: {error.strerror or error})")
            continue
        folders[controller] = run
    return CgroupSupport("v1", tuple(folders), "", folders)


def _cpus() -> int:
    """The run's group weighs as many tasks as there are CPUs: its workers together get the
    share their processes would have had (a group weighs one task by default, which on a
    busy machine would slow a class down), each worker one part of it."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _sweep(parent: Path) -> None:
    """Remove the groups of grader runs that were killed before they could."""
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            name = entry.name
            if not name.startswith("dlfs-") or not name[5:].isdigit() or not entry.is_dir():
                continue
            if int(name[5:]) == os.getpid() or alive(int(name[5:])):
                continue
            for child in [c for c in entry.iterdir() if c.is_dir()]:
                _kill_all(child, "v1")
                _remove(child)
            _remove(entry)


def _remove_all(folders: Iterable[Path]) -> None:
    for folder in folders:
        _remove(folder)


_support: list[CgroupSupport] = []
_lock = threading.Lock()
_counter = itertools.count()


def support() -> CgroupSupport:
    """What cgroups give this process's workers (made once; removed at exit).

    ``DLFS_NO_CGROUPS=1`` turns them off (to measure their cost, or to debug).
    """
    with _lock:
        if not _support:
            if os.environ.get("DLFS_NO_CGROUPS"):
                found = CgroupSupport("", reason="turned off by DLFS_NO_CGROUPS")
            else:
                found = _make_v2()
                if not found.version:
                    v1 = _make_v1()
                    found = (
                        v1
                        if v1.version
                        else CgroupSupport("", reason=f"{found.reason}; {v1.reason}")
                    )
            if found.version:
                atexit.register(_remove_all, list(found.folders.values()))
            _support.append(found)
        return _support[0]


def worker_group(memory_mb: int, max_processes: int) -> WorkerGroup | None:
    """A new group for one worker, with its limits; None where there are no cgroups (or it
    could not be made: the worker then runs with its per-process limits)."""
    found = support()
    if not found.version:
        return None
    name = f"w{next(_counter)}"
    folders = {c: run / name for c, run in found.folders.items()}
    group = WorkerGroup(
        found.version,
        folders if found.version == "v1" else {c: folders[""] for c in found.controllers},
    )
    try:
        for folder in dict.fromkeys(folders.values()):
            folder.mkdir()
        _limit(group, memory_mb * 2**20, max_processes)
    except OSError:
        group.close()
        return None
    return group


def _limit(group: WorkerGroup, memory: int, processes: int) -> None:
    memory_folder, pids_folder = group.folders["memory"], group.folders["pids"]
    if group.version == "v2":
        _write(memory_folder / "memory.max", str(memory))
        for name, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
            if (memory_folder / name).exists():
                _write(memory_folder / name, value)
    else:
        _write(memory_folder / "memory.limit_in_bytes", str(memory))
        if (memory_folder / "memory.memsw.limit_in_bytes").exists():  # no way out by swap
            _write(memory_folder / "memory.memsw.limit_in_bytes", str(memory))
    _write(pids_folder / "pids.max", str(processes))
