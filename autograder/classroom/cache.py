"""Regrade only what changed: each student's result, kept under what it depends on.

A student's grade depends on their files, on where they are (messages name the files), on the
course, the grader, the target and the seed (:class:`~.identity.RunIdentity`). The cache keeps
each graded report under a digest of all of these, one JSON file each, so that grading the
class again regrades only the students whose submission (or whose course, grader, target or
seed) changed, and a shard that failed reruns cheaply. ``force`` regrades everyone (and
refreshes what is kept). A report with a grader error is never kept: that is the grader's
fault, to be graded again.

Several shards may share one cache folder (on a cluster's shared file system): each file is
written whole under a temporary name and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from ..results import GradeReport
from .identity import RunIdentity

__all__ = ["ResultCache", "submission_digest", "write_json"]

_SKIP = {"__pycache__", ".git", ".ipynb_checkpoints"}
"""Folders whose content is no part of a submission (byte code, version control)."""


def submission_digest(workspace: Path) -> str:
    """A digest of a submission: its place and every file's path and bytes, in a fixed
    order (byte code and version control left out).

    Raises:
        OSError: when a file cannot be read.
    """
    digest = hashlib.sha256(str(workspace.resolve()).encode() + b"\0")
    files = []  # (relative path, path): the skipped folders never entered
    for folder, folders, names in os.walk(workspace, onerror=_raise):
        folders[:] = [name for name in folders if name not in _SKIP]
        relative = Path(folder).relative_to(workspace)
        for name in names:
            path = os.path.join(folder, name)
            if name not in _SKIP and os.path.isfile(path):
                files.append(((relative / name).as_posix(), path))
    for relative, path in sorted(files):
        digest.update(relative.encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()


def _raise(error: OSError) -> None:
    raise error


class ResultCache:
    """Graded reports kept in ``folder``, for one run's identity.

    Args:
        folder: where the reports are kept (made when first needed).
        run: the course, grader, target and seed of the grading.
        force: keep nothing from before: every lookup misses (what is graded is kept).
    """

    def __init__(self, folder: Path | str, run: RunIdentity, force: bool = False) -> None:
        self.folder = Path(folder)
        self.run = run
        self.force = force
        self._keys: dict[Path, str | None] = {}

    def key(self, workspace: Path) -> str | None:
        """The key of ``workspace``'s result in this run (None when it cannot be read):
        digested once, when first asked (before grading), so that a submission changed while
        it is graded is kept under what was graded, not under what it became."""
        if workspace not in self._keys:
            try:
                content = submission_digest(workspace)
            except OSError:
                self._keys[workspace] = None
            else:
                identity = json.dumps(self.run.to_dict(), sort_keys=True)
                key = hashlib.sha256(f"{content}/{identity}".encode()).hexdigest()
                self._keys[workspace] = key
        return self._keys[workspace]

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, workspace: Path) -> GradeReport | None:
        """``workspace``'s report from an earlier grading of this run, if it is kept."""
        key = self.key(workspace)
        if self.force or key is None:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            return GradeReport.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError):  # missing, or not ours: regrade
            return None

    def put(self, workspace: Path, report: GradeReport) -> bool:
        """Keep ``report`` as ``workspace``'s; False when it is not kept (a grader error, an
        unreadable submission, or a cache folder that cannot be written)."""
        key = self.key(workspace)
        if key is None or any(e.status == "grader_error" for e in report.exercises):
            return False
        try:
            write_json(self._path(key), report.to_record())
        except OSError:
            return False
        return True


def write_json(path: Path, data: object) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place),
    making its folder; readers on other machines never see half a file.

    Raises:
        OSError: when it cannot be written (nothing is left behind).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(json.dumps(data))  # the C encoder: json.dump streams through Python
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path
