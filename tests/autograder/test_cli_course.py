"""CLI tests for `dlfs-grade list | hint | progress | build | reset` (click's CliRunner).

The logic lives in the API and is tested there; here: parsing, output, exit codes, JSON.
"""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from dlfs.autograder.cli import build as build_cmd
from dlfs.autograder.cli import reset as reset_cmd
from dlfs.autograder.cli.main import cli
from dlfs.autograder.cli.output import make_console
from dlfs.autograder.generate.answers import BuildReport as AnswersReport
from dlfs.autograder.generate.exercises import BuildReport, Drift, Generation, ResetReport
from dlfs.autograder.progress import ProgressStore

COURSE = textwrap.dedent(
    """\
    [course]
    title = "Tiny course"
    [chapter1]
    title = "Foundations"
    [chapter1.square]
    title = "Square [elementwise]"
    targets = ["foundations:leaky_relu"]
    hints = ["Think of x times x.", "np.power(x, 2) or x * x."]
    [[chapter1.square.checks]]
    kind = "agreement"
    probe = "leaky_relu"
    points = 2
    [[chapter1.square.checks]]
    kind = "fixture"
    probe = "sigmoid_fixture"
    points = 1
    [chapter2]
    title = "Fundamentals"
    [chapter2.loss]
    title = "The loss"
    targets = ["linear_regression:loss_gradients"]
    hints = ["one", "two", "three"]
    [[chapter2.loss.checks]]
    kind = "gradient"
    probe = "linear_regression_gradients"
    name = "loss"
    points = 4
    """
)


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    """A runner whose course is the tiny one above and whose progress is in tmp_path."""
    course = tmp_path / "course.toml"
    course.write_text(COURSE)
    monkeypatch.setenv("DLFS_COURSE", str(course))
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    return CliRunner()


def test_list_prints_chapters_exercises_and_points(runner):
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    assert "chapter1  Foundations  (3 points)" in result.output
    assert "chapter1.square" in result.output and "Square [elementwise]" in result.output
    assert "Tiny course: 7 points in all." in result.output
    assert "\x1b[" not in result.output  # no colour when not on a terminal


def test_list_json_and_one_chapter(runner):
    result = runner.invoke(cli, ["list", "2", "--json"])
    data = json.loads(result.output)
    (chapter,) = data["chapters"]
    assert chapter["name"] == "chapter2" and chapter["points"] == 4
    assert chapter["exercises"][0] == {
        "id": "chapter2.loss",
        "title": "The loss",
        "points": 4,
        "targets": ["linear_regression:loss_gradients"],
        "checks": [{"name": "loss", "kind": "gradient", "points": 4, "hidden": False}],
        "hints": 3,
    }


def test_list_of_an_unknown_chapter_is_a_usage_error(runner):
    result = runner.invoke(cli, ["list", "chapter9"])
    assert result.exit_code == 2
    assert "unknown chapter 'chapter9'" in result.output


def test_a_malformed_course_is_reported_with_line_and_key(runner, tmp_path):
    (tmp_path / "course.toml").write_text(COURSE.replace("points = 4", "points = -4"))
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 1
    assert "course.toml:27: [chapter2.loss.checks.points]" in result.output


def test_hint_reveals_one_more_each_time(runner):
    first = runner.invoke(cli, ["hint", "chapter1.square"])
    assert first.exit_code == 0
    assert "Hint 1 of 2 for chapter1.square" in first.output
    assert "Think of x times x." in first.output and "again for a more explicit" in first.output
    ahead = runner.invoke(cli, ["hint", "chapter1.square", "--json"])  # the answer: not yet
    assert json.loads(ahead.output) == {"id": "chapter1.square", "hints": [], "solution_ahead": 2}
    second = runner.invoke(cli, ["hint", "chapter1.square", "--solution", "--json"])
    assert json.loads(second.output)["hints"] == [
        {
            "exercise_id": "chapter1.square",
            "number": 2,
            "total": 2,
            "text": "np.power(x, 2) or x * x.",
            "remembered": True,
            "last": True,
        }
    ]
    shown = runner.invoke(cli, ["hint", "chapter1.square", "--all"])
    assert "Hint 1 of 2" in shown.output and "Hint 2 of 2" in shown.output


