"""``dlfs-grade grade TARGET`` (or just ``dlfs-grade TARGET``): grade exercises.

A thin layer: parse the options, call ``dlfs.autograder.api.grade``, print the report (a
coloured table on a terminal, plain text elsewhere, JSON with ``--json``) and exit 0 only
when every exercise graded passed.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column
from rich.text import Text

from ..results import CheckResult, ExerciseResult, GradeReport
from .output import (
    Failure,
    abort,
    check_mark,
    echo_json,
    make_console,
    make_table,
    print_table,
    shown_locations,
    shown_path,
    status_text,
)

__all__ = ["MOST_JOBS", "default_jobs", "grade", "render_report"]

MOST_JOBS = 4
"""The default ``--jobs`` at most: a book has seven chapters, and each slot holds a worker."""


def default_jobs() -> int:
    """One slot per core this process may run on, at most :data:`MOST_JOBS`: the chapters of
    a book run side by side (a single exercise runs alone whatever this says)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MOST_JOBS, cores or 1))


@click.command("grade")
@click.argument("targets", nargs=-1)
@click.option(
    "--path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
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
    help=f"Exercises graded at the same time [default: one per core, at most {MOST_JOBS}].",
)
@click.option(
    "--fresh-seeds",
    is_flag=True,
    help="Draw new check inputs, as an official grade does (the seed is in the report).",
)
@click.option(
    "--seed", type=int, help="Salt the check inputs with this seed (reproduces a report's grade)."
)
@click.option(
    "--require-isolation",
    is_flag=True,
    help="Refuse to grade where workers cannot be isolated from the grader and each other.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep grading: on every save, regrade the exercises whose code changed (Ctrl-C ends).",
)
def grade(
    targets: tuple[str, ...],
    path: Path | None,
    reference: bool,
    as_json: bool,
    verbose: bool,
    no_record: bool,
    jobs: int | None,
    fresh_seeds: bool,
    seed: int | None,
    require_isolation: bool,
    watch: bool,
) -> None:
    """Grade TARGETS: chapters (chapter5, 5, ch5), exercise ids (chapter5.conv_2d) or all.

    Several targets grade them all, in course order (`dlfs-grade chapter 3 chapter4`);
    no target grades the whole book.

    Exit codes: 0 when everything graded passed, 1 when something did not pass (or the
    course file is broken), 2 for a usage error such as an unknown chapter or exercise.
    """
    torch_ahead = _start_servers_ahead(joined_targets(targets) or ["all"], jobs or default_jobs())
    from ..grading import GradingSession, fresh_seed  # start-up time: only when grading

    if fresh_seeds and seed is None:
        seed = fresh_seed()
    if require_isolation:
        from .doctor import refuse_without_isolation  # start-up time: only when asked

        refuse_without_isolation()
    if watch and as_json:
        raise click.UsageError("--watch draws a table for a person; it does not take --json")
    console = make_console()
    options = {"path": path, "reference": reference, "record": not no_record}
    try:
        session = GradingSession(seed=seed, jobs=jobs or default_jobs())  # also for --watch
    except ValueError as error:  # a seed where the reference is not installed
        raise abort(error) from None
    if torch_ahead and (os.cpu_count() or 1) > 1:  # after start-up: it would share its core
        threading.Thread(target=_import_torch, name="dlfs-torch-ahead", daemon=True).start()
    with session:
        graded = _grader(console, as_json, {**options, "session": session})
        if watch:
            _watch(console, joined_targets(targets) or ["all"], graded, verbose)
            return
        report = graded(joined_targets(targets) or ["all"])
    if as_json:
        echo_json(report.to_dict())
    else:
        render_report(console, report, verbose)
    for warning in report.warnings:
        make_console(stderr=True).print(f"warning: {warning}")
    if not report.passed:
        raise Failure()


def _start_servers_ahead(targets: list[str], jobs: int) -> bool:
    """Start the fork servers this grade needs now, in the background, guessed from the
    targets' words (the course is read only after the grader's imports): their half second
    each — and chapter 7's PyTorch, two more — runs on another core meanwhile. A wrong guess
    costs a server started for nothing, never a grade. Returns whether chapter 7 is graded."""
    # start-up time: neither NumPy nor the grader yet, so that the servers start first
    from ..course.model import TORCH_CHAPTERS, canonical_name
    from ..sandbox.servers import prestart

    light, heavy = 0, 0
    for target in targets:
        name = canonical_name(target)
        chapter, dot, _ = name.partition(".")
        if name == "all":
            light, heavy = light + jobs, 1
        elif chapter in TORCH_CHAPTERS:
            heavy = 1
        elif re.fullmatch(r"chapter\d+", chapter):
            light += 1 if dot else jobs
        else:  # a misspelt target: the grade says so, with nothing started for it
            return False
    prestart(min(light, jobs), heavy)
    return bool(heavy)


def _import_torch() -> None:
    """The grader's own PyTorch, imported on a spare core while the fork server starts: a
    failing chapter-7 check traces the reference in the grader, and would wait two seconds
    for it then (a passing run costs no time: the grader only waits for its server)."""
    with contextlib.suppress(Exception):  # without the extra, the grade says so itself
        importlib.import_module("torch")
        from ..sandbox.lazydynamo import install  # start-up time: only where torch is

        install()  # an optimizer's step in a trace then costs no torch._dynamo either


def _grader(
    console: Console, as_json: bool, options: dict[str, Any]
) -> Callable[[list[str]], GradeReport]:
    """A function that grades targets with ``options``, with live progress on a terminal."""
    from ..api import grade as run_grade  # start-up time: the grader only when grading

    def graded(targets: list[str]) -> GradeReport:
        live = _LiveProgress(console) if console.is_terminal and not as_json else None
        try:
            return run_grade(targets, on_event=live.handle if live else None, **options)
        except ValueError as error:  # an unknown target (exit 2) or a broken course.toml (1)
            raise abort(error) from None
        finally:
            if live:
                live.stop()

    return graded


