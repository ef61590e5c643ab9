"""One grading run, of one workspace or of a whole class: the only scheduler.

A :class:`GradingSession` owns what a run decides once and what it holds while it runs:

* the answer source, the seed of the check inputs and what no worker may see
  (:class:`~.run.RunSettings`);
* the training inputs, written once for every worker (:class:`~.data.DataCache`);
* the worker slots: ``jobs`` exercises are graded at the same time, each holding a slot (its
  own fork server) while it runs;
* the time budget: each workspace's exercises share one :class:`~.budget.Budget` (course.toml's
  chapter and book budgets), so that a class's students each get the time one learner gets.

``dlfs-grade``, ``batch``, a notebook's ``check()``, nbgrader's preprocessor and the
Gradescope run all grade through a session::

    with GradingSession(course, seed=fresh_seed(), jobs=4) as session:
        results = session.grade(course.select("chapter3"), workspace)
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .. import timings
from ..course import Course, Exercise, load_course
from ..results import ExerciseResult
from ..sandbox.protocol import Student
from ..sandbox.prune import Needs
from ..sandbox.scratch import no_leftovers, sweep_stale
from ..sandbox.servers import discard_ahead, server_slot
from ..sandbox.students import leave_student
from .budget import Budget, not_graded
from .context import EventHandler, ExerciseContext
from .data import DataCache
from .needs import worker_needs
from .pipeline import grade_exercise
from .plan import plan_checks
from .run import RunSettings

__all__ = ["GradingSession", "Task", "WorkspaceHandler"]

WorkspaceHandler = Callable[[str, list[ExerciseResult]], None]
"""``on_done(name, results)``: a workspace's last exercise was graded (from a worker thread)."""


@dataclass(frozen=True)
class Task:
    """One exercise of one workspace, to grade under ``budget``.

    Attributes:
        exercise: the exercise.
        workspace: the learner's folder.
        budget: the time budget the exercise shares with the rest of its workspace's run.
        on_event: called as the exercise's grading goes.
    """

    exercise: Exercise
    workspace: Path
    budget: Budget
    on_event: EventHandler | None = None


