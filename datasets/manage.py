"""What ``dlfs-grade data`` does, as plain functions returning dataclasses.

``list_datasets`` reports the cache, ``fetch_datasets`` downloads what is missing or corrupt,
``verify_datasets`` hashes every cached file again. None of them prints.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import DatasetStatus, dataset_status
from .download import DEFAULT_TIMEOUT, FetchResult, ensure_files
from .errors import CorruptFileWarning, DatasetNotAvailableError
from .registry import dataset_names, get_dataset

__all__ = ["FetchReport", "fetch_datasets", "list_datasets", "resolve_names", "verify_datasets"]


def resolve_names(names: str | Sequence[str] | None) -> list[str]:
    """Registry names for ``names``: ``None`` or ``"all"`` means every data set.

    Raises:
        ValueError: an unknown name (quoted).
    """
    if names is None or names == "all":
        return dataset_names()
    if isinstance(names, str):
        names = [names]
    if "all" in names:
        return dataset_names()
    return [get_dataset(name).name for name in names]


@dataclass(frozen=True)
class FetchReport:
    """The outcome of fetching one data set.

    Attributes:
        name: the data set.
        files: what happened to each file (empty when it failed).
        error: the error message if some files could not be had, else ``None``.
        warnings: corrupt files found on the way (they were fetched again).
    """

    name: str
    files: tuple[FetchResult, ...]
    error: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every file is now in place and verified."""
        return self.error is None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "ok": self.ok,
            "files": [f.to_dict() for f in self.files],
            "error": self.error,
            "warnings": list(self.warnings),
        }


def list_datasets(
    names: str | Sequence[str] | None = None, directory: str | Path | None = None
) -> list[DatasetStatus]:
    """The cache's state for each data set (hashes remembered in this process are reused)."""
    return [dataset_status(name, directory) for name in resolve_names(names)]


def verify_datasets(
    names: str | Sequence[str] | None = None, directory: str | Path | None = None
) -> list[DatasetStatus]:
    """Hash every cached file again, ignoring what this process remembers."""
    return [dataset_status(name, directory, use_memo=False) for name in resolve_names(names)]


def fetch_datasets(
    names: str | Sequence[str] | None = "all",
    directory: str | Path | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool | None = None,
) -> list[FetchReport]:
    """Download and verify each data set's missing or corrupt files.

    A data set that cannot be had does not stop the others: its report carries the error.
    """
    reports = []
    for name in resolve_names(names):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CorruptFileWarning)
            try:
                results = ensure_files(
                    name, directory=directory, mirrors=mirrors, timeout=timeout, progress=progress
                )
                error = None
            except DatasetNotAvailableError as err:
                results, error = [], str(err)
        notes = tuple(str(w.message) for w in caught if issubclass(w.category, CorruptFileWarning))
        reports.append(FetchReport(name, tuple(results), error, notes))
    return reports
