"""One grade everywhere: the same code gets the same points however it is graded.

Workspaces over every chapter — the answer key; chapter 1's three bugs; and the *shapes*
that broke notebook routes: helpers without a leading ``_`` and module-level values beside
the body (``logistic``, ``ONE = 1.0``), a method calling a module-level helper, a learner's
exception in a check with fixed expected values, chapter 2's two ``loss_gradients`` (the
other one's cell runs last), chapter 2's ``forward_loss`` calling chapter 1's ``sigmoid`` —
are graded in eight ways: the CLI (the file route), the students' copy's CLI (stored
answers, the learner's package), a notebook's ``check()``, that notebook in the students'
copy (its package the stubs: the notebook is the learner's only work), ``batch``,
nbgrader's autograde preprocessor, the Gradescope run and the Classroom50 autograder. Every
way must give every exercise the same points (a copy's ways: the public points) and, where
a way says it, the same status.
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

import dlfs.autograder.grading.expected as answers_module
import dlfs.autograder.notebook.checking as checking
from dlfs.autograder.classroom.batch import grade_class
from dlfs.autograder.classroom.classroom50 import integer_scale, run_classroom50
from dlfs.autograder.classroom.gradescope import run_autograder
from dlfs.autograder.course import load_course
from dlfs.autograder.generate.notebooks import chapter_notebook
from dlfs.autograder.notebook import check
from dlfs.autograder.paths import reference_root

from .grading_helpers import reference_workspace, replace_body, session_grade

pytestmark = pytest.mark.xdist_group("one_grade")  # its module fixtures, computed once

pytest.importorskip("nbgrader")
pytest.importorskip("torch")

GRADED = {
    "chapter1": ("sigmoid", "leaky_relu", "chain_deriv_2"),
    "chapter2": ("forward_loss", "loss_gradients"),
    "chapter3": ("sigmoid_forward",),
    "chapter4": ("relu",),
    "chapter5": ("conv_1d",),
    "chapter6": ("adagrad",),
    "chapter7": ("dense_layer",),
}
BUGS = {
    "foundations:sigmoid": "return 1 / (1 + np.exp(x))",
    "foundations:leaky_relu": "return np.maximum(0, x)",
    "foundations:chain_deriv_2": "return deriv(f1, input_range) * deriv(f2, input_range)",
}
SHAPES = {  # target -> (body, what the file gets beside it)
    "foundations:sigmoid": (
        "return logistic(x)",
        "ONE = 1.0\n\n\ndef logistic(x):\n    return ONE / (ONE + np.exp(-x))\n",
    ),
    "foundations:leaky_relu": ('raise ValueError(f"not finished: {x.shape}")', ""),
    "linear_regression:loss_gradients": (
        'P, y = forward_info["P"], forward_info["y"]\n'
        "dLdP = SCALE * (y - P) / P.size\n"
        'return {"W": np.dot(forward_info["X"].T, dLdP), "B": column_sum(dLdP)}',
        "SCALE = -2.0\n\n\ndef column_sum(a):\n    return np.sum(a, axis=0, keepdims=True)\n",
    ),
    "activations:Sigmoid._output": (
        "return squash(self.input_)",
        "HALF = 0.5\n\n\ndef squash(x):\n    return HALF * (1.0 + np.tanh(HALF * x))\n",
    ),
    "activations:ReLU._output": ("return np.maximum(self.input_, FLOOR)", "FLOOR = 0.0\n"),
    "activations:ReLU._input_grad": (
        "return output_grad * positive(self.input_)",
        "def positive(x):\n    return x > FLOOR\n",
    ),
    "conv_steps:conv_1d": (
        "windows = sliding_window_view(_pad_1d(input_, K // 2), K)\n"
        "return dot_windows(windows, param)",
        "def dot_windows(w, p):\n    return w @ p\n",
    ),
    "rnn_optimizers:AdaGrad._update_rule": (
        "sum_square += grad * grad\nparam -= self.lr * grad / (sum_square**ROOT + self.eps)",
        "ROOT = 0.5\n",
    ),
    "pytorch.layers:DenseLayer.forward": (
        "return finish(self, self.linear(x))",
        "def finish(layer, x):\n"
        "    if layer.activation is not None:\n"
        "        x = layer.activation(x)\n"
        "    if layer.dropout is not None:\n"
        "        x = layer.dropout(x)\n"
        "    return x\n",
    ),
}
IDS = [f"{chapter}.{name}" for chapter, names in GRADED.items() for name in names]
CHAPTER1 = [f"chapter1.{name}" for name in GRADED["chapter1"]]
GRADED_IN = {"shapes": IDS, "correct": CHAPTER1, "buggy": CHAPTER1}
"""What each workspace is graded on: the shapes in every chapter (the answer key's code
elsewhere), the answer key and the bugs in chapter 1."""


def _workspaces(root: Path) -> dict[str, Path]:
    found = {}
    for name in GRADED_IN:
        found[name] = Path(shutil.move(reference_workspace(root / f"made-{name}"), root / name))
    for target, body in BUGS.items():
        replace_body(found["buggy"], target, body)
    for target, (body, beside) in SHAPES.items():
        replace_body(found["shapes"], target, body)
        if beside:
            module = target.split(":")[0]
            path = found["shapes"].joinpath(*module.split(".")).with_suffix(".py")
            path.write_text(path.read_text(encoding="utf-8") + "\n\n" + beside, encoding="utf-8")
    return found


# --- the notebook forms of a workspace --------------------------------------------------------


def _module_statements(path: Path) -> dict[str, str]:
    source = path.read_text(encoding="utf-8")
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            found[node.name] = ast.get_source_segment(source, node) or ""
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.get_source_segment(source, node) or ""
    return found


def _notebook(
    workspace: Path, chapter: str, nbgrader: bool, ids: list[str]
) -> nbformat.NotebookNode:
    """The chapter's notebook with each code cell holding the workspace's code: the
    definition, and what the learner wrote beside it (helpers, values) in the same cell;
    only the graded exercises' check cells (the others would only cost time)."""
    notebook = chapter_notebook(chapter, nbgrader=nbgrader)
    notebook.cells = [
        c
        for c in notebook.cells
        if not c.get("id", "").startswith("check-")
        or f"{chapter}.{c.id.removeprefix('check-')}" in ids
    ]
    modules = {
        t.module.replace(".", "_"): t.module for e in load_course().exercises for t in e.targets
    }
    for cell in notebook.cells:
        found = re.fullmatch(r"code-(\w+)-(\w+)", cell.get("id", ""))
        if cell.cell_type != "code" or not found:
            continue
        module = modules[found.group(1)]
        first = cell.source.split("\n", 1)[0]
        marker = [first] if first.startswith("# exercises/") else []  # the file's line, kept
        ours = _module_statements(workspace.joinpath(*module.split(".")).with_suffix(".py"))
        key = _module_statements(reference_root().joinpath(*module.split(".")).with_suffix(".py"))
        beside = [text for name, text in ours.items() if name not in key]
        cell.source = "\n\n\n".join([*marker, ours[found.group(2)], *beside])
    return notebook


