"""A worker sees, holds and spends only what its exercise needs (issue 18).

Each attack is the body of one exercise's target, written as a student who wants a better
grade (or to hurt the class) would write it, in the categories the grader once let through:
the answer key elsewhere on disk, what the judge compares with inside the worker, the answer by
another road in memory, limits per process instead of per worker, worker files that are no
regular files, and a wrong answer dressed up as the grader's own fault. Every body prints
``EVIDENCE {json}`` lines with what it found or managed, and returns a wrong value unless its
cheat worked.

Each attack is graded alone (a learner's run) and in a class of two beside a classmate with the
reference's code: the attack earns nothing, the classmate keeps every point, nothing it did is
left in the temporary folder, and what it printed shows that its trick failed. The course
repository is outside the temporary folder (this checkout), as on an instructor's machine.
Run as root here; :func:`test_the_attacks_fail_for_an_ordinary_user_too` runs this module
again as a throwaway uid.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.classroom.batch import grade_class
from dlfs.autograder.course import load_course
from dlfs.autograder.paths import reference_root
from dlfs.autograder.sandbox import isolation

from .as_user import rerun_as_user
from .grading_helpers import reference_workspace, replace_body

pytestmark = pytest.mark.xdist_group("allow_list")  # its module fixtures, computed once

_FIND_CHECKOUTS = r"""
import json, os
found = []
for top in ("/tmp", "/home", "/root", "/srv", "/opt", "/mnt", "/work"):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in (".git", ".venv", "site-packages", "proc")]
        if folder.count("/") > 7:
            dirs[:] = []
        if folder.endswith("/reference") and "foundations.py" in files:
            found.append(folder)
print("EVIDENCE " + json.dumps({"checkouts": found}))
for folder in found:
    namespace = {"__name__": "dlfs.reference._found", "__package__": "dlfs.reference"}
    try:
        exec(open(os.path.join(folder, "foundations.py")).read(), namespace)
        return namespace["leaky_relu"](x)
    except Exception:
        continue
return x * 0 - 1.0
"""

_GIT_HISTORY = r"""
import json, os, subprocess
import dlfs.autograder
repository = os.path.dirname(os.path.dirname(os.path.abspath(dlfs.autograder.__file__)))
seen = {"repository": repository, "listing": None, "git": None, "tests": None}
try:
    seen["listing"] = sorted(os.listdir(repository))
except OSError as error:
    seen["listing"] = type(error).__name__
try:
    shown = subprocess.run(
        ["git", "-c", "safe.directory=*", "-C", repository, "show", "HEAD:reference/operations.py"],
        capture_output=True, text=True, timeout=20)
    seen["git"] = "class BiasAdd" in shown.stdout
except Exception as error:
    seen["git"] = type(error).__name__
try:
    corpus = os.path.join(repository, "tests", "autograder", "learner_corpus.py")
    seen["tests"] = "CORRECT" in open(corpus).read()
except OSError as error:
    seen["tests"] = type(error).__name__
print("EVIDENCE " + json.dumps(seen))
if seen["git"] is True:
    namespace = {"__name__": "dlfs.reference._git", "__package__": "dlfs.reference"}
    exec(shown.stdout, namespace)
    return namespace["BiasAdd"]._input_grad(self, output_grad)
return output_grad * 0 + 5.0
"""

_LABELS = r"""
import builtins, json, os
if not getattr(builtins, "_labels_hooked", False):
    builtins._labels_hooked = True
    labels, why = None, ""
    try:
        from dlfs.datasets import load_mnist
        labels = load_mnist(flatten=True)[3]
    except Exception as error:
        why = repr(error)[:200]
    try:
        folder = os.environ.get("DLFS_DATA_DIR", "")
        seen = sorted(os.listdir(folder)) if folder else []
    except OSError as error:
        seen = type(error).__name__
    print("EVIDENCE " + json.dumps({"labels": labels is not None, "why": why, "data": seen}))
    if labels is not None:
        real = np.savez
        def savez(file, **arrays):
            if "scores" in arrays:
                arrays["scores"] = np.eye(10)[labels[: len(arrays["scores"])]]
            return real(file, **arrays)
        np.savez = savez
return np.zeros_like(self.prediction)
"""

_OTHER_NAMES = r"""
import gc, json, sys, types
candidates = [
    ("rnn_nodes.sigmoid", lambda: sys.modules["dlfs.reference.rnn_nodes"].sigmoid),
    ("Sigmoid.forward", lambda: sys.modules["dlfs.reference"].Sigmoid().forward),
]
for obj in gc.get_objects():  # any other function of dlfs by that name, wherever it is held
    if isinstance(obj, types.FunctionType) and obj.__name__ in ("sigmoid", "_sigmoid"):
        if obj.__module__ != "dlfs.reference.foundations":
            candidates.append((f"{obj.__module__}.{obj.__qualname__}", lambda f=obj: f))