def test_hint_needs_a_known_id(runner):
    assert runner.invoke(cli, ["hint"]).exit_code == 2
    result = runner.invoke(cli, ["hint", "chapter1.sqare"])
    assert result.exit_code == 2 and "did you mean 'chapter1.square'" in result.output


def test_progress_shows_best_attempts_and_json(runner, tmp_path):
    with ProgressStore(tmp_path / "home" / "progress.sqlite3") as store:
        when = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
        store.record_attempt("chapter1.square", 3, 3, "passed", time=when)
        store.record_attempt("chapter1.square", 1, 3, "failed", time=when)
    result = runner.invoke(cli, ["progress"])
    assert result.exit_code == 0, result.output
    assert "chapter1.square" in result.output and "3/3" in result.output
    assert "In all: 3/7 points." in result.output
    data = json.loads(runner.invoke(cli, ["progress", "--json"]).output)
    exercise = data["chapters"][0]["exercises"][0]
    assert (exercise["best"], exercise["attempts"], exercise["last_status"]) == (3, 2, "failed")
    assert data["plot"] is None


def test_progress_plot_writes_an_image(runner, tmp_path):
    with ProgressStore(tmp_path / "home" / "progress.sqlite3") as store:
        store.record_attempt("chapter2.loss", 4, 4, "passed")
    image = tmp_path / "progress.png"
    result = runner.invoke(cli, ["progress", "--plot", str(image)])
    assert result.exit_code == 0, result.output
    assert image.read_bytes().startswith(b"\x89PNG")


