"""The grader's scratch folders in the temporary directory, and sweeping up after dead runs.

Every folder a grading run makes there is named ``dlfs-<kind>-<pid>-…`` with the pid of the
process that made it. A run removes its own folders when it ends, also on SIGTERM and SIGHUP
(the CLI turns them into an ordinary exit); a run killed with SIGKILL cannot, so the next run
removes the folders whose process is gone — only its own user's, only folders of this name.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from .isolate import WORKER_UID_BASE

__all__ = ["make_scratch", "sweep_stale"]

_NAME = re.compile(r"dlfs-(grade|data)-(\d+)-")


def make_scratch(kind: str) -> Path:
    """A new folder ``dlfs-<kind>-<pid>-…`` in the temporary directory.

    Raises:
        OSError: it cannot be made (a full or read-only temporary directory).
    """
    return Path(tempfile.mkdtemp(prefix=f"dlfs-{kind}-{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ours(uid: int) -> bool:
    """Made by this user, or (as root) handed to one of its workers' user ids."""
    if uid == os.geteuid():
        return True
    return os.geteuid() == 0 and WORKER_UID_BASE <= uid < WORKER_UID_BASE + 1024


def sweep_stale(folder: Path | None = None) -> list[Path]:
    """Remove the scratch folders of runs whose process no longer exists; return them.

    Only folders named by :func:`make_scratch`, owned by this user (or, as root, by a
    worker's user id), not symbolic links.
    """
    root = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        found = _NAME.match(entry.name)
        if found is None or int(found.group(2)) == os.getpid() or _alive(int(found.group(2))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or not _ours(info.st_uid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
