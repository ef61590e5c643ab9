"""The sandboxed side of grading: a fork server and the worker it forks for each exercise.

``python -m dlfs.autograder.worker`` is the fork server (the grader starts it, see
``sandbox``): it imports NumPy, the reference and the probes once, then reads one job per line
(JSON) on stdin, forks a worker for it, answers ``{"pid": …}`` at once and
``{"exit": …}`` when the worker has ended. Nothing the worker does reaches the server's
stdout: the worker's descriptors 0, 1 and 2 are replaced before any learner code runs.

The worker writes into the job's directory, one probe call at a time:
``call<i>.started``, then ``call<i>.npz`` (``np.savez``: numeric arrays only) and
``call<i>.json`` (ok or the error, and each output's Python type). The grader reads those
back with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["NOBODY", "serve"]

NOBODY = 65534
"""The uid and gid a worker started by root drops to."""

_PRELOAD = (
    "dlfs.reference",
    "dlfs.datasets",  # what the learner's package imports where the reference is missing
    "dlfs.autograder.splice",
    "numpy.testing",
    "numpy.linalg",
    "numpy.random",
    "numpy.lib.stride_tricks",
    # A worker started by root runs as ``nobody``, which may not be able to read the Python
    # installation; what learner code and the probes commonly import is imported beforehand.
    "zipfile",
    "encodings.cp437",
    "encodings.utf_8",
    "encodings.latin_1",
    "encodings.ascii",
    "encodings.idna",
    "tokenize",
    "linecache",
    "traceback",
    "math",
    "cmath",
    "random",
    "itertools",
    "functools",
    "operator",
    "collections",
    "collections.abc",
    "copy",
    "dataclasses",
    "typing",
    "statistics",
    "numbers",
    "decimal",
    "fractions",
    "string",
    "re",
    "heapq",
    "bisect",
    "time",
    "warnings",
    "contextlib",
    "inspect",
    "pprint",
    "textwrap",
    "enum",
    "abc",
    "types",
    "io",
    "pickle",
    "struct",
    "threading",
)
_PROBE_MODULES = tuple(f"dlfs.autograder.probes.chapter{n}" for n in range(1, 8))


def serve() -> None:  # pragma: no cover - runs in the fork server process
    """The fork server's loop: one job per line on stdin, replies on stdout."""
    for name in _PRELOAD + _PROBE_MODULES:
        with contextlib.suppress(Exception):  # a chapter's probes may not exist yet
            importlib.import_module(name)
    protocol = sys.stdout
    _reply(protocol, {"ready": True})
    for line in sys.stdin:
        try:
            job = json.loads(line)
        except ValueError:
            continue
        for name in job.get("preload", []):  # torch, for chapter 7, only when needed
            _preload(name)
        pid = os.fork()
        if pid == 0:
            _worker(job)  # never returns
        _reply(protocol, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _reply(protocol, {"exit": os.waitstatus_to_exitcode(status)})


def _preload(name: str) -> None:  # pragma: no cover - runs in the fork server process
    """Import ``module``, or import ``module:function`` and call the function (a warm-up)."""
    if name in _preloaded:
        return
    _preloaded.add(name)
    module_name, _, function = name.partition(":")
    with contextlib.suppress(Exception):
        module = importlib.import_module(module_name)
        if function:
            getattr(module, function)()


_preloaded: set[str] = set()


def _reply(stream: Any, message: dict[str, Any]) -> None:  # pragma: no cover
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def _worker(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker process
    """Enter the sandbox, splice, run the probes, and exit without any cleanup."""
    code = 0
    try:
        _enter_sandbox(job)
    except BaseException:
        os._exit(71)
    try:
        _run_job(job)
    except BaseException:
        code = 70
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


def _enter_sandbox(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker
    import resource

    os.setsid()  # its own process group (killed as one), and no controlling terminal
    out = Path(job["out_dir"])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(out / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, 65536)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing too much raises, not kills
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # A backstop should the grader itself die: end after the wall-clock limit even when
    # sleeping (which uses no CPU time, so RLIMIT_CPU would never fire).
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(job["limits"]["timeout"]) + 30)
    os.chdir(out)
    os.environ.update(job.get("env", {}))
    os.environ["HOME"] = str(out)
    os.environ["DLFS_MEMORY_MB"] = str(job["limits"]["memory_mb"])
    limits = job["limits"]
    # RLIMIT_NPROC counts every process and thread of the user: as nobody that is (nearly)
    # only the workers; as an ordinary user, whatever else the user runs comes on top.
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        processes: int | None = int(limits["max_processes"])
    else:
        running = _user_tasks(os.getuid())
        processes = None if running is None else running + int(limits["max_processes"])
    settings = [
        (resource.RLIMIT_AS, int(limits["memory_mb"]) * 2**20),
        (resource.RLIMIT_CPU, int(limits["timeout"]) + 5),
        (resource.RLIMIT_FSIZE, int(limits["file_mb"]) * 2**20),
        (resource.RLIMIT_CORE, 0),
    ]
    if processes is not None:
        settings.append((resource.RLIMIT_NPROC, processes))
    for which, value in settings:
        _, hard = resource.getrlimit(which)
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (soft, soft))


def _user_tasks(uid: int) -> int | None:
    """How many processes and threads ``uid`` runs now (from /proc), or None if unknown."""
    total = 0
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return None
    for pid in entries:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue  # gone, or not ours to read
        try:
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (KeyError, ValueError, IndexError):
            continue
    return total


def _run_job(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker
    from .splice import LearnerFunction, install

    out = Path(job["out_dir"])
    functions = [LearnerFunction(**f) for f in job["functions"]]
    learner_files = {f.path for f in functions}
    try:
        if job.get("learner_package"):  # no reference here: the learner's own package
            reference = _import_learner_package(job["learner_package"])
            learner_files |= {str(p) for p in Path(job["learner_package"]).rglob("*.py")}
        else:
            reference = importlib.import_module("dlfs.reference")
        modules = {
            call["module"]: importlib.import_module(f"dlfs.autograder.probes.{call['module']}")
            for call in job["calls"]
        }
        if not job.get("learner_package"):
            for function in functions:
                install(function)
    except BaseException as error:
        _write_json(out / "splice.json", {"ok": False, "message": _explain(error, learner_files)})
        return
    _write_json(out / "splice.json", {"ok": True})

    for index, call in enumerate(job["calls"]):
        (out / f"call{index}.started").touch()
        start = time.perf_counter()
        params = dict(call.get("params", {}))
        try:
            if call.get("data"):
                with np.load(call["data"], allow_pickle=False) as npz:
                    params["data"] = {name: npz[name] for name in npz.files}
            probe = getattr(modules[call["module"]], call["probe"])
            result = probe(reference, np.random.default_rng(call["seed"]), **params)
            arrays, types = _to_arrays(result)
            tmp = out / f"call{index}.tmp.npz"
            np.savez(tmp, **arrays)
            os.replace(tmp, out / f"call{index}.npz")
        except BaseException as error:
            _write_json(
                out / f"call{index}.json",
                {
                    "ok": False,
                    "message": _explain(error, learner_files),
                    "traceback": _learner_traceback(error),
                    "seconds": time.perf_counter() - start,
                },
            )
            continue
        _write_json(
            out / f"call{index}.json",
            {"ok": True, "types": types, "seconds": time.perf_counter() - start},
        )


def _import_learner_package(path: str) -> Any:  # pragma: no cover - runs in the worker
    """Import the learner's workspace as the package ``dlfs.exercises`` (wherever it is)."""
    import importlib.util

    import dlfs

    init = Path(path) / "__init__.py"
    if not init.is_file():
        raise ImportError(f"{path} is not a whole exercises package (no __init__.py)")
    spec = importlib.util.spec_from_file_location(
        "dlfs.exercises", init, submodule_search_locations=[path]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dlfs.exercises"] = module
    spec.loader.exec_module(module)
    dlfs.exercises = module  # type: ignore[attr-defined]
    return module


class BadOutput(Exception):
    """A probe's output that cannot be sent back as a plain numeric array."""


def _to_arrays(result: Any) -> tuple[dict[str, ndarray], dict[str, str]]:
    """Numeric arrays and the Python type each came as; ``BadOutput`` for anything else."""
    if not isinstance(result, dict):
        raise BadOutput(f"the probe returned {type(result).__name__}, not a dict")
    arrays: dict[str, ndarray] = {}
    types: dict[str, str] = {}
    for name, value in result.items():
        types[str(name)] = type(value).__name__
        try:
            array = np.asarray(value)
        except Exception:
            raise BadOutput(
                f"{name}: got a {type(value).__name__} that NumPy cannot read as an array"
            ) from None
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise BadOutput(
                f"{name} should be a numeric array; got a {type(value).__name__} "
                f"(NumPy reads it as dtype {array.dtype})"
            )
        arrays[str(name)] = array
    return arrays, types


def _explain(error: BaseException, learner_files: set[str]) -> str:
    """One line for the learner: what was raised and where in their file."""
    if isinstance(error, SystemExit):
        return f"your code called sys.exit({error.code!r}); return a value instead"
    if isinstance(error, MemoryError):
        limit = os.environ.get("DLFS_MEMORY_MB", "")
        return f"your code ran out of memory (MemoryError; the limit is {limit} MB)"
    if isinstance(error, BadOutput):
        return str(error)
    if isinstance(error, RecursionError):
        text = "RecursionError: the function calls itself without end"
    elif isinstance(error, ModuleNotFoundError) and os.getuid() == NOBODY:
        text = (
            f"ModuleNotFoundError: {error} — the grader's sandbox offers NumPy, dlfs and the "
            "common standard modules only"
        )
    elif isinstance(error, NotImplementedError):
        text = f"NotImplementedError: {error} — a function still raises its stub's error"
    else:
        text = f"{type(error).__name__}: {error}"
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in learner_files:
            where = f"{Path(frame.filename).name} line {frame.lineno}"
    return f"{text} ({where})" if where else text


def _learner_traceback(error: BaseException) -> str:
    """The traceback without the grader's own frames."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "/autograder/" not in frame.filename.replace(os.sep, "/")
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines)[-8000:]


def _write_json(path: Path, value: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, default=str), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":  # pragma: no cover
    serve()
