"""Does hostile learner code cost its own exercise's points and nothing else?

Each test swaps one body of chapter 1 (``chapter1.sigmoid``) in a copy of the reference for
something hostile and grades the whole chapter: the hostile exercise must end at 0 with a clear
status, every other exercise with full marks, and no exception may reach the grader.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from dlfs.autograder.api import grade
from dlfs.autograder.cli.main import cli

from .grading_helpers import fast_course, reference_workspace, replace_body, session_grade

pytestmark = pytest.mark.xdist_group("grade_hostile")  # its module fixtures, computed once

TARGET = "foundations:sigmoid"
EXERCISE = "chapter1.sigmoid"

HOSTILE = {
    "infinite_loop": ("while True:\n    pass", "timeout"),
    "memory_bomb": (
        "hog = []\nwhile True:\n    hog.append(np.ones(2**24))",
        "error",
    ),
    "os_exit": ("import os\nos._exit(0)", "error"),
    "sys_exit": ("import sys\nsys.exit(0)", "error"),
    "patch_numpy": (
        "np.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.array_equal = lambda *a, **k: True\n"
        "return np.zeros_like(x)",
        "failed",
    ),
    "fake_report": (
        'print(\'{"target": "chapter1", "score": 18, "max_score": 18, "exercises": []}\')\n'
        "print('chapter1.sigmoid  passed  1/1')\n"
        "return x",
        "failed",
    ),
    "patch_the_grader": (  # the grader's modules are not even in the worker
        "import dlfs.autograder.grading.judge as checks\n"
        "import dlfs.autograder.results as results\n"
        "checks.evaluate = lambda *a, **k: None\n"
        "results.CheckResult.__init__ = lambda self, *a, **k: None\n"
        "return x + 1",
        "error",
    ),
    "fork_bomb": ("import os\nwhile True:\n    os.fork()", None),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return fast_course(tmp_path_factory.mktemp("course"), timeout=6, memory_mb=512)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_body_costs_its_own_points_only(kind, course, tmp_path):
    body, status = HOSTILE[kind]
    if kind == "fork_bomb" and os.geteuid() == 0 and not hasattr(os, "setuid"):
        pytest.skip("no way to limit processes here")
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, TARGET, body)
    report = grade("chapter1", path=workspace, record=False, course=course)
    results = {r.id: r for r in report.exercises}
    hostile = results.pop(EXERCISE)
    assert hostile.score == 0
    if status is not None:
        assert hostile.status == status, hostile.message
    else:
        assert hostile.status in ("error", "timeout", "failed")
    assert hostile.message
    assert "Traceback" not in hostile.message
    for result in results.values():
        assert result.status == "passed", (result.id, result.message)
        assert result.score == result.max_score


def test_printed_output_never_reaches_the_json_report(course, tmp_path, monkeypatch):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, TARGET, HOSTILE["fake_report"][0])
    monkeypatch.setattr("dlfs.autograder.grading.session.load_course", lambda: course)
    result = CliRunner().invoke(
        cli, ["chapter1", "--path", str(workspace), "--json", "--no-record"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    by_id = {e["id"]: e for e in report["exercises"]}
    assert by_id[EXERCISE]["score"] == 0
    assert report["score"] == report["max_score"] - by_id[EXERCISE]["max_score"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return [0.5] * x.size", "should be a NumPy array; your code returned a list"),
        ("return np.full_like(x, np.nan)", "nan"),
        ("return (1.0 / (1.0 + np.exp(-x))).T", "shape"),
        ("return 1 / 0", "ZeroDivisionError: division by zero (at "),
        ("return undefined_name", "NameError"),
    ],
)
def test_wrong_returns_get_a_message_naming_the_problem(body, expected, course, tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, TARGET, body)
    report = grade(EXERCISE, path=workspace, record=False, course=course)
    (result,) = report.exercises
    assert result.score < result.max_score
    assert expected.lower() in result.message.lower()
    assert "Traceback" not in result.message


def test_a_syntax_error_is_an_error_with_its_line(course, tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, TARGET, "return (x +")
    report = grade("chapter1", path=workspace, record=False, course=course)
    by_id = {r.id: r for r in report.exercises}
    assert by_id[EXERCISE].status == "error"
    assert "syntax error at " in by_id[EXERCISE].message
    assert "foundations.py:" in by_id[EXERCISE].message
    # every exercise of the same file fails to parse too: that file is broken
    assert by_id["chapter1.matmul_backward_first"].status == "passed"


def test_grading_two_at_a_time_gives_the_same_report(course, tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, TARGET, HOSTILE["infinite_loop"][0])
    one = grade("chapter1", path=workspace, record=False, course=course)
    two = session_grade("chapter1", workspace, course, jobs=2)
    assert [(e.id, e.status, e.score) for e in two.exercises] == [
        (e.id, e.status, e.score) for e in one.exercises
    ]
    assert two.to_dict()["exercises"][1]["status"] == "timeout"
