"""The cache directory and what is in it: where files go, and whether they are intact.

The directory is ``DLFS_DATA_DIR`` if set, else the platform's user cache directory
(``~/.cache/dlfs/datasets`` on Linux). A file counts as present only if its size and
SHA-256 are the registry's; the result of hashing a file is remembered for the process
(keyed by its path, size and modification time) so repeated loads do not hash again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from .registry import Dataset, FileSpec, get_dataset

__all__ = [
    "DatasetStatus",
    "FileStatus",
    "data_dir",
    "dataset_status",
    "file_sha256",
    "file_status",
]

Status = Literal["verified", "missing", "corrupt", "unreadable"]

_CHUNK = 1 << 20
# (path, size, mtime_ns, inode) -> sha256 of the files hashed in this process.
_HASHES: dict[tuple[str, int, int, int], str] = {}


def data_dir(directory: str | Path | None = None) -> Path:
    """Where the data sets live: ``directory``, else ``DLFS_DATA_DIR``, else the user cache.

    The directory is not created here (downloading creates it).
    """
    if directory is not None:
        return Path(directory).expanduser()
    env = os.environ.get("DLFS_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_cache_path("dlfs", appauthor=False) / "datasets"


def file_sha256(path: str | Path, use_memo: bool = True) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (hex, lower case).

    With ``use_memo`` a file unchanged since it was last hashed in this process (same
    size, modification time, inode and status-change time) is not read again. The last
    one is what catches an edit whose size and modification time were put back: nobody can
    set a file's status-change time (any write or ``utime`` moves it).
    """
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
    if use_memo and key in _HASHES:
        return _HASHES[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


@dataclass(frozen=True)
class FileStatus:
    """One file of a data set as found on disk.

    Attributes:
        path: the registry path (relative to the data directory).
        location: the absolute path where it belongs.
        expected_size: the registry's size in bytes.
        size: its size on disk (``None`` if missing).
        status: ``"verified"``, ``"missing"``, ``"corrupt"`` (wrong size or SHA-256, or not
            a file at all: a folder where the file belongs) or ``"unreadable"`` (no
            permission to read it, or an I/O error).
        sha256: the registry's SHA-256.
        urls: the registry's public URLs for it.
    """

    path: str
    location: Path
    expected_size: int
    size: int | None
    status: Status
    sha256: str = ""
    urls: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        out = asdict(self)
        out["location"] = str(self.location)
        out["urls"] = list(self.urls)
        return out


def file_status(spec: FileSpec, directory: Path, use_memo: bool = True) -> FileStatus:
    """Check one file: present, right size, right SHA-256.

    A file of the wrong size is corrupt without being hashed.
    """
    location = directory / spec.path
    facts = {"sha256": spec.sha256, "urls": spec.urls}
    if not location.exists() and not location.is_symlink():
        return FileStatus(spec.path, location, spec.size, None, "missing", **facts)
    if not location.is_file():  # a folder (or a dangling link) where the file belongs
        return FileStatus(spec.path, location, spec.size, None, "corrupt", **facts)
    try:
        size = location.stat().st_size
        if size != spec.size or file_sha256(location, use_memo) != spec.sha256:
            return FileStatus(spec.path, location, spec.size, size, "corrupt", **facts)
    except OSError:
        return FileStatus(spec.path, location, spec.size, None, "unreadable", **facts)
    return FileStatus(spec.path, location, spec.size, size, "verified", **facts)


@dataclass(frozen=True)
class DatasetStatus:
    """What the cache holds of one data set.

    Attributes:
        name: the data set's name.
        title: its human-readable name.
        directory: the data directory checked.
        files: one status per file, in registry order.
        license: the licence.
        citation: what to cite.
        note: a warning users must see (Boston's race-based feature), else empty.
    """

    name: str
    title: str
    directory: Path
    files: tuple[FileStatus, ...]
    license: str
    citation: str
    note: str = ""

    @property
    def size(self) -> int:
        """The registry's total size in bytes."""
        return sum(f.expected_size for f in self.files)

    @property
    def status(self) -> str:
        """``"verified"`` (all), ``"corrupt"`` or ``"unreadable"`` (any), ``"missing"`` (all)
        or ``"partial"``."""
        states = {f.status for f in self.files}
        if states == {"verified"}:
            return "verified"
        if "corrupt" in states:
            return "corrupt"
        if "unreadable" in states:
            return "unreadable"
        if states == {"missing"}:
            return "missing"
        return "partial"

    @property
    def ok(self) -> bool:
        """Whether every file is present and verified."""
        return self.status == "verified"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "title": self.title,
            "directory": str(self.directory),
            "status": self.status,
            "size": self.size,
            "files": [f.to_dict() for f in self.files],
            "license": self.license,
            "citation": self.citation,
            "note": self.note,
        }


def dataset_status(
    name: str | Dataset, directory: str | Path | None = None, use_memo: bool = True
) -> DatasetStatus:
    """Check every file of a data set in the data directory (nothing is downloaded)."""
    dataset = get_dataset(name)
    root = data_dir(directory)
    files = tuple(file_status(spec, root, use_memo) for spec in dataset.files)
    return DatasetStatus(
        dataset.name,
        dataset.title,
        root,
        files,
        dataset.license,
        dataset.citation,
        dataset.note,
    )
