"""The grader's scratch folders in the temporary directory, and sweeping up after dead runs.

Every folder a grading run makes there is named ``dlfs-<kind>-<pid>-…`` with the pid of the
process that made it. A run removes its own folders when it ends, also on SIGTERM and SIGHUP
(the CLI turns them into an ordinary exit); a run killed with SIGKILL cannot, so the next run
removes the folders whose process is gone — only its own user's, only folders of this name.

Libraries leave folders there too: PyTorch makes ``torchinductor_<user>`` when it first
imports ``torch._dynamo`` (the first optimizer step of chapter 7, in the grader and in its
fork server). :func:`library_leftovers` and :func:`sweep_leftovers` remove such a folder
after the run that made it, while it is empty.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .processes import alive
from .uids import RUN_SLOTS, RUNS, WORKER_UID_BASE

__all__ = [
    "library_leftovers",
    "make_scratch",
    "no_leftovers",
    "remove_tree",
    "sweep_leftovers",
    "sweep_stale",
]

_NAME = re.compile(r"dlfs-(grade|data)-(\d+)-")
_LIBRARY_FOLDERS = ("torchinductor_*",)


def make_scratch(kind: str) -> Path:
    """A new folder ``dlfs-<kind>-<pid>-…`` in the temporary directory.

    Raises:
        OSError: it cannot be made (a full or read-only temporary directory).
    """
    return Path(tempfile.mkdtemp(prefix=f"dlfs-{kind}-{os.getpid()}-"))


def _ours(uid: int) -> bool:
    """Made by this user, or (as root) handed to one of its workers' user ids."""
    if uid == os.geteuid():
        return True
    return os.geteuid() == 0 and WORKER_UID_BASE <= uid < WORKER_UID_BASE + RUNS * RUN_SLOTS


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
        if found is None or int(found.group(2)) == os.getpid() or alive(int(found.group(2))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or not _ours(info.st_uid):
            continue
        remove_tree(Path(entry.path))
        removed.append(Path(entry.path))
    return removed


def remove_tree(folder: Path) -> None:
    """Remove ``folder`` and everything in it, never following a link, however deep a worker
    nested its folders (``shutil.rmtree`` recurses once per level: a worker's folder 1,200
    levels deep made it raise RecursionError, and the folder stayed; paths that deep are also
    longer than the kernel takes). Each sub-folder's entries are moved up into ``folder``
    before the sub-folder goes, so that nothing is ever more than two levels down; what
    cannot be removed stays, silently."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        top = os.open(folder, flags)
    except OSError:
        return
    try:
        while _flatten_once(top):
            pass
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _flatten_once(top: int) -> bool:
    """Delete the files of the folder open as ``top``; move each sub-folder's entries up into
    it and remove the sub-folder. Whether a sub-folder was removed (another round is due)."""
    removed = False
    with os.scandir(top) as entries:
        names = [(e.name, _is_folder(e)) for e in entries]
    for name, is_folder in names:
        if not is_folder:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=top)
            continue
        try:
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
        except OSError:
            continue
        try:
            with os.scandir(inner) as entries:
                for entry in list(entries):
                    with contextlib.suppress(OSError):
                        os.rename(entry.name, _free_name(top), src_dir_fd=inner, dst_dir_fd=top)
        finally:
            os.close(inner)
        with contextlib.suppress(OSError):
            os.rmdir(name, dir_fd=top)
            removed = True
    return removed


def _free_name(folder: int) -> str:
    """A name no entry of the folder open as ``folder`` has."""
    while True:
        name = f".removing-{secrets.token_hex(6)}"
        try:
            os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return name
        except OSError:
            return name


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def library_leftovers(folder: Path | None = None) -> set[str]:
    """The libraries' folders in the temporary directory now (for :func:`sweep_leftovers`)."""
    root = Path(folder or tempfile.gettempdir())
    try:
        names = os.listdir(root)
    except OSError:
        return set()
    return {n for n in names if any(fnmatch.fnmatch(n, p) for p in _LIBRARY_FOLDERS)}


def sweep_leftovers(before: set[str], folder: Path | None = None) -> list[Path]:
    """Remove the libraries' folders made since ``before`` (:func:`library_leftovers`) that
    are this user's and hold no file (a library's cache is left alone once it holds one)."""
    root = Path(folder or tempfile.gettempdir())
    removed = []
    for name in sorted(library_leftovers(root) - before):
        path = root / name
        try:
            info = path.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            for inner, _, files in sorted(os.walk(path), key=lambda w: -len(w[0])):
                if files:
                    raise OSError(f"{inner} holds files")
                os.rmdir(inner)
        except OSError:
            continue
        removed.append(path)
    return removed


@contextlib.contextmanager
def no_leftovers() -> Iterator[None]:
    """Remove, on the way out, the libraries' folders made meanwhile (see
    :func:`sweep_leftovers`): nothing of the run is left in the temporary folder."""
    before = library_leftovers()
    try:
        yield
    finally:
        sweep_leftovers(before)
