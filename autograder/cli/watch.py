"""``dlfs-grade chapter3 --watch``: grade, then regrade on every save what the save changed.

The grader's process stays up between saves, so its fork servers stay warm (NumPy and the
reference imported once); a save regrades only the exercises whose code changed
(:mod:`dlfs.autograder.fingerprint`), and the table is drawn again in place with every
exercise's latest result. The files are watched with ``watchfiles`` (the kernel's file events,
not a polling loop). Ctrl-C ends it; the fork servers and the workers' folders go with it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.text import Text
from watchfiles import Change
from watchfiles import watch as file_events

from ..api import resolve_workspace
from ..course import load_course
from ..fingerprint import fingerprints
from ..results import ExerciseResult, GradeReport

__all__ = ["watch"]

GradeFunction = Callable[[list[str]], GradeReport]
"""Grades exercise ids (or, for the first run, the targets typed) and returns the report."""


def watch(
    console: Console,
    targets: list[str],
    grade: GradeFunction,
    render: Callable[[GradeReport], None],
    stop: threading.Event | None = None,
) -> None:
    """Grade ``targets``, draw the table, then regrade changed exercises on every save.

    Args:
        console: where the table is drawn (cleared between drawings on a terminal).
        targets: what was typed (chapters, exercise ids, ``all``).
        grade: grades a list of targets and returns the report (records progress too).
        render: prints a report (the same table as without ``--watch``).
        stop: set it to end the loop (tests); Ctrl-C ends it too.
    """
    report = grade(targets)
    workspace = Path(report.workspace or resolve_workspace())
    course = load_course()
    exercises = [course.exercise(result.id) for result in report.exercises]
    latest = {result.id: result for result in report.exercises}
    seen = fingerprints(exercises, workspace, course.exercises)
    _draw(console, report, render, workspace, "")
    for changes in file_events(workspace, stop_event=stop, watch_filter=_python_files):
        start = time.monotonic()
        now = fingerprints(exercises, workspace, course.exercises)
        changed = [e.id for e in exercises if now[e.id] != seen[e.id]]
        seen = now
        if not changed:
            continue
        regraded = grade(changed)
        latest.update({result.id: result for result in regraded.exercises})
        merged = _merged(report, latest, time.monotonic() - start)
        names = sorted({Path(path).name for kind, path in changes if kind != Change.deleted})
        _draw(console, merged, render, workspace, _saved(names, changed))


def _python_files(change: object, path: str) -> bool:
    return path.endswith(".py") and "__pycache__" not in path


def _merged(first: GradeReport, latest: dict[str, ExerciseResult], seconds: float) -> GradeReport:
    """The first report's exercises, in order, each at its latest result."""
    results = [latest[result.id] for result in first.exercises]
    merged = GradeReport.from_exercises(first.target, results, seconds, first.seed)
    merged.workspace = first.workspace
    return merged


def _saved(names: Iterable[str], regraded: list[str]) -> str:
    files = ", ".join(names) or "a file"
    which = ", ".join(regraded)
    return f"{time.strftime('%H:%M:%S')} saved {files}: regraded {which}"


def _draw(
    console: Console,
    report: GradeReport,
    render: Callable[[GradeReport], None],
    workspace: Path,
    event: str,
) -> None:
    if console.is_terminal:
        console.clear()
    render(report)
    if event:
        console.print(Text(event, style="bold"))
    console.print(
        Text(f"watching {workspace} for saves; Ctrl-C to stop", style="dim"), soft_wrap=True
    )
