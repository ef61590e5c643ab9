"""Faults around a grade never lose it: the progress store read-only, missing or unusable.

As root (CI), a read-only store is a real read-only file system (a tmpfs remounted ``ro``);
as an ordinary user, a folder without write permission.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlfs.autograder.cli.main import cli
from dlfs.autograder.progress import ProgressStore
from dlfs.autograder.sandbox import isolation

from .grading_helpers import reference_workspace, session_grade


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


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    queue = [pid]
    while queue:
        parent = queue.pop()
        try:  # a process that ended while it was read has no children left
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    queue.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _started(pid: int, pattern: str) -> bool:
    """Whether the worker of the run ``pid`` has started its first call: its folder is in
    the temporary directory or, a tmpfs of its own, in its fork server's mounts."""
    import tempfile

    for folder in Path(tempfile.gettempdir()).glob(pattern):
        places = [
            folder / "worker",
            *(Path(f"/proc/{p}/root{folder}/worker") for p in _descendants(pid)),
        ]
        if any((place / "call0.started").exists() for place in places):
            return True
    return False


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_killed_run_leaves_nothing_behind(signum, tmp_path):
    """While a student's endless loop runs, the CLI is stopped: within a second no process of
    the run is left, and its folders are gone (at once, or by the next run after kill -9)."""
    import signal
    import sys
    import tempfile
    import time

    from dlfs.autograder.sandbox.scratch import sweep_stale

    from .grading_helpers import fast_course, replace_body

    course = fast_course(tmp_path, timeout=25, memory_mb=768)
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "foundations:sigmoid", "while True:\n    pass")
    env = dict(os.environ, DLFS_COURSE=str(course.path), DLFS_HOME=str(tmp_path / "home"))
    command = [sys.executable, "-m", "dlfs.autograder.cli", "chapter1.sigmoid", "--path"]
    cli_run = subprocess.Popen([*command, str(workspace)], env=env, stdout=subprocess.DEVNULL)
    pattern = f"dlfs-grade-{cli_run.pid}-*"
    deadline = time.monotonic() + 30
    while not _started(cli_run.pid, pattern):
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)
    time.sleep(0.3)
    tree = _descendants(cli_run.pid)
    assert tree  # the fork server, the worker, its PID 1
    cli_run.send_signal(getattr(signal, signum))
    cli_run.wait(timeout=15)
    time.sleep(1.0)
    alive = [pid for pid in tree if _running(pid)]
    assert alive == [], [Path(f"/proc/{p}/cmdline").read_bytes() for p in alive]
    left = list(Path(tempfile.gettempdir()).glob(pattern))
    if signum == "SIGKILL":
        sweep_stale()
        left = list(Path(tempfile.gettempdir()).glob(pattern))
    assert left == []


def test_a_missing_data_set_is_a_grader_error_with_the_whole_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFS_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setenv("DLFS_MIRROR", "http://127.0.0.1:9/")  # nothing listens: no download
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    workspace = reference_workspace(tmp_path)
    from dlfs.autograder.api import grade

    (result,) = grade("chapter3.train_epoch", path=workspace).exercises
    assert result.status == "grader_error", result.message
    assert "the training data could not be loaded" in result.message
    training = next(c for c in result.checks if c.kind == "training")
    assert "\n" in training.message or len(training.message) > 80  # not cut at a colon
    with ProgressStore() as store:
        assert store.attempts() == []  # the grader's fault costs the learner nothing


def test_a_check_the_answer_key_cannot_run_either_is_a_grader_error(tmp_path, monkeypatch):
    """A course whose check cannot work (here: batches of an empty data set) fails the
    reference too: that is the course's fault, not the learner's."""
    from dlfs.autograder.api import grade
    from dlfs.autograder.course import load_course

    text = load_course().path.read_text(encoding="utf-8")
    old = "params = { ordered = false, n = 9, size = 3 }"
    assert old in text
    path = tmp_path / "course.toml"
    path.write_text(text.replace(old, "params = { ordered = false, n = 0, size = 3 }"), "utf-8")
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    workspace = reference_workspace(tmp_path)
    report = grade("chapter3.generate_batches", path=workspace, course=load_course(path))
    (result,) = report.exercises
    assert result.status == "grader_error", result.message
    assert "the grader could not run this check" in result.message
    with ProgressStore() as store:
        assert store.attempts() == []


def test_an_oversized_source_is_refused_before_anything_runs(tmp_path):
    from dlfs.autograder.api import grade

    workspace = reference_workspace(tmp_path)
    path = workspace / "foundations.py"
    with path.open("a", encoding="utf-8") as f:
        f.write("# padding\n" * 200_000)  # 2 MB
    (result,) = grade("chapter1.sigmoid", path=workspace, record=False).exercises
    assert result.status == "error"
    assert "the grader reads source files of up to 1 MB" in result.message


