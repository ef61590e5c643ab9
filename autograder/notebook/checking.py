"""Grade an exercise from a notebook: ``check("chapter1.sigmoid")`` under the learner's cell.

>>> from dlfs.autograder.notebook import check
>>> check("chapter3.sigmoid_forward")     # prints the feedback, returns the points earned
1.0

The check reads the learner's code from the cells the kernel ran (IPython's input history),
writes the exercise's targets into a temporary folder laid out like ``exercises/`` and calls
:func:`dlfs.autograder.api.grade` on it — the same sandbox and the same checks as
``dlfs-grade``. Hidden checks (``hidden = true`` in course.toml) run only with
``hidden=True`` (the instructor's grading); their results are shown as passed or failed,
never with the values they expected.

Inside nbgrader's ``autograde`` (``NBGRADER_EXECUTION=autograde``) the kernel runs the
learner's code, so its answer cannot be trusted: there ``check`` scores 0 and the dlfs
preprocessor (:mod:`dlfs.autograder.notebook.preprocessors`) grades each test cell again
outside the kernel and replaces its output.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import tempfile
import textwrap
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..api import grade
from ..course import Course, Exercise, load_course
from ..grading import GradingSession
from ..grading.expected import reference_available
from ..paths import exercises_root
from ..results import CheckResult, ExerciseResult, GradeReport
from .display import Points, feedback_html, show
from .source import CellDefinitions, collect_definitions
from .workspace import Origin, write_workspace

__all__ = ["check", "format_feedback", "grade_cells"]

_AUTOGRADE_NOTE = (
    "graded outside the notebook by the dlfs nbgrader preprocessor; if this note reaches "
    "your feedback, the course's nbgrader_config.py lacks it (run `dlfs-grade publish`)"
)


def _visible_course(course: Course, exercise: Exercise) -> Course:
    """``course`` with ``exercise``'s hidden checks left out (and its points reduced)."""
    checks = tuple(c for c in exercise.checks if not c.hidden)
    trimmed = replace(exercise, checks=checks, points=sum(c.points for c in checks))
    chapters = tuple(
        replace(ch, exercises=tuple(trimmed if e.id == exercise.id else e for e in ch.exercises))
        for ch in course.chapters
    )
    return replace(course, chapters=chapters)


def grade_cells(
    exercise_id: str,
    cells: Iterable[str],
    hidden: bool = False,
    record: bool = False,
    course: Course | None = None,
    session: GradingSession | None = None,
    labels: Sequence[str] | None = None,
) -> GradeReport:
    """Grade one exercise with the learner's code taken from ``cells`` (in the order they ran).

    Args:
        exercise_id: e.g. ``chapter3.sigmoid_forward``.
        cells: the source of each cell run, oldest first.
        hidden: also run the exercise's hidden checks (the instructor's grading).
        record: record the attempt in the learner's progress store.
        course: by default :func:`~dlfs.autograder.course.load_course` (the session's when
            one is given).
        session: the run to grade in (the instructor's grading of a notebook: one seed for
            all its cells, fresh inputs); by default one of its own with the learner's
            stable inputs. A session grades the hidden checks its course has.
        labels: each cell's name where a message points at it (``In[7]``; default
            ``cell N``).
    Returns:
        The report of that one exercise; learner code never makes this raise. Its messages
        point at the cells' own lines (and at the learner's package's files), never at the
        temporary files graded.
    Raises:
        ValueError: for an unknown exercise id, or a session without ``hidden``.
    """
    if session is not None and not hidden:
        raise ValueError("a session grades hidden checks: give hidden=True with it")
    course = session.course if session is not None else course or load_course()
    exercise = course.exercise(exercise_id)
    if not hidden:
        course = _visible_course(course, exercise)
        exercise = course.exercise(exercise_id)
    found = collect_definitions(cells, labels)
    with tempfile.TemporaryDirectory(prefix="dlfs-notebook-") as folder:
        base = None if reference_available() else exercises_root()
        workspace = Path(folder) / "exercises"
        written = write_workspace(found, exercise, workspace, base, _pieces(course))
        if written.missing:
            message = "; ".join(written.missing.values())
            return GradeReport.from_exercises(exercise.id, [_not_graded(exercise, message)])
        where_graded = {"session": session} if session is not None else {"course": course}
        report = grade(exercise.id, path=workspace, record=record, label="notebook", **where_graded)
    where = _Locations(report.workspace, written.origins, found, base)
    for result in report.exercises:  # the temporary file's lines mean nothing in a notebook
        result.message = where.said(result.message)
        for one in result.checks:
            one.message = where.said(one.message)
        if result.status == "not_started":
            names = ", ".join(t.qualname for t in exercise.targets)
            result.message = f"not started: write the body of {names} in its cell"
    return report


