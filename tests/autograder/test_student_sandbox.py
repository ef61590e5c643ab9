"""A student's exercises share one sandbox: nothing one exercise's code leaves reaches the next.

The workers of one student are forked in one isolated sandbox (namespaces and a root made
once: ``sandbox.student``). The first exercise graded, ``chapter1.leaky_relu``, leaves all it
can — files wherever it may write, a process, a changed NumPy and ``sys.modules``, an open
descriptor, an environment variable, a listening socket, a System V message queue — and
pokes the sandbox itself (signals, ``/proc/1``). The second, ``chapter1.sigmoid``, returns
the right values unless it finds any of it: it must get full marks, as it does alone. A
control test runs both halves in one worker, where the leftovers are found, so that the
finding is known to work.

Run as root here; :func:`test_nothing_is_left_for_an_ordinary_user_either` runs this module
again as a throwaway user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.classroom.batch import grade_class

from .as_user import rerun_as_user
from .grading_helpers import fast_course, reference_workspace, replace_body

pytestmark = pytest.mark.xdist_group("student_sandbox")  # its module fixtures, computed once

MARK = "dlfs-leftover"
PLACES = (
    "['/', '/tmp', '/dev', '/dev/shm', '/var/tmp', '/run', os.getcwd(), "
    "os.path.dirname(os.getcwd()), os.environ.get('HOME', '/'), os.environ.get('TMPDIR', '/')]"
)

LEAVE = f"""
import ctypes, os, signal, socket, sys
import numpy
mark = {MARK!r}
for place in {PLACES}:
    try:
        with open(os.path.join(place, mark), 'w') as f:
            f.write('left')
    except OSError:
        pass
os.environ['DLFS_LEFTOVER'] = '1'
numpy.dlfs_leftover = True
sys.modules['dlfs_leftover'] = numpy
numpy.exp = lambda v, *a, **k: numpy.zeros_like(v)
try:
    os.dup2(os.open('/dev/null', os.O_RDONLY), 777, inheritable=True)
except OSError:
    pass
try:
    listening = socket.socket(socket.AF_UNIX)
    listening.bind('\\0' + mark)
    listening.listen()
    numpy.dlfs_socket = listening
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
libc.msgget(0xD1F5, 0o1000 | 0o666)
try:
    if os.fork() == 0:
        libc.prctl(15, ctypes.c_char_p(mark.encode()), 0, 0, 0)
        import time
        time.sleep(30)
        os._exit(0)
except OSError:
    pass
for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
    try:
        os.kill(1, number)
    except OSError:
        pass
for name in ('mem', 'environ', 'root/etc', 'cwd'):
    try:
        with open('/proc/1/' + name, 'r+b') as f:
            f.write(b'x')
    except OSError:
        pass
return np.maximum(0.2 * x, x)
"""

FIND = f"""
import ctypes, os, socket, sys
import numpy
mark = {MARK!r}
found = [p for p in {PLACES} if os.path.exists(os.path.join(p, mark))]
if os.environ.get('DLFS_LEFTOVER'):
    found.append('environment')
if getattr(numpy, 'dlfs_leftover', False) or 'dlfs_leftover' in sys.modules:
    found.append('module')
if float(numpy.exp(numpy.zeros(1))[0]) != 1.0:
    found.append('numpy.exp')
try:
    os.fstat(777)
    found.append('descriptor')
except OSError:
    pass
for pid in os.listdir('/proc'):
    try:
        if pid.isdigit() and open(f'/proc/{{pid}}/comm').read().strip() == mark:
            found.append('process')
    except OSError:
        pass
try:
    socket.socket(socket.AF_UNIX).connect('\\0' + mark)
    found.append('socket')
except OSError:
    pass
if ctypes.CDLL(None, use_errno=True).msgget(0xD1F5, 0) >= 0:
    found.append('message queue')
for name in ('maps', 'environ', 'mem', 'root/'):
    try:  # PID 1 is the sandbox, which holds the answer key (a worker alone is PID 1 itself)
        if os.getpid() != 1:
            os.listdir('/proc/1/root/') if name == 'root/' else open('/proc/1/' + name, 'rb')
            found.append('the sandbox: /proc/1/' + name)
    except OSError:
        pass
if found:
    return np.zeros_like(x)
return 1.0 / (1.0 + np.exp(-x))
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return fast_course(tmp_path_factory.mktemp("course"), timeout=8, memory_mb=768)


def _leaver(folder: Path) -> Path:
    workspace = reference_workspace(folder)
    replace_body(workspace, "foundations:leaky_relu", LEAVE)
    replace_body(workspace, "foundations:sigmoid", FIND)
    return workspace


def _sandboxes(path: Path) -> tuple[int, int]:
    """``(students' sandboxes made, workers)`` recorded in a timings file."""
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return (
        sum(line["phase"] == "student" for line in lines),
        sum(line["phase"] == "worker" for line in lines),
    )