def _watch(
    console: Console, targets: list[str], graded: Callable[[list[str]], GradeReport], verbose: bool
) -> None:
    """``--watch``: grade, then regrade what each save changed, until Ctrl-C."""
    from .watch import watch  # start-up time: the watcher only with --watch

    # Ctrl-C must end it even where the grader was started with SIGINT ignored (a background
    # job of a script, a test runner's worker): Python then installs no handler of its own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        watch(console, targets, graded, lambda report: render_report(console, report, verbose))
    except KeyboardInterrupt:
        console.print("stopped watching")


def joined_targets(words: tuple[str, ...]) -> list[str]:
    """The targets in the words typed: ``chapter 3`` (two words) is one target."""
    targets: list[str] = []
    for word in words:
        if targets and targets[-1].lower() in ("chapter", "ch") and word.isdigit():
            targets[-1] += word
        else:
            targets.append(word)
    return targets


class _LiveProgress:
    """A line per exercise being graded; a progress bar while a training check runs.

    Events may come from several threads (``--jobs``); a lock keeps the display consistent.
    """

    def __init__(self, console: Console) -> None:
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
                self._check(self.tasks[exercise], f"{exercise}: {info['name']}", info)

    def _check(self, task: Any, description: str, info: dict[str, Any]) -> None:
        budget = info.get("budget")
        if info.get("kind") == "training" and budget:
            self.progress.update(
                task,
                description=f"{description} (training)",
                total=float(budget),
                completed=min(float(info["elapsed"]), float(budget)),
            )
        else:
            self.progress.update(task, description=description)

    def stop(self) -> None:
        with self.lock:
            if self.started:
                self.progress.stop()


def _score(value: float) -> str:
    return f"{value:g}"


def _check_rows(result: ExerciseResult) -> list[tuple[CheckResult, str]]:
    """The checks ``-v`` lists under an exercise, each with its message (a message every
    check shares goes on the exercise's row instead; an unstarted one lists none)."""
    if result.status == "not_started":
        return []
    shared = result.shared_message
    return [
        (check, "" if check.message == shared and not check.skipped else check.message)
        for check in result.checks
    ]


def _summary(result: ExerciseResult, checks: list[tuple[CheckResult, str]]) -> str:
    """The exercise's row under ``-v``: what its check rows do not already say."""
    if not checks or result.passed:
        return result.message
    if result.shared_message is not None:
        return result.shared_message
    failed = sum(1 for check, _ in checks if not check.passed and not check.skipped)
    return f"{failed} of {len(checks)} checks did not pass"


def render_report(console: Console, report: GradeReport, verbose: bool = False) -> None:
    """The report as a table: a row per exercise and, with ``verbose``, per check; then
    what the learner's code printed and the total."""
    table = make_table(
        console,
        Column("exercise", no_wrap=True),
        Column("status", no_wrap=True),
        Column("points", justify="right", no_wrap=True),
        Column("message", overflow="fold"),
        title=f"dlfs-grade {report.target}"
        + (f" · {shown_path(report.workspace)}" if report.workspace else ""),
    )
    for result in report.exercises:
        points = f"{_score(result.score)}/{_score(result.max_score)}"
        checks = _check_rows(result) if verbose else []
        summary = _summary(result, checks) if verbose else result.message
        table.add_row(
            result.id,
            status_text(result.status),
            points,
            Text(shown_locations(summary, report.workspace)),  # not markup: "[torch]" stays
        )
        for check, message in checks:
            table.add_row(
                Text(f"  {check.name}", style="dim"),
                check_mark(console, check.passed, check.skipped),
                f"{_score(check.score)}/{_score(check.max_score)}",
                Text(shown_locations(message, report.workspace)),
            )
    print_table(console, table)
    if verbose:
        for result in report.exercises:
            if result.output.strip():
                console.print(f"{result.id} printed:", style="bold")
                console.print(Text(result.output.rstrip()))
    style = "green" if report.passed else "red"
    total = f"{_score(report.score)}/{_score(report.max_score)} points"
    console.print(Text(total, style=style), f"in {report.seconds:.1f} s")
    if report.exercises and report.passed and report.score >= report.max_score > 0:
        console.print(Text(f"{_all_passed(report.target)}: well done!", style="bold green"))
    if report.seed is not None:
        console.print(f"fresh check inputs: seed {report.seed} (--seed {report.seed} repeats them)")
    if verbose or report.isolation == "none":
        console.print(f"isolation: {_ISOLATION.get(report.isolation, report.isolation)}")
    if verbose and report.limits:
        console.print(f"limits: {report.limits}")


def _all_passed(target: str) -> str:
    """``Every exercise passed``, ``Every exercise of chapter 3 passed``, ``chapter1.sigmoid
    passed``, ``Every exercise of chapters 3 and 4 passed``: as a person writes it."""
    names = target.split()
    if names == ["all"] or not names:
        return "Every exercise passed"
    if len(names) == 1 and "." in names[0]:
        return f"{names[0]} passed"
    chapters = [n.removeprefix("chapter") for n in names if "." not in n]
    exercises = [n for n in names if "." in n]
    parts = []
    if chapters:
        word = "chapter" if len(chapters) == 1 else "chapters"
        parts.append(f"{word} {_and(chapters)}")
    parts += exercises
    return f"Every exercise of {_and(parts)} passed"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


_ISOLATION = {
    "namespaces": "each worker in namespaces of its own (PID, mount, network)",
    "none": "none — grades are not tamper-proof here (dlfs-grade doctor says why)",
}
