"""Does ``dlfs-grade TARGET`` parse its options, print the report and set the exit code?

The grading itself is mocked: these tests are about the command, not the grader.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dlfs.autograder.cli.main import cli
from dlfs.autograder.course import UnknownName
from dlfs.autograder.results import CheckResult, ExerciseResult, GradeReport


def _report(status: str = "passed") -> GradeReport:
    score = 2.0 if status == "passed" else 0.0
    check = CheckResult("agreement:sigmoid", "agreement", score, 2.0, status == "passed", "")
    exercise = ExerciseResult("chapter3.sigmoid_forward", score, 2.0, status, "", [check])
    return GradeReport.from_exercises("chapter3", [exercise], 0.5)


class _Calls(list):
    """The calls of the mocked ``api.grade``; ``status`` is what its report says."""

    status = "passed"


@pytest.fixture
def calls(monkeypatch):
    recorded = _Calls()

    def fake_grade(target, **kwargs):
        recorded.append((target, kwargs))
        return _report(recorded.status)

    monkeypatch.setattr("dlfs.autograder.api.grade", fake_grade)
    return recorded


def test_a_chapter_name_goes_to_the_grade_command(calls):
    result = CliRunner().invoke(cli, ["chapter3", "--reference", "--no-record"])
    assert result.exit_code == 0, result.output
    target, kwargs = calls[0]
    assert target == ["chapter3"]
    assert kwargs["reference"] is True
    assert kwargs["record"] is False
    assert "chapter3.sigmoid_forward" in result.output
    assert "passed" in result.output


def test_json_is_exactly_the_report(calls):
    result = CliRunner().invoke(cli, ["grade", "chapter3", "--json"])
    report = json.loads(result.output)
    keys = {"target", "workspace", "score", "max_score", "seed", "isolation", "limits"}
    keys |= {"warnings", "exercises"}
    assert set(report) == keys
    assert report["seed"] is None  # a learner's run: the stable check inputs
    (exercise,) = report["exercises"]
    assert set(exercise) == {"id", "score", "max_score", "status", "message", "graded", "checks"}
    assert exercise["status"] == "passed"


@pytest.mark.parametrize("status", ["failed", "error", "timeout", "not_started"])
def test_the_exit_code_is_one_unless_everything_passed(calls, status):
    calls.status = status
    result = CliRunner().invoke(cli, ["chapter3", "-v"])
    assert result.exit_code == 1
    # -v lists the checks, but not those of an exercise not started yet
    assert ("agreement:sigmoid" in result.output) == (status != "not_started")


def test_path_is_passed_through(calls, tmp_path):
    result = CliRunner().invoke(cli, ["all", "--path", str(tmp_path)])
    assert result.exit_code == 0
    assert calls[0][1]["path"] == tmp_path


def test_an_unknown_target_is_a_usage_error(monkeypatch):
    def fake_grade(target, **kwargs):
        raise UnknownName(f"unknown chapter or exercise {target!r}")

    monkeypatch.setattr("dlfs.autograder.api.grade", fake_grade)
    result = CliRunner().invoke(cli, ["chapter99"])
    assert result.exit_code == 2
    assert "chapter99" in result.output


def test_jobs_is_passed_through_and_checked(calls):
    result = CliRunner().invoke(cli, ["chapter3", "-j", "2"])
    assert result.exit_code == 0
    assert calls[0][1]["session"].jobs == 2
    assert CliRunner().invoke(cli, ["chapter3", "--jobs", "0"]).exit_code == 2


def test_jobs_default_to_one_per_core_at_most_four(calls, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert CliRunner().invoke(cli, ["chapter3"]).exit_code == 0
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {3}, raising=False)
    assert CliRunner().invoke(cli, ["chapter3"]).exit_code == 0
    assert [call[1]["session"].jobs for call in calls] == [4, 1]


@pytest.mark.parametrize(
    ("words", "target"),
    [
        (["chapter05"], "chapter5"),
        (["Chapter5"], "chapter5"),
        (["ch5"], "chapter5"),
        (["5"], "chapter5"),
        (["chapter", "3"], "chapter3"),
        (["CH3.sigmoid_forward"], "chapter3.sigmoid_forward"),
        (["chapter", "1", "ch2.rmse"], "chapter1 chapter2.rmse"),
    ],
)
def test_targets_are_forgiving_and_several_may_be_given(words, target):
    from dlfs.autograder.api import grade as run_grade
    from dlfs.autograder.cli.grade import joined_targets

    report = run_grade(joined_targets(tuple(words)), reference=True, record=False)
    assert report.target == target and report.passed


def test_an_unknown_target_among_several_is_still_a_usage_error():
    result = CliRunner().invoke(cli, ["chapter1", "chapter99", "--reference"])
    assert result.exit_code == 2 and "chapter99" in result.output


def _in(folder, monkeypatch):
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "200")


def test_only_a_marked_exercises_folder_is_graded_and_the_report_says_which(tmp_path, monkeypatch):
    import shutil

    from dlfs.autograder.api import grade as run_grade
    from dlfs.autograder.paths import WORKSPACE_MARKER, exercises_root, reference_root

    shutil.copytree(reference_root(), tmp_path / "exercises")
    _in(tmp_path, monkeypatch)
    report = run_grade("chapter1.sigmoid", record=False)
    assert report.workspace == str(exercises_root())  # not ./exercises: it has no marker
    assert any(WORKSPACE_MARKER in w and "--path exercises" in w for w in report.warnings)
    (tmp_path / "exercises" / WORKSPACE_MARKER).write_text("[workspace]\n")
    report = run_grade("chapter1.sigmoid", record=False)
    assert report.workspace == str((tmp_path / "exercises").resolve())
    assert report.warnings == [] and report.passed
    result = CliRunner().invoke(cli, ["chapter1.sigmoid", "--no-record"])
    assert "· exercises" in result.output  # the header names the folder graded


def test_verbose_speaks_in_plain_names_says_each_message_once_and_points_at_lines(
    tmp_path, monkeypatch
):
    from .grading_helpers import reference_workspace, replace_body

    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "activations:Sigmoid._input_grad", "raise ValueError('oops')")
    _in(tmp_path, monkeypatch)
    args = ["chapter3.sigmoid_backward", "chapter3.linear", "--path", "workspace", "-v"]
    result = CliRunner().invoke(cli, [*args, "--no-record"])
    assert result.exit_code == 1
    out = result.output
    assert "gradient check" in out and "agrees with the reference" in out
    assert "agreement:" not in out and "gradient:" not in out and "FAILED" not in out
    assert out.count("ValueError: oops") == 1  # on the exercise's row, not again below
    assert "workspace/activations.py:" in out  # a location the terminal can open
    data = json.loads(CliRunner().invoke(cli, [*args, "--json", "--no-record"]).output)
    ids = [c["id"] for e in data["exercises"] for c in e["checks"]]
    assert "gradient:sigmoid_backward" in ids  # the internal ids stay in the JSON


def test_build_asks_before_it_overwrites_changed_files(tmp_path):
    out = tmp_path / "ex"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--out", str(out), "--no-answers"]).exit_code == 0
    mine = out / "foundations.py"
    mine.write_text(mine.read_text(encoding="utf-8") + "\n# my work\n", encoding="utf-8")
    refused = runner.invoke(cli, ["build", "--out", str(out), "--no-answers"], input="n\n")
    assert refused.exit_code == 1 and "foundations.py" in refused.output
    assert "# my work" in mine.read_text(encoding="utf-8")
    assert runner.invoke(cli, ["build", "--out", str(out), "--yes", "--no-answers"]).exit_code == 0
    assert "# my work" not in mine.read_text(encoding="utf-8")


def test_messages_are_text_not_markup(monkeypatch):
    """A message's square brackets (pip install -e ".[torch]") reach the screen as written."""
    message = 'PyTorch is not installed: pip install -e ".[torch]" (chapter 7 needs it)'
    exercise = ExerciseResult("chapter7.encoder", 0.0, 1.0, "error", message, [])
    report = GradeReport.from_exercises("chapter7", [exercise])
    monkeypatch.setattr("dlfs.autograder.api.grade", lambda target, **kwargs: report)
    monkeypatch.setenv("COLUMNS", "200")
    assert '".[torch]"' in CliRunner().invoke(cli, ["chapter7"]).output
