"""``dlfs-grade grade TARGET`` (or just ``dlfs-grade TARGET``): grade exercises.

A thin layer: parse the options, call ``dlfs.autograder.api.grade``, print the report (a
coloured table on a terminal, plain text elsewhere, JSON with ``--json``) and exit 0 only
when every exercise graded passed.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from ..results import ExerciseResult, GradeReport

__all__ = ["grade"]

_STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "red",
    "timeout": "yellow",
    "not_started": "dim",
}
_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "timeout": "timeout",
    "not_started": "not started",
}


@click.command("grade")
@click.argument("target", default="all")
@click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    help="The workspace to grade (default: ./exercises, else the installed exercises).",
)
@click.option("--reference", is_flag=True, help="Grade the reference itself.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("-v", "--verbose", is_flag=True, help="Show every check and what your code printed.")
@click.option("--no-record", is_flag=True, help="Do not record this attempt in your progress.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Exercises graded at the same time.",
)
def grade(
    target: str,
    path: Path | None,
    reference: bool,
    as_json: bool,
    verbose: bool,
    no_record: bool,
    jobs: int,
) -> None:
    """Grade TARGET: a chapter (chapter5), an exercise id (chapter5.conv_forward) or all."""
    from ..api import grade as run_grade
    from ..course import CourseError

    console = _console()
    live = _LiveProgress(console) if console is not None and not as_json else None
    try:
        report = run_grade(
            target,
            path=path,
            reference=reference,
            record=not no_record,
            on_event=live.handle if live else None,
            jobs=jobs,
        )
    except (ValueError, CourseError) as error:
        raise click.UsageError(str(error)) from None
    finally:
        if live:
            live.stop()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    elif console is not None:
        _render_rich(console, report, verbose)
    else:
        click.echo(_render_plain(report, verbose))
    sys.exit(0 if report.passed else 1)


def _console() -> Any:
    """A rich console when stdout is a terminal that can show colour, else None."""
    try:
        from rich.console import Console
    except ImportError:  # pragma: no cover - rich is a dependency
        return None
    console = Console()
    if not console.is_terminal or console.is_dumb_terminal:
        return None
    return console


class _LiveProgress:
    """A line per exercise being graded; a progress bar while a training check runs.

    Events may come from several threads (``--jobs``); a lock keeps the display consistent.
    """

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.started = False

    def handle(self, event: str, info: dict[str, Any]) -> None:
        with self.lock:
            if not self.started:
                self.progress.start()
                self.started = True
            exercise = info["id"]
            if event == "exercise":
                self.tasks[exercise] = self.progress.add_task(f"grading {exercise}", total=None)
            elif event == "result":
                task = self.tasks.pop(exercise, None)
                if task is not None:
                    self.progress.remove_task(task)
            elif event == "check" and exercise in self.tasks:
                description = f"{exercise}: {info['name']}"
                budget = info.get("budget")
                if info.get("kind") == "training" and budget:
                    self.progress.update(
                        self.tasks[exercise],
                        description=f"{description} (training)",
                        total=float(budget),
                        completed=min(float(info["elapsed"]), float(budget)),
                    )
                else:
                    self.progress.update(self.tasks[exercise], description=description)

    def stop(self) -> None:
        with self.lock:
            if self.started:
                self.progress.stop()


def _score(value: float) -> str:
    return f"{value:g}"


def _render_rich(console: Any, report: GradeReport, verbose: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"dlfs-grade {report.target}", title_justify="left")
    table.add_column("exercise", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("message", overflow="fold")
    for result in report.exercises:
        style = _STYLE[result.status]
        table.add_row(
            result.id,
            Text(_LABEL[result.status], style=style),
            f"{_score(result.score)}/{_score(result.max_score)}",
            result.message,
        )
        if verbose:
            for check in result.checks:
                mark = Text("✓" if check.passed else "✗", style="green" if check.passed else "red")
                if check.skipped:  # a hidden check where the reference is not installed
                    mark = Text("–", style="dim")
                table.add_row(
                    Text(f"  {check.name}", style="dim"),
                    mark,
                    f"{_score(check.score)}/{_score(check.max_score)}",
                    check.message,
                )
    console.print(table)
    if verbose:
        for result in report.exercises:
            if result.output.strip():
                console.print(f"[bold]{result.id}[/bold] printed:")
                console.print(Text(result.output.rstrip()))
    style = "green" if report.passed else "red"
    console.print(
        f"[{style}]{_score(report.score)}/{_score(report.max_score)} points[/{style}]"
        f" in {report.seconds:.1f} s"
    )


def _render_plain(report: GradeReport, verbose: bool) -> str:
    lines = [f"dlfs-grade {report.target}"]
    width = max((len(r.id) for r in report.exercises), default=10)
    for result in report.exercises:
        lines.append(_plain_row(result, width))
        if verbose:
            for check in result.checks:
                mark = "skip" if check.skipped else "ok  " if check.passed else "FAIL"
                points = f"{_score(check.score)}/{_score(check.max_score)}"
                text = f"    {mark} {check.name} {points}"
                lines.append(f"{text}  {check.message}" if check.message else text)
            if result.output.strip():
                lines.append("    printed:")
                lines.extend(f"      {line}" for line in result.output.rstrip().splitlines())
    lines.append(
        f"{_score(report.score)}/{_score(report.max_score)} points in {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def _plain_row(result: ExerciseResult, width: int) -> str:
    points = f"{_score(result.score)}/{_score(result.max_score)}"
    row = f"{result.id:<{width}}  {_LABEL[result.status]:<11}  {points:>7}"
    return f"{row}  {result.message}" if result.message else row
