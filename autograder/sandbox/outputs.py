"""Reading what a worker wrote, without trusting it.

The worker runs learner code, so its files are hostile input: every file is opened without
following links and refused unless it is a regular file (a FIFO would block the grader, a
device never end), and read with a bound on its size. Outputs are JSON and uncompressed
``.npz`` archives of numeric ``.npy`` arrays only (never a pickle): a compressed member could
expand a thousandfold in the grader, so it is refused, and the members' total size is bounded
before anything is read; every array's header is checked against the bytes actually stored
before anything is allocated.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy import ndarray

from .protocol import CallOutcome

__all__ = [
    "MAX_ARRAYS",
    "load_arrays",
    "open_regular",
    "read_bounded",
    "read_call",
    "read_json",
    "read_output",
]

MAX_OUTPUT_CHARS = 4000
"""How much of what the learner's code printed is kept."""
MAX_ARRAYS = 256
"""The most arrays one probe call may return (the largest probe returns a dozen)."""


def open_regular(path: Path) -> BinaryIO:
    """Open a file the worker wrote, refusing symbolic links and anything but regular files
    (the grader may run as root; the worker must not make it read other files)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path.name} is not a regular file")
    return os.fdopen(fd, "rb")


def read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file the worker wrote (one more than
    ``limit`` says that it is longer).

    Raises:
        OSError: a link, a FIFO, a device, a folder, or a file that cannot be read.
    """
    with open_regular(path) as f:
        return f.read(limit + 1)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = read_bounded(path, 1_000_000)
        if len(data) > 1_000_000:
            return {"ok": False, "message": "the worker's status file is too large"}
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def read_output(path: Path) -> str:
    try:
        data = read_bounded(path, MAX_OUTPUT_CHARS)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n… (output truncated)"
    return text


def read_call(
    out: Path, index: int, status: dict[str, Any], file_mb: int, disk_full: bool = True
) -> CallOutcome:
    """One call's outcome from its status and its outputs' file. The worker's word that
    writing its outputs failed for want of disk is believed only where the grader found its
    temporary folder full itself (``disk_full``): the learner's code can write that word."""
    seconds = float(status.get("seconds", 0.0)) if _is_number(status.get("seconds")) else 0.0
    if not status.get("ok", False) and status.get("grader") and disk_full:
        message = str(status.get("message", "the grader failed"))[:2000]
        return CallOutcome("grader_error", message=message, seconds=seconds)
    if not status.get("ok", False):
        return CallOutcome(
            "error",
            message=str(status.get("message", "the code raised an exception"))[:2000],
            traceback=str(status.get("traceback", ""))[:8000],
            seconds=seconds,
        )
    path = out / f"call{index}.npz"
    try:
        arrays = load_arrays(path, file_mb * 2**20)
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile) as error:
        return CallOutcome("error", message=f"unreadable outputs: {error}", seconds=seconds)
    raw_types = status.get("types", {})
    types = {str(k): str(v) for k, v in raw_types.items()} if isinstance(raw_types, dict) else {}
    return CallOutcome("ok", arrays, types, seconds=seconds)


def load_arrays(
    path: Path, limit: int = 256 * 2**20, members: int = MAX_ARRAYS
) -> dict[str, ndarray]:
    """The arrays of an ``.npz`` the worker wrote, read without trusting it.

    The archive must be a regular file of at most ``limit`` bytes whose members are stored
    uncompressed (``np.savez``), at most ``members`` of them (a probe's outputs: at most
    :data:`MAX_ARRAYS`; a trace names its own bound), ``limit`` bytes in all:
    what is read is then never more than the file holds. No pickles (``allow_pickle=False``),
    numeric dtypes only, and every array's header is checked against the bytes actually
    stored before anything is allocated: a forged header cannot make the grader allocate more
    than the file holds.

    Raises:
        ValueError: for anything else than plain numeric arrays that fit their file, or
            outputs larger than ``limit``.
    """
    arrays: dict[str, ndarray] = {}
    with open_regular(path) as f:
        if os.fstat(f.fileno()).st_size > limit:
            raise ValueError(f"the outputs are too large (over {_megabytes(limit)})")
        _check_directory(f, members)
        with zipfile.ZipFile(f) as archive:
            for info in _plain_members(archive, limit, members):
                arrays[info.filename[: -len(".npy")]] = _read_member(archive, info)
    return arrays


_END = b"PK\x05\x06"
"""The signature of a zip archive's end-of-directory record."""


def _check_directory(f: BinaryIO, most: int) -> None:
    """Refuse an archive whose directory lists more members than a probe returns, before
    ``zipfile`` reads it (a directory of millions of tiny entries fits in a small file and
    would cost the grader gigabytes of bookkeeping)."""
    size = os.fstat(f.fileno()).st_size
    tail_size = min(size, 22 + 65535)  # the record and the longest comment it may carry
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(_END)
    if at < 0 or len(tail) < at + 22:
        raise ValueError("the outputs are not an .npz archive")
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries > most or directory > most * 1024:
        raise ValueError(f"the outputs list more than the {most} arrays they may hold")
    f.seek(0)


def _plain_members(archive: zipfile.ZipFile, limit: int, most: int) -> list[zipfile.ZipInfo]:
    """The archive's members, refused unless stored uncompressed as ``.npy`` files whose
    sizes add up to at most ``limit`` bytes (what the zip directory claims is checked
    against what the members hold when they are read)."""
    members = archive.infolist()
    if len(members) > most:
        raise ValueError(f"{len(members)} arrays: more than the {most} they may hold")
    total = 0
    for info in members:
        if not info.filename.endswith(".npy"):
            raise ValueError(f"unexpected member {info.filename!r}")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise ValueError(
                f"{info.filename} is compressed: the worker writes its arrays uncompressed "
                "(np.savez)"
            )
        total += info.file_size
    if total > limit:
        raise ValueError(f"the outputs are too large (over {_megabytes(limit)})")
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ndarray:
    """One member's array, its header checked against the member's size first (the member
    is read once: its size is bounded already, and a trace has hundreds of them)."""
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ValueError(f"{info.filename} holds another size than its directory says")
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    if dtype.hasobject or dtype.kind not in "biufc":
        raise ValueError(f"{info.filename} has dtype {dtype}")
    count = math.prod(shape)
    start = stream.tell()
    if start + count * dtype.itemsize > len(data):
        raise ValueError(f"{info.filename} claims more data than it holds")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=start).copy()
    return flat.reshape(shape, order="F" if fortran else "C")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.3g} MB"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
