"""What a worker may not ask of the kernel: keyrings, processes and shared memory (a filter,
seccomp).

Kernel keyrings outlive the process that filled them: the user keyring belongs to the user id,
so as root every worker of a slot (which runs as the slot's own user id) would share it with
the workers before and after it, and an ordinary user's workers with the user's own sessions —
a channel between students and between runs. A user id per worker would not close it (the ids
are reused once the range wraps, and a key can be given a long life); a fresh session keyring
leaves the user keyring shared. No learner's code needs keyrings: ``add_key``,
``request_key`` and ``keyctl`` are refused (``EPERM``).

New processes: a worker that forks holds its per-process limits once per child (the address
space, the CPU), and where no cgroup counts them together (an ordinary user without
delegation) nothing else does; nor does an exercise need one. So a worker is one process:
``fork``, ``vfork`` and a ``clone`` without ``CLONE_THREAD`` are refused (``EPERM``); threads
stay (NumPy's, PyTorch's, the learner's), ``clone3`` answers ``ENOSYS`` so that the C library
makes them with ``clone``, whose flags the filter can read. The same everywhere, so that a
grade does not depend on the machine.

Shared memory: a memory file (``memfd_create``, ``memfd_secret``) or a System V segment
(``shmget``, ``shmat``) holds pages that no per-process limit counts (they are not the
address space until mapped, and a segment outlives its process); where no cgroup counts a
worker's memory (an ordinary user), they were a way past ``memory_mb``. The worker's root has
no ``/dev/shm``; these calls are refused (``EPERM``) too.

A small BPF program, installed once before any learner code runs, inherited by every thread;
the call numbers differ between architectures, and every call made through another
architecture's entry (32-bit calls on a 64-bit kernel, x32) is refused whole. Where the
architecture is not known here or the kernel has no seccomp, :func:`restrict_calls` raises
:class:`CallsOpen`.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys

from . import mounts
from .processes import tried_in_child

__all__ = ["ARCHITECTURES", "CallsOpen", "call_filter", "restrict_calls", "try_filter"]

ARCHITECTURES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "add_key": 248,
            "request_key": 249,
            "keyctl": 250,
            "fork": 57,
            "vfork": 58,
            "clone": 56,
            "clone3": 435,
            "memfd_create": 319,
            "memfd_secret": 447,
            "shmget": 29,
            "shmat": 30,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "add_key": 217,
            "request_key": 218,
            "keyctl": 219,
            "clone": 220,
            "clone3": 435,
            "memfd_create": 279,
            "memfd_secret": 447,
            "shmget": 194,
            "shmat": 196,
        },
    ),
}
"""machine → (its ``AUDIT_ARCH_*`` value, the numbers of the calls the filter looks at)."""

_REFUSED = (
    "add_key",
    "request_key",
    "keyctl",
    "fork",
    "vfork",
    "memfd_create",
    "memfd_secret",
    "shmget",
    "shmat",
)
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000  # x86_64's x32 calls: the same entry, their numbers offset by this
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (the low half of args[0])

Step = tuple[int, str | int, str | int, int]
"""``(code, jump if true, jump if false, k)``, jumps as labels (or 0: the next step)."""


class CallsOpen(OSError):
    """The calls could not be refused here (no seccomp, an unknown architecture)."""


class _Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def _steps(machine: str) -> list[Step | str]:
    """The program with labels (a ``str`` line names the step after it)."""
    arch, numbers = ARCHITECTURES[machine]
    steps: list[Step | str] = [(_LD_W_ABS, 0, 0, _ARCH), (_JEQ, 0, "nosys", arch)]
    steps.append((_LD_W_ABS, 0, 0, _NR))
    if machine == "x86_64":  # x32 calls go through the native entry, with their own numbers
        steps.append((_JGE, "nosys", 0, _X32_BIT))
    steps += [(_JEQ, "refuse", 0, numbers[name]) for name in _REFUSED if name in numbers]
    steps.append((_JEQ, "nosys", 0, numbers["clone3"]))  # its flags are out of reach
    steps += [(_JEQ, 0, "allow", numbers["clone"]), (_LD_W_ABS, 0, 0, _ARG0)]
    steps.append((_JSET, "allow", "refuse", _CLONE_THREAD))  # a thread, or a process
    steps += ["allow", (_RET, 0, 0, _RET_ALLOW)]
    steps += ["refuse", (_RET, 0, 0, _RET_ERRNO | errno.EPERM)]
    steps += ["nosys", (_RET, 0, 0, _RET_ERRNO | errno.ENOSYS)]
    return steps


def call_filter(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The BPF program, as ``(code, jt, jf, k)`` instructions, for ``machine`` (this one's by
    default).

    Raises:
        CallsOpen: an architecture whose call numbers are not known here.
    """
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise CallsOpen(f"keyrings and processes not refused: unknown architecture {machine!r}")
    labels: dict[str, int] = {}
    program: list[Step] = []
    for step in _steps(machine):
        if isinstance(step, str):
            labels[step] = len(program)
        else:
            program.append(step)

    def offset(target: str | int, at: int) -> int:  # BPF jumps forward, from the next step
        return target if isinstance(target, int) else labels[target] - at - 1

    return [(c, offset(t, i), offset(f, i), k) for i, (c, t, f, k) in enumerate(program)]


def restrict_calls() -> None:  # pragma: no cover - runs in the worker
    """Install the filter in this process (and every thread it starts); sets
    ``no_new_privs``, which installing a filter without privileges needs.

    Raises:
        CallsOpen: the kernel or the architecture does not allow it.
    """
    if not sys.platform.startswith("linux"):
        raise CallsOpen(f"calls not refused: seccomp is a Linux feature ({sys.platform})")
    instructions = call_filter()
    array = (_Instruction * len(instructions))(*(_Instruction(*i) for i in instructions))
    program = _Program(len(instructions), array)
    libc = mounts.libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), 0, 0) != 0:
        raise _refused("no_new_privs")
    if libc.prctl(
        _PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(program), 0, 0
    ):
        raise _refused("seccomp")


def _refused(what: str) -> CallsOpen:
    code = ctypes.get_errno()
    return CallsOpen(code, f"calls not refused: prctl({what}): {os.strerror(code)}")


def try_filter() -> str:  # pragma: no cover - runs in the fork server
    """Fork a child that installs the filter and exits: ``""`` when it could, else why not.
    Called once by the fork server at start-up, for the reports."""
    try:
        call_filter()
    except CallsOpen as error:
        return str(error)
    code, reason = tried_in_child(restrict_calls)
    if code == 0:
        return ""
    return reason or "the filter could not be installed"