def _code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in notebook.cells if c.cell_type == "code"]


# --- the eight ways ---------------------------------------------------------------------------

Grades = dict[str, tuple[float, str | None]]
"""exercise id -> (points, status; None where a way does not say)."""


def _by_cli(workspace: Path, ids: list[str]) -> tuple[Grades, Grades]:
    """The CLI's grades, and its public points (what a copy can give)."""
    command = [sys.executable, "-m", "dlfs.autograder.cli", *ids, "--path", str(workspace)]
    done = subprocess.run([*command, "--json", "--no-record"], capture_output=True, text=True)
    report = json.loads(done.stdout)
    grades = {e["id"]: (float(e["score"]), e["status"]) for e in report["exercises"]}
    public = {
        e["id"]: (float(sum(c["score"] for c in e["checks"] if not c["hidden"])), e["status"])
        for e in report["exercises"]
    }
    return grades, public


def _renamed(workspace: Path, root: Path) -> Path:
    copy = root / f"students-{workspace.name}" / "exercises"
    shutil.copytree(workspace, copy)
    for path in copy.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bdlfs\.reference\b", "dlfs.exercises", text), encoding="utf-8")
    return copy


def _by_students_copy(copy: Path, ids: list[str]) -> Grades:
    report = session_grade(ids, copy, use_reference=False)
    return {e.id: (float(e.score), e.status) for e in report.exercises}


def _by_check(workspace: Path, ids: list[str]) -> Grades:
    grades: Grades = {}
    for chapter in sorted({i.split(".")[0] for i in ids}):
        cells = ["", *_code_cells(_notebook(workspace, chapter, False, ids))]  # In[0] is ""
        for exercise_id in (i for i in ids if i.startswith(f"{chapter}.")):
            grades[exercise_id] = (check(exercise_id, namespace={"In": cells}, record=False), None)
    return grades


