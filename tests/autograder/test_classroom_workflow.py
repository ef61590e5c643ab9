"""The GitHub Classroom workflow: generated from course.toml, public points only."""

from __future__ import annotations

import pytest

from dlfs.autograder.classroom.workflow import classroom_workflow, public_points
from dlfs.autograder.course import load_course
from dlfs.autograder.paths import reference_root

yaml = pytest.importorskip("yaml")


def test_one_step_per_exercise_worth_its_public_points():
    course = load_course()
    workflow = yaml.safe_load(classroom_workflow(course, "chapter3"))
    steps = workflow["jobs"]["autograding"]["steps"]
    graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
    exercises = course.chapter("chapter3").exercises
    assert [s["with"]["test-name"] for s in graders] == [e.id for e in exercises]
    points = {s["with"]["test-name"]: float(s["with"]["max-score"]) for s in graders}
    train_epoch = course.exercise("chapter3.train_epoch")
    assert points[train_epoch.id] == public_points(train_epoch) < train_epoch.points
    reporter = steps[-1]
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert len(reporter["env"]) == len(graders)


def test_the_documented_workflow_is_the_generated_one():
    """docs/github-classroom.yml cannot drift from what release --classroom writes."""
    documented = reference_root().parent / "docs" / "github-classroom.yml"
    assert documented.read_text(encoding="utf-8") == classroom_workflow(load_course(), "chapter3")
