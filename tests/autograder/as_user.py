"""Running a test module again as a throwaway user (CI runs as root).

The grader isolates an ordinary user's workers differently (a user namespace; no cgroups
without delegation): the attacks of a module must fail that way too. The module runs again
under ``setpriv`` as a user id of no account, with this Python or, where an ordinary user
cannot start it (it lives in root's home), ``$DLFS_USER_PYTHON`` (.ci/run makes one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

__all__ = ["rerun_as_user"]


def rerun_as_user(test_file: str, deselect: str, uid: int) -> None:
    """Run ``test_file`` (without its tests matching ``deselect``) as ``uid``; every test must
    pass and none skip. Skips, saying why, where no Python can be started by the user."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    work = Path(tempfile.mkdtemp(prefix="dlfs-user-"))
    os.chmod(work, 0o777)
    python = os.environ.get("DLFS_USER_PYTHON") or sys.executable
    try:
        if not _python_runs_as(uid, work, python):
            pytest.skip(
                f"{python} cannot be started by an ordinary user on this machine (it lives "
                "in root's home) and DLFS_USER_PYTHON names none that can; "
                "test_a_worker_of_an_ordinary_user_is_isolated covers the ordinary user's "
                "isolation in-process"
            )
        run = _as_user(uid, work, python, test_file, deselect)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]


def _setpriv(uid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


def _python_runs_as(uid: int, work: Path, python: str) -> bool:
    """Whether ``uid`` can start ``python`` from a process of its own (as the grader starts
    its fork server) and import dlfs with it."""
    check = (
        "import subprocess, sys, dlfs.autograder; "
        "subprocess.run([sys.executable, '-c', 'pass'], check=True)"
    )
    run = subprocess.run(
        [*_setpriv(uid), python, "-c", check], cwd=work, capture_output=True, timeout=60
    )
    return run.returncode == 0


def _as_user(
    uid: int, work: Path, python: str, test_file: str, deselect: str
) -> subprocess.CompletedProcess[str]:
    home = work / "home"
    env = dict(os.environ, DLFS_HOME=str(home), HOME=str(home), TMPDIR="/tmp")
    env.pop("PYTEST_ADDOPTS", None)
    command = [
        *_setpriv(uid),
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--basetemp={work / 'pytest'}",
        "-x",
        test_file,
        "-k",
        f"not {deselect}",
    ]
    return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=1200)
