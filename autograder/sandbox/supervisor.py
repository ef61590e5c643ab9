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

import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import timings
from .astlock import AST_LOCK
from .cgroups import WorkerGroup, worker_group
from .folder import MAX_FILES, seen_from
from .outputs import read_call, read_json, read_output
from .protocol import (
    JOB_ERROR_EXIT,
    NO_SPACE_EXIT,
    CallOutcome,
    Job,
    Limits,
    ProbeCall,
    WorkerContext,
    WorkerRun,
)
from .scratch import make_scratch, remove_tree
from .server import ForkServer, WorkerServerError
from .servers import get_server, server_slot, shutdown
from .splice import LearnerFunction
from .stuck import STACK_FILE, stuck_at
from .students import student_folder
from .trace import read_trace
from .uids import worker_uid

__all__ = ["run_worker"]

_POLL_SECONDS = 0.05


def run_worker(
    functions: list[LearnerFunction],
    calls: list[ProbeCall],
    limits: Limits,
    context: WorkerContext | None = None,
    on_progress: Callable[[int, float], None] | None = None,
    env: dict[str, str] | None = None,
    trace: dict[str, Any] | None = None,
) -> WorkerRun:
    """Splice ``functions`` into the reference in a worker, run ``calls``, read the outputs.

    Args:
        functions: the learner's functions to install (see ``splice.read_target``).
        calls: the probe calls, run in order.
        limits: time, memory and process limits.
        context: the session's word on this worker: its slot, what it must not see, what
            its server preloads, the learner's package, what it keeps in memory
            (:class:`~.protocol.WorkerContext`; by default slot 0, nothing hidden, all kept).
        on_progress: called every 50 ms or so with the call running and its seconds.
        env: environment variables for the worker.
        trace: what each call records or changes (``trace.TraceJob.to_json``): a failing
            check explained; each outcome then carries its ``trace``.
    Returns:
        The worker's outcome; it never raises for anything the learner's code did.
    """
    context = context or WorkerContext()
    try:
        shared = student_folder(context)
    except WorkerServerError:
        shared = None
    if shared is not None:  # in the student's sandbox: a fresh folder of its own there
        readable = sorted({str(Path(c.data).parent) for c in calls if c.data})
        place = _Place(Path(shared), readable)
        return _run(functions, calls, limits, context, place, on_progress, env, trace)
    try:
        scratch = make_scratch("grade")
    except OSError as error:
        return _grader_error(calls, f"it could not make the worker's folder: {error}")
    try:
        try:
            place = _Place(*_folders(scratch, context.slot, calls, context.learner_package))
        except OSError as error:
            return _grader_error(calls, f"it could not copy the package to grade: {error}")
        return _run(functions, calls, limits, context, place, on_progress, env, trace)
    finally:
        remove_tree(scratch)


@dataclass
class _Place:
    """Where a worker writes (``out_dir``), what it reads, and ``{copy: package}``."""

    out_dir: Path
    readable: list[str]
    renamed: dict[str, str] = field(default_factory=dict)


def _run(
    functions: list[LearnerFunction],
    calls: list[ProbeCall],
    limits: Limits,
    context: WorkerContext,
    place: _Place,
    on_progress: Callable[[int, float], None] | None,
    env: dict[str, str] | None,
    trace: dict[str, Any] | None,
) -> WorkerRun:
    """The worker's job, in its cgroup, supervised."""
    slot = context.slot
    learner_package = next(iter(place.renamed), None)
    on = server_slot(slot, context.student.preload if context.student else context.preload)
    memory_mb = _group_memory_mb(limits, on)  # starts the server if need be
    with timings.phase("cgroup"):
        group = worker_group(memory_mb, limits.max_processes + 1)
    view = {"readable": place.readable, "hidden": [*context.hidden], "slot": slot}
    procs = tuple(group.procs) if group is not None else None
    job = Job(tuple(functions), tuple(calls), limits, str(place.out_dir), dict(env or {}))
    job = replace(job, preload=context.preload, learner_package=learner_package, slot=slot)
    job = replace(job, view=view, cgroup=procs, needs=context.needs, trace=trace)
    job = replace(job, siblings=() if learner_package else context.siblings)
    try:
        return _supervise(job, on_progress, on, place.renamed, group)
    finally:
        if group is not None:
            with timings.phase("cgroup"):
                group.close()


