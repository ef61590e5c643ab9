"""Can a student who pip-installed a copy of dlfs without ``reference/`` grade the public checks?

The copy is the project's tree minus ``reference/`` (and the tests), installed with pip into
a fresh virtual environment; only the dependencies come from this environment's
site-packages (a path entry: its editable ``dlfs`` is not loaded). ``dlfs-grade chapter3``
then runs the public checks against the stored known answers and the learner's own package.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import venv
from pathlib import Path

import pytest

from dlfs.autograder.paths import reference_root

from .learner_copy import finished_workspace

ROOT = reference_root().parent
_LEFT_OUT = ("reference", "tests", "bench", ".git", "build", "dist", "exercises", ".venv")


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> dict[str, Path]:
    """A copy without the reference, pip-installed into its own virtual environment."""
    base = tmp_path_factory.mktemp("student")
    copy = base / "dlfs"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*_LEFT_OUT, "__pycache__", "*.egg-info", ".*cache"),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLFS_HOME", str(base / "home"))
        finished_workspace(copy / "exercises", unfinished=("chapter3.sigmoid_forward",))
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
    workspace = student["copy"] / "exercises"
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
    passed = [e["id"] for e in report["exercises"] if e["status"] == "passed"]
    assert len(passed) >= 8, [(e["id"], e["message"]) for e in report["exercises"]]
    assert "Traceback" not in result.stdout + result.stderr
