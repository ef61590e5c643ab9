"""A submission can neither raise its own grade nor touch anyone else's.

Each attack is one body of ``chapter1.sigmoid``, written as a student who wants a better
grade would write it. Graded alone and in a class of two (the attacker and a classmate with
the reference's code), the attack must score 0, every other exercise and the classmate exactly
as without it, nothing may be left running, and no file outside the worker's folder may
change. Where this machine cannot isolate workers, the tests say so and check the refusal.

Run as root here; :func:`test_the_attacks_fail_for_an_ordinary_user_too` runs this module
again as a throwaway user.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from dlfs.autograder.answers.store import answers_dir
from dlfs.autograder.api import grade
from dlfs.autograder.classroom.batch import grade_class
from dlfs.autograder.paths import reference_root

from .as_user import rerun_as_user
from .grading_helpers import fast_course, reference_workspace, replace_body, session_grade

pytestmark = pytest.mark.xdist_group("integrity")  # its module fixtures, computed once

TARGET = "foundations:sigmoid"
EXERCISE = "chapter1.sigmoid"
MARKER = "dlfs-evil"
"""The name a lingering attacker gives itself (``/proc/<pid>/comm``)."""

_RENAME = f"import ctypes\nctypes.CDLL(None).prctl(15, ctypes.c_char_p(b'{MARKER}'), 0, 0, 0)\n"

ATTACKS = {
    "outlive_and_tamper": (
        "import os, time, glob\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        + "".join(f"        {line}\n" for line in _RENAME.splitlines())
        + "        end = time.time() + 20\n"
        "        while time.time() < end:\n"
        "            for d in glob.glob('/tmp/dlfs-grade-*'):\n"
        "                for i in range(8):\n"
        "                    try:\n"
        "                        os.mkdir(os.path.join(d, f'call{i}.json'))\n"
        "                    except OSError:\n"
        "                        pass\n"
        "            time.sleep(0.01)\n"
        "    os._exit(0)\n"
        "return np.zeros_like(x)"
    ),
    "copy_the_answer_key": (
        "import importlib.util, dlfs.reference.foundations as f\n"
        "spec = importlib.util.spec_from_file_location('key', f.__file__)\n"
        "key = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(key)\n"
        "return key.sigmoid(x)"
    ),
    "find_the_original_in_memory": (
        "import gc, types\n"
        "for obj in gc.get_objects():\n"
        "    if (isinstance(obj, types.FunctionType) and obj.__qualname__ == 'sigmoid'\n"
        "            and obj.__code__.co_filename.endswith('reference/foundations.py')):\n"
        "        return obj(x)\n"
        "return np.zeros_like(x)"
    ),
    "read_the_known_answers": (
        "from dlfs.autograder.probes import chapter1\n"
        "probe = chapter1.PROBES.get('sigmoid_fixture')\n"
        "known = getattr(chapter1, '_sigmoid_fixture_expected', None) or probe.expected\n"
        "return known()['output'] if x.shape == (3,) else np.zeros_like(x)"
    ),
    "replay_the_stored_answers": (
        "import glob, numpy\n"
        "for path in glob.glob(ANSWERS + '/chapter1.npz'):\n"
        "    stored = numpy.load(path)\n"
        "    for name in stored.files:\n"
        "        if stored[name].shape == x.shape:\n"
        "            return stored[name]\n"
        "return np.zeros_like(x)"
    ),
    "write_everywhere": (
        "import glob, os\n"
        "for pattern in WRITE_TARGETS:\n"
        "    for path in glob.glob(pattern):\n"
        "        try:\n"
        "            with open(path, 'w') as f:\n"
        "                f.write('# pwned')\n"
        "        except OSError:\n"
        "            pass\n"
        "return np.zeros_like(x)"
    ),
    "read_and_kill_the_grader": (
        "import os, signal\n"
        "seen = []\n"
        "for pid in os.listdir('/proc'):\n"
        "    if pid.isdigit() and int(pid) != os.getpid():\n"
        "        try:\n"
        "            seen.append(open(f'/proc/{pid}/environ', 'rb').read())\n"
        "        except OSError:\n"
        "            pass\n"
        "        try:\n"
        "            os.kill(int(pid), signal.SIGKILL)\n"
        "        except OSError:\n"
        "            pass\n"
        "return np.zeros_like(x) if not seen else np.ones_like(x)"
    ),
    "open_a_socket": (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', PORT), timeout=2).sendall(b'leak')\n"
        "except OSError:\n"
        "    pass\n"
        "return np.zeros_like(x)"
    ),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return fast_course(tmp_path_factory.mktemp("course"), timeout=8, memory_mb=768)


@pytest.fixture
def listener():
    """A loopback server that records whether anything connected."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                seen.append(connection.recv(64) or b"(connected)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def _attack(name: str, workspace: Path, port: int, guarded: list[Path]) -> str:
    body = ATTACKS[name]
    targets = [str(p) for p in guarded] + [str(p / "*.py") for p in guarded if p.is_dir()]
    return (
        body.replace("ANSWERS", repr(str(answers_dir())))
        .replace("WRITE_TARGETS", repr(targets))
        .replace("PORT", str(port))
    )


