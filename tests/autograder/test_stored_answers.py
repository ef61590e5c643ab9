"""Do public checks grade without the reference, from the stored known answers?

The stored answers (``autograder/answers/chapterN.npz``) must equal a fresh build; grading with
``use_reference=False`` must judge public checks with them, run the learner's own package in
the worker (naming the other unfinished exercise a check runs into), and report hidden checks
as not run, without failing them.
"""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest

from dlfs.autograder.answers.store import answers_dir, load_expected
from dlfs.autograder.course import load_course, parse_course
from dlfs.autograder.generate.answers import build_answers, compare_answers
from dlfs.autograder.grading.expected import HIDDEN_NOT_RUN, StoredAnswers
from dlfs.autograder.grading.seeds import check_seed

from .grading_helpers import session_grade
from .learner_copy import finished_workspace

pytestmark = pytest.mark.xdist_group("stored_answers")  # its module fixtures, computed once

_LINEAR = """
[course]
title = "t"

[chapter3]
title = "Chapter 3"

[chapter3.linear]
title = "Linear"
targets = ["activations:Linear._output", "activations:Linear._input_grad"]

[[chapter3.linear.checks]]
kind = "agreement"
probe = "linear_forward"
points = 0.5
{params}

[[chapter3.linear.checks]]
kind = "gradient"
probe = "linear_backward"
points = 0.5
hidden = true
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(home))
        return finished_workspace(
            tmp_path_factory.mktemp("learner") / "exercises",
            unfinished=("chapter3.sigmoid_forward",),
        )


def test_the_committed_answers_equal_a_fresh_build(tmp_path):
    chapters = None if importlib.util.find_spec("torch") else [f"chapter{n}" for n in range(1, 7)]
    report = build_answers(out_dir=tmp_path, chapters=chapters)
    assert report.checks > 50
    if chapters is not None:  # chapter 7 needs PyTorch to be rebuilt
        (tmp_path / "chapter7.npz").write_bytes((answers_dir() / "chapter7.npz").read_bytes())
    assert compare_answers(answers_dir(), tmp_path) == []


def _rewritten(source, target, change):
    """A copy of a stored file with ``change(key, array)`` applied to every float array."""
    with np.load(source, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    changed = {
        k: change(k, v) if v.dtype.kind == "f" and k != "__types__" else v
        for k, v in arrays.items()
    }
    np.savez_compressed(target, **changed)


def test_stored_answers_compare_relative_to_their_scale(tmp_path):
    """Another CPU or BLAS rounds differently: a value that cancels to near zero moves by
    about 1e-16 of the magnitudes summed, and a numerical gradient by about 1e-11 of the
    loss, however small the value itself. Such moves (here 1e-9 of each array's scale,
    the size seen between two x86-64 machines) are the same answers; a move of 1e-4 of the
    scale in one entry is a changed reference and is caught."""
    source = answers_dir() / "chapter5.npz"
    rng = np.random.default_rng(0)

    def rounding(key, array):
        scale = np.max(np.abs(array)) if array.size else 0.0
        return array + rng.uniform(-1e-9, 1e-9, array.shape) * scale

    (tmp_path / "rounded").mkdir()
    _rewritten(source, tmp_path / "rounded" / "chapter5.npz", rounding)
    assert compare_answers(answers_dir(), tmp_path / "rounded") == [
        "calls.json: only in left",
        *(f"chapter{n}.npz: only in left" for n in (1, 2, 3, 4, 6, 7)),
    ]

    first = []

    def changed(key, array):
        if first or array.size < 2 or not np.any(array):
            return array
        first.append(key)
        array = array.copy()
        array.flat[0] += 1e-4 * np.max(np.abs(array))
        return array

    (tmp_path / "changed").mkdir()
    _rewritten(source, tmp_path / "changed" / "chapter5.npz", changed)
    problems = compare_answers(answers_dir(), tmp_path / "changed")
    assert f"chapter5.npz: {first[0]} differs" in problems


def test_the_stored_answers_are_small_plain_arrays_without_hidden_checks():
    files = sorted(answers_dir().glob("chapter*.npz"))
    assert [f.stem for f in files] == [f"chapter{n}" for n in range(1, 8)]
    assert sum(f.stat().st_size for f in files) < 3 * 2**20
    for file in files:
        with np.load(file, allow_pickle=False) as npz:  # no pickles: this would raise
            assert all(npz[name].dtype.kind in "biufc" for name in npz.files)
    hidden = [
        (e, i, s) for e in load_course().exercises for i, s in enumerate(e.checks) if s.hidden
    ]
    for exercise, index, spec in hidden:
        with pytest.raises(LookupError):
            load_expected(
                exercise.chapter,
                spec.probe,
                spec.probe_params,
                check_seed(exercise.id, index),
                spec.kind == "gradient",
            )


def test_public_checks_grade_from_the_stored_answers_and_name_the_unfinished_exercise(workspace):
    report = session_grade("chapter3", workspace, use_reference=False)
    by_id = {e.id: e for e in report.exercises}
    assert by_id["chapter3.sigmoid_forward"].status == "not_started"
    for needs_sigmoid in ("chapter3.sigmoid_backward", "chapter3.train_epoch"):
        assert by_id[needs_sigmoid].status == "error"
        assert "needs chapter3.sigmoid_forward too" in by_id[needs_sigmoid].message
    rest = [e for e in report.exercises if "sigmoid" not in e.id and "train_epoch" not in e.id]
    assert len(rest) >= 8
    assert [(e.id, e.message) for e in rest if not e.passed] == []


def test_a_wrong_body_fails_against_the_stored_answers_with_its_diagnosis(workspace, tmp_path):
    import shutil

    copy = tmp_path / "exercises"
    shutil.copytree(workspace, copy)
    path = copy / "operations.py"
    text = path.read_text(encoding="utf-8")
    right = "return self.input_.T @ output_grad"
    assert right in text
    path.write_text(text.replace(right, f"{right} / self.input_.shape[0]"), encoding="utf-8")
    report = session_grade("chapter3.weight_multiply_backward", copy, use_reference=False)
    (result,) = report.exercises
    assert result.status == "failed"
    assert "divided by the batch size" in result.message  # a stored known mistake


def test_hidden_checks_are_reported_not_run_and_do_not_count(workspace):
    course = parse_course(_LINEAR.format(params=""))
    offline = session_grade("chapter3", workspace, course, use_reference=False)
    (result,) = offline.exercises
    assert result.status == "passed"
    assert (result.score, result.max_score) == (0.5, 0.5)
    assert HIDDEN_NOT_RUN in result.message
    hidden = result.checks[1]
    assert hidden.skipped and hidden.hidden and hidden.message == HIDDEN_NOT_RUN
    assert hidden.to_dict()["skipped"] is True

    online = session_grade("chapter3", workspace, course, use_reference=True)
    assert (online.exercises[0].score, online.exercises[0].max_score) == (1.0, 1.0)
    assert not online.exercises[0].checks[1].skipped


def test_a_check_newer_than_the_stored_answers_says_so(workspace):
    course = parse_course(_LINEAR.format(params="params = { n = 7 }"))
    report = session_grade("chapter3", workspace, course, use_reference=False)
    (result,) = report.exercises
    assert result.status == "grader_error"  # the instructor's to fix, not the student's
    assert "dlfs-grade build-answers" in result.checks[0].message


def test_needs_other_exercise_rewords_only_another_exercises_stub():
    own = "NotImplementedError: chapter3.sgd — a function still raises its stub's error"
    assert StoredAnswers().explain(own, "chapter3.sgd") == own
    other = StoredAnswers().explain(own, "chapter3.train_epoch")
    assert other.startswith("this check needs chapter3.sgd too")
    assert StoredAnswers().explain("ValueError: shapes", "chapter3.sgd") == "ValueError: shapes"


def test_the_verbose_table_marks_a_hidden_check_not_run_as_skipped(workspace):
    from rich.console import Console

    from dlfs.autograder.cli.grade import render_report

    course = parse_course(_LINEAR.format(params=""))
    report = session_grade("chapter3", workspace, course, use_reference=False)
    console = Console(width=200, record=True, file=io.StringIO())
    render_report(console, report, verbose=True)
    lines = console.export_text().splitlines()
    (hidden,) = [line for line in lines if "gradient check" in line]
    assert hidden.split()[2] == "skip" and HIDDEN_NOT_RUN in hidden


@pytest.mark.slow
def test_a_finished_workspace_gets_every_public_point_without_the_reference(tmp_path, data_dir):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("chapter 7 needs PyTorch")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(tmp_path / "home"))
        workspace = finished_workspace(tmp_path / "exercises")
    report = session_grade("all", workspace, use_reference=False)
    assert [(e.id, e.message) for e in report.exercises if not e.passed] == []
    assert report.score == report.max_score > 0
