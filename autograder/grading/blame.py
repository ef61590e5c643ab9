"""Whose code was it? A timeout or an error in another exercise's code says so.

Without the answer key (the students' copy), an exercise runs with the learner's own other
exercises: a check of ``train_epoch`` may time out inside a broken ``generate_batches``.
:func:`other_exercise` finds the exercise a location of the learner's files belongs to, so
that the message can say which exercise to fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..course import Course, Exercise, Target

__all__ = ["blame_other", "other_exercise"]

_LOCATION = re.compile(r"(/[^\s:()]+\.py):(\d+)")


def other_exercise(
    path: str, line: int, workspace: Path, exercise: Exercise, course: Course
) -> Exercise | None:
    """The exercise, other than ``exercise``, whose function holds ``path:line`` (None: the
    line is this exercise's, or no exercise's)."""
    try:
        relative = Path(path).relative_to(workspace)
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (ValueError, OSError, SyntaxError, UnicodeDecodeError):
        return None
    qualname = _enclosing(tree.body, line, "")
    if qualname is None:
        return None
    module = ".".join(relative.with_suffix("").parts)
    owner = course.exercise_for(Target(module, qualname))
    return owner if owner is not None and owner.id != exercise.id else None


def _enclosing(body: list[ast.stmt], line: int, prefix: str) -> str | None:
    for node in body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            name = f"{prefix}{node.name}"
            if isinstance(node, ast.ClassDef):
                return _enclosing(node.body, line, f"{name}.")
            return name
    return None


def blame_other(message: str, workspace: Path, exercise: Exercise, course: Course) -> str:
    """``message`` with, when its last location lies in another exercise's code, which
    exercise to fix first."""
    locations = _LOCATION.findall(message)
    if not locations:
        return message
    path, line = locations[-1]
    owner = other_exercise(path, int(line), workspace, exercise, course)
    if owner is None:
        return message
    return (
        f"{message} — that line is {owner.id}'s code, which this check runs: fix "
        f"{owner.id} first (at the instructor's, each exercise is graded on its own)"
    )