def _lingering() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == MARK:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_what_one_exercise_leaves_the_next_never_finds(course, tmp_path, isolated, monkeypatch):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DLFS_TIMINGS", str(tmp_path / "timings.jsonl"))
    workspace = _leaver(tmp_path / "mallory")
    report = grade("chapter1", path=workspace, record=False, course=course)
    others = [r for r in report.exercises if r.id != "chapter1.leaky_relu"]  # NumPy broken
    assert [(r.id, r.status, r.message) for r in others if not r.passed] == []
    assert report.isolation == "namespaces"
    made, workers = _sandboxes(tmp_path / "timings.jsonl")
    assert made == 1 and workers == len(report.exercises)  # one sandbox, every worker in it
    time.sleep(0.3)
    assert _lingering() == []


def test_in_a_class_nothing_passes_between_exercises_or_students(
    course, tmp_path, isolated, monkeypatch
):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DLFS_TIMINGS", str(tmp_path / "timings.jsonl"))
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.move(reference_workspace(tmp_path / "a"), submissions / "alice")
    shutil.move(_leaver(tmp_path / "m"), submissions / "mallory")
    shutil.move(_leaver(tmp_path / "o"), submissions / "oscar")
    report = grade_class(submissions, "chapter1", jobs=2, course=course)
    for student in report.students:
        lost = [e for e in student.report.exercises if not e.passed]
        assert [e.id for e in lost] in ([], ["chapter1.leaky_relu"]), (student.student, lost)
    assert report.isolation == "namespaces"
    made, _ = _sandboxes(tmp_path / "timings.jsonl")
    assert made == 3
    time.sleep(0.3)
    assert _lingering() == []


def test_the_leftovers_are_found_within_one_worker(course, tmp_path, isolated, monkeypatch):
    """The control: both halves in one exercise, so in one worker: it finds what it left."""
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    workspace = reference_workspace(tmp_path)
    leave = LEAVE.strip().rsplit("\n", 1)[0]  # without its return
    replace_body(workspace, "foundations:sigmoid", leave + "\n" + FIND)
    report = grade("chapter1.sigmoid", path=workspace, record=False, course=course)
    (result,) = report.exercises
    assert result.score == 0 and result.status == "failed", result.message


@pytest.mark.skipif(os.geteuid() != 0, reason="already an ordinary user")
def test_nothing_is_left_for_an_ordinary_user_either():
    """Run this module again as a throwaway user (CI runs as root)."""
    rerun_as_user(__file__, "ordinary_user", 44_000 + os.getpid() % 1000)


def _kill_the_sandbox_when_a_worker_sleeps(done: threading.Event) -> None:
    """Kill the student's sandbox of the first worker seen alive for half a second (the
    sleeping one: the others end in milliseconds) of this run, not another's on the machine:
    its own, where ``--jobs`` runs two."""
    first_seen: dict[int, float] = {}
    while not done.is_set():
        now = time.monotonic()
        for entry in Path("/proc").iterdir():
            try:
                if not entry.name.isdigit() or (entry / "comm").read_text().strip() != (
                    "dlfs-worker"
                ):
                    continue
            except OSError:
                continue
            pid = int(entry.name)
            if now - first_seen.setdefault(pid, now) >= 0.5 and _ancestors(pid, os.getpid()):
                sandbox = _ancestor_named(pid, "dlfs-student")
                if sandbox is not None:
                    os.kill(sandbox, signal.SIGKILL)
                    return
        time.sleep(0.02)


def _ancestors(pid: int, ancestor: int) -> bool:
    """Whether ``ancestor`` is among ``pid``'s (this run's worker, not another run's on the
    machine)."""
    while pid > 1:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            pid = int(status.split("PPid:", 1)[1].split()[0])
        except (OSError, ValueError, IndexError):
            return False
        if pid == ancestor:
            return True
    return False


def _ancestor_named(pid: int, name: str) -> int | None:
    """The nearest ancestor of ``pid`` whose command is ``name`` (pids as this namespace
    sees them), or None."""
    while pid > 1:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            pid = int(status.split("PPid:", 1)[1].split()[0])
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                return pid
        except (OSError, ValueError, IndexError):
            return None
    return None


def test_a_sandbox_that_dies_is_the_graders_fault_and_grading_goes_on(
    course, tmp_path, isolated, monkeypatch
):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    workspace = reference_workspace(tmp_path / "w")
    replace_body(workspace, "foundations:leaky_relu", "import time\ntime.sleep(3)\nreturn x")
    done = threading.Event()
    killer = threading.Thread(target=_kill_the_sandbox_when_a_worker_sleeps, args=(done,))
    killer.start()
    try:
        report = grade("chapter1", path=workspace, record=False, course=course)
    finally:
        done.set()
        killer.join()
    results = {r.id: r for r in report.exercises}
    killed = results.pop("chapter1.leaky_relu")
    assert killed.status == "grader_error", (killed.status, killed.message)
    assert all(r.passed for r in results.values()), [r.message for r in results.values()]
    time.sleep(0.3)
    assert _lingering() == []
