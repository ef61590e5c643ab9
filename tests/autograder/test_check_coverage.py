"""Do the checks look where real mistakes hide? (issue 19, item 3)

Each exercise of course.toml is walked: what its checks must look at is read from its targets'
signatures, classes, docstrings and reference bodies (tests/autograder/check_coverage.py), and
what they do look at from the checks themselves, run on the reference under a profiler. No
exercise is named here: a new exercise is held to the same rules the day it is added.
"""

from __future__ import annotations

import dataclasses

import pytest

from dlfs.autograder.course import load_course

from .check_coverage import categories_for, missing, trace_exercise

COURSE = load_course()


def _params() -> list:
    marks = []
    for exercise in COURSE.exercises:
        needs = [pytest.mark.torch] if exercise.chapter == "chapter7" else []
        marks.append(pytest.param(exercise, id=exercise.id, marks=needs))
    return marks


@pytest.mark.parametrize("exercise", _params())
def test_the_checks_of_every_exercise_look_where_mistakes_hide(exercise):
    """A forward whose class has a backward is followed by that backward; every documented
    argument the learner's body reads is given a value other than its default; a fit runs one
    epoch and an eval_every that does not divide the epochs; a batch size does not divide N; a
    filter is 1 wide and longer than its signal; a trainer meets an asymmetric criterion, a
    model returning a tuple where its docstring allows one, and both modes; a PyTorch layer's
    dropout runs in training mode; an array with a batch axis meets N = 1; a backward runs
    through every PyTorch module's forward to its parameters and input."""
    if exercise.chapter == "chapter7":
        pytest.importorskip("torch")
    assert missing(exercise, trace_exercise(exercise)) == []


def test_the_rules_apply_to_the_kinds_of_exercise_they_name():
    """The categories come from what a target is: a sample of each kind gets its rules."""
    found = {
        str(target): {category.name for category in categories_for(target)}
        for exercise in COURSE.exercises
        if exercise.chapter != "chapter7"
        for target in exercise.targets
    }
    forwards = [t for t, names in found.items() if "backward after forward" in names]
    assert len(forwards) >= 10, forwards
    forward_names = {"_output", "forward", "__add__", "__mul__"}
    assert all(t.rsplit(".", 1)[-1] in forward_names for t in forwards)
    assert any("one epoch" in names for names in found.values())
    assert any("non-default:eps" in names for names in found.values())
    assert any("a signal shorter than its filter" in names for names in found.values())


def test_a_forward_checked_on_its_outputs_alone_is_found_wanting():
    """The tracer is not vacuous: keep only the checks that compare a recurrent node's
    outputs, and the missing backward is reported."""
    exercise = next(
        e for e in COURSE.exercises if any(str(t).endswith("RNNNode.forward") for t in e.targets)
    )
    outputs_only = dataclasses.replace(exercise, checks=exercise.checks[:1])
    gaps = missing(outputs_only, trace_exercise(outputs_only))
    assert any("backward after forward" in gap for gap in gaps), gaps


def test_the_batch_and_graph_rules_reach_every_chapter():
    """A batch of one is asked of functions of every chapter from 1 to 7 (chapter 7's
    modules among them), and the backward through forward of every PyTorch module's forward
    and nothing else."""
    pytest.importorskip("torch")
    found = [
        (exercise.chapter, str(target), {category.name for category in categories_for(target)})
        for exercise in COURSE.exercises
        for target in exercise.targets
    ]
    chapters = {chapter for chapter, _, names in found if "a batch of one" in names}
    assert chapters == {f"chapter{n}" for n in range(1, 8)}, chapters
    through = {t for _, t, names in found if "gradients through forward" in names}
    modules = {t for chapter, t, _ in found if chapter == "chapter7" and t.endswith(".forward")}
    assert through == modules and len(through) == 5, through


def test_a_module_checked_on_its_values_alone_is_found_wanting():
    """The tracer is not vacuous: without the backward through forward at N = 1, the dense
    layer misses both the batch of one and the gradients."""
    pytest.importorskip("torch")
    exercise = next(
        e for e in COURSE.exercises if any(str(t).endswith("DenseLayer.forward") for t in e.targets)
    )
    values_only = dataclasses.replace(
        exercise, checks=[c for c in exercise.checks if c.probe != "backward_through"]
    )
    gaps = missing(values_only, trace_exercise(values_only))
    assert any("a batch of one" in gap for gap in gaps), gaps
    assert any("gradients through forward" in gap for gap in gaps), gaps
