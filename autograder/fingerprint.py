"""What an exercise's grade depends on in the learner's files, as one digest per exercise.

``dlfs-grade --watch`` regrades, on every save, only the exercises whose digest changed. An
exercise's digest covers the syntax tree (not the comments or the layout) of every file that
holds one of its targets, with the bodies of the *other* exercises' targets left out: editing
``sigmoid`` regrades ``chapter1.sigmoid`` and not ``chapter1.leaky_relu`` beside it, while a
helper or a constant at module level, which any body of the file may use, regrades them all.
A file that does not parse gives a digest of its text, so the syntax error is graded (and
shown) at once.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from pathlib import Path

from .course import Exercise
from .course.targets import find_definition
from .sandbox.splice import parse_target, target_path

__all__ = ["fingerprints"]


def fingerprints(
    exercises: Iterable[Exercise], workspace: Path, every: Iterable[Exercise] = ()
) -> dict[str, str]:
    """``{exercise id: digest}`` of what each exercise's grade depends on in ``workspace``.

    Args:
        exercises: the exercises to fingerprint.
        workspace: the learner's folder.
        every: every exercise of the course (default: ``exercises``): their targets are the
            bodies left out of each other's digests.
    """
    exercises = list(exercises)
    targets_by_file: dict[Path, set[str]] = {}
    for exercise in [*exercises, *every]:
        for target in map(str, exercise.targets):
            targets_by_file.setdefault(target_path(workspace, target), set()).add(target)
    texts = {path: _read(path) for path in targets_by_file}
    digests = {}
    for exercise in exercises:
        digest = hashlib.sha256()
        own = {str(t) for t in exercise.targets}
        for path in sorted({target_path(workspace, t) for t in own}):
            others = targets_by_file[path] - own
            digest.update(str(path).encode() + b"\0" + _without(texts[path], others) + b"\0")
        digests[exercise.id] = digest.hexdigest()
    return digests


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _without(text: str | None, targets: set[str]) -> bytes:
    """The file's syntax tree with the bodies of ``targets`` emptied, as bytes."""
    if text is None:
        return b"<unreadable>"
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text.encode("utf-8")
    for target in targets:
        node = find_definition(tree, parse_target(target)[1])
        if node is not None:
            node.body = [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode("utf-8")