tried = {}
for name, find in candidates:
    try:
        value = find()(x)
    except Exception as error:
        tried[name] = type(error).__name__
        continue
    if isinstance(value, np.ndarray) and value.shape == x.shape:
        print("EVIDENCE " + json.dumps({"worked": name, "tried": tried}))
        return value
print("EVIDENCE " + json.dumps({"worked": None, "tried": tried}))
return x * 0 + 0.123
"""

_KEY_CONV = r"""
import json
try:
    from dlfs.reference.conv import Conv2DOperation
    op = Conv2DOperation(param.copy())
    op.forward(input_.copy())
    grad = op.backward(output_grad.copy())
except Exception as error:
    print("EVIDENCE " + json.dumps({"worked": None, "error": type(error).__name__}))
    return input_ * 0 + 1.0
print("EVIDENCE " + json.dumps({"worked": "Conv2DOperation"}))
return grad
"""

_NUMERICAL = r"""
import json
x, h = self.input_, 1e-6
ways = {}
for way in ("own operation", "fresh operation", "gradient checker"):
    try:
        if way == "own operation":
            self.input_ = x + h
            up = self._output(False)
            self.input_ = x - h
            down = self._output(False)
            self.input_ = x
            grad = (up - down) / (2 * h)
        elif way == "fresh operation":
            grad = (type(self)().forward(x + h) - type(self)().forward(x - h)) / (2 * h)
        else:
            from dlfs.autograder.gradcheck import numerical_gradient
            grad = numerical_gradient(lambda: float(type(self)().forward(x).sum()), x.copy())
        print("EVIDENCE " + json.dumps({"worked": way, "tried": ways}))
        return output_grad * grad
    except Exception as error:
        self.input_ = x
        ways[way] = f"{type(error).__name__}: {error}"[:400]
