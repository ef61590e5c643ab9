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
import os
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .isolate import WORKER_UID_BASE
from .outputs import read_call, read_json, read_output
from .protocol import (
    JOB_ERROR_EXIT,
    NO_SPACE_EXIT,
    SPLICE_ERROR_EXIT,
    CallOutcome,
    Job,
    Limits,
    ProbeCall,
    WorkerRun,
)
from .scratch import make_scratch
from .server import ForkServer, WorkerServerError, get_server, shutdown
from .splice import LearnerFunction
from .stuck import STACK_FILE, stuck_at

__all__ = ["run_worker"]

_POLL_SECONDS = 0.05


def run_worker(
    functions: list[LearnerFunction],
    calls: list[ProbeCall],
    limits: Limits,
    on_progress: Callable[[int, float], None] | None = None,
    env: dict[str, str] | None = None,
    preload: tuple[str, ...] = (),
    slot: int = 0,
    learner_package: str | None = None,
    hidden: Sequence[str] = (),
) -> WorkerRun:
    """Splice ``functions`` into the reference in a worker, run ``calls``, read the outputs.

    Args:
        functions: the learner's functions to install (see ``splice.read_target``).
        calls: the probe calls, run in order.
        limits: time, memory and process limits.
        on_progress: called every 50 ms or so with the call running and its seconds.
        env: environment variables for the worker.
        preload: modules the fork server imports before forking (``torch``).
        slot: which fork server to use (one per exercise graded at the same time).
        learner_package: where the reference is not installed, the learner's workspace: the
            worker imports it whole as ``dlfs.exercises`` and runs the probes on it (nothing
            is spliced; the learner's other exercises run too).
        hidden: paths the worker must not see (where it can be isolated): the answer key,
            the stored answers, the progress store, the submissions.
    Returns:
        The worker's outcome; it never raises for anything the learner's code did.
    """
    try:
        out_dir = str(make_scratch("grade"))
    except OSError as error:
        return _grader_error(calls, f"it could not make the worker's folder: {error}")
    try:
        if os.geteuid() == 0:
            uid = WORKER_UID_BASE + slot
            os.chown(out_dir, uid, uid)
        renamed: dict[str, str] = {}
        if learner_package is not None:  # the worker may see neither the workspace nor, as
            try:  # root, read it there
                renamed = {_readable_copy(Path(learner_package), Path(out_dir)): learner_package}
            except OSError as error:
                return _grader_error(calls, f"it could not copy the package to grade: {error}")
            learner_package = next(iter(renamed))
        data = sorted({str(Path(c.data).parent) for c in calls if c.data})
        view = {"readable": data, "hidden": [*hidden], "slot": slot}
        job = Job(
            tuple(functions),
            tuple(calls),
            limits,
            out_dir,
            dict(env or {}),
            preload,
            learner_package,
            slot,
            view,
        )
        return _supervise(job, on_progress, slot, renamed)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _grader_error(calls: list[ProbeCall], why: str) -> WorkerRun:
    """A run that never started, for a fault of the grader's (never the learner's)."""
    outcomes = [CallOutcome("not_run") for _ in calls]
    return WorkerRun("grader_error", outcomes, f"the grader failed before your code ran: {why}")


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


def _start(job: Job, slot: int) -> tuple[ForkServer, Job, int]:
    """Start ``job`` on the slot's fork server (one more try with a fresh server); isolated
    where the server's workers can be."""
    for attempt in range(2):
        try:
            server = get_server(slot)
            if not server.isolation.available:
                job = replace(job, view=None)
            return server, job, server.start(job.to_json())
        except WorkerServerError:
            shutdown(slot)
            if attempt:
                raise
    raise AssertionError("unreachable")


def _supervise(
    job: Job,
    on_progress: Callable[[int, float], None] | None,
    slot: int,
    renamed: dict[str, str] | None = None,
) -> WorkerRun:
    start = time.monotonic()
    try:
        server, job, pid = _start(job, slot)
    except WorkerServerError as error:
        calls = [CallOutcome("not_run") for _ in job.calls]
        return WorkerRun("grader_error", calls, f"the grader's worker could not start: {error}")
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
    except BaseException:  # Ctrl-C, or the CLI ending on SIGTERM: the worker goes first
        _kill_group(pid)
        raise
    _kill_group(pid)  # whatever the learner's code left behind in its group
    seconds = time.monotonic() - start
    run = _collect(job, exitcode, timed_out, seconds)
    if timed_out:
        files = [f.path for f in job.functions] + list((renamed or {}).values())
        run.stuck = stuck_at(Path(job.out_dir) / STACK_FILE, files, renamed)
        if run.stuck:
            path, line, name = run.stuck
            run.message += f", at {path}:{line} in {name}"
    return run


def _kill_group(pid: int | None) -> None:
    """SIGKILL the worker's process group (it made itself a group leader), then the worker."""
    if pid is None:
        return
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _running_call(job: Job) -> tuple[int, float] | None:
    out = Path(job.out_dir)
    for index in range(len(job.calls) - 1, -1, -1):
        started = out / f"call{index}.started"
        if os.path.lexists(started):  # the worker's files: never followed
            if os.path.lexists(out / f"call{index}.json"):
                return None
            try:
                return index, time.time() - started.lstat().st_mtime
            except OSError:
                return None
    return None


def _collect(job: Job, exitcode: int | None, timed_out: bool, seconds: float) -> WorkerRun:
    out = Path(job.out_dir)
    output = read_output(out / "output.txt")
    splice = read_json(out / "splice.json")
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
        status = read_json(out / f"call{index}.json")
        if status is not None:
            outcomes.append(read_call(out, index, status, job.limits.file_mb))
        elif os.path.lexists(out / f"call{index}.started") and not interrupted:
            outcomes.append(CallOutcome("timeout" if timed_out else "crashed"))
            interrupted = True
        else:
            outcomes.append(CallOutcome("not_run"))
    sandbox = read_json(out / "sandbox.json")
    isolated = bool(sandbox.get("isolated")) if sandbox is not None else None
    if timed_out:
        status, message = "timeout", f"stopped after {job.limits.timeout:g} s (the time limit)"
    elif all(o.status in ("ok", "error") for o in outcomes) and splice is not None:
        status, message = "finished", ""
    elif exitcode in (NO_SPACE_EXIT, JOB_ERROR_EXIT) and _nearly_full(out):
        status = "grader_error"
        message = (
            f"the grader's temporary folder is full ({out.parent}): the worker could not "
            "write its outputs; free some space there (or set TMPDIR) and grade again"
        )
    elif exitcode == SPLICE_ERROR_EXIT and splice is None:
        reason = sandbox.get("error", "") if sandbox is not None else ""
        status = "grader_error"
        message = f"the grader could not set up this exercise's sandbox: {reason}".rstrip(": ")
    else:
        status, message = "crashed", _describe_exit(exitcode, job.limits)
    return WorkerRun(status, outcomes, message, output, exitcode, seconds, isolated)


def _nearly_full(folder: Path, room: int = 1 << 20) -> bool:
    """Whether the file system of ``folder`` has less than ``room`` bytes free (a learner
    may exit with the full-disk code too: it is believed only when it is true)."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return True
    return stats.f_bavail * stats.f_frsize < room


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
    return (
        f"the worker exited with code {exitcode} before finishing: "
        "does your code call sys.exit(), os._exit() or exit()?"
    )
