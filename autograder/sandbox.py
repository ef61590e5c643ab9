"""Run one exercise's probes on the learner's code in a separate, limited worker process.

The grader (the parent) never runs learner code. For each exercise it starts a worker, forked
from a server that has NumPy and the reference already imported (start-up takes milliseconds).
The worker

1. leaves the grader's session (its own process group, no controlling terminal), sends its
   stdout/stderr to a file, closes every other inherited descriptor, and limits itself:
   address space (``memory_mb``), CPU time, file size, processes, no core dumps; run as root,
   it also drops to the ``nobody`` user, so it can neither signal the grader nor write the
   learner's files;
2. splices the learner's functions into the reference (``splice.install``);
3. runs each probe and writes its raw outputs — arrays only, with ``np.savez`` — and a small
   JSON status to its own directory, one file pair per probe, as it goes.

The parent waits with a wall-clock timeout, kills the worker's whole process group when time
is up, and reads back what was written: arrays with ``allow_pickle=False`` and JSON, never a
pickle, never the learner's printed output. Whatever the learner's code does — raise, hang,
exhaust memory, ``sys.exit``, ``os._exit``, print, patch NumPy — the worst outcome is that
some probes have no output, which costs that exercise's points and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy import ndarray

from .server import WorkerServerError, get_server, shutdown
from .splice import LearnerFunction
from .worker import NOBODY

__all__ = [
    "CallOutcome",
    "Limits",
    "ProbeCall",
    "WorkerRun",
    "run_worker",
]

_MAX_OUTPUT_CHARS = 4000
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Limits:
    """What a worker may use.

    Attributes:
        timeout: wall-clock seconds for the whole worker (every probe of the exercise).
        memory_mb: the address-space limit (``RLIMIT_AS``).
        max_processes: the process limit (``RLIMIT_NPROC``) — no fork bombs.
        file_mb: the largest file the worker may write (its outputs included).
    """

    timeout: float = 60.0
    memory_mb: int = 2048
    max_processes: int = 16
    file_mb: int = 256

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got timeout={self.timeout!r}")
        if self.memory_mb < 64:
            raise ValueError(f"memory_mb must be at least 64, got memory_mb={self.memory_mb!r}")


@dataclass(frozen=True)
class ProbeCall:
    """One call of a probe function in the worker.

    Attributes:
        module: the probe module under ``dlfs.autograder.probes`` (``"chapter3"``).
        probe: the probe function's name.
        params: keyword arguments for the probe (JSON-like values).
        seed: the seed of the ``np.random.Generator`` the probe receives.
        data: an ``.npz`` of inputs (training data), passed to the probe as ``data``.
    """

    module: str
    probe: str
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    data: str | None = None


@dataclass
class CallOutcome:
    """What one probe call produced in the worker.

    Attributes:
        status: ``ok``, ``error`` (the code raised), ``timeout`` (running when time ran out),
            ``crashed`` (running when the worker died) or ``not_run``.
        arrays: the probe's outputs (empty unless ``ok``).
        types: the Python type of each output as the learner's code returned it
            (``"ndarray"``, ``"list"``, ``"float"`` …).
        message: for an error, ``"ZeroDivisionError: division by zero (activations.py line
            12)"``.
        traceback: the traceback, the grader's frames left out.
        seconds: how long the call took.
    """

    status: str
    arrays: dict[str, ndarray] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    message: str = ""
    traceback: str = ""
    seconds: float = 0.0


@dataclass
class WorkerRun:
    """The outcome of one worker.

    Attributes:
        status: ``finished``, ``timeout``, ``crashed`` (it died before finishing: a signal,
            ``os._exit``, the memory limit …) or ``splice_error`` (the learner's functions
            could not be installed).
        calls: one outcome per probe call, in order.
        message: what happened, for a status other than ``finished``.
        output: what the learner's code printed, truncated; never parsed.
        exitcode: the worker's exit code (negative: killed by that signal).
        seconds: wall-clock time.
    """

    status: str
    calls: list[CallOutcome]
    message: str = ""
    output: str = ""
    exitcode: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class _Job:
    functions: tuple[LearnerFunction, ...]
    calls: tuple[ProbeCall, ...]
    limits: Limits
    out_dir: str
    env: dict[str, str]
    preload: tuple[str, ...] = ()
    learner_package: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "functions": [asdict(f) for f in self.functions],
                "calls": [asdict(c) for c in self.calls],
                "limits": asdict(self.limits),
                "out_dir": self.out_dir,
                "env": self.env,
                "preload": list(self.preload),
                "learner_package": self.learner_package,
            }
        )


def run_worker(
    functions: list[LearnerFunction],
    calls: list[ProbeCall],
    limits: Limits,
    on_progress: Callable[[int, float], None] | None = None,
    env: dict[str, str] | None = None,
    preload: tuple[str, ...] = (),
    slot: int = 0,
    learner_package: str | None = None,
) -> WorkerRun:
    """Splice ``functions`` into the reference in a worker, run ``calls``, read the outputs.

    Args:
        functions: the learner's functions to install (see ``splice.read_target``).
        calls: the probe calls, run in order.
        limits: time, memory and process limits.
        on_progress: called about every 50 ms with the index of the call running and the
            seconds it has run (for progress bars).
        env: environment variables for the worker.
        preload: modules the fork server imports before forking (``torch``).
        slot: which fork server to use (one per exercise graded at the same time).
        learner_package: where the reference is not installed, the learner's workspace: the
            worker imports it whole as ``dlfs.exercises`` and runs the probes on it (nothing
            is spliced; the learner's other exercises run too).
    Returns:
        The worker's outcome; it never raises for anything the learner's code did.
    """
    out_dir = tempfile.mkdtemp(prefix="dlfs-grade-")
    try:
        if os.geteuid() == 0:
            os.chown(out_dir, NOBODY, NOBODY)
            if learner_package is not None:  # the worker, as nobody, may not read it there
                learner_package = _readable_copy(Path(learner_package), Path(out_dir))
        job = _Job(
            tuple(functions),
            tuple(calls),
            limits,
            out_dir,
            dict(env or {}),
            preload,
            learner_package,
        )
        return _supervise(job, on_progress, slot)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _readable_copy(package: Path, out_dir: Path) -> str:
    """A copy of the learner's package that any user can read (a root grader's worker runs
    as ``nobody``); only Python files, no symbolic links followed."""
    copy = out_dir / "learner" / package.name
    shutil.copytree(
        package,
        copy,
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"),
    )
    for path in [copy.parent, copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return str(copy)


def _supervise(job: _Job, on_progress: Callable[[int, float], None] | None, slot: int) -> WorkerRun:
    start = time.monotonic()
    try:
        server = get_server(slot)
        pid = server.start(job.to_json())
    except WorkerServerError:
        shutdown(slot)  # one more try with a fresh server
        try:
            server = get_server(slot)
            pid = server.start(job.to_json())
        except WorkerServerError as error:
            shutdown(slot)
            calls = [CallOutcome("not_run") for _ in job.calls]
            return WorkerRun("crashed", calls, f"the grader's worker could not start: {error}")
    deadline = start + job.limits.timeout
    timed_out = False
    exitcode: int | None = None
    try:
        while True:
            exitcode = server.wait_exit(timeout=_POLL_SECONDS)
            if exitcode is not None:
                break
            if time.monotonic() >= deadline:
                timed_out = True
                _kill_group(pid)
                exitcode = server.wait_exit(timeout=10)
                break
            if on_progress is not None:
                running = _running_call(job)
                if running is not None:
                    on_progress(*running)
    except WorkerServerError:
        _kill_group(pid)
        shutdown(slot)
    _kill_group(pid)  # whatever the learner's code left behind in its group
    seconds = time.monotonic() - start
    return _collect(job, exitcode, timed_out, seconds)


def _kill_group(pid: int | None) -> None:
    """SIGKILL the worker's process group (it made itself a group leader), then the worker."""
    if pid is None:
        return
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _running_call(job: _Job) -> tuple[int, float] | None:
    out = Path(job.out_dir)
    for index in range(len(job.calls) - 1, -1, -1):
        started = out / f"call{index}.started"
        if started.exists():
            if (out / f"call{index}.json").exists():
                return None
            try:
                return index, time.time() - started.stat().st_mtime
            except OSError:
                return None
    return None