print("EVIDENCE " + json.dumps({"worked": None, "tried": ways}))
self.input_ = x + h  # and once more, uncaught: the learner sees why
return output_grad * (self._output(False) - self.output) / h
"""

_FORK_MEMORY = r"""
import builtins, json, os, time
if not getattr(builtins, "_memory_done", False):
    builtins._memory_done = True
    size = 300 << 20
    read, write = os.pipe()
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                block = np.ones(size // 8)
                os.write(write, b"1")
                time.sleep(3)
            finally:
                os._exit(0)
        children.append(pid)
    held = 0
    try:
        mine = np.ones(size // 8)
        held += 1
    except MemoryError:
        pass
    deadline = time.time() + 6
    got = b""
    while len(got) < 3 and time.time() < deadline:
        got += os.read(read, 3)
    for pid in children:
        os.waitpid(pid, 0)
    print("EVIDENCE " + json.dumps({"memory_mb": (held + len(got)) * 300}))
return x * 0 + 7.0
"""

_DISK = r"""
import builtins, json, os
if not getattr(builtins, "_disk_done", False):
    builtins._disk_done = True
    total = 0
    for i in range(8):
        try:
            fd = os.open("fill%d.bin" % i, os.O_WRONLY | os.O_CREAT, 0o644)
            os.posix_fallocate(fd, 0, 100 << 20)
            total += os.fstat(fd).st_blocks * 512
            os.close(fd)
        except OSError:
            break
    print("EVIDENCE " + json.dumps({"disk_mb": total >> 20}))
return x * 0 + 7.0
"""

_KEYRING = r"""
import ctypes, json, platform
calls = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
payload = b'{"answer": [0.5, 0.73]}'
key = libc.syscall(calls[0], b"user", b"dlfs-test-channel", payload, len(payload), -4)
added = ctypes.get_errno()
found = libc.syscall(calls[1], 10, -4, b"user", b"dlfs-test-channel", 0)
print("EVIDENCE " + json.dumps({"key": key, "errno": added, "found": found}))
return x * 0 + 7.0
"""

_SHARED_MEMORY = r"""
import ctypes, json, os, platform
numbers = {"x86_64": 29, "aarch64": 194}[platform.machine()]
tried = {}
try:
    fd = os.memfd_create("dlfs-test")
    os.ftruncate(fd, 64 << 20)
    os.write(fd, b"x" * (1 << 20))
    tried["memfd"] = "made"
except OSError as error:
    tried["memfd"] = error.errno
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.syscall(numbers, 0, 64 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
tried["shmget"] = segment if segment < 0 else "made"
print("EVIDENCE " + json.dumps(tried))
return x * 0 + 7.0
"""

_THREADS = r"""
import builtins, json, threading, time
if not getattr(builtins, "_threads_done", False):
    builtins._threads_done = True
    started = []
    stop = threading.Event()
    for i in range(100):
        try:
            thread = threading.Thread(target=stop.wait, daemon=True)
            thread.start()
            started.append(thread)
        except RuntimeError:
            break
    print("EVIDENCE " + json.dumps({"threads": len(started)}))
    stop.set()
return x * 0 + 7.0
"""

_FILES = r"""
import json, os, time
tricks = []
for name, target in (("output.txt", None), ("stack.txt", None), ("sandbox.json", "/etc/shadow")):
    try:
        os.unlink(name)
    except OSError:
        pass
    try:
        os.symlink(target, name) if target else os.mkfifo(name)
        tricks.append(name)
    except OSError as error:
        tricks.append(repr(error)[:60])
fd = os.open(".", os.O_RDONLY)
for depth in range(1200):
    os.mkdir("d", dir_fd=fd)
    nested = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nested
os.close(fd)
bomb = np.zeros(50_000_000)
compressed = np.savez_compressed
np.savez = lambda file, **arrays: compressed(file, output=bomb)
print("EVIDENCE " + json.dumps({"tricks": tricks}))
return x * 0 + 7.0
"""

_FORGE = r"""
import json, os
started = [n for n in os.listdir(".") if n.startswith("call") and n.endswith(".started")]
index = max([int(n[4:-8]) for n in started] or [0])
with open("call%d.json" % index, "w") as f:
    json.dump({"ok": False, "grader": True, "message": "writing the outputs: no space left"}, f)
for name in ("sandbox.json", "grader.json"):
    with open(name, "w") as f:
        json.dump({"error": "the grader broke", "isolated": False}, f)
print("EVIDENCE " + json.dumps({"forged": index}), flush=True)
os._exit(71)
"""

ATTACKS: dict[str, dict] = {
    "key_in_another_checkout": {
        "exercise": "chapter1.leaky_relu",
        "target": "foundations:leaky_relu",
        "body": _FIND_CHECKOUTS,
    },
    "key_in_the_course_repository": {
        "exercise": "chapter3.bias_add_backward",
        "target": "operations:BiasAdd._input_grad",
        "body": _GIT_HISTORY,
        "extra": {"operations:BiasAdd._param_grad": "return self.param * 0 + 3.0"},
    },
    "test_labels_in_the_worker": {
        "exercise": "chapter4.softmax_cross_entropy_backward",
        "target": "losses:SoftmaxCrossEntropy._input_grad",
        "body": _LABELS,
        "data": True,
    },
    "the_answer_under_another_name": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _OTHER_NAMES,
    },
    "the_key_operation_for_a_convolution_s_gradient": {
        "exercise": "chapter5.conv_2d_multichannel_backward",
        "target": "conv_steps:_input_grad_2d_multichannel",
        "body": _KEY_CONV,
        "extra": {"conv_steps:_param_grad_2d_multichannel": "return param * 0 + 1.0"},
    },
    "differentiating_the_key_s_forward": {
        "exercise": "chapter3.sigmoid_backward",
        "target": "activations:Sigmoid._input_grad",
        "body": _NUMERICAL,
    },
    "memory_times_the_children": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _FORK_MEMORY,
    },
    "a_disk_full_of_files": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _DISK,
    },
    "a_key_for_the_next_worker": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _KEYRING,
    },
    "memory_no_limit_counts": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _SHARED_MEMORY,
    },
    "a_hundred_threads": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _THREADS,
    },
    "a_wrong_answer_dressed_as_the_grader_s_fault": {
        "exercise": "chapter2.mae",
        "target": "regression_metrics:mae",
        "body": _FORGE,
    },
    "files_the_grader_should_not_read": {
        "exercise": "chapter1.sigmoid",
        "target": "foundations:sigmoid",
        "body": _FILES,
    },
}
MEMORY_MB = 768
FILE_MB = 256
MAX_PROCESSES = 16


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The real course with short limits and training budgets (the attacks need no more)."""
    text = load_course().path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^timeout = \d+", "timeout = 10", text, count=1)
    text = re.sub(r"(?m)^memory_mb = \d+", f"memory_mb = {MEMORY_MB}", text, count=1)
    text = re.sub(r"(?m)^budget = \d+", "budget = 2", text)
    path = tmp_path_factory.mktemp("course") / "course.toml"
    path.write_text(text, encoding="utf-8")
    return load_course(path)


@pytest.fixture(scope="module")
def colleague(tmp_path_factory) -> Path:
    """Another checkout of the course on this machine, outside the worker's folder (the
    attack that looks for it finds it when run here, outside a worker)."""
    checkout = tmp_path_factory.mktemp("colleague-checkout") / "dlfs"
    shutil.copytree(
        reference_root(), checkout / "reference", ignore=shutil.ignore_patterns("__pycache__")
    )
    return checkout


def _submission(folder: Path, attack: dict) -> Path:
    workspace = reference_workspace(folder)
    replace_body(workspace, attack["target"], attack["body"])
    for target, body in attack.get("extra", {}).items():
        replace_body(workspace, target, body)
    return workspace


def _evidence(output: str) -> dict:
    found: dict = {}
    for line in output.splitlines():
        if line.startswith("EVIDENCE "):
            found.update(json.loads(line[len("EVIDENCE ") :]))
    return found


def _scratch() -> set[str]:
    """This process's scratch folders in the temporary directory now."""
    return {
        n for n in os.listdir(tempfile.gettempdir()) if n.startswith(f"dlfs-grade-{os.getpid()}-")
    }


def _judged(name: str, result, evidence: dict) -> None:
    """What every attack must show: no points, and its own trick failed."""
    assert result.score == 0, (name, result.status, result.message)
    cgroups = "cgroup" in isolation().limits
    if name == "key_in_another_checkout":
        assert evidence.get("checkouts") == [], evidence
    elif name == "key_in_the_course_repository":
        assert evidence["git"] is not True and evidence["tests"] is not True, evidence
        listing = evidence["listing"]
        assert isinstance(listing, str) or not {"reference", ".git", "tests"} & set(listing)
    elif name == "test_labels_in_the_worker":
        training = next(c for c in result.checks if c.kind == "training")
        assert not training.passed and evidence["labels"] is False, (training.message, evidence)
    elif name in (
        "the_answer_under_another_name",
        "the_key_operation_for_a_convolution_s_gradient",
    ):
        assert evidence["worked"] is None, evidence
    elif name == "differentiating_the_key_s_forward":
        assert evidence["worked"] is None, evidence
        assert "numerically" in evidence["tried"]["own operation"], evidence
        assert "numerically" in evidence["tried"]["fresh operation"], evidence
        assert "ModuleNotFoundError" in evidence["tried"]["gradient checker"], evidence
        assert "differentiating the key's forward pass numerically" in result.message
    elif name == "memory_times_the_children":  # no child starts, where no cgroup counts them
        assert evidence.get("memory_mb", 0) < MEMORY_MB, evidence
        assert "PermissionError" in result.message or cgroups, result.message
    elif name == "a_disk_full_of_files":
        assert evidence["disk_mb"] <= FILE_MB, evidence
    elif name == "a_wrong_answer_dressed_as_the_grader_s_fault":  # believed: not charged
        assert result.status != "grader_error" and evidence["forged"] == 0, result.message
    elif name == "a_key_for_the_next_worker":
        assert evidence["key"] < 0 and evidence["found"] < 0, evidence
    elif name == "memory_no_limit_counts":  # pages no per-process limit counts: refused
        assert evidence["memfd"] != "made" and evidence["shmget"] != "made", evidence
    elif name == "a_hundred_threads":
        assert evidence["threads"] <= MAX_PROCESSES, evidence


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_alone_gets_nothing(name, course, tmp_path, isolated, colleague, request):
    attack = ATTACKS[name]
    if attack.get("data"):
        request.getfixturevalue("data_dir")
    before = _scratch()
    workspace = _submission(tmp_path / "mallory", attack)
    report = grade(attack["exercise"], path=workspace, record=False, course=course)
    (result,) = report.exercises
    _judged(name, result, _evidence(result.output))
    assert report.isolation == "namespaces"
    assert _scratch() <= before


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_in_a_class_the_attack_costs_the_classmate_nothing(
    name, course, tmp_path, isolated, colleague, request
):
    attack = ATTACKS[name]
    if attack.get("data"):
        request.getfixturevalue("data_dir")
    before = _scratch()
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.move(reference_workspace(tmp_path / "a"), submissions / "alice")
    shutil.move(_submission(tmp_path / "m", attack), submissions / "mallory")
    report = grade_class(submissions, attack["exercise"], jobs=2, course=course)
    by_name = {s.student: s for s in report.students}
    assert by_name["alice"].score == report.max_score > 0, by_name["alice"].errors()
    (result,) = by_name["mallory"].report.exercises
    _judged(name, result, _evidence(result.output))
    assert report.isolation == "namespaces"
    assert _scratch() <= before


@pytest.mark.skipif(os.geteuid() != 0, reason="already an ordinary user")
def test_the_attacks_fail_for_an_ordinary_user_too():
    """Run this module again as a throwaway user (CI runs as root)."""
    rerun_as_user(__file__, "ordinary_user", 44_000 + os.getpid() % 1000)
