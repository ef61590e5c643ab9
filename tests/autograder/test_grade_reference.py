"""Does the grader give the reference full marks, the stubs zero, and a wrong body less?

``dlfs-grade all --reference`` must give full marks for every exercise; the generated stubs
must give 0 with every exercise ``not_started``; and each exercise's checks must catch a
deliberately wrong body (a flipped sign) while the other exercises keep their marks.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.course import load_course
from dlfs.autograder.generate.exercises import build_exercises

from .grading_helpers import mutate_region, reference_workspace

pytestmark = pytest.mark.xdist_group("grade_reference")  # its module fixtures, computed once

COURSE = load_course()
CHAPTERS = [chapter.name for chapter in COURSE.chapters if chapter.exercises]
FAST_CHAPTERS = {"chapter1", "chapter2", "chapter3", "chapter4"}


def _chapter_param(name: str):
    marks = () if name in FAST_CHAPTERS else (pytest.mark.slow,)
    if name == "chapter7":
        marks = (*marks, pytest.mark.torch)
    return pytest.param(name, marks=marks, id=name)


def _needs(chapter: str) -> None:
    if chapter == "chapter7":
        pytest.importorskip("torch")


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    out = tmp_path_factory.mktemp("stubs")
    build_exercises(out)
    return out


@pytest.mark.parametrize("chapter", [_chapter_param(c) for c in CHAPTERS])
def test_the_reference_gets_full_marks(chapter, data_dir):
    _needs(chapter)
    report = grade(chapter, reference=True, record=False)
    failures = [(e.id, e.status, e.message) for e in report.exercises if not e.passed]
    assert not failures
    assert report.score == report.max_score > 0


def test_the_stubs_get_zero_and_every_exercise_is_not_started(stubs):
    report = grade("all", path=stubs, record=False)
    assert report.score == 0
    assert report.max_score == COURSE.points
    for result in report.exercises:
        assert result.status == "not_started", (result.id, result.message)
        assert "Traceback" not in result.message
        assert all(not check.passed for check in result.checks)


@pytest.mark.parametrize("chapter", [_chapter_param(c) for c in CHAPTERS])
def test_a_wrong_body_loses_points_on_its_own_exercise(chapter, tmp_path, data_dir):
    """Every exercise of the chapter mutated at once: each one must lose points.

    Each exercise is graded with only its own functions spliced into the reference, so the
    other mutations cannot be what costs it; ``test_one_wrong_body_costs_nothing_else``
    checks that isolation directly.
    """
    _needs(chapter)
    workspace = reference_workspace(tmp_path)
    exercises = COURSE.chapter(chapter).exercises
    for exercise in exercises:
        mutate_region(workspace, str(exercise.targets[-1]))
    report = grade(chapter, path=workspace, record=False)
    kept = [(e.id, e.status) for e in report.exercises if e.score >= e.max_score]
    assert not kept, "these exercises did not notice a flipped sign"


@pytest.mark.parametrize("chapter", [_chapter_param(c) for c in CHAPTERS])
def test_one_wrong_body_costs_nothing_else(chapter, tmp_path, data_dir):
    _needs(chapter)
    workspace = reference_workspace(tmp_path)
    exercises = COURSE.chapter(chapter).exercises
    victim = exercises[len(exercises) // 2]
    mutate_region(workspace, str(victim.targets[-1]))
    report = grade(chapter, path=workspace, record=False)
    for result in report.exercises:
        if result.id == victim.id:
            assert result.score < result.max_score
            assert result.status in ("failed", "error")
        else:
            assert result.status == "passed", (result.id, result.message)
