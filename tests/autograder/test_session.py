"""One grading session is the one scheduler: a learner's run and a class's grade through it,
its slots bound how many workers run at once, each workspace has a budget of its own, and the
grader's own failure is a grader error on that exercise only."""

from __future__ import annotations

import threading

import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.course import load_course
from dlfs.autograder.grading import ExerciseContext, GradingSession
from dlfs.autograder.results import ExerciseResult

from .grading_helpers import reference_workspace


def test_a_session_checks_its_jobs_and_records_its_seed():
    with pytest.raises(ValueError, match="jobs=0"):
        GradingSession(jobs=0)
    with GradingSession(seed=12, jobs=2) as session:
        assert session.seed == 12 and session.settings.seed == 12 and session.jobs == 2


def test_grade_takes_the_course_of_its_session_only(tmp_path):
    with GradingSession() as session, pytest.raises(ValueError, match="course of its session"):
        grade("chapter1.sigmoid", path=tmp_path, session=session, course=load_course())


def test_workspaces_are_graded_on_the_sessions_slots_each_heard_of_once(tmp_path, monkeypatch):
    """The pipeline replaced by a recorder: which slots ran at once, in what order."""
    course = load_course()
    exercises = course.select("chapter1")[:3]
    busy: set[int] = set()
    most = []
    lock = threading.Lock()

    def fake(exercise, workspace, context: ExerciseContext) -> ExerciseResult:
        with lock:
            assert context.slot not in busy  # a slot runs one worker at a time
            busy.add(context.slot)
            most.append(len(busy))
        threading.Event().wait(0.02)
        with lock:
            busy.discard(context.slot)
        score = 1.0 if workspace.name == "alice" else 0.0
        return ExerciseResult(exercise.id, score, 1.0, "passed" if score else "failed")

    monkeypatch.setattr("dlfs.autograder.grading.session.grade_exercise", fake)
    heard: dict[str, list[str]] = {}
    with GradingSession(course, jobs=2) as session:
        graded = session.grade_workspaces(
            {"alice": tmp_path / "alice", "bob": tmp_path / "bob"},
            exercises,
            lambda name, results: heard.setdefault(name, [r.id for r in results]),
        )
    ids = [e.id for e in exercises]
    assert heard == {"alice": ids, "bob": ids}  # each once, in course order
    assert [r.score for r in graded["alice"]] == [1.0] * 3 and max(most) == 2


def test_a_chapter_that_preloads_is_graded_on_one_slot_while_the_others_share_the_rest(
    tmp_path, monkeypatch
):
    """Chapter 7's workers need PyTorch preloaded in their fork server: its exercises go
    together, first, on one slot (one server preloads it), the other chapters' exercises
    each take whichever slot is free; the results come back in the tasks' order."""
    course = load_course()
    exercises = [*course.select("chapter1")[:3], *course.select("chapter7")[:3]]
    slots: dict[str, int] = {}
    order: list[str] = []
    lock = threading.Lock()

    def fake(exercise, workspace, context: ExerciseContext) -> ExerciseResult:
        with lock:
            slots[exercise.id] = context.slot
            order.append(exercise.id)
        threading.Event().wait(0.02)
        return ExerciseResult(exercise.id, 1.0, 1.0, "passed")

    monkeypatch.setattr("dlfs.autograder.grading.session.grade_exercise", fake)
    with GradingSession(course, use_reference=True, jobs=2) as session:
        results = session.grade(exercises, tmp_path)
    assert [r.id for r in results] == [e.id for e in exercises]
    chapter7 = [e.id for e in exercises[3:]]
    assert len({slots[i] for i in chapter7}) == 1
    assert chapter7[0] in order[:2]  # the preload starts at once
    assert len(set(slots.values())) == 2  # chapter 1 ran beside it


def test_the_graders_own_failure_is_a_grader_error_on_that_exercise(tmp_path, monkeypatch):
    from dlfs.autograder.grading import session as module

    real = module.grade_exercise

    def failing(exercise, workspace, context):
        if exercise.id == "chapter1.sigmoid":
            raise RuntimeError("a bug of the grader's")
        return real(exercise, workspace, context)

    monkeypatch.setattr(module, "grade_exercise", failing)
    workspace = reference_workspace(tmp_path)
    with GradingSession() as session:
        report = grade(["chapter1.sigmoid", "chapter1.leaky_relu"], workspace, record=False,
                       session=session)  # fmt: skip
    by_id = {e.id: e for e in report.exercises}
    assert by_id["chapter1.leaky_relu"].passed
    failed = by_id["chapter1.sigmoid"]
    assert (
        failed.status == "grader_error" and "RuntimeError: a bug of the grader's" in failed.message
    )
    assert "test_session.py" in failed.message  # where, for the maintainers


def test_each_workspace_spends_a_budget_of_its_own(tmp_path, monkeypatch):
    course = load_course()
    exercises = course.select("chapter1")[:2]

    def slow(exercise, workspace, context):
        result = ExerciseResult(exercise.id, 1.0, 1.0, "passed")
        result.seconds = 1e6  # the whole budget at once
        return result

    monkeypatch.setattr("dlfs.autograder.grading.session.grade_exercise", slow)
    with GradingSession(course) as session:
        graded = session.grade_workspaces({"a": tmp_path, "b": tmp_path}, exercises)
    for results in graded.values():  # the second exercise of each is not graded for time
        assert [r.status for r in results] == ["passed", "timeout"]
        assert not results[1].graded
