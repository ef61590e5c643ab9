"""Can a student who pip-installed a copy of dlfs without ``reference/`` grade the public checks?

The copy is what ``dlfs-grade release`` writes (no ``reference/``, no tests), installed with pip
into a fresh virtual environment; only the dependencies come from this environment's
site-packages (a path entry: its editable ``dlfs`` is not loaded). ``dlfs-grade chapter3``
then runs the public checks against the stored known answers and the learner's own package.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import venv
from pathlib import Path

import pytest

from dlfs.autograder.generate.release import release

from .grading_helpers import replace_body
from .learner_copy import finished_workspace

pytestmark = pytest.mark.xdist_group("without_reference")  # its module fixtures, computed once


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> dict[str, Path]:
    """A copy without the reference, pip-installed into its own virtual environment."""
    base = tmp_path_factory.mktemp("student")
    copy = base / "dlfs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(base / "home"))
        release(copy)
        finished = finished_workspace(base / "finished", unfinished=("chapter3.sigmoid_forward",))
        # a known mistake: the copy's probes hold no mistake's code, its stored answers name it
        mean = "return float(np.mean((q - self.target) ** 2))"
        replace_body(finished, "losses:MeanSquaredError._output", mean)
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site_dir = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies (numpy, click, rich, setuptools …) from here, without our dlfs.
    Path(site_dir, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = [python, "-m", "pip", "-q"]
    # Build with this environment's setuptools (no download): drop the venv's own, older one.
    subprocess.run([*pip, "uninstall", "-y", "setuptools"], check=True, capture_output=True)
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", str(copy)],
        check=True,
        capture_output=True,
        cwd=base,
    )
    return {"python": python, "copy": copy, "bin": env_dir / "bin", "base": base}


def _run(student: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLFS_COURSE", "PYTHON"))}
    env["DLFS_HOME"] = str(student["base"] / "home")
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=student["copy"],  # the learner's clone: course.toml is found here
        env=env,
        timeout=300,
    )


def test_the_copy_has_no_reference(student):
    probe = "import importlib.util as u; print(u.find_spec('dlfs.reference') is None)"
    result = _run(student, student["python"], "-c", probe)
    assert result.stdout.strip() == "True", result.stderr


def test_public_checks_grade_without_the_reference(student):
    workspace = student["base"] / "finished"
    result = _run(
        student,
        student["bin"] / "dlfs-grade",
        "chapter3",
        "--path",
        workspace,
        "--json",
        "--no-record",
    )
    assert result.returncode == 1, result.stderr  # one exercise is not started
    report = json.loads(result.stdout)
    by_id = {e["id"]: e for e in report["exercises"]}
    assert by_id["chapter3.sigmoid_forward"]["status"] == "not_started"
    assert "needs chapter3.sigmoid_forward too" in by_id["chapter3.sigmoid_backward"]["message"]
    assert "average over the batch only" in by_id["chapter3.mse_forward"]["message"]
    passed = [e["id"] for e in report["exercises"] if e["status"] == "passed"]
    assert len(passed) >= 8, [(e["id"], e["message"]) for e in report["exercises"]]
    assert "Traceback" not in result.stdout + result.stderr


def test_the_copy_holds_what_students_need_and_nothing_of_the_key(student):
    copy = student["copy"]
    for kept in ("README.md", "course.toml", "exercises/dlfs-workspace.toml",
                 "exercises/notebooks/chapter3.ipynb", "autograder/answers/chapter3.npz",
                 "autograder/generate/stubs.json"):  # fmt: skip
        assert (copy / kept).is_file(), kept
    for gone in ("reference", "tests", "bench", "docs/instructors.md", ".git", ".ci"):
        assert not (copy / gone).exists(), gone
    readme = (copy / "README.md").read_text(encoding="utf-8")
    assert "dlfs.reference" not in readme and "pytest" not in readme


def test_every_command_of_the_students_readme_works_in_the_copy(student):
    """The README's commands, run as written in the copy (the install is the fixture's)."""
    readme = (student["copy"] / "README.md").read_text(encoding="utf-8")
    commands = [
        line.split("#")[0].split()
        for block in readme.split("```bash")[1:]
        for line in block.split("```")[0].splitlines()
        if line.startswith("dlfs-grade")
    ]
    assert len(commands) >= 6
    for words in commands:
        result = _run(student, student["bin"] / "dlfs-grade", *words[1:])
        assert result.returncode in (0, 1), (words, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr, words
    restored = _run(student, student["bin"] / "dlfs-grade", "reset", "chapter1.sigmoid", "--yes")
    assert restored.returncode == 0, restored.stderr  # from the stored stubs, no answer key


def test_a_chapter_notebook_runs_in_a_kernel_of_the_students_copy(student, tmp_path, monkeypatch):
    """The students' copy's notebook in a Jupyter kernel whose Python has only that copy:
    check() grades against the stored answers, with the copy's own package around it."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    kernel = tmp_path / "kernels" / "students-copy"
    kernel.mkdir(parents=True)
    argv = [str(student["python"]), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "the students' copy", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("DLFS_HOME", str(student["base"] / "home"))
    notebook = nbformat.read(student["copy"] / "exercises/notebooks/chapter1.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.get("id") == "code-foundations-sigmoid":
            cell.source = cell.source.replace(
                'raise NotImplementedError("chapter1.sigmoid")', "return 1.0 / (1.0 + np.exp(-x))"
            )
    client = nbclient.NotebookClient(
        notebook,
        timeout=180,
        kernel_name="students-copy",
        resources={"metadata": {"path": str(student["copy"])}},  # the student's folder,
    )
    client.execute()
    pages = {
        c.id: "".join(o.get("data", {}).get("text/html", "") for o in c.outputs)
        for c in notebook.cells
        if c.get("id", "").startswith("check-")
    }
    assert "passed</b> 1/1" in pages["check-sigmoid"], pages["check-sigmoid"][:500]
    assert "not started</b>" in pages["check-leaky_relu"]