def _pieces(course: Course) -> dict[str, set[str]]:
    """``{module: the top-level names its exercises' targets are in}``."""
    pieces: dict[str, set[str]] = {}
    for target in (t for e in course.exercises for t in e.targets):
        pieces.setdefault(target.module, set()).add(target.qualname.split(".")[0])
    return pieces


class _Locations:
    """The temporary files' locations in messages, told as the notebook's: a cell and its
    line (``cell In[7], line 3``), or the learner's package's file and line."""

    def __init__(
        self,
        workspace: str,
        origins: Mapping[str, Mapping[int, Origin]],
        found: CellDefinitions,
        base: Path | None,
    ) -> None:
        root = re.escape(workspace.rstrip(os.sep) + os.sep)
        self.pattern = re.compile(rf"{root}(?P<file>[\w./-]+?\.py)(?::(?P<line>\d+))?")
        self.origins, self.found, self.base = origins, found, base

    def said(self, message: str) -> str:
        return self.pattern.sub(self._one, message)

    def _one(self, match: re.Match[str]) -> str:
        file, line = match["file"], match["line"]
        origin = self.origins.get(file, {}).get(int(line)) if line else None
        if origin is not None and origin[0] == "cell":
            return f"cell {self.found.label(origin[1])}, line {origin[2]}"
        if self.base is not None:  # the learner's own package file, at its own line
            at = origin[1] if origin is not None else (int(line) if line else None)
            return str(self.base / file) + (f":{at}" if at else "")
        return f"the notebook's {file.removesuffix('.py')} code"


def _not_graded(exercise: Exercise, message: str) -> ExerciseResult:
    """An ``error`` result with every check at 0 (the code could not be found)."""
    checks = [
        CheckResult(c.label, c.kind, 0.0, float(c.points), False, message, c.hidden, id=c.check_id)
        for c in exercise.checks
    ]
    return ExerciseResult(exercise.id, 0.0, float(exercise.points), "error", message, checks)


def _score(value: float) -> str:
    return f"{value:g}"


def _check_line(check: CheckResult, show_hidden: bool, shared: str | None) -> str:
    mark = "ok  " if check.passed else "FAIL"
    points = f"{_score(check.score)}/{_score(check.max_score)}"
    if check.hidden and not show_hidden:
        return f"    {mark} hidden check {points}"
    text = f"    {mark} {check.name} {points}"
    message = "" if check.message == shared else check.message
    return f"{text}  {message}" if message else text


_WIDTH = 96  # nbgrader's feedback shows text in a box that does not wrap: wrap it here


def _wrapped(line: str) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.wrap(line, _WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]


