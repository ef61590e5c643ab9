"""Does the Gradescope autograder zip grade a submission and write Gradescope's results.json?

The zip is unpacked into a temporary folder laid out like Gradescope's ``/autograder``
(``DLFS_GRADESCOPE_ROOT`` points there); ``setup.sh`` runs (the dependencies are importable
here, so it installs nothing; the data sets are found in ``DLFS_DATA_DIR``), then
``run_autograder`` runs for real on a submission.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dlfs.autograder.classroom.gradescope import build_autograder, results_json
from dlfs.autograder.course import parse_course
from dlfs.autograder.results import CheckResult, ExerciseResult, GradeReport

from .grading_helpers import reference_workspace, replace_body

pytestmark = pytest.mark.xdist_group("gradescope")  # its module fixtures, computed once

TARGET = "chapter3"


def _unpack(zip_path: Path, root: Path) -> None:
    """What Gradescope does: the zip into /autograder/source, run_autograder copied up."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLFS_COURSE")}
    env["DLFS_GRADESCOPE_ROOT"] = str(root)
    env["DLFS_PYTHON"] = sys.executable
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def gradescope_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("gradescope")
    zip_path = build_autograder(TARGET, base / "autograder.zip")
    root = base / "autograder"
    _unpack(zip_path, root)
    return root


def test_the_zip_holds_the_scripts_and_dlfs(gradescope_root):
    names = {p.relative_to(gradescope_root).as_posix() for p in gradescope_root.rglob("*")}
    scripts = {"run_autograder", "source/setup.sh", "source/run_autograder"}
    assert scripts | {"source/course.toml", "source/requirements.txt"} <= names
    assert "source/dlfs/reference/activations.py" in names
    assert "source/dlfs/autograder/probes/chapter3.py" in names
    assert not any("__pycache__" in n for n in names)
    requirements = (gradescope_root / "source" / "requirements.txt").read_text()
    assert "numpy" in requirements and "pytest" not in requirements
    assert "nbgrader" not in requirements and "jupyterlab" not in requirements  # extras
    setup = (gradescope_root / "source" / "setup.sh").read_text()
    assert "data fetch boston\n" in setup  # what chapter 3's training checks read, only


def test_the_zip_can_bundle_the_data_sets_for_a_machine_without_internet(tmp_path, data_dir):
    import zipfile

    path = build_autograder("chapter3", tmp_path / "offline.zip", bundle_data=True)
    names = set(zipfile.ZipFile(path).namelist())
    data = {n for n in names if n.startswith("data/")}
    assert any("boston" in n for n in data), sorted(names)[:5]
    assert not any("mnist" in n for n in data)  # only what chapter 3's checks read


def test_run_autograder_grades_the_submission_into_results_json(gradescope_root, data_dir):
    env = _env(gradescope_root)
    setup = subprocess.run(
        ["bash", gradescope_root / "source" / "setup.sh"], env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    assert "installed already" in setup.stdout

    submission = gradescope_root / "submission"
    shutil.move(reference_workspace(gradescope_root.parent / "sub"), submission)
    replace_body(
        submission, "activations:Sigmoid._output", "return 1.0 / (1.0 + np.exp(self.input_))"
    )
    run = subprocess.run(
        [gradescope_root / "run_autograder"], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    results = json.loads((gradescope_root / "results" / "results.json").read_text())
    tests = results["tests"]
    assert {"name", "score", "max_score", "output", "visibility"} <= set(tests[0])
    failed = [t for t in tests if t["score"] < t["max_score"]]
    assert failed and all(t["name"].startswith("chapter3.sigmoid_forward") for t in failed)
    assert "expected" in failed[0]["output"]
    assert results["score"] == sum(t["score"] for t in tests) < sum(t["max_score"] for t in tests)


def test_an_empty_submission_still_gets_results(gradescope_root, tmp_path):
    root = tmp_path / "autograder"
    shutil.copytree(gradescope_root / "source", root / "source")
    shutil.copy(gradescope_root / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    run = subprocess.run([root / "run_autograder"], env=_env(root), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "could not be graded" in results["output"]


def test_hidden_checks_are_shown_after_publishing():
    course = parse_course(
        '[course]\ntitle = "t"\n[chapter3]\ntitle = "c"\n[chapter3.sgd]\ntitle = "SGD"\n'
        'targets = ["optimizers:SGD._update_rule"]\n'
        '[[chapter3.sgd.checks]]\nkind = "agreement"\nprobe = "sgd_update"\npoints = 1\n'
    )
    checks = [
        CheckResult("agreement:sgd", "agreement", 1.0, 1.0, True),
        CheckResult("agreement:sgd_big", "agreement", 0.0, 2.0, False, "W is off", hidden=True),
    ]
    report = GradeReport.from_exercises(
        "chapter3", [ExerciseResult("chapter3.sgd", 1.0, 3.0, "failed", "W is off", checks)]
    )
    results = results_json(report, course)
    assert [t["visibility"] for t in results["tests"]] == ["visible", "after_published"]
    assert [t["number"] for t in results["tests"]] == ["1.1", "1.2"]
    assert results["tests"][0]["name"] == "chapter3.sgd: agreement:sgd (SGD)"
    assert results["score"] == 1.0


def test_a_zip_that_git_would_commit_is_warned_about(tmp_path):
    """The zip holds the answer key: in a work tree that does not ignore it, export says so;
    the project's own .gitignore ignores it; outside any repository nothing is said."""
    from dlfs.autograder.classroom.gradescope import committable
    from dlfs.autograder.paths import reference_root

    repo = tmp_path / "course-clone"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert committable(repo / "autograder.zip") == repo.resolve()
    (repo / ".gitignore").write_text("autograder.zip\n")
    assert committable(repo / "autograder.zip") is None
    assert committable(tmp_path / "elsewhere.zip") is None
    clone = reference_root().parent
    if (clone / ".git").exists():
        assert committable(clone / "autograder.zip") is None  # the project ignores it