def _by_nbgrader(workspace: Path, ids: list[str]) -> Grades:
    from dlfs.autograder.notebook.preprocessors import RegradeTestCells

    grades: Grades = {}
    for chapter in sorted({i.split(".")[0] for i in ids}):
        notebook, _ = RegradeTestCells().preprocess(_notebook(workspace, chapter, True, ids), {})
        for cell in notebook.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            exercise_id = f"{chapter}.{grade_id.removeprefix('check-')}"
            if grade_id.startswith("check-") and exercise_id in ids:
                result = [o for o in cell.outputs if o.output_type == "execute_result"]
                grades[exercise_id] = (float(result[0].data["text/plain"]), None)
    return grades


def _by_gradescope(workspace: Path, ids: list[str], root: Path) -> Grades:
    home = root / f"gradescope-{workspace.name}"
    shutil.copytree(workspace, home / "submission" / "exercises")
    grades: Grades = {}
    for exercise_id in ids:
        results = run_autograder(home, exercise_id)
        grades[exercise_id] = (float(sum(t["score"] for t in results["tests"])), None)
    return grades


def _by_classroom50(copy: Path, ids: list[str]) -> Grades:
    course = load_course()
    grades: Grades = {}
    for exercise_id in ids:
        result = run_classroom50(copy.parent, exercise_id, copy.parent / "result.json", env={})
        (test,) = result["tests"]
        scale = integer_scale(course.select(exercise_id))
        grades[exercise_id] = (test["score"] / scale, test["status"])
    return grades


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("one-grade")
    os.environ["DLFS_HOME"] = str(root / "home")
    workspaces = _workspaces(root)
    ways: dict[str, dict[str, Grades]] = {}
    for name, workspace in workspaces.items():
        ids = GRADED_IN[name]
        copy = _renamed(workspace, root)
        cli, public = _by_cli(workspace, ids)
        ways[name] = {
            "cli": cli,
            "public": public,
            "students' copy": _by_students_copy(copy, ids),
            "check()": _by_check(workspace, ids),
            "nbgrader": _by_nbgrader(workspace, ids),
            "gradescope": _by_gradescope(workspace, ids, root),
            "classroom50": _by_classroom50(copy, ids),
        }
        with pytest.MonkeyPatch.context() as patch:  # the students' copy has no answer key
            patch.setattr(answers_module, "reference_available", lambda: False)
            patch.setattr(checking, "reference_available", lambda: False)
            ways[name]["students' notebook"] = _by_check(workspace, ids)
    submissions = root / "submissions"
    for name, workspace in workspaces.items():
        shutil.copytree(workspace, submissions / name / "exercises")
    for exercise_id in IDS:
        for row in grade_class(submissions, target=exercise_id, jobs=2).students:
            assert row.report is not None, row.error
            if exercise_id in GRADED_IN[row.student]:
                (result,) = row.report.exercises
                ways[row.student].setdefault("batch", {})[exercise_id] = (
                    result.score,
                    result.status,
                )
    return ways


_COPY_WAYS = ("students' copy", "students' notebook", "classroom50")


@pytest.mark.parametrize("workspace", sorted(GRADED_IN))
def test_every_way_gives_every_exercise_the_same_points(graded, workspace):
    ways = graded[workspace]
    assert set(GRADED_IN[workspace]) == set(ways["cli"])
    different = {}
    for way, grades in ways.items():
        if way == "public":
            continue
        expected = ways["public"] if way in _COPY_WAYS else ways["cli"]
        for exercise_id, (points, status) in grades.items():
            want_points, want_status = expected[exercise_id]
            if points != pytest.approx(want_points) or status not in (None, want_status):
                different[(way, exercise_id)] = ((points, status), (want_points, want_status))
    assert not different, different


def test_the_buggy_workspace_loses_points_where_its_bugs_are(graded):
    cli, correct = graded["buggy"]["cli"], graded["correct"]["cli"]
    lost = {i for i in cli if cli[i][0] < correct[i][0]}
    assert lost == {"chapter1.sigmoid", "chapter1.leaky_relu", "chapter1.chain_deriv_2"}


def test_the_shapes_are_graded_as_their_code_deserves(graded):
    """Helpers and values beside a body pass; a learner's exception is the learner's error
    (never the grader's), in every way; every chapter is there."""
    course = load_course()
    shapes = graded["shapes"]["cli"]
    assert {i.split(".")[0] for i in shapes} == set(GRADED)
    assert shapes["chapter1.leaky_relu"] == (0.0, "error")
    full = {i: (float(course.exercise(i).points), "passed") for i in IDS}
    assert {i: g for i, g in shapes.items() if i != "chapter1.leaky_relu"} == {
        i: g for i, g in full.items() if i != "chapter1.leaky_relu"
    }
    assert graded["shapes"]["students' copy"]["chapter1.leaky_relu"][1] == "error"
