"""One grade everywhere: the same code gets the same points however it is graded.

Three workspaces of chapter 1 — the answer key, three bugs, and a body that calls a helper of
the learner's own outside it — are graded in seven ways: the CLI, the students' copy (no
answer key; stored answers), a notebook's ``check()``, that notebook in the students' copy,
``batch``, nbgrader's autograde preprocessor and the Gradescope run. Every way must give every
exercise the same points.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import dlfs.autograder.grading.answers as answers_module
import dlfs.autograder.notebook.checking as checking
from dlfs.autograder.classroom.batch import grade_class
from dlfs.autograder.classroom.gradescope import run_autograder
from dlfs.autograder.notebook import check
from dlfs.autograder.notebook.generate import chapter_notebook

from .grading_helpers import reference_workspace, replace_body, session_grade

pytest.importorskip("nbgrader")

CHAPTER = "chapter1"
EXERCISES = ("sigmoid", "leaky_relu", "chain_deriv_2", "deriv", "matmul_backward_first")
HELPER = "\n\ndef _logistic(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"


def _workspaces(root: Path) -> dict[str, Path]:
    found = {}
    for name in ("correct", "buggy", "helper"):
        found[name] = shutil.move(reference_workspace(root / f"made-{name}"), root / name)
    buggy = found["buggy"]
    replace_body(buggy, "foundations:sigmoid", "return 1 / (1 + np.exp(x))")
    replace_body(buggy, "foundations:leaky_relu", "return np.maximum(0, x)")
    replace_body(
        buggy,
        "foundations:chain_deriv_2",
        "return deriv(f1, input_range) * deriv(f2, input_range)",
    )
    helper = found["helper"]
    replace_body(helper, "foundations:sigmoid", "return _logistic(x)")
    path = helper / "foundations.py"
    path.write_text(path.read_text(encoding="utf-8") + HELPER, encoding="utf-8")
    return {name: Path(folder) for name, folder in found.items()}


def _scores(exercises) -> dict[str, float]:
    return {
        result.id.split(".")[1]: float(result.score)
        for result in exercises
        if result.id.split(".")[1] in EXERCISES
    }


# --- the notebook forms of a workspace --------------------------------------------------------


def _definitions(workspace: Path, module: str) -> dict[str, str]:
    source = (workspace / f"{module}.py").read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }


def _notebook(workspace: Path, nbgrader: bool) -> nbformat.NotebookNode:
    """The chapter's notebook with each exercise's cell holding the workspace's code."""
    notebook = chapter_notebook(CHAPTER, nbgrader=nbgrader)
    for cell in notebook.cells:
        found = re.fullmatch(r"code-(\w+)-(\w+)", cell.get("id", ""))
        if cell.cell_type != "code" or not found:
            continue
        module, name = found.groups()
        definitions = _definitions(workspace, module)
        helpers = [text for other, text in definitions.items() if other.startswith("_")]
        cell.source = "\n\n\n".join([definitions[name], *helpers])
    return notebook


def _code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == "code"]


# --- the seven ways ---------------------------------------------------------------------------


def _by_cli(workspace: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "dlfs.autograder.cli", CHAPTER, "--path", str(workspace)]
    done = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, env=os.environ, check=False
    )
    report = json.loads(done.stdout)
    return {
        e["id"].split(".")[1]: float(e["score"])
        for e in report["exercises"]
        if e["id"].split(".")[1] in EXERCISES
    }


def _students_copy(workspace: Path, root: Path) -> Path:
    copy = root / f"students-{workspace.name}" / "exercises"
    shutil.copytree(workspace, copy)
    for path in copy.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bdlfs\.reference\b", "dlfs.exercises", text), encoding="utf-8")
    return copy


def _by_students_copy(workspace: Path, root: Path) -> dict[str, float]:
    copy = _students_copy(workspace, root)
    report = session_grade(CHAPTER, copy, use_reference=False)
    return _scores(report.exercises)


def _by_check(workspace: Path) -> dict[str, float]:
    cells = _code_cells(_notebook(workspace, nbgrader=False))
    return {
        name: check(f"{CHAPTER}.{name}", namespace={"In": cells}, record=False)
        for name in EXERCISES
    }


def _by_nbgrader(workspace: Path) -> dict[str, float]:
    from dlfs.autograder.notebook.preprocessors import RegradeTestCells

    notebook = _notebook(workspace, nbgrader=True)
    notebook, _ = RegradeTestCells().preprocess(notebook, {})
    scores = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        name = grade_id.removeprefix("check-")
        if grade_id.startswith("check-") and name in EXERCISES:
            result = [o for o in cell.outputs if o.output_type == "execute_result"]
            scores[name] = float(result[0].data["text/plain"])
    return scores


def _by_gradescope(workspace: Path, root: Path) -> dict[str, float]:
    home = root / f"gradescope-{workspace.name}"
    shutil.copytree(workspace, home / "submission" / "exercises")
    results = run_autograder(home, CHAPTER)
    scores: dict[str, float] = {}
    for test in results["tests"]:
        name = test["name"].split(":")[0].split(".")[-1]
        if name in EXERCISES:
            scores[name] = scores.get(name, 0.0) + float(test["score"])
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("one-grade")
    home = root / "home"
    os.environ["DLFS_HOME"] = str(home)
    workspaces = _workspaces(root)
    ways: dict[str, dict[str, dict[str, float]]] = {}
    for name, workspace in workspaces.items():
        ways[name] = {
            "cli": _by_cli(workspace),
            "students' copy": _by_students_copy(workspace, root),
            "check()": _by_check(workspace),
            "nbgrader": _by_nbgrader(workspace),
            "gradescope": _by_gradescope(workspace, root),
        }
    submissions = root / "submissions"
    for name, workspace in workspaces.items():
        shutil.copytree(workspace, submissions / name / "exercises")
    for row in grade_class(submissions, target=CHAPTER).students:
        assert row.report is not None, row.error
        ways[row.student]["batch"] = _scores(row.report.exercises)
    return ways


def test_the_notebook_in_the_students_copy_grades_as_its_cli(graded, tmp_path, monkeypatch):
    """Without the answer key, a notebook's check() grades against the stored answers, with
    the learner's own package (its stubs or work) around the notebook's code."""
    monkeypatch.setattr(answers_module, "reference_available", lambda: False)
    monkeypatch.setattr(checking, "reference_available", lambda: False)
    buggy = _workspaces(tmp_path)["buggy"]
    scores = _by_check(buggy)
    assert scores == graded["buggy"]["students' copy"]


@pytest.mark.parametrize("workspace", ["correct", "buggy", "helper"])
def test_every_way_gives_every_exercise_the_same_points(graded, workspace):
    ways = graded[workspace]
    assert set(ways) == {"cli", "students' copy", "check()", "nbgrader", "gradescope", "batch"}
    first = ways["cli"]
    assert set(first) == set(EXERCISES)
    different = {way: scores for way, scores in ways.items() if scores != first}
    assert not different, (first, different)


def test_the_buggy_workspace_loses_points_where_its_bugs_are(graded):
    cli = graded["buggy"]["cli"]
    correct = graded["correct"]["cli"]
    lost = {name for name in EXERCISES if cli[name] < correct[name]}
    assert lost == {"sigmoid", "leaky_relu", "chain_deriv_2"}
