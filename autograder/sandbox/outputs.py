"""Reading what a worker wrote, without trusting it.

The worker runs learner code, so its files are hostile input: no symbolic links, regular files
only, bounded sizes, JSON and numeric ``.npy`` arrays only (never a pickle), and every array's
header checked against the bytes actually stored before anything is allocated.
"""

from __future__ import annotations

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

__all__ = ["load_arrays", "open_regular", "read_call", "read_json", "read_output"]

MAX_OUTPUT_CHARS = 4000
"""How much of what the learner's code printed is kept."""


def open_regular(path: Path) -> BinaryIO:
    """Open a file the worker wrote, refusing symbolic links and anything but regular files
    (the grader may run as root; the worker must not make it read other files)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path.name} is not a regular file")
    return os.fdopen(fd, "rb")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open_regular(path) as f:
            data = f.read(1_000_001)
        if len(data) > 1_000_000:
            return {"ok": False, "message": "the worker's status file is too large"}
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def read_output(path: Path) -> str:
    try:
        with open_regular(path) as f:
            data = f.read(MAX_OUTPUT_CHARS + 1)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + "\n… (output truncated)"
    return text


def read_call(out: Path, index: int, status: dict[str, Any], file_mb: int) -> CallOutcome:
    seconds = float(status.get("seconds", 0.0)) if _is_number(status.get("seconds")) else 0.0
    if not status.get("ok", False) and status.get("grader"):
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
        if path.lstat().st_size > file_mb * 2**20:
            return CallOutcome("error", message="the outputs are too large", seconds=seconds)
        arrays = load_arrays(path)
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile) as error:
        return CallOutcome("error", message=f"unreadable outputs: {error}", seconds=seconds)
    raw_types = status.get("types", {})
    types = {str(k): str(v) for k, v in raw_types.items()} if isinstance(raw_types, dict) else {}
    return CallOutcome("ok", arrays, types, seconds=seconds)


def load_arrays(path: Path) -> dict[str, ndarray]:
    """The arrays of an ``.npz`` the worker wrote, read without trusting it.

    No pickles (``allow_pickle=False``), numeric dtypes only, and every array's header is
    checked against the bytes actually stored before anything is allocated: a forged header
    cannot make the grader allocate more than the file holds.

    Raises:
        ValueError: for anything else than plain numeric arrays that fit their file.
    """
    arrays: dict[str, ndarray] = {}
    with open_regular(path) as f, zipfile.ZipFile(f) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r}")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                if dtype.hasobject or dtype.kind not in "biufc":
                    raise ValueError(f"{info.filename} has dtype {dtype}")
                if math.prod(shape) * dtype.itemsize > info.file_size:
                    raise ValueError(f"{info.filename} claims more data than it holds")
            with archive.open(info) as member:
                arrays[info.filename[: -len(".npy")]] = np.lib.format.read_array(
                    member, allow_pickle=False
                )
    return arrays


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
