"""Tests for dlfs.autograder.course: the course file's schema and its error messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dlfs.autograder.course import (
    CourseError,
    Target,
    course_path,
    load_course,
    parse_course,
)

SMALL = textwrap.dedent(
    """\
    [course]
    title = "Tiny"

    [defaults]
    timeout = 30
    rtol = 1e-6

    [chapter3]
    title = "Deep learning from scratch"

    [chapter3.sigmoid_forward]
    title = "Sigmoid: forward"
    targets = ["activations:Sigmoid._output"]
    points = 3
    hints = ["gentle", "explicit"]
    timeout = 10

    [[chapter3.sigmoid_forward.checks]]
    kind = "agreement"
    probe = "sigmoid_forward"
    points = 2
    atol = 1e-12

    [[chapter3.sigmoid_forward.checks]]
    kind = "gradient"
    probe = "sigmoid_backward"
    points = 1
    hidden = true

    [chapter1]
    title = "Foundations"
    """
)


def test_a_small_course_loads_into_dataclasses():
    course = parse_course(SMALL)
    assert course.title == "Tiny"
    assert [c.name for c in course.chapters] == ["chapter1", "chapter3"]
    exercise = course.exercise("chapter3.sigmoid_forward")
    assert exercise.name == "sigmoid_forward"
    assert exercise.targets == (Target("activations", "Sigmoid._output"),)
    assert exercise.points == 3 and course.points == 3
    assert exercise.hints == ("gentle", "explicit")
    assert exercise.timeout == 10 and exercise.memory_mb == 2048
    assert exercise.line == 11
    agreement, gradient = exercise.checks
    assert agreement.name == "sigmoid_forward" and not agreement.hidden
    assert agreement.atol == 1e-12 and agreement.rtol == 1e-6
    assert gradient.hidden and gradient.tol == 1e-5


def test_select_understands_all_a_chapter_and_an_exercise():
    course = parse_course(SMALL)
    assert len(course.select("all")) == 1
    assert course.select("chapter3") == course.select("3") == course.chapter(3).exercises
    assert course.select("chapter3.sigmoid_forward")[0].id == "chapter3.sigmoid_forward"
    with pytest.raises(ValueError, match=r"did you mean 'chapter3\.sigmoid_forward'"):
        course.select("chapter3.sigmoid_froward")
    with pytest.raises(ValueError, match="'chapter9'"):
        course.select("chapter9")


def test_exercise_for_finds_the_owner_of_a_target():
    course = parse_course(SMALL)
    assert course.exercise_for("activations:Sigmoid._output").id == "chapter3.sigmoid_forward"
    assert course.exercise_for("activations:Tanh._output") is None


def test_target_parses_module_and_qualname():
    target = Target.parse("experiments.chapter3:run")
    assert str(target.relpath) == "experiments/chapter3.py"
    with pytest.raises(ValueError, match="'no_colon'"):
        Target.parse("no_colon")


def _error(text: str) -> CourseError:
    with pytest.raises(CourseError) as info:
        parse_course(text, Path("course.toml"))
    return info.value


def test_a_toml_syntax_error_names_its_line():
    error = _error('[course]\ntitle = "x"\n[chapter1\n')
    assert error.line == 3
    assert "course.toml:3" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "line", "key"),
    [
        ("points = 3\n", "points = 4\n", 14, "chapter3.sigmoid_forward.points"),
        ("timeout = 10\n", "timeout = -1\n", 16, "chapter3.sigmoid_forward.timeout"),
        ('kind = "gradient"', 'kind = "vibes"', 25, "chapter3.sigmoid_forward.checks.kind"),
        ("hidden = true", 'hidden = "yes"', 28, "chapter3.sigmoid_forward.checks.hidden"),
        ('hints = ["gentle", "explicit"]', "hint = []", 15, "chapter3.sigmoid_forward.hint"),
        ('"activations:Sigmoid._output"', '"Sigmoid._output"', 13, "chapter3.sigmoid_forward"),
        ('title = "Foundations"', "title = 1", 31, "chapter1.title"),
        ("rtol = 1e-6", "rtol = -1", 6, "defaults.rtol"),
    ],
)
def test_a_schema_error_names_the_line_and_the_key(old, new, line, key):
    assert old in SMALL
    error = _error(SMALL.replace(old, new, 1))
    assert error.line == line, str(error)
    assert error.key.startswith(key), str(error)
    assert f"course.toml:{line}: [{error.key}]" in str(error)


def test_a_target_claimed_twice_is_refused():
    twice = SMALL + textwrap.dedent(
        """
        [chapter1.again]
        title = "Again"
        targets = ["activations:Sigmoid._output"]
        [[chapter1.again.checks]]
        kind = "fixture"
        probe = "sigmoid_fixture"
        points = 1
        """
    )
    error = _error(twice)
    assert "'activations:Sigmoid._output' already belongs to" in str(error)


def test_an_exercise_needs_checks():
    error = _error(SMALL.split("[[chapter3")[0])
    assert error.key == "chapter3.sigmoid_forward.checks"


def test_unknown_top_level_tables_are_refused():
    error = _error(SMALL + "\n[chapterX]\ntitle = 'x'\n")
    assert error.key == "chapterX" and error.line == 33


def test_a_missing_file_is_a_course_error(tmp_path):
    with pytest.raises(CourseError, match="cannot read"):
        load_course(tmp_path / "nope.toml")


def test_dlfs_course_overrides_the_location(tmp_path, monkeypatch):
    path = tmp_path / "course.toml"
    path.write_text(SMALL)
    monkeypatch.setenv("DLFS_COURSE", str(path))
    assert course_path() == path
    assert load_course().title == "Tiny"


def test_the_repository_course_has_seven_titled_chapters():
    course = load_course(Path(__file__).resolve().parents[2] / "course.toml")
    assert [c.number for c in course.chapters] == list(range(1, 8))
    assert all(c.title for c in course.chapters)
    for exercise in course.exercises:
        assert 2 <= len(exercise.hints) <= 3, exercise.id


TRAINING = textwrap.dedent(
    """\
    [course]
    title = "Tiny"

    [chapter3]
    title = "Deep learning from scratch"

    [chapter3.train_epoch]
    title = "One epoch"
    targets = ["trainer:Trainer._train_epoch"]

    [[chapter3.train_epoch.checks]]
    kind = "training"
    probe = "boston_trainer"
    metric = "rmse"
    threshold = 4.8
    budget = 2
    points = 1

    [chapter3.sigmoid_forward]
    title = "Sigmoid"
    targets = ["activations:Sigmoid._output"]
    checks = [
        { kind = "agreement", points = 1 },
        { kind = "gradient", probe = "sigmoid_backward", points = 1 },
    ]
    """
)


def test_a_check_says_each_fact_once_and_defaults_are_resolved_at_load():
    course = parse_course(TRAINING)
    training = course.exercise("chapter3.train_epoch").checks[0]
    assert (training.metric, training.threshold, training.budget) == ("rmse", 4.8, 2)
    assert not training.higher_is_better and training.probe_params == {"budget": 2}
    agreement, gradient = course.exercise("chapter3.sigmoid_forward").checks
    assert agreement.probe == "sigmoid_forward"  # the exercise's name
    assert (agreement.rtol, agreement.atol, gradient.tol) == (1e-7, 1e-10, 1e-5)
    assert (agreement.line, gradient.line) == (23, 24)


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "says"),
    [
        ("threshold = 4.8", "threshhold = 4.8", 15, "threshhold", "did you mean 'threshold'"),
        ('metric = "rmse"', 'metric = "acuracy"', 14, "metric", "did you mean 'accuracy'"),
        ("threshold = 4.8", 'threshold = "4.8"', 15, "threshold", "must be a number"),
        ("budget = 2", "budget = 0", 16, "budget", "must be positive"),
        ('probe = "boston_trainer"', 'probe = "boston_traner"', 13, "probe", "no probe"),
        ('probe = "boston_trainer"', 'probe = "sigmoid_forward"', 13, "probe", "no data"),
        ('"trainer:Trainer._train_epoch"', '"trainer:Trainer.train"', 9, "targets", "defines no"),
        ('kind = "agreement", points = 1', 'kind = "agreement", point = 1', 23, "point", ""),
        ('probe = "sigmoid_backward", ', "rtol = 1e-3, ", 24, "rtol", "kind gradient"),
        (
            'kind = "agreement", points = 1',
            'kind = "agreement", points = 1, params = { nn = 3 }',
            23,
            "params",
            "takes no parameter 'nn'",
        ),
    ],
)
def test_loading_refuses_what_grading_would_trip_on(old, new, line, key, says):
    assert old in TRAINING
    error = _error(TRAINING.replace(old, new, 1))
    assert error.line == line, str(error)
    assert error.key.endswith(key), str(error)
    assert says in str(error)


def test_a_course_file_that_is_not_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "course.toml"
    path.write_bytes(TRAINING.encode("utf-8").replace(b'"Tiny"', b'"Ti\xffny"'))
    with pytest.raises(CourseError, match=r"course\.toml:2: is not UTF-8"):
        load_course(path)


def test_an_exercises_public_checks_come_before_its_hidden_ones():
    """A check's stable seed comes from its place in the exercise: a copy that withholds the
    hidden checks (the students' copy, its notebooks) must number the public ones alike, or it
    draws other inputs than the answers stored for them."""
    for exercise in load_course().exercises:
        kinds = [check.hidden for check in exercise.checks]
        assert kinds == sorted(kinds), exercise.id