def _collect(job: _Job, exitcode: int | None, timed_out: bool, seconds: float) -> WorkerRun:
    out = Path(job.out_dir)
    output = _read_output(out / "output.txt")
    splice = _read_json(out / "splice.json")
    if splice is not None and not splice.get("ok", False):
        return WorkerRun(
            "splice_error",
            [CallOutcome("not_run") for _ in job.calls],
            message=str(splice.get("message", "the learner's code could not be installed")),
            output=output,
            exitcode=exitcode,
            seconds=seconds,
        )
    outcomes: list[CallOutcome] = []
    interrupted = False
    for index in range(len(job.calls)):
        status = _read_json(out / f"call{index}.json")
        if status is not None:
            outcomes.append(_read_call(out, index, status, job.limits.file_mb))
        elif (out / f"call{index}.started").exists() and not interrupted:
            outcomes.append(CallOutcome("timeout" if timed_out else "crashed"))
            interrupted = True
        else:
            outcomes.append(CallOutcome("not_run"))
    if timed_out:
        status, message = "timeout", f"stopped after {job.limits.timeout:g} s (the time limit)"
    elif all(o.status in ("ok", "error") for o in outcomes) and splice is not None:
        status, message = "finished", ""
    else:
        status, message = "crashed", _describe_exit(exitcode, job.limits)
    return WorkerRun(status, outcomes, message, output, exitcode, seconds)