def _group_memory_mb(limits: Limits, on: int) -> int:
    """What a worker's cgroup may charge: ``memory_mb`` less its share of the pages it
    shares with its fork server (charged to the server, but the worker's all the same), at
    most a quarter of the limit."""
    try:
        shared = get_server(on).resident_mb() // 2
    except WorkerServerError:
        shared = 0
    return limits.memory_mb - min(shared, limits.memory_mb // 4)


def _folders(
    scratch: Path, slot: int, calls: list[ProbeCall], learner_package: str | None
) -> tuple[Path, list[str], dict[str, str]]:
    """The worker's folder (a tmpfs in the fork server's mounts, where it can be), the
    folders it reads (the training inputs, a copy of the learner's package: the worker may see
    neither the workspace nor, as root, read it there) and ``{copy: package}``."""
    out_dir = scratch / "worker"
    out_dir.mkdir()
    if os.geteuid() == 0:  # the worker's own user reaches its folder (isolation off, too)
        uid = worker_uid(slot)
        os.chown(out_dir, uid, uid)
        scratch.chmod(0o711)  # passed through, not listed
    readable = sorted({str(Path(c.data).parent) for c in calls if c.data})
    renamed: dict[str, str] = {}
    if learner_package is not None:
        copy = _readable_copy(Path(learner_package), scratch)
        renamed = {copy: learner_package}
        readable.append(str(Path(copy).parent))
    return out_dir, readable, renamed


def _grader_error(calls: list[ProbeCall], why: str) -> WorkerRun:
    """A run that never started, for a fault of the grader's (never the learner's)."""
    outcomes = [CallOutcome("not_run") for _ in calls]
    return WorkerRun("grader_error", outcomes, f"the grader failed before your code ran: {why}")


def _readable_copy(package: Path, scratch: Path) -> str:
    """A copy of the learner's package that any user can read (a root grader's worker runs
    as a user of its own), beside the worker's folder (the worker reads it, read-only); no
    symbolic links followed."""
    copy = scratch / "learner" / package.name
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


def _start(job: Job, on: int) -> tuple[ForkServer, Job, int]:
    """Start ``job`` on fork server ``on`` (one more try with a fresh server); isolated where
    the server's workers can be."""
    for attempt in range(2):
        try:
            server = get_server(on)
            if not server.isolation.available:
                job = replace(job, view=None)
            return server, job, server.start(job.to_json())
        except WorkerServerError:
            shutdown(on)
            if attempt:
                raise
    raise AssertionError("unreachable")


def _supervise(
    job: Job,
    on_progress: Callable[[int, float], None] | None,
    on: int,
    renamed: dict[str, str] | None = None,
    group: WorkerGroup | None = None,
) -> WorkerRun:
    start = time.monotonic()
    try:
        server, job, pid = _start(job, on)
    except WorkerServerError as error:
        calls = [CallOutcome("not_run") for _ in job.calls]
        return WorkerRun("grader_error", calls, f"the grader's worker could not start: {error}")
    folder = seen_from(server.folder_pid, job.out_dir)  # through the server's mounts
    try:
        exitcode, timed_out = _wait(server, job, pid, folder, on_progress, group)
    except WorkerServerError:
        server.kill(pid)
        shutdown(on)
        exitcode, timed_out = None, False
    except BaseException:  # Ctrl-C, or the CLI ending on SIGTERM: the worker goes first
        server.kill(pid)
        raise
    if not server.pids_in_student:  # a student's sandbox killed all it left already
        server.kill(pid)  # whatever the learner's code left behind in its group
    seconds = time.monotonic() - start
    out_of_memory = group is not None and group.out_of_memory()
    ending = _Ending(exitcode, timed_out, server.learner_code_ran, out_of_memory, server.own_folder)
    with AST_LOCK:  # np.load parses each array's header with ast
        run = _collect(job, folder, ending, seconds)
    for copy, original in (renamed or {}).items():  # the learner's own files, not the copy
        _put_back(run, copy, original)
    if timed_out:
        files = [f.path for f in job.functions] + list((renamed or {}).values())
        run.stuck = stuck_at(folder / STACK_FILE, files, renamed)
        if run.stuck:
            path, line, name = run.stuck
            run.message += f", at {path}:{line} in {name}"
    server.release(job.out_dir)
    return run


def _put_back(run: WorkerRun, copy: str, original: str) -> None:
    """Every location in ``run`` that names the worker's copy of the learner's package
    names the learner's own package instead (the copy is gone when they read it)."""
    run.message = run.message.replace(copy, original)
    for outcome in run.calls:
        outcome.message = outcome.message.replace(copy, original)
        outcome.traceback = outcome.traceback.replace(copy, original)


def _wait(
    server: ForkServer,
    job: Job,
    pid: int,
    folder: Path,
    on_progress: Callable[[int, float], None] | None,
    group: WorkerGroup | None = None,
) -> tuple[int | None, bool]:
    """Wait for the worker to end or its time to run out: ``(exit code, timed out)``. A
    worker whose cgroup ran out of memory is ended at once, all of it (the kernel ends only
    the process it picked)."""
    deadline = time.monotonic() + job.limits.timeout
    while True:
        exitcode = server.wait_exit(timeout=_POLL_SECONDS)
        if exitcode is not None:
            return exitcode, False
        if group is not None and group.out_of_memory():
            group.kill()
            server.kill(pid)
            return server.wait_exit(timeout=10), False
        if time.monotonic() >= deadline:
            server.kill(pid)
            return server.wait_exit(timeout=10), True
        if on_progress is not None:
            running = _running_call(len(job.calls), folder)
            if running is not None:
                on_progress(*running)


def _running_call(calls: int, out: Path) -> tuple[int, float] | None:
    for index in range(calls - 1, -1, -1):
        started = out / f"call{index}.started"
        if os.path.lexists(started):  # the worker's files: never followed
            if os.path.lexists(out / f"call{index}.json"):
                return None
            try:
                return index, time.time() - started.lstat().st_mtime
            except OSError:
                return None
    return None


@dataclass
class _Ending:
    """How a worker ended, from what the grader knows itself (never from the worker's files,
    which its learner code may have written).

    Attributes:
        exitcode: the worker's exit code (the learner's to choose once its code ran).
        timed_out: the grader stopped it at the time limit.
        learner_code_ran: the worker had told the fork server that learner code starts.
        out_of_memory: its cgroup's memory ran out.
        own_folder: its folder was a tmpfs of its own (a full one is the learner's doing).
    """

    exitcode: int | None
    timed_out: bool
    learner_code_ran: bool = True
    out_of_memory: bool = False
    own_folder: bool = False


def _collect(job: Job, out: Path, ending: _Ending, seconds: float) -> WorkerRun:
    output = read_output(out / "output.txt")
    splice = read_json(out / "splice.json")
    if splice is not None and not splice.get("ok", False):
        return WorkerRun(
            "splice_error",
            [CallOutcome("not_run") for _ in job.calls],
            message=str(splice.get("message", "the learner's code could not be installed")),
            output=output,
            exitcode=ending.exitcode,
            seconds=seconds,
        )
    disk_full = not ending.own_folder and _nearly_full(out)  # the grader's own disk, checked
    outcomes: list[CallOutcome] = []
    interrupted = False
    for index in range(len(job.calls)):
        status = read_json(out / f"call{index}.json")
        if status is not None:
            outcomes.append(read_call(out, index, status, job.limits.file_mb, disk_full))
            if job.trace is not None:
                outcomes[-1].trace = read_trace(out, index, job.limits.file_mb)
        elif os.path.lexists(out / f"call{index}.started") and not interrupted:
            outcomes.append(CallOutcome("timeout" if ending.timed_out else "crashed"))
            interrupted = True
        else:
            outcomes.append(CallOutcome("not_run"))
    isolated = job.view is not None  # the grader's own knowledge, not the worker's word
    finished = splice is not None and all(o.status in ("ok", "error") for o in outcomes)
    status, message = _ending(job, out, ending, finished, disk_full)
    return WorkerRun(status, outcomes, message, output, ending.exitcode, seconds, isolated)


def _ending(
    job: Job, out: Path, ending: _Ending, finished: bool, disk_full: bool
) -> tuple[str, str]:
    """The worker's status and what to say about it."""
    exitcode = ending.exitcode
    if ending.timed_out:
        return "timeout", f"stopped after {job.limits.timeout:g} s (the time limit)"
    if finished:
        return "finished", ""
    if not ending.learner_code_ran:  # it ended in the grader's part: the grader's fault
        said = read_json(out / "grader.json") or read_json(out / "sandbox.json") or {}
        message = f"the grader could not set up this exercise's sandbox: {said.get('error', '')}"
        return "grader_error", message.rstrip(": ")
    if ending.out_of_memory:
        return "crashed", (
            "the worker ran out of memory: its processes together used up the limit of "
            f"{job.limits.memory_mb} MB"
        )
    if exitcode == NO_SPACE_EXIT and ending.own_folder:  # only learner code fills it
        return "crashed", (
            f"the worker's folder is full: your code wrote more than its {job.limits.file_mb} "
            f"MB or {MAX_FILES} files (does it save large files, or many?)"
        )
    if exitcode in (NO_SPACE_EXIT, JOB_ERROR_EXIT) and disk_full:
        return "grader_error", (
            f"the grader's temporary folder is full ({Path(job.out_dir).parent.parent}): "
            "the worker could not write its outputs; free some space there (or set TMPDIR) "
            "and grade again"
        )
    return "crashed", _describe_exit(exitcode, job.limits)


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