def _digest(paths: list[Path]) -> dict[str, str]:
    found = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _lingering() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == MARKER:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _guarded(tmp_path: Path, classmate: Path) -> list[Path]:
    """Files an attack must not change: the answer key, the stored answers, the course, the
    progress store, a classmate's work."""
    home = Path(os.environ["DLFS_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "progress.sqlite3").touch()
    return [reference_root(), answers_dir(), home, classmate]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_scores_zero_and_changes_nothing_else(
    name, course, tmp_path, listener, isolated, monkeypatch
):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    port, seen = listener
    classmate = reference_workspace(tmp_path / "alice")
    workspace = reference_workspace(tmp_path / "mallory")
    guarded = [*_guarded(tmp_path, classmate), workspace]  # the attacker's other exercises too
    replace_body(workspace, TARGET, _attack(name, workspace, port, guarded))
    before = _digest(guarded)
    report = grade("chapter1", path=workspace, record=False, course=course)
    results = {r.id: r for r in report.exercises}
    attacker = results.pop(EXERCISE)
    assert attacker.score == 0, (attacker.status, attacker.message)
    assert [(r.id, r.message) for r in results.values() if not r.passed] == []
    assert report.isolation == "namespaces"
    time.sleep(0.5)
    assert _lingering() == []
    assert _digest(guarded) == before
    assert seen == []


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_in_a_class_the_attacker_costs_nobody_else_a_point(
    name, course, tmp_path, listener, isolated, monkeypatch
):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    port, _ = listener
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    alice = shutil.move(reference_workspace(tmp_path / "a"), submissions / "alice")
    mallory = shutil.move(reference_workspace(tmp_path / "m"), submissions / "mallory")
    guarded = _guarded(tmp_path, alice)
    before = _digest(guarded)
    replace_body(mallory, TARGET, _attack(name, mallory, port, guarded))
    report = grade_class(submissions, "chapter1", jobs=2, course=course)
    by_name = {s.student: s for s in report.students}
    assert by_name["alice"].score == report.max_score, by_name["alice"].errors()
    mallory_results = {r.id: r for r in by_name["mallory"].report.exercises}
    assert mallory_results.pop(EXERCISE).score == 0
    assert all(r.passed for r in mallory_results.values())
    assert report.seed is not None and report.isolation == "namespaces"
    time.sleep(0.5)
    assert _lingering() == []
    assert _digest(guarded) == before


def test_an_official_grade_draws_inputs_the_submission_has_never_seen(course, tmp_path):
    workspace = reference_workspace(tmp_path)
    one = session_grade("chapter1", workspace, course, seed=1)
    two = session_grade("chapter1", workspace, course, seed=2)
    assert one.seed == 1 and two.seed == 2 and one.passed and two.passed
    first = {c.name: c.details for c in one.exercises[0].checks}
    second = {c.name: c.details for c in two.exercises[0].checks}
    assert first != second  # other inputs, so other worst elements
    again = session_grade("chapter1", workspace, course, seed=1)
    assert {c.name: c.details for c in again.exercises[0].checks} == first


def test_outputs_seen_with_the_learners_seeds_fail_an_official_grade(course, tmp_path):
    """A body that replays what it saw in a learner's run (the stable seeds) fails when the
    inputs are fresh."""
    workspace = reference_workspace(tmp_path)
    replay = (
        "import numpy\n"
        f"if x.shape == (4, 5):\n    return numpy.array({_leaky_outputs(workspace)})\n"
        "return np.maximum(0.2 * x, x) if x.shape == (2, 3) else np.zeros_like(x)"
    )  # the integer-input check is fixed: answered honestly, to single out the replay
    replace_body(workspace, "foundations:leaky_relu", replay)
    stable = grade("chapter1.leaky_relu", path=workspace, record=False, course=course)
    fresh = session_grade("chapter1.leaky_relu", workspace, course, seed=7)
    assert stable.passed  # the stable inputs can be replayed
    replayed = next(c for c in fresh.exercises[0].checks if c.kind == "agreement")
    assert not replayed.passed and replayed.score == 0


def _leaky_outputs(workspace: Path) -> list:
    """What leaky_relu returns on the learner's stable inputs of its first check."""
    import numpy as np

    import dlfs.reference as reference
    from dlfs.autograder.grading.seeds import check_seed
    from dlfs.autograder.probes.record import find_probe

    probe = find_probe("chapter1", "leaky_relu")
    return probe(reference, np.random.default_rng(check_seed("chapter1.leaky_relu", 0)))[
        "output"
    ].tolist()


def test_where_workers_cannot_be_isolated_grading_says_so_and_can_refuse(monkeypatch):
    from click.testing import CliRunner

    from dlfs.autograder.cli.main import cli
    from dlfs.autograder.sandbox.server import Isolation

    refused = Isolation(False, "unshare: Operation not permitted")
    monkeypatch.setattr("dlfs.autograder.sandbox.isolation", lambda: refused)
    result = CliRunner().invoke(cli, ["chapter1", "--require-isolation", "--no-record"])
    assert result.exit_code == 1
    assert "cannot be isolated" in result.output and "Operation not permitted" in result.output
    doctor = CliRunner().invoke(cli, ["doctor"])
    assert doctor.exit_code == 1 and "not tamper-proof" in doctor.output


@pytest.mark.skipif(os.geteuid() != 0, reason="already an ordinary user")
def test_the_attacks_fail_for_an_ordinary_user_too():
    """Run this module again as a throwaway user (CI runs as root)."""
    rerun_as_user(__file__, "ordinary_user", 42_000 + os.getpid() % 1000)


_IN_WORKER = """
import os, signal, socket, time
report = {}
report["pid"] = os.getpid()
report["procs"] = sorted(p for p in os.listdir("/proc") if p.isdigit())
for name, path in (("key", KEY), ("home", HOME)):
    try:
        report[name] = os.listdir(path)
    except OSError as error:
        report[name] = type(error).__name__
try:
    open(os.path.join(CLASSMATE, "foundations.py"), "a").write("# pwned")
    report["write"] = "wrote"
except OSError as error:
    report["write"] = type(error).__name__
try:
    os.kill(GRADER, signal.SIGKILL)
    report["kill"] = "sent"
except OSError as error:
    report["kill"] = type(error).__name__
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=1)
    report["net"] = "connected"
except OSError as error:
    report["net"] = type(error).__name__
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import ctypes
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(MARKER.encode()), 0, 0, 0)
        time.sleep(30)
    os._exit(0)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become a throwaway user")
def test_a_worker_of_an_ordinary_user_is_isolated(tmp_path, listener):
    """The user-namespace path, in-process: a forked process becomes a throwaway user (no
    exec, so Python need not be runnable by that user), isolates itself as a worker does and
    tries every attack from inside."""
    import encodings.idna  # noqa: F401 - as the fork server does: the user may not read it later
    import json

    from dlfs.autograder.sandbox.isolate import View, isolate

    port, seen = listener
    uid = 43_000 + os.getpid() % 1000
    out = Path(tempfile.mkdtemp(prefix="dlfs-grade-"))
    os.chown(out, uid, uid)
    classmate = reference_workspace(tmp_path / "alice")
    before = _digest([classmate])
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(tmp_path, 0o755)
    code = (
        _IN_WORKER.replace("KEY", repr(str(reference_root())))
        .replace("HOME", repr(str(home)))
        .replace("CLASSMATE", repr(str(classmate)))
        .replace("GRADER", str(os.getpid()))
        .replace("PORT", str(port))
        .replace("MARKER", repr(MARKER))
    )
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            hidden = (str(reference_root()), str(home), str(classmate))
            isolate(View(str(out), hidden=hidden))
            namespace: dict = {}
            exec(code, namespace)
            report = json.dumps(namespace["report"])
        except BaseException as error:  # reported to the test as it is
            report = json.dumps({"error": repr(error)})
        fd = os.open(out / "report.json", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, report.encode())
        os._exit(0)
    os.waitpid(child, 0)
    time.sleep(0.5)
    report = json.loads((out / "report.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    assert "error" not in report, report
    assert report["pid"] == 1 and report["procs"] == ["1"]
    assert report["key"] in ("PermissionError", "FileNotFoundError")
    assert report["home"] in ("PermissionError", "FileNotFoundError")
    assert report["write"] in ("OSError", "PermissionError", "FileNotFoundError")
    assert report["kill"] == "ProcessLookupError"
    assert report["net"] != "connected" and seen == []
    assert _lingering() == []
    assert _digest([classmate]) == before


def test_a_grader_fault_is_the_graders_not_the_students(course, tmp_path, monkeypatch):
    """A full temporary directory is a grader error with its cause, recorded nowhere."""
    import errno

    from dlfs.autograder.progress import ProgressStore

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("dlfs.autograder.sandbox.scratch.tempfile.mkdtemp", full)
    workspace = reference_workspace(tmp_path)
    report = grade("chapter1.sigmoid", path=workspace, course=course)
    (result,) = report.exercises
    assert result.status == "grader_error"
    assert "No space left on device" in result.message and "before your code ran" in result.message
    with ProgressStore() as store:
        assert store.attempts() == []


def test_outputs_the_worker_could_not_write_are_a_grader_error():
    from dlfs.autograder.sandbox.outputs import read_call

    status = {"ok": False, "grader": True, "message": "writing the outputs: disk full"}
    outcome = read_call(Path("/nonexistent"), 0, status, 1)
    assert outcome.status == "grader_error" and "disk full" in outcome.message
