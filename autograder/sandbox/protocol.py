"""The wire protocol between the grader and its workers: what is asked, what comes back.

A :class:`Job` goes to the fork server as one line of JSON; the worker answers through files
in its own folder, read back as :class:`CallOutcome` s and one :class:`WorkerRun`.

The worker writes into the job's folder, one probe call at a time: ``call<i>.started``, then
``call<i>.npz`` (``np.savez``: numeric arrays only) and ``call<i>.json`` (ok or the error, and
each output's Python type); ``splice.json`` says whether the learner's code was installed and
``output.txt`` holds what it printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from numpy import ndarray

from .prune import Needs
from .siblings import LearnerModule
from .splice import LearnerFunction

__all__ = [
    "CallOutcome",
    "Job",
    "Limits",
    "ProbeCall",
    "Student",
    "WorkerContext",
    "WorkerRun",
]

SPLICE_ERROR_EXIT = 71
"""The worker's exit code when it could not enter its sandbox."""
JOB_ERROR_EXIT = 70
"""The worker's exit code when running the job itself failed."""
NO_SPACE_EXIT = 73
"""The worker's own files could not be written: the disk (its temporary folder) is full.
The supervisor believes it only when that disk is indeed (nearly) full."""


@dataclass(frozen=True)
class Limits:
    """What a worker may use.

    Attributes:
        timeout: wall-clock seconds for the whole worker (every probe of the exercise).
        memory_mb: the address-space limit (``RLIMIT_AS``).
        max_processes: the process limit (``RLIMIT_NPROC``) — no fork bombs.
        file_mb: the most the worker may write: each file, and all its files together where
            its folder is a tmpfs of its own (see ``folder``; its outputs included).
    """

    timeout: float = 30.0
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
        data: a folder of ``.npy`` inputs (training data; an ``.npz`` too), passed to the
            probe as ``data``.
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
            ``crashed`` (running when the worker died), ``grader_error`` (the grader's own
            fault, such as a full disk) or ``not_run``.
        arrays: the probe's outputs (empty unless ``ok``).
        types: the Python type of each output as the learner's code returned it
            (``"ndarray"``, ``"list"``, ``"float"`` …).
        message: for an error, ``"ZeroDivisionError: division by zero (activations.py line
            12)"``.
        traceback: the traceback, the grader's frames left out.
        seconds: how long the call took.
        trace: for a trace job, the values the call recorded (``trace.read_trace``).
    """

    status: str
    arrays: dict[str, ndarray] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    message: str = ""
    traceback: str = ""
    seconds: float = 0.0
    trace: dict[str, ndarray] | None = None


@dataclass
class WorkerRun:
    """The outcome of one worker.

    Attributes:
        status: ``finished``, ``timeout``, ``crashed`` (it died before finishing: a signal,
            ``os._exit``, the memory limit …), ``splice_error`` (the learner's functions
            could not be installed) or ``grader_error`` (the grader could not start the worker
            or set up its sandbox: never the learner's fault).
        calls: one outcome per probe call, in order.
        message: what happened, for a status other than ``finished``.
        output: what the learner's code printed, truncated; never parsed.
        exitcode: the worker's exit code (negative: killed by that signal).
        seconds: wall-clock time.
        isolated: whether the worker ran in namespaces of its own (None: it never said).
        stuck: after a timeout, ``(path, line, function)`` of the learner's code that was
            running (None: unknown).
    """

    status: str
    calls: list[CallOutcome]
    message: str = ""
    output: str = ""
    exitcode: int | None = None
    seconds: float = 0.0
    isolated: bool | None = None
    stuck: tuple[str, int, str] | None = None


@dataclass(frozen=True)
class Student:
    """A student whose exercises share one sandbox (:mod:`.student`): namespaces and a root
    made once, a fresh worker forked in it for each exercise.

    Attributes:
        key: whose they are (the workspace graded).
        readable: folders any of their workers may read (the run's training inputs).
        preload: what any of their exercises' workers needs imported beforehand (``torch``).
        needs: what each of their exercises' workers keeps in memory, so that the fork server
            prepares it once for the run (:func:`~.memory.prepare_needs`), not each student's
            sandbox again.
    """

    key: str
    readable: tuple[str, ...] = ()
    preload: tuple[str, ...] = ()
    needs: tuple[Needs, ...] = ()


@dataclass(frozen=True)
class WorkerContext:
    """What a grading session tells the sandbox about one worker, besides its job.

    Attributes:
        slot: which fork server to use (one per exercise graded at the same time; as root,
            the worker's own user id).
        hidden: paths the worker must not see (where it can be isolated): the answer key,
            the stored answers, the progress store, the submissions.
        preload: modules the fork server imports before forking (``torch``).
        learner_package: where the reference is not installed, the learner's workspace: the
            worker imports it whole as ``dlfs.exercises`` and runs the probes on it (nothing
            is spliced; the learner's other exercises run too).
        needs: what the worker keeps in memory of the answer key and the grader (the rest
            refuses: ``prune``); None keeps everything.
        student: the student whose sandbox the worker may be forked in (None: it isolates
            itself on its own).
        siblings: the learner's other files that their graded code imports (``siblings``).
    """

    slot: int = 0
    hidden: tuple[str, ...] = ()
    preload: tuple[str, ...] = ()
    learner_package: str | None = None
    needs: Needs | None = None
    student: Student | None = None
    siblings: tuple[LearnerModule, ...] = ()


@dataclass(frozen=True)
class Job:
    """One worker's job, sent to the fork server as a line of JSON.

    Attributes:
        functions: the learner's functions to install.
        calls: the probe calls, in order.
        limits: what the worker may use.
        out_dir: the worker's own folder, where it writes its outputs.
        env: environment variables for the worker.
        preload: modules the fork server imports before forking.
        learner_package: the learner's package to import whole (no reference here).
        slot: the concurrent worker's number (its own user id as root).
        view: with isolation, what the worker may see: ``readable`` folders and ``hidden``
            paths (:class:`~.isolate.View`); None without.
        trace: for a failing check explained, what each call records or changes
            (``trace.TraceJob.to_json``); None for grading.
        cgroup: the files through which the worker joins its cgroup (``cgroups``); None
            where it has none.
        needs: what the worker keeps of the answer key and the grader (``prune.Needs``);
            None: everything.
        siblings: the learner's other files that their graded code imports (``siblings``).
    """

    functions: tuple[LearnerFunction, ...]
    calls: tuple[ProbeCall, ...]
    limits: Limits
    out_dir: str
    env: dict[str, str]
    preload: tuple[str, ...] = ()
    learner_package: str | None = None
    slot: int = 0
    view: dict[str, Any] | None = None
    trace: dict[str, Any] | None = None
    cgroup: tuple[str, ...] | None = None
    needs: Needs | None = None
    siblings: tuple[LearnerModule, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "functions": [_flat(f) for f in self.functions],
                "calls": [_flat(c) for c in self.calls],
                "limits": _flat(self.limits),
                "out_dir": self.out_dir,
                "env": self.env,
                "preload": list(self.preload),
                "learner_package": self.learner_package,
                "slot": self.slot,
                "view": self.view,
                "trace": self.trace,
                "cgroup": list(self.cgroup) if self.cgroup is not None else None,
                "needs": _flat(self.needs) if self.needs is not None else None,
                "siblings": [_flat(m) for m in self.siblings],
            }
        )


def _flat(record: Any) -> dict[str, Any]:
    """A dataclass of plain values (strings, numbers, tuples and dicts of them) as a dict for
    JSON: one level, nothing copied (``asdict`` copies every value deeply: a tenth of the
    grader's own time in a class)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}
