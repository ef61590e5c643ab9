"""What the grader says, as a person would say it (issue 21, item 6).

Suggestions for a name begun, not mistyped; "Every exercise passed"; "1 hidden check, 1
point"; a students' copy that has no reference does not claim to agree with it; a missing
data set said once per run; doctor's data sets and PyTorch; progress keeping the notebook
and the files apart.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from dlfs.autograder.cli import cli
from dlfs.autograder.cli.grade import _all_passed
from dlfs.autograder.course import UnknownName, load_course
from dlfs.autograder.grading.data import DataCache, MissingData
from dlfs.autograder.progress import ProgressStore

from .grading_helpers import session_grade
from .learner_copy import finished_workspace

pytestmark = pytest.mark.xdist_group("what_it_says")  # its module fixtures, computed once


def test_a_name_begun_suggests_the_names_it_begins():
    with pytest.raises(UnknownName) as error:
        load_course().select("chapter3.mse")
    assert "'chapter3.mse_forward' or 'chapter3.mse_backward'" in str(error.value)
    with pytest.raises(UnknownName, match=r"did you mean 'chapter3\.sigmoid_forward'"):
        load_course().select("chapter3.sigmoid_froward")


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("all", "Every exercise passed"),
        ("chapter3", "Every exercise of chapter 3 passed"),
        ("chapter1.leaky_relu", "chapter1.leaky_relu passed"),
        ("chapter3 chapter4", "Every exercise of chapters 3 and 4 passed"),
        ("chapter2 chapter3.sgd", "Every exercise of chapter 2 and chapter3.sgd passed"),
    ],
)
def test_all_passed_reads_as_a_person_writes_it(target, said):
    assert _all_passed(target) == said


@pytest.fixture(scope="module")
def copy_grade(tmp_path_factory):
    """chapter3.train_epoch (one hidden check) and chapter1.sigmoid raising in its fixture
    check, graded as a students' copy does: the stored answers, the learner's package."""
    base = tmp_path_factory.mktemp("copy")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(base / "home"))
        workspace = finished_workspace(base / "exercises")
        path = workspace / "foundations.py"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("return 1.0 / (1.0 + np.exp(-x))", "raise ValueError('not yet')", 1)
        )
        return session_grade(
            ["chapter1.sigmoid", "chapter3.train_epoch"], workspace, use_reference=False
        )


def test_hidden_checks_are_counted_in_words(copy_grade):
    train_epoch = copy_grade.exercises[1]
    assert train_epoch.status == "passed"
    assert train_epoch.message.startswith("1 hidden check, 1 point: not run here")


def test_the_students_copy_does_not_claim_a_reference(copy_grade):
    names = {c.name for e in copy_grade.exercises for c in e.checks}
    assert "agrees with the stored answers" in names
    assert not [n for n in names if "reference" in n]


def test_a_learners_exception_in_a_fixed_answer_check_is_the_learners_error(copy_grade):
    """Not a grader error asking the instructor to rebuild the stored answers."""
    sigmoid = copy_grade.exercises[0]
    assert sigmoid.status == "error", sigmoid.message
    assert "ValueError: not yet" in sigmoid.message
    assert "build-answers" not in sigmoid.message and "grader" not in sigmoid.message
    assert all(not c.details.get("grader_error") for c in sigmoid.checks)
    # where it happened: the learner's own file, not the worker's temporary copy of it
    assert f"(at {copy_grade.workspace}/foundations.py:" in sigmoid.message, sigmoid.message


def test_a_missing_data_set_is_said_once_per_run(monkeypatch):
    calls = []

    def offline(**_):
        calls.append(1)
        raise OSError("The data set 'mnist' is not available:\n  - mnist/train-images\nmore")

    from dataclasses import replace

    from dlfs.autograder.probes.record import find_probe

    probe = replace(find_probe("chapter4", "mnist_softmax"), data=offline)
    monkeypatch.setattr("dlfs.autograder.grading.data.find_probe", lambda *_: probe)
    cache = DataCache()
    for _ in range(3):
        with pytest.raises(MissingData) as error:
            cache.get("chapter4", "mnist_softmax", {})
    assert len(calls) == 1 and len(cache.notes) == 1 and "more" in cache.notes[0]
    line = str(error.value)
    assert "\n" not in line and "dlfs-grade data fetch mnist" in line
    assert "said once, under the report" in line


def test_doctor_reports_the_data_sets_and_pytorch(data_dir):
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    facts = json.loads(result.output)
    assert set(facts["data_sets"]) == {"mnist", "fashion-mnist", "boston", "tinyshakespeare"}
    assert facts["data_sets"]["boston"] == "verified"
    assert facts["pytorch"].startswith("2.13.0") or "not installed" in facts["pytorch"]
    text = CliRunner().invoke(cli, ["doctor"]).output
    assert "pytorch" in text and "data sets" in text and "boston verified" in text


def test_progress_keeps_the_notebook_and_the_files_apart(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DLFS_HOME", str(home))
    when = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    with ProgressStore() as store:
        store.record_attempt("chapter1.sigmoid", 1, 1, "passed", time=when, workspace="/w/ex")
        store.record_attempt("chapter1.deriv", 2, 2, "passed", time=when, workspace="notebook")
    runner = CliRunner()
    text = runner.invoke(cli, ["progress", "chapter1"]).output
    files, notebook = text.split("Your notebooks")
    assert "Your .py files" in files and "In all: 1/" in files
    assert "In all: 2/" in notebook
    data = json.loads(runner.invoke(cli, ["progress", "chapter1", "--json"]).output)
    assert data["workspace"] == "files" and data["best"] == 1 and data["notebook"]["best"] == 2
    only = json.loads(
        runner.invoke(cli, ["progress", "chapter1", "--workspace", "notebook", "--json"]).output
    )
    assert only["workspace"] == "notebook" and only["best"] == 2 and "notebook" not in only


@pytest.mark.parametrize(
    ("target", "exercise", "body", "said"),
    [  # a float where the node belongs; a list where the array belongs
        (
            "autodiff:NumberWithGrad.__add__",
            "chapter6.number_with_grad_add",
            "return 3.0",
            "not in a line of yours, on something your code returned or stored",
        ),
        (
            "losses:MeanSquaredError._input_grad",
            "chapter3.mse_backward",
            "return [0.0]",
            "should be a NumPy array; got a list",
        ),
    ],
)
def test_an_error_raised_outside_the_learner_s_lines_says_so(
    target, exercise, body, said, tmp_path
):
    """The learner's code returned something of the wrong kind and the check (or the
    course's code) raised on it: no line of theirs is in the traceback, so the message says
    where it was raised and what to look at, not a bare AttributeError."""
    from .grading_helpers import reference_workspace, replace_body

    workspace = reference_workspace(tmp_path)
    replace_body(workspace, target, body)
    report = session_grade(exercise, workspace)
    result = report.exercises[0]
    assert result.score < result.max_score
    failed = [c.message for c in result.checks if not c.passed]
    assert failed
    assert any(said in m for m in failed), failed
    assert not any(m.startswith(("AttributeError", "TypeError")) and "—" not in m for m in failed)
