"""End to end with the real nbgrader: publish chapter 1, two submissions, autograde, feedback,
export — and the points each student gets.

One test of about a minute (nbgrader's commands start slowly); it runs in CI on purpose.
"""

from __future__ import annotations

import csv
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")

from dlfs.autograder.course import load_course
from dlfs.autograder.notebook import grade_cells
from dlfs.autograder.notebook.publish import nbgrader_env, publish

CHAPTER = "chapter1"
ALICE = pwd.getpwuid(os.getuid()).pw_name  # who submits through the exchange
WRONG_SIGMOID = '''def sigmoid(x):
    """Wrong: the sign of the exponent."""
    return 1.0 / (1.0 + np.exp(x))
'''
HOSTILE = """import sys

import dlfs.autograder.notebook as notebook

notebook.check = lambda *args, **kwargs: 3.0  # claim every point
sys.displayhook = lambda value: None  # no output at all is full marks to nbgrader
print("chapter1.chain_deriv_3  passed  3/3")


def chain_deriv_3(chain, input_range):
    while True:  # hangs the grader's worker: stopped by the exercise's timeout
        pass


while True:  # hangs the kernel: stopped by nbgrader's cell timeout
    pass
"""


def _course_file(tmp_path: Path) -> Path:
    """course.toml with chapter 1's sigmoid agreement check hidden and a short timeout."""
    text = load_course().path.read_text(encoding="utf-8")
    start = text.index("[chapter1]")
    end = text.index("[chapter2]")
    part = text[start:end]
    head, sigmoid = part.split("[chapter1.sigmoid]", 1)
    sigmoid = sigmoid.replace(
        '{ kind = "agreement", points = 0.25 }',
        '{ kind = "agreement", points = 0.25, hidden = true }',
        1,
    )
    part = f"{head}[chapter1.sigmoid]{sigmoid}"
    part = part.replace("[chapter1.chain_deriv_3]\n", "[chapter1.chain_deriv_3]\ntimeout = 3\n", 1)
    path = tmp_path / "course.toml"
    path.write_text(text[:start] + part + text[end:], encoding="utf-8")
    return path


def _nbgrader(course_dir: Path, *args: str) -> str:
    env = nbgrader_env()
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def _submit(course_dir: Path, student: str, notebook: nbformat.NotebookNode) -> None:
    folder = course_dir / "submitted" / student / CHAPTER
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{CHAPTER}.ipynb")


