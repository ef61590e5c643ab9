"""The data sets' exceptions and warnings: each message says what failed and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ChecksumError",
    "CorruptFileWarning",
    "DatasetError",
    "DatasetNotAvailableError",
    "DownloadError",
    "IDXFormatError",
]


class DatasetError(Exception):
    """Base class of every error raised by ``dlfs.datasets``."""


class IDXFormatError(DatasetError, ValueError):
    """An IDX file whose magic number, header or length is not what the format requires."""


class ChecksumError(DatasetError):
    """A file whose size or SHA-256 differs from the registry's.

    Attributes:
        path: the file checked.
        expected: the registry's SHA-256.
        actual: the file's SHA-256 (or a description such as ``"9 bytes, expected 12"``).
    """

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        self.path = Path(path)
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{self.path}: checksum mismatch, expected sha256 {expected}, got {actual}"
        )


class DownloadError(DatasetError):
    """Every URL of one file failed.

    Attributes:
        path: the file's registry path.
        reasons: one line per URL tried, saying what went wrong.
    """

    def __init__(self, path: str, reasons: Sequence[str]) -> None:
        self.path = path
        self.reasons = list(reasons)
        super().__init__(f"could not download {path}: " + "; ".join(self.reasons))


class DatasetNotAvailableError(DatasetError):
    """Files of a data set are missing (or corrupt) and could not be downloaded.

    Attributes:
        dataset: the data set's name, e.g. ``"mnist"``.
        missing: the files' paths relative to ``directory``.
        directory: the data directory the files belong in.
        reasons: what went wrong with each URL tried (empty when nothing was tried).
    """

    def __init__(
        self,
        dataset: str,
        missing: Sequence[str],
        directory: Path,
        urls: Sequence[str] = (),
        reasons: Sequence[str] = (),
    ) -> None:
        self.dataset = dataset
        self.missing = list(missing)
        self.directory = Path(directory)
        self.reasons = list(reasons)
        lines = [
            f"The data set {dataset!r} is not available: "
            f"{len(self.missing)} file(s) missing or corrupt in {self.directory}:",
            *(f"  - {name}" for name in self.missing),
        ]
        if self.reasons:
            lines.append("Downloading failed (is this machine offline?):")
            lines.extend(f"  - {reason}" for reason in self.reasons)
        lines.append(
            "To place the files by hand: on a machine with internet access, download them"
            + (":" if urls else " (see `dlfs-grade data list --json`),")
        )
        lines.extend(f"  {url}" for url in urls)
        lines.append(
            f"then copy them into {self.directory} under the names listed above (keeping the "
            "sub-folders), or set DLFS_DATA_DIR to a folder that holds them, and check them "
            "with `dlfs-grade data verify`."
        )
        super().__init__("\n".join(lines))


class CorruptFileWarning(UserWarning):
    """A cached file failed its checksum; it is downloaded again."""
