"""Classroom50's autograder: written by ``release --classroom50``, run as its runner runs it.

The autograder runs in a student's checkout of the students' copy (a solved one, the stubs, one
with nothing to grade) and its ``result.json`` is validated against the
``classroom50/result/v1`` contract (``schemas/classroom50-result-v1.json``, written from
Classroom50's documentation) and its rules a schema cannot say: the sums, score ≤ max-score.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlfs.autograder.classroom.classroom50 import integer_scale
from dlfs.autograder.cli import cli
from dlfs.autograder.course import load_course
from dlfs.autograder.generate.classroom50 import write_autograder
from dlfs.autograder.generate.release import release

from .learner_copy import finished_workspace

pytestmark = pytest.mark.xdist_group("classroom50")  # its module fixtures, computed once

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("nbformat")

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "classroom50-result-v1.json").read_text())
TARGET = "chapter1"
RUNNER = {  # what Classroom50's runner tells an autograder
    "CLASSROOM": "dl-fall-2026",
    "ASSIGNMENT": "chapter1",
    "ASSIGNMENT_TYPE": "individual",
    "USERNAME": "alice",
    "OWNER": "alice",
    "SUBMISSION_TAG": "submit/2026-10-01T12-00-00Z-a1b2c3d",
    "COMMIT_URL": "https://github.com/dl-fall-2026/chapter1-alice/commit/a1b2c3d",
    "RELEASE_URL": "https://github.com/dl-fall-2026/chapter1-alice/releases/tag/submit",
}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("classroom50")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(base / "home"))
        report = release(base / "template", "no-solution", classroom50=True, target=TARGET)
        solved = base / "solved"
        shutil.copytree(report.out, solved)
        shutil.rmtree(solved / "exercises")
        finished_workspace(solved / "exercises")
    assert report.classroom50 == base / "template-classroom50"
    return {"template": report.out, "autograder": report.classroom50, "solved": solved}


def _run(autograder: Path, checkout: Path) -> dict:
    """autograder.py as the runner calls it: in the checkout, with the runner's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLFS_COURSE", "PYTHON"))}
    env.update(RUNNER)
    done = subprocess.run(
        [sys.executable, str(autograder / "autograder.py")],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    return json.loads((checkout / "result.json").read_text(encoding="utf-8"))


def _valid(result: dict) -> None:
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(result)]
    assert not errors, errors
    assert result["score"] == sum(t["score"] for t in result["tests"]) <= result["max-score"]
    assert result["max-score"] == sum(t["max-score"] for t in result["tests"])
    assert all(t["score"] <= t["max-score"] for t in result["tests"])


def test_the_schema_is_a_schema_and_refuses_what_the_contract_refuses():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert not validator.is_valid({"schema": "classroom50/result/v1", "score": 1.5})
    assert not validator.is_valid({"schema": "classroom50/result/v2"})


def test_a_solved_checkout_gets_every_public_point(released):
    result = _run(released["autograder"], released["solved"])
    _valid(result)
    course = load_course()
    exercises = course.chapter(TARGET).exercises
    scale = integer_scale(exercises)
    points = [c.points for e in exercises for c in e.checks if not c.hidden]
    assert scale > 1  # course.toml has parts of points; Classroom50 counts whole ones
    assert all(float(p * scale).is_integer() for p in points)
    assert not all(float(p * (scale - 1)).is_integer() for p in points)
    assert [t["test-name"].split(":")[0] for t in result["tests"]] == [e.id for e in exercises]
    assert result["score"] == result["max-score"] == sum(e.public_points for e in exercises) * scale
    assert all(t["passed"] for t in result["tests"])
    assert result["classroom"] == RUNNER["CLASSROOM"] and result["owner"] == "alice"
    assert result["submission"] == RUNNER["SUBMISSION_TAG"]


def test_the_stubs_get_nothing_and_say_where_to_write(released):
    result = _run(released["autograder"], released["template"])
    _valid(result)
    assert result["score"] == 0 and result["max-score"] > 0
    first = result["tests"][0]
    assert first["status"] == "not_started" and not first["passed"]
    assert "exercises/foundations.py:" in first["message"]  # the checkout's own path


def test_a_checkout_with_nothing_to_grade_is_a_valid_result_of_zero(released, tmp_path):
    empty = tmp_path / "empty-checkout"
    empty.mkdir()
    result = _run(released["autograder"], empty)
    _valid(result)
    assert result["score"] == 0 and result["max-score"] > 0
    assert "could not be graded" in result["tests"][0]["message"]


def test_the_submission_instant_is_the_last_commits(released, tmp_path):
    checkout = shutil.copytree(released["template"], tmp_path / "repo")
    git = ["git", "-C", str(checkout), "-c", "user.name=a", "-c", "user.email=a@b"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    moment = "2026-10-01T14:30:00+02:00"
    env = {**os.environ, "GIT_COMMITTER_DATE": moment, "GIT_AUTHOR_DATE": moment}
    subprocess.run([*git, "commit", "-qm", "work"], check=True, env=env)
    result = _run(released["autograder"], checkout)
    _valid(result)
    assert result["datetime"] == "2026-10-01T12:30:00Z"


def test_pytorch_is_installed_only_for_chapter_7_from_the_cpu_index(released, tmp_path):
    course = load_course()
    for target, torch in (("chapter6", False), ("chapter7", True), ("all", True)):
        folder = tmp_path / target
        write_autograder(folder, released["template"], target, course)
        requirements = (folder / "requirements.txt").read_text()
        assert ("torch==2.13.0" in requirements) is torch, target
        assert ("download.pytorch.org/whl/cpu" in requirements) is torch, target
        script = (folder / "autograder.py").read_text()
        assert ("'torch'" in script) is torch, target
        assert "--no-cache-dir" not in script  # pip's cache is kept
        assert script.count('"classroom50-run"') == 1  # one grading run per push


def test_the_autograder_lives_beside_the_copy_and_holds_no_answer_key(released):
    folder = released["autograder"]
    assert not (released["template"] / "autograder.py").exists()
    assert not (folder / "dlfs" / "reference").exists()
    assert (folder / "dlfs" / "autograder" / "answers" / "chapter1.npz").is_file()
    students = load_course(folder / "course.toml")
    assert students.hint_policy == "no-solution"


def test_github_classrooms_workflow_is_gone_with_the_service(tmp_path):
    result = CliRunner().invoke(cli, ["release", str(tmp_path / "x"), "--classroom"])
    assert result.exit_code == 2
    assert "retired on 2026-08-28" in result.output and "--classroom50" in result.output


def test_the_integer_scale_is_the_smallest_that_makes_points_whole():
    course = load_course()
    assert integer_scale(course.chapter("chapter1").exercises) == 4  # it has quarter points
    assert integer_scale(course.chapter("chapter2").exercises) == 4  # quarter points too
    assert all(
        abs(c.points * integer_scale(course.exercises) % 1) < 1e-9
        for e in course.exercises
        for c in e.checks
    )


def test_the_release_command_writes_the_autograder_beside_the_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    out = tmp_path / "dlfs-students"
    args = ["release", str(out), "--classroom50", "-t", "chapter1", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["classroom50"] == str(tmp_path / "dlfs-students-classroom50")
    assert (
        "TARGET = 'chapter1'" in (tmp_path / "dlfs-students-classroom50/autograder.py").read_text()
    )
    again = CliRunner().invoke(cli, args)  # the folders are not empty any more
    assert again.exit_code == 1 and "is not empty" in again.output
