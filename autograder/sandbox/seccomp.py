"""Kernel keyrings refused to a worker: a filter on its system calls (seccomp).

A kernel keyring outlives the process that filled it: the user keyring belongs to the user id,
so as root every worker of a slot (which runs as the slot's own user id) would share it with
the workers before and after it, and an ordinary user's workers with the user's own sessions
— a channel between students and between runs. A user id per worker would not close it (the
ids are reused once the range wraps, and a key can be given a long life), a fresh session
keyring leaves the user keyring shared. No learner's code needs keyrings, so a worker gets
none: a small BPF program, installed once before any learner code runs and inherited by every
process it starts, answers ``add_key``, ``request_key`` and ``keyctl`` with ``EPERM``.

The numbers of those calls differ between architectures; the filter also refuses every call
made through another architecture's entry (32-bit calls on a 64-bit kernel, x32), whose
numbers are not checked. Where the architecture is not known here or the kernel has no
seccomp, :func:`refuse_keyrings` raises :class:`KeyringsOpen`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
import sys

__all__ = ["KEYRING_CALLS", "KeyringsOpen", "keyring_filter", "refuse_keyrings", "try_keyrings"]

KEYRING_CALLS: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (0xC000003E, {"add_key": 248, "request_key": 249, "keyctl": 250}),
    "aarch64": (0xC00000B7, {"add_key": 217, "request_key": 218, "keyctl": 219}),
}
"""machine → (its ``AUDIT_ARCH_*`` value, the keyring calls' numbers)."""

_X32_BIT = 0x40000000  # x86_64's x32 calls: the same entry, their numbers offset by this
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data


class KeyringsOpen(OSError):
    """The keyring calls could not be refused here (no seccomp, an unknown architecture)."""


class _Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def keyring_filter(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The BPF program, as ``(code, jt, jf, k)`` instructions, for ``machine`` (this one's by
    default).

    Raises:
        KeyringsOpen: an architecture whose call numbers are not known here.
    """
    machine = machine or platform.machine()
    if machine not in KEYRING_CALLS:
        raise KeyringsOpen(f"keyring calls not refused: unknown architecture {machine!r}")
    arch, numbers = KEYRING_CALLS[machine]
    refuse_all = (_RET, 0, 0, _RET_ERRNO | errno.ENOSYS)
    refuse = (_RET, 0, 0, _RET_ERRNO | errno.EPERM)
    calls = sorted(numbers.values())
    # the numbers: each match jumps to `refuse`, which follows `allow` at the end
    checks = [(_JEQ, len(calls) - i, 0, number) for i, number in enumerate(calls)]
    program = [(_LD_W_ABS, 0, 0, _ARCH), (_JEQ, 1, 0, arch), refuse_all, (_LD_W_ABS, 0, 0, _NR)]
    if machine == "x86_64":  # x32 calls go through the native entry, with their own numbers
        program.append((_JGE, len(calls) + 2, 0, _X32_BIT))
    program += [*checks, (_RET, 0, 0, _RET_ALLOW), refuse]
    if machine == "x86_64":
        program.append(refuse_all)
    return program


def refuse_keyrings() -> None:  # pragma: no cover - runs in the worker
    """Install the filter in this process (and so in every process it starts); sets
    ``no_new_privs``, which installing a filter without privileges needs.

    Raises:
        KeyringsOpen: the kernel or the architecture does not allow it.
    """
    if not sys.platform.startswith("linux"):
        raise KeyringsOpen(
            f"keyring calls not refused: seccomp is a Linux feature ({sys.platform})"
        )
    instructions = keyring_filter()
    array = (_Instruction * len(instructions))(*(_Instruction(*i) for i in instructions))
    program = _Program(len(instructions), array)
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), 0, 0) != 0:
        raise _refused("no_new_privs")
    if libc.prctl(
        _PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(program), 0, 0
    ):
        raise _refused("seccomp")


def _refused(what: str) -> KeyringsOpen:
    code = ctypes.get_errno()
    return KeyringsOpen(code, f"keyring calls not refused: prctl({what}): {os.strerror(code)}")


def try_keyrings() -> str:  # pragma: no cover - runs in the fork server
    """Fork a child that installs the filter and exits: ``""`` when it could, else why not.
    Called once by the fork server at start-up, for the reports."""
    try:
        keyring_filter()
    except KeyringsOpen as error:
        return str(error)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            refuse_keyrings()
        except BaseException as error:
            os.write(write, str(error).encode()[:500] or b"refused")
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        reason = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return ""
    return reason or "the keyring filter could not be installed"
