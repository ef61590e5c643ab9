"""Helpers for the tests of grading without the reference: a learner's finished workspace."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from dlfs.autograder.generate.exercises import reset_exercise
from dlfs.autograder.paths import reference_root

__all__ = ["finished_workspace"]


def finished_workspace(folder: Path, unfinished: tuple[str, ...] = ()) -> Path:
    """An exercises package whose every body is written (the answer key's, renamed
    ``dlfs.exercises``), except the exercises in ``unfinished``, which are the stubs again.

    ``DLFS_HOME`` should point at a temporary folder (resetting keeps a backup there).
    """
    shutil.copytree(reference_root(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    for path in folder.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bdlfs\.reference\b", "dlfs.exercises", text), encoding="utf-8")
    for exercise_id in unfinished:
        reset_exercise(exercise_id, folder)
    return folder
