"""Where things live: the reference, the learner's exercises, and dlfs's own data directory."""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

import platformdirs

__all__ = [
    "WORKSPACE_MARKER",
    "data_dir",
    "exercises_root",
    "is_workspace",
    "package_root",
    "reference_root",
]

WORKSPACE_MARKER = "dlfs-workspace.toml"
"""The file that marks a folder as a dlfs exercises workspace (``dlfs-grade build`` writes
it): ``dlfs-grade`` grades ``./exercises`` only when it holds one."""


def package_root(name: str) -> Path:
    """The folder of the ``dlfs.<name>`` package, found without importing it.

    Raises:
        ValueError: if no such package is installed.
    """
    spec = find_spec(f"dlfs.{name}")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"no package dlfs.{name} is installed, got name={name!r}")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` is marked as a dlfs exercises workspace."""
    return (folder / WORKSPACE_MARKER).is_file()


def reference_root() -> Path:
    """The answer key's folder (``reference/`` in a clone)."""
    return package_root("reference")


def exercises_root() -> Path:
    """The folder of the stubs the learner edits (``exercises/`` in a clone)."""
    return package_root("exercises")


def data_dir() -> Path:
    """dlfs's own data (progress, backups): ``$DLFS_HOME``, else the platform's user data dir.

    The folder is not created here; whoever writes into it does.
    """
    env = os.environ.get("DLFS_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("dlfs", appauthor=False))