def test_progress_plot_without_attempts_exits_1(runner, tmp_path):
    result = runner.invoke(cli, ["progress", "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 1 and "no attempts recorded yet" in result.output


def _generation() -> Generation:
    return Generation(files={}, regions={})


def test_build_check_exits_1_on_drift_and_0_without(runner, monkeypatch):
    monkeypatch.setattr(build_cmd, "generate_tree", _generation)
    drift = [Drift(PurePosixPath("conv.py"), "differs")]
    stale: list[str] = []
    monkeypatch.setattr(build_cmd, "check_exercises", lambda out, generation: drift)
    monkeypatch.setattr(build_cmd, "answers_drift", lambda: (stale, AnswersReport(checks=0)))
    result = runner.invoke(cli, ["build", "--check"])
    assert result.exit_code == 1 and "differs: conv.py" in result.output
    assert json.loads(runner.invoke(cli, ["build", "--check", "--json"]).output) == {
        "drift": [{"path": "conv.py", "problem": "differs"}],
        "answers": {"drift": [], "skipped": {}},
    }
    drift.clear()
    result = runner.invoke(cli, ["build", "--check"])
    assert result.exit_code == 0 and "up to date and so are the stored answers" in result.output
    stale.append("chapter5.npz: conv_2d differs")
    result = runner.invoke(cli, ["build", "--check"])
    assert result.exit_code == 1 and "stored answers: chapter5.npz" in result.output
    result = runner.invoke(cli, ["build", "--check", "--no-answers", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"drift": []}


def test_build_writes_and_reports(runner, monkeypatch, tmp_path):
    calls = []

    def fake_build(out, generation):
        calls.append(out)
        return BuildReport(out, (PurePosixPath("a.py"),), (), 3, generation)

    monkeypatch.setattr(build_cmd, "generate_tree", _generation)
    monkeypatch.setattr(build_cmd, "build_exercises", fake_build)
    stored = AnswersReport(files=[Path("chapter1.npz")], checks=7, bytes=2048)
    monkeypatch.setattr(build_cmd, "build_answers", lambda: calls.append("answers") or stored)
    result = runner.invoke(cli, ["build", "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    assert calls == [tmp_path / "ex", "answers"]
    said = " ".join(result.output.split())  # wrapped at the terminal's width, the path's length
    assert "1 files written, 0 removed, 3 unchanged" in said
    assert "7 public checks' answers in 1 files (2 KiB)" in said
    calls.clear()
    result = runner.invoke(cli, ["build", "--out", str(tmp_path / "ex"), "--no-answers", "--json"])
    assert calls == [tmp_path / "ex"] and json.loads(result.output)["answers"] is None


def _fake_reset(calls: list, files: tuple = ()):
    def fake(exercise_id, workspace):
        calls.append((exercise_id, workspace))
        return ResetReport(exercise_id, files, Path("/backups/x") if files else None)

    return fake


def test_reset_asks_first_and_aborts_on_no(runner, monkeypatch, tmp_path):
    calls: list = []
    monkeypatch.setattr(reset_cmd, "reset_exercise", _fake_reset(calls))
    result = runner.invoke(cli, ["reset", "chapter1.square", "--path", str(tmp_path)], input="n\n")
    assert result.exit_code == 1 and calls == []
    assert "Replace leaky_relu in" in result.output and "foundations.py" in result.output


def test_reset_with_confirmation_or_yes(runner, monkeypatch, tmp_path):
    calls: list = []
    done = (tmp_path / "foundations.py",)
    monkeypatch.setattr(reset_cmd, "reset_exercise", _fake_reset(calls, done))
    result = runner.invoke(cli, ["reset", "chapter1.square", "--path", str(tmp_path)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "your previous version: /backups/x" in result.output
    result = runner.invoke(
        cli, ["reset", "chapter1.square", "--path", str(tmp_path), "-y", "--json"]
    )
    assert json.loads(result.output)["backup"] == "/backups/x"
    assert calls == [("chapter1.square", tmp_path)] * 2


def test_reset_of_an_unknown_exercise_is_a_usage_error_without_asking(runner):
    result = runner.invoke(cli, ["reset", "chapter1.nope"])
    assert result.exit_code == 2 and "unknown exercise 'chapter1.nope'" in result.output


def _commands(command, path=()):
    import click

    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _help_texts():
    import click

    for path, command in _commands(cli):
        options = " ".join(p.help or "" for p in command.params if isinstance(p, click.Option))
        yield path, f"{command.help or ''} {options}"


def test_every_example_in_every_help_runs(data_dir, tmp_path, monkeypatch):
    """Each `dlfs-grade ...` a --help shows is run as written (with --check where it would
    rewrite the project's files; placeholders such as ID are skipped), and each exercise id
    it gives as an example exists."""
    import re

    from dlfs.autograder.course import load_course

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    examples, ids = set(), set()
    for _, text in _help_texts():
        found = re.findall(r"dlfs-grade ((?:[A-Za-z0-9_.-]+ ?)+)", text)
        examples |= {m.strip() for m in found if not re.search(r"\b[A-Z]{2,}\b", m)}
        ids |= set(re.findall(r"\b(chapter\d+\.\w+)", text))
    course = load_course()
    assert {i for i in ids if i not in {e.id for e in course.exercises}} == set()
    assert {"chapter3", "all", "data fetch all"} <= examples
    runner = CliRunner()
    for example in sorted(examples):
        words = example.split()
        if words[0] in ("build", "build-answers"):
            words.append("--check")
        result = runner.invoke(cli, words)
        assert result.exit_code in (0, 1), (example, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), example


def test_the_console_prints_plain_text_and_markup_only_when_asked(capsys):
    console = make_console()
    console.print("pip install -e '.[torch]' ([bold] stays)")
    console.print("[bold]asked[/bold]", markup=True)
    assert capsys.readouterr().out.splitlines() == [
        "pip install -e '.[torch]' ([bold] stays)",
        "asked",
    ]