def test_publish_autograde_feedback_export(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    course = load_course(_course_file(tmp_path))
    course_dir = tmp_path / "course"
    report = publish(CHAPTER, course_dir, course=course, cell_timeout=5)
    assert report.points == 18 and report.exercises == 9

    source = nbformat.read(report.source, as_version=4)
    release_text = report.release.read_text(encoding="utf-8")
    assert any("### BEGIN SOLUTION" in c.source for c in source.cells)
    for secret in ("BEGIN SOLUTION", "np.maximum(0.2 * x, x)", "HIDDEN TESTS", "hidden = True"):
        assert secret not in release_text
    tests = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points for c in tests} == {
        f"check-{e.name}": e.points for e in course.chapter(CHAPTER).exercises
    }

    solutions = {c.id: c.source for c in source.cells}
    release = nbformat.read(report.release, as_version=4)
    complete = nbformat.from_dict(release)
    for cell in complete.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = solutions[cell.id]
    # The first student goes through the exchange as the guide says: fetch, work, submit;
    # then the instructor collects. nbgrader names the submission after the system user.
    exchange = course_dir / "exchange"
    home = tmp_path / "student-home"
    home.mkdir()
    student = ["--course", "dlfs", f"--Exchange.root={exchange}"]
    _nbgrader(home, "fetch_assignment", CHAPTER, *student)
    fetched = home / CHAPTER / f"{CHAPTER}.ipynb"
    assert nbformat.read(fetched, as_version=4).cells[0].source == release.cells[0].source
    nbformat.write(complete, fetched)
    _nbgrader(home, "submit", CHAPTER, *student)
    _nbgrader(course_dir, "collect", CHAPTER)
    assert (course_dir / "submitted" / ALICE / CHAPTER / f"{CHAPTER}.ipynb").is_file()

    half = nbformat.from_dict(release)
    done = ("leaky_relu", "deriv", "chain_deriv_2")
    for cell in half.cells:
        if any(cell.id == f"code-foundations-{name}" for name in done):
            cell.source = solutions[cell.id]
        elif cell.id == "code-foundations-sigmoid":
            cell.source = WRONG_SIGMOID
        elif cell.id == "code-foundations-chain_deriv_3":
            cell.source = HOSTILE
        elif cell.id == "check-matmul_backward_first":
            cell.source = "1.0  # full marks, surely"
    half.cells = [c for c in half.cells if c.id != "check-chain_deriv_2"]
    _submit(course_dir, "bob", half)

    killer = nbformat.from_dict(complete)  # everything right, but one cell kills the kernel
    for cell in killer.cells:
        if cell.id == "code-foundations-chain_deriv_3":
            cell.source = "import os\n\nos._exit(1)\n"
    _submit(course_dir, "carol", killer)

    log = _nbgrader(course_dir, "autograde", CHAPTER)
    warned = [line for line in log.splitlines() if "checksum" in line]
    assert all("check-matmul_backward_first" in line for line in warned), warned  # bob's edit
    _nbgrader(course_dir, "generate_feedback", CHAPTER)
    _nbgrader(course_dir, "export")

    with open(course_dir / "grades.csv", newline="") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    # alice: everything. bob: leaky_relu 1 + deriv 2 + chain_deriv_2 2 (its deleted test cell
    # put back); his wrong sigmoid, the hostile cell and the edited test cell score nothing.
    # carol: all but chain_deriv_3, whose cell killed the kernel (the rest graded from code).
    assert scores == {ALICE: 18.0, "bob": 5.0, "carol": 15.0}

    assert "check-chain_deriv_2` was deleted" in log
    assert "check-matmul_backward_first` was edited" in log
    feedback = {
        student: (course_dir / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text()
        for student in (ALICE, "bob")
    }
    assert "Note from the dlfs autograder" not in feedback[ALICE]
    assert "Note from the dlfs autograder" in feedback["bob"]
    assert "was deleted" in feedback["bob"] and "was edited" in feedback["bob"]
    assert "hidden check" in feedback["bob"]

    # The hidden check's expected values never reach the student, even where it failed.
    full = grade_cells(
        f"{CHAPTER}.sigmoid", ["import numpy as np", WRONG_SIGMOID], True, False, course
    )
    hidden = next(c for c in full.exercises[0].checks if c.hidden)
    assert not hidden.passed
    expected = re.search(r"expected (\S+?)[,)\s]", hidden.message)
    assert expected is not None, hidden.message
    assert expected.group(1) not in feedback["bob"]
    autograded = nbformat.read(
        course_dir / "autograded" / "bob" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4
    )
    assert expected.group(1) not in nbformat.writes(autograded)
    feedback_text = [
        line
        for cell in autograded.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
        for line in output["text"].splitlines()
    ]
    assert feedback_text and max(map(len, feedback_text)) <= 100  # wraps inside the box


def test_a_config_published_before_the_notebook_package_still_loads():
    """Courses published before the move name ``dlfs.autograder.nbgrader_preprocessors``."""
    from traitlets.config import Config

    from dlfs.autograder.notebook import preprocessors
    from dlfs.autograder.notebook.publish import config_text

    text = config_text(60)
    assert "from dlfs.autograder.notebook.preprocessors import (" in text
    old = text.replace(
        "from dlfs.autograder.notebook.preprocessors import (",
        "from dlfs.autograder.nbgrader_preprocessors import (",
    )
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": "/course/nbgrader_config.py"}
    exec(compile(old, "nbgrader_config.py", "exec"), namespace)
    assert config.Autograde.autograde_preprocessors[0] is preprocessors.ExecuteSafely
    assert preprocessors.RegradeTestCells in config.Autograde.autograde_preprocessors
