"""Faults around a grade never lose it: the progress store read-only, missing or unusable.

As root (CI), a read-only store is a real read-only file system (a tmpfs remounted ``ro``);
as an ordinary user, a folder without write permission.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlfs.autograder.cli.main import cli
from dlfs.autograder.progress import ProgressStore

from .grading_helpers import reference_workspace


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    stderr = getattr(result, "stderr", "") if result.stderr_bytes is not None else ""
    return result.exit_code, result.stdout, stderr


@pytest.fixture
def read_only_home(tmp_path, monkeypatch):
    """DLFS_HOME holding a store with one attempt, then made read-only."""
    home = tmp_path / "home"
    home.mkdir()
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(home)]).returncode == 0
    with ProgressStore(home / "progress.sqlite3") as store:
        store.record_attempt("chapter1.sigmoid", 0.5, 1.0, "failed")
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
    elif os.geteuid() == 0:
        pytest.skip("root without mount: a read-only folder cannot be made")
    else:
        home.chmod(0o555)
    monkeypatch.setenv("DLFS_HOME", str(home))
    yield home
    if mounted:
        subprocess.run(["umount", "-l", str(home)], check=False)
    else:
        home.chmod(0o755)


def test_a_store_that_cannot_be_created_keeps_the_grade(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("a file where the folder should be")
    monkeypatch.setenv("DLFS_HOME", str(home))
    workspace = reference_workspace(tmp_path)
    code, stdout, _ = _run("chapter1.sigmoid", "--path", str(workspace), "--json")
    report = json.loads(stdout)  # stdout is the report, whole
    assert code == 0 and report["score"] == report["max_score"] == 1
    assert any("progress was not saved" in w for w in report["warnings"])


def test_a_read_only_store_keeps_the_grade_and_can_be_read(read_only_home, tmp_path):
    workspace = reference_workspace(tmp_path)
    code, stdout, stderr = _run("chapter1.sigmoid", "--path", str(workspace))
    assert code == 0 and "1/1 points" in stdout
    assert "Traceback" not in stdout + stderr
    code, stdout, _ = _run("progress", "--json")
    assert code == 0
    best = {e["id"]: e["best"] for c in json.loads(stdout)["chapters"] for e in c["exercises"]}
    assert best["chapter1.sigmoid"] == 0.5  # the earlier attempt, read; the new one unsaved


def test_a_hint_is_shown_when_it_cannot_be_remembered(read_only_home):
    code, stdout, stderr = _run("hint", "chapter1.sigmoid")
    assert code == 0 and "Hint 1 of" in stdout
    assert "not remembered" in stdout + stderr


def test_an_unusable_store_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.sqlite3").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("DLFS_HOME", str(home))
    code, stdout, stderr = _run("progress")
    assert code == 1
    assert "progress store" in stdout + stderr and "Traceback" not in stdout + stderr
    assert Path(home / "progress.sqlite3").read_bytes().startswith(b"this is not")