def test_a_slow_but_correct_submission_meets_the_run_budget(tmp_path, monkeypatch):
    """Past the run's budget the remaining exercises are reported as not graded for time."""
    from dlfs.autograder.api import grade
    from dlfs.autograder.course import load_course

    from .grading_helpers import fast_course, replace_body

    course_file = fast_course(tmp_path, timeout=10).path
    text = course_file.read_text(encoding="utf-8")
    text = text.replace("chapter_budget = 120", "chapter_budget = 2.5", 1)
    course_file.write_text(text, encoding="utf-8")
    course = load_course(course_file)
    assert course.chapter_budget == 2.5
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    workspace = reference_workspace(tmp_path)
    slow = {
        "foundations:leaky_relu": "return np.maximum(0.2 * x, x)",
        "foundations:sigmoid": "return 1 / (1 + np.exp(-x))",
    }
    for target, correct in slow.items():  # right, and 0.75 s slow a call (two checks each)
        replace_body(workspace, target, f"import time\ntime.sleep(0.75)\n{correct}")
    start = time.monotonic()
    report = grade("chapter1", path=workspace, course=course)
    assert time.monotonic() - start < 15
    late = [r for r in report.exercises if not r.graded]
    assert late and all(r.status == "timeout" and "not graded for time" in r.message for r in late)
    assert report.exercises[0].graded and report.exercises[0].passed
    with ProgressStore() as store:
        recorded = {a.exercise_id for a in store.attempts()}
    assert recorded.isdisjoint(r.id for r in late)


def test_a_timeout_names_the_line_that_was_running_and_whose_code_it_is(tmp_path, monkeypatch):
    """The worker dumps its stack before it is stopped: the report says which line ran, and,
    in the students' copy, that it was another exercise's code."""
    from dlfs.autograder.api import grade

    from .grading_helpers import fast_course, replace_body
    from .learner_copy import finished_workspace

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    course = fast_course(tmp_path, timeout=3)
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "activations:Sigmoid._output", "while True:\n    pass")
    (result,) = grade("chapter3.sigmoid_forward", path=workspace, course=course).exercises
    assert result.status == "timeout"
    assert f"at {workspace.resolve()}/activations.py:" in result.message, result.message
    assert "in _output" in result.message

    copy = finished_workspace(tmp_path / "copy" / "exercises")
    replace_body(copy, "trainer:Trainer.generate_batches", "while True:\n    pass")
    report = session_grade("chapter3.train_epoch", copy, course, use_reference=False)
    (result,) = report.exercises
    assert result.status == "timeout", result.message
    assert "trainer.py:" in result.message
    assert "chapter3.generate_batches's code" in result.message, result.message


@pytest.fixture
def nearly_full_tmp(tmp_path):
    """A tiny tmpfs with 4 KiB left (root only: mounting needs it)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny file system needs root")
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        pytest.skip("this machine does not let root mount a tmpfs")
    try:
        (folder / "fill").write_bytes(b"\0" * 250 * 1024)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_full_temporary_folder_is_the_graders_error_not_the_learners(nearly_full_tmp, tmp_path):
    """Seen for real: the worker could not write its outputs and the reference was told
    "does your code call sys.exit()?". Now: a grader error naming the full folder."""
    import sys

    env = {**os.environ, "TMPDIR": str(nearly_full_tmp), "DLFS_HOME": str(tmp_path / "h")}
    command = [sys.executable, "-m", "dlfs.autograder.cli", "chapter3.sigmoid_forward"]
    done = subprocess.run(
        [*command, "--reference", "--json"], env=env, capture_output=True, text=True
    )
    (result,) = json.loads(done.stdout)["exercises"]
    if not isolation().details()["folder"].startswith("a tmpfs"):
        assert result["status"] == "grader_error", result["message"]
        assert "temporary folder is full" in result["message"]
    else:  # the worker writes into a tmpfs of its own: the full folder does not touch it
        assert result["status"] == "passed", result["message"]
    assert "sys.exit" not in result["message"]


def test_a_full_progress_store_keeps_the_grade_and_says_why(nearly_full_tmp, tmp_path):
    """DLFS_HOME on a full file system: the grade is printed, with one warning."""
    import sys

    from .grading_helpers import reference_workspace

    workspace = reference_workspace(tmp_path)
    env = {**os.environ, "DLFS_HOME": str(nearly_full_tmp / "home")}
    (nearly_full_tmp / "fill2").write_bytes(b"\0" * 4096)  # to the last block
    command = [sys.executable, "-m", "dlfs.autograder.cli", "chapter1", "--path", str(workspace)]
    done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True)
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"] > 0
    assert done.returncode == 0, done.stderr  # the exit code still means the grade
    assert any("progress was not saved" in w for w in report["warnings"]), report["warnings"]
    assert "Traceback" not in done.stderr