def format_feedback(report: GradeReport, show_hidden: bool = False) -> str:
    """The report as ``dlfs-grade -v`` prints it (each message once, lines wrapped at 96
    columns), hidden checks reduced to passed/failed.

    Args:
        report: a grading report.
        show_hidden: show hidden checks' messages too (instructors only).
    """
    labels = {"not_started": "not started"}
    lines = []
    for result in report.exercises:
        points = f"{_score(result.score)}/{_score(result.max_score)}"
        shared = result.shared_message  # said once, on the exercise's line
        failing = next((c for c in result.checks if not c.passed), None)
        said = shared
        if failing is not None and failing.hidden and not show_hidden:
            said = "a hidden check failed"
        row = f"{result.id}  {labels.get(result.status, result.status)}  {points}"
        lines += _wrapped(f"{row}  {said}" if said else row)
        if result.status != "not_started":
            for check in result.checks:
                lines += _wrapped(_check_line(check, show_hidden, shared))
        if result.output.strip():
            lines.append("    your code printed:")
            lines.extend(f"      {line}" for line in result.output.rstrip().splitlines())
    lines.append(f"{_score(report.score)}/{_score(report.max_score)} points")
    return "\n".join(lines)


def _history(namespace: Mapping[str, Any]) -> list[str] | None:
    """The kernel's input history (``In``), when running under IPython."""
    history = namespace.get("In")
    if isinstance(history, list) and all(isinstance(c, str) for c in history):
        return list(history)
    return None


def _from_objects(exercise: Exercise, namespace: Mapping[str, Any]) -> list[str]:
    """Cells rebuilt from the live functions, for plain Python (no input history)."""
    cells = []
    for target in exercise.targets:
        top, *rest = target.qualname.split(".")
        obj: Any = namespace.get(top)
        for part in rest:
            obj = inspect.getattr_static(obj, part, None)
        if isinstance(obj, staticmethod | classmethod):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        try:
            source = textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            continue
        for owner in reversed(target.qualname.split(".")[:-1]):
            source = f"class {owner}:\n" + textwrap.indent(source, "    ")
        cells.append(source)
    return cells


def check(
    exercise_id: str,
    namespace: Mapping[str, Any] | None = None,
    hidden: bool | None = None,
    record: bool | None = None,
) -> float:
    """Grade one exercise from the notebook, show the feedback, return the points earned.

    In Jupyter the feedback is a coloured table (HTML), elsewhere text; the points are a
    float that Jupyter does not echo under it.

    Args:
        exercise_id: e.g. ``chapter3.sigmoid_forward``.
        namespace: where the learner's code ran (default: the caller's globals — in a
            notebook, the kernel's; its ``In`` history gives the cells' source).
        hidden: also run hidden checks; by default they run where the answer key is
            installed, as ``dlfs-grade`` runs them, so that both give the same grade.
        record: record the attempt in the progress store (default: yes, except under
            nbgrader and when ``hidden`` is asked for: the instructor's grading).
    Returns:
        The points earned — the last expression of an nbgrader test cell is its score.
    Raises:
        ValueError: for an unknown exercise id.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        print(f"{exercise_id}: {_AUTOGRADE_NOTE}")
        return Points(0.0)
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    course = load_course()
    exercise = course.exercise(exercise_id)
    cells = _history(namespace)
    labels = [f"In[{n}]" for n in range(len(cells))] if cells is not None else None
    if cells is None:
        cells = _from_objects(exercise, namespace)
    if record is None:
        record = not hidden and "NBGRADER_EXECUTION" not in os.environ
    run_hidden = reference_available() if hidden is None else hidden
    with warnings.catch_warnings():  # nbgrader scores a cell that writes to stderr 0
        warnings.simplefilter("ignore")
        report = grade_cells(
            exercise_id, cells, hidden=run_hidden, record=record, course=course, labels=labels
        )
    hidden_checks = [c for c in exercise.checks if c.hidden]
    note = ""
    if hidden_checks and not run_hidden:
        points = sum(c.points for c in hidden_checks)
        count = len(hidden_checks)
        note = (
            f"+ {count} hidden check{'s' if count > 1 else ''}, {points:g} "
            f"point{'s' if points != 1 else ''}, run when graded"
        )
    text = format_feedback(report, show_hidden=False) + (f"\n{note}" if note else "")
    show(text, feedback_html(report, note))
    return Points(report.score)
