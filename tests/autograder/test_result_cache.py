"""A class's kept results (``classroom.cache``): what a submission's key covers, and that a
submission changed while it is graded is kept under what was graded."""

from __future__ import annotations

from pathlib import Path

from dlfs.autograder.classroom.cache import ResultCache, submission_digest
from dlfs.autograder.classroom.identity import RunIdentity

RUN = RunIdentity("course", "0.1.0", "chapter3", 7)


def _workspace(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "activations.py").write_text("x = 1\n")
    (root / "sub" / "notes.txt").write_text("mine\n")
    return root


def test_the_digest_covers_every_file_but_byte_code_and_version_control(tmp_path):
    workspace = _workspace(tmp_path / "student")
    before = submission_digest(workspace)
    for skipped in ("__pycache__/a.pyc", ".git/objects/ab", "sub/.ipynb_checkpoints/x.py"):
        (workspace / skipped).parent.mkdir(parents=True, exist_ok=True)
        (workspace / skipped).write_text("anything")
    assert submission_digest(workspace) == before
    (workspace / "sub" / "notes.txt").write_text("changed\n")
    changed = submission_digest(workspace)
    assert changed != before
    (workspace / "sub" / "notes.txt").rename(workspace / "sub" / "renamed.txt")
    assert submission_digest(workspace) not in (before, changed)  # names count, not bytes only


def test_a_submission_changed_while_graded_is_kept_under_what_was_graded(tmp_path):
    workspace = _workspace(tmp_path / "student")
    cache = ResultCache(tmp_path / "cache", RUN)
    graded = cache.key(workspace)  # asked before grading (``get``)
    (workspace / "activations.py").write_text("x = 2\n")  # the student pushes meanwhile
    assert cache.key(workspace) == graded  # ``put`` keeps the grade under what was graded
    assert ResultCache(tmp_path / "cache", RUN).key(workspace) != graded  # the next run regrades


def test_an_unreadable_submission_has_no_key(tmp_path):
    assert ResultCache(tmp_path / "cache", RUN).key(tmp_path / "missing") is None