class GradingSession:
    """One grading run: settings, training inputs, worker slots and budgets.

    Args:
        course: the course (default: ``load_course()``).
        use_reference: judge with the reference (True) or the stored answers, hidden checks
            not run (False); by default the reference where it is installed.
        seed: None for the learner's stable check inputs; else fresh inputs salted with it
            (an official grade), recorded in the reports.
        hidden: more paths no worker may see (in a class: the submissions).
        jobs: exercises graded at the same time, each on its own worker slot.
    Raises:
        ValueError: ``jobs`` < 1, or a seed where the reference is not installed.
    """

    def __init__(
        self,
        course: Course | None = None,
        *,
        use_reference: bool | None = None,
        seed: int | None = None,
        hidden: Sequence[Path | str] = (),
        jobs: int = 1,
    ) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, got jobs={jobs!r}")
        _record_startup()
        self.course = course or load_course()
        self.settings = RunSettings.create(use_reference, seed, tuple(hidden), self.course)
        self.jobs = jobs
        self.data = DataCache()
        self._kept_needs: dict[str, Needs | None] = {}
        self._slots: queue.Queue[int] = queue.Queue()
        for slot in range(jobs):
            self._slots.put(slot)
        sweep_stale()  # the folders of runs that were killed (kill -9) before they could

    @property
    def seed(self) -> int | None:
        """The seed of the run's check inputs (None: the learner's stable ones)."""
        return self.settings.seed

    def budget(self, exercises: Sequence[Exercise]) -> Budget:
        """A fresh budget for one workspace's grading of ``exercises``."""
        return Budget(self.course.budget(list(exercises)))

    def grade(
        self,
        exercises: Sequence[Exercise],
        workspace: Path,
        on_event: EventHandler | None = None,
    ) -> list[ExerciseResult]:
        """Grade ``exercises`` of one workspace under one budget; results in their order."""
        budget = self.budget(exercises)
        return self.run([Task(e, workspace, budget, on_event) for e in exercises])

    def grade_workspaces(
        self,
        workspaces: Mapping[str, Path],
        exercises: Sequence[Exercise],
        on_done: WorkspaceHandler | None = None,
    ) -> dict[str, list[ExerciseResult]]:
        """Grade ``exercises`` of every named workspace, each under a budget of its own.

        Every (workspace, exercise) pair shares the session's slots, so ``jobs`` workers run
        at once over the whole class; ``on_done`` hears of each workspace as it finishes.
        """
        if not exercises:
            for name in workspaces:
                if on_done is not None:
                    on_done(name, [])
            return {name: [] for name in workspaces}
        tasks: list[Task] = []
        names: list[str] = []
        for name, workspace in workspaces.items():
            budget = self.budget(exercises)
            tasks += [Task(e, workspace, budget) for e in exercises]
            names += [name] * len(exercises)
        graded: dict[str, list[ExerciseResult | None]] = {
            name: [None] * len(exercises) for name in workspaces
        }
        lock = threading.Lock()

        def record(index: int, result: ExerciseResult) -> None:
            name = names[index]
            with lock:
                graded[name][index % len(exercises)] = result
                done = all(r is not None for r in graded[name])
            if done and on_done is not None:
                on_done(name, [r for r in graded[name] if r is not None])

        self.run(tasks, record)
        return {name: [r for r in results if r is not None] for name, results in graded.items()}

    def run(
        self,
        tasks: Sequence[Task],
        on_result: Callable[[int, ExerciseResult], None] | None = None,
    ) -> list[ExerciseResult]:
        """Grade every task, ``jobs`` at a time; results in the tasks' order. ``on_result``
        hears ``(index, result)`` as each ends.

        A slot grades one workspace's tasks one after another, in the sandbox of that student
        (:mod:`~..sandbox.student`: isolated once, a fresh worker per exercise); with fewer
        workspaces than slots, a workspace's tasks are dealt out over the slots."""
        results: list[ExerciseResult | None] = [None] * len(tasks)
        students = self._students(tasks)

        def unit(indices: list[int]) -> None:
            slot = self._slots.get()
            try:
                for index in indices:
                    task = tasks[index]
                    results[index] = self._grade(task, slot, students[index])
                    if on_result is not None:
                        on_result(index, results[index])  # type: ignore[arg-type]
            finally:
                leave_student(slot)
                self._slots.put(slot)

        units = _units(
            tasks, self.jobs, lambda chapter: bool(self.settings.answers.preload(chapter))
        )
        with no_leftovers():  # nothing of the run is left in the temporary folder
            if self.jobs == 1 or len(units) < 2:
                for indices in units:
                    unit(indices)
            else:
                with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                    list(pool.map(unit, units))
        return [r for r in results if r is not None]

    def _students(self, tasks: Sequence[Task]) -> list[Student | None]:
        """The sandbox each task's worker is forked in, shared by its workspace's tasks that
        preload alike (PyTorch, or nothing: they run on a fork server of their own): what
        any of them reads (the run's training inputs) or preloads. None where the inputs'
        folder cannot be made (each worker then says so on its own)."""
        answers = self.settings.answers
        groups: dict[tuple[Path, bool], dict[str, Exercise]] = {}
        keys = []
        for task in tasks:
            key = (task.workspace, server_slot(0, answers.preload(task.exercise.chapter)) > 0)
            groups.setdefault(key, {})[task.exercise.id] = task.exercise
            keys.append(key)
        try:
            readable = (str(self.data.folder()),)
        except OSError:
            return [None] * len(tasks)
        students: dict[tuple[Path, bool], Student] = {}
        for (workspace, heavy), exercises in groups.items():
            chapters = sorted({e.chapter for e in exercises.values()})
            preload = tuple(dict.fromkeys(n for c in chapters for n in answers.preload(c)))
            needs = tuple(n for e in exercises.values() if (n := self._needs(e)) is not None)
            students[(workspace, heavy)] = Student(str(workspace), readable, preload, needs)
        return [students[key] for key in keys]

    def _needs(self, exercise: Exercise) -> Needs | None:
        """What ``exercise``'s workers keep in memory (the same for every workspace of the
        run), worked out once; None where it cannot be said ahead (each worker's own
        grading then says why)."""
        if exercise.id not in self._kept_needs:
            try:
                plan = plan_checks(
                    exercise, self.data, self.settings.answers.runs_hidden, self.seed
                )
                self._kept_needs[exercise.id] = worker_needs(exercise, plan)
            except Exception:  # the exercise's grading meets it again and reports it
                self._kept_needs[exercise.id] = None
        return self._kept_needs[exercise.id]

    def _grade(self, task: Task, slot: int, student: Student | None = None) -> ExerciseResult:
        left = task.budget.left()
        if left <= 0:
            return not_graded(task.exercise, task.budget)
        context = ExerciseContext(self.settings, self.data, slot, task.on_event, left, student)
        try:
            result = grade_exercise(task.exercise, task.workspace, context)
        except Exception as error:  # the grader's own failure on this workspace
            result = _grader_failed(task.exercise, error)
        task.budget.spend(result.seconds)
        return result

    def close(self) -> None:
        """Delete the run's training inputs; end the fork servers started ahead for it that
        it did not need."""
        self.data.close()
        discard_ahead()

    def __enter__(self) -> GradingSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


_started: list[bool] = []


def _units(tasks: Sequence[Task], jobs: int, preloads: Callable[[str], bool]) -> list[list[int]]:
    """The tasks' indices, a list per workspace in the tasks' order (one student's sandbox for
    all of them). Where there are fewer workspaces than ``jobs`` (a learner's own run), each
    workspace's exercises whose workers need a preload (chapter 7's PyTorch, 2 s) go
    together, first, so that one slot's fork server preloads it, and the others are dealt
    out in turn over ``2 · jobs`` lists, first come first served (every core busy)."""
    by_workspace: dict[Path, list[int]] = {}
    for index, task in enumerate(tasks):
        by_workspace.setdefault(task.workspace, []).append(index)
    units = list(by_workspace.values())
    if len(units) >= jobs:
        return units
    heavy, dealt = [], []
    for unit in units:
        loaded = [i for i in unit if preloads(tasks[i].exercise.chapter)]
        light = [i for i in unit if i not in loaded]
        heavy += [loaded] if loaded else []
        dealt += [light[start :: 2 * jobs] for start in range(2 * jobs)]
    return [unit for unit in [*heavy, *dealt] if unit]


def _record_startup() -> None:
    """The process's start-up (interpreter and imports, until its first session): once."""
    if timings.enabled() and not _started:
        _started.append(True)
        timings.record("startup", timings.process_seconds(), *timings.cpu(thread=False))


def _grader_failed(exercise: Exercise, error: Exception) -> ExerciseResult:
    """The grader's own failure: the exercise's ``grader_error``, never charged as the
    learner's mistake (it is not recorded in progress)."""
    message = f"the grader failed on this submission: {type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:  # where, for the maintainers
        message += f" (in {Path(frames[-1].filename).name}:{frames[-1].lineno}, {frames[-1].name})"
    return ExerciseResult(exercise.id, 0.0, float(exercise.points), "grader_error", message)