def _describe_exit(exitcode: int | None, limits: Limits) -> str:
    if exitcode is None:
        return "the worker did not finish"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGXCPU:
            return "the worker used up its CPU time"
        if -exitcode in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return f"the worker crashed ({name}); memory limit {limits.memory_mb} MB"
        return f"the worker was killed by {name}"
    if exitcode == 71:
        return "the grader could not set up the sandbox for this exercise"
    return (
        f"the worker exited with code {exitcode} before finishing: "
        "does your code call sys.exit(), os._exit() or exit()?"
    )


def _open_regular(path: Path) -> BinaryIO:
    """Open a file the worker wrote, refusing symbolic links and anything but regular files
    (the grader may run as root; the worker must not make it read other files)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path.name} is not a regular file")
    return os.fdopen(fd, "rb")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with _open_regular(path) as f:
            data = f.read(1_000_001)
        if len(data) > 1_000_000:
            return {"ok": False, "message": "the worker's status file is too large"}
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _read_output(path: Path) -> str:
    try:
        with _open_regular(path) as f:
            data = f.read(_MAX_OUTPUT_CHARS + 1)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(text) > _MAX_OUTPUT_CHARS:
        text = text[:_MAX_OUTPUT_CHARS] + "\n… (output truncated)"
    return text


def _read_call(out: Path, index: int, status: dict[str, Any], file_mb: int) -> CallOutcome:
    seconds = float(status.get("seconds", 0.0)) if _is_number(status.get("seconds")) else 0.0
    if not status.get("ok", False):
        return CallOutcome(
            "error",
            message=str(status.get("message", "the code raised an exception"))[:2000],
            traceback=str(status.get("traceback", ""))[:8000],
            seconds=seconds,
        )
    path = out / f"call{index}.npz"
    try:
        if path.lstat().st_size > file_mb * 2**20:
            return CallOutcome("error", message="the outputs are too large", seconds=seconds)
        arrays = load_arrays(path)
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile) as error:
        return CallOutcome("error", message=f"unreadable outputs: {error}", seconds=seconds)
    raw_types = status.get("types", {})
    types = {str(k): str(v) for k, v in raw_types.items()} if isinstance(raw_types, dict) else {}
    return CallOutcome("ok", arrays, types, seconds=seconds)


def load_arrays(path: Path) -> dict[str, ndarray]:
    """The arrays of an ``.npz`` the worker wrote, read without trusting it.

    No pickles (``allow_pickle=False``), numeric dtypes only, and every array's header is
    checked against the bytes actually stored before anything is allocated: a forged header
    cannot make the grader allocate more than the file holds.

    Raises:
        ValueError: for anything else than plain numeric arrays that fit their file.
    """
    arrays: dict[str, ndarray] = {}
    with _open_regular(path) as f, zipfile.ZipFile(f) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {info.filename!r}")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                if dtype.hasobject or dtype.kind not in "biufc":
                    raise ValueError(f"{info.filename} has dtype {dtype}")
                if math.prod(shape) * dtype.itemsize > info.file_size:
                    raise ValueError(f"{info.filename} claims more data than it holds")
            with archive.open(info) as member:
                arrays[info.filename[: -len(".npy")]] = np.lib.format.read_array(
                    member, allow_pickle=False
                )
    return arrays


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
