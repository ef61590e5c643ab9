"""The sandboxed side of grading: a fork server and the worker it forks for each exercise.

``python -m dlfs.autograder.sandbox.worker`` is the fork server (the grader starts it, see
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
import errno
import gc
import importlib
import importlib.util
import json
import linecache
import os
import random
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from numpy import ndarray

from .. import timings
from ..probes.record import find_probe, probe_modules, strip_companions
from .confine import enter_sandbox, learner_code_ran, learner_code_starts
from .folder import enter_private_mounts, prepare_folder, release_folder
from .guard import install_guarded
from .isolate import die_with_parent, try_isolation
from .keyforward import use_own
from .lines import Lines
from .memory import forget_modules, guarded, keep_only_needs, prepare_memory, prepare_needs
from .operands import operand_shapes
from .protocol import JOB_ERROR_EXIT, NO_SPACE_EXIT, SPLICE_ERROR_EXIT
from .prune import index_functions, refuses
from .root import worker_plan
from .seccomp import try_filter
from .siblings import serve_siblings
from .splice import (
    LEARNER_PACKAGE,
    LearnerFunction,
    forget_originals,
    index_originals,
    own_imports,
    own_version,
)
from .stuck import arm, disarm
from .student import REFUSED_EXIT, serve_student
from .trace import Recorder, TraceJob, trace_file
from .uids import ENV, use_lease

__all__ = ["serve"]


_PRELOAD = (
    "dlfs.reference",
    "dlfs.datasets",  # what the learner's package imports where the reference is missing
    "dlfs.autograder.sandbox.splice",
    "numpy.testing",
    "numpy.linalg",
    "numpy.random",
    "numpy.lib.stride_tricks",
    # A worker started by root runs as ``nobody``, which may not be able to read the Python
    # installation; what learner code and the probes commonly import is imported beforehand.
    "zipfile",
    "mmap",  # a training call's inputs are mapped (:func:`_inputs`)
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
_PROBE_MODULES = tuple(f"dlfs.autograder.probes.{name}" for name in probe_modules())


def serve() -> None:  # pragma: no cover - runs in the fork server process
    """The fork server's loop: one job per line on stdin, replies on stdout; a line
    ``{"release": folder}`` unmounts a worker's folder once the grader has read it."""
    private = enter_private_mounts()  # first: the kernel wants a single thread for it
    use_lease(os.environ.pop(ENV, None))  # the user ids of this run's workers
    for name in _PRELOAD + _PROBE_MODULES:
        with contextlib.suppress(Exception):  # a chapter's probes may not exist yet
            importlib.import_module(name)
    timings.record("server_imports", timings.process_seconds(), *timings.cpu(thread=False))
    setup_wall, setup_cpu = time.perf_counter(), timings.cpu()
    protocol = sys.stdout
    die_with_parent()  # the grader gone (even kill -9), its server goes too
    strip_companions()  # once, before any fork: no worker has anything left to strip
    gc.collect()  # what the companions held in cycles goes now, not in each worker
    index_originals()  # once, so that a worker forgets the graded code without a heap scan
    index_functions()  # and trims its memory to what its exercise needs without one
    worker_plan()  # what every worker's root shows, decided once
    refused = try_isolation()
    ready = {"ready": True, "isolation": "" if refused else "namespaces", "refused": refused}
    calls = try_filter()
    after = timings.cpu()
    wall = time.perf_counter() - setup_wall
    timings.record("server_setup", wall, after[0] - setup_cpu[0], after[1] - setup_cpu[1])
    _reply(protocol, {**ready, "folder": private, "calls": calls})
    lines = Lines(sys.stdin.fileno())
    while (job := lines.next()) is not None:
        if "release" in job:
            release_folder(str(job["release"]))
        elif "import" in job:  # a server started ahead: PyTorch before its first job
            _preload_all(list(job["import"]))
        elif "student" in job:
            _student(job["student"], lines, protocol)
        elif "calls" in job:
            _preload_all(job.get("preload", []))  # a phase of its own (chapter 7's PyTorch)
            with timings.phase("server_prepare"):
                _prepare(job, private)
            _fork_worker(job, protocol)
    # The grader closed our input: every worker has been waited for and a worker's folder is
    # a mount of this process's own namespace. Skipping the interpreter's clean-up saves the
    # grader, waiting, a tenth of a second (with PyTorch loaded, more).
    protocol.flush()
    os._exit(0)


def _student(request: dict[str, Any], lines: Lines, protocol: Any) -> None:  # pragma: no cover
    """Fork one student's sandbox (:mod:`.student`), which takes the input over until it
    ends; wait for it. A student's preloads, and the memory its exercises' workers keep,
    are prepared here first, once for the run."""
    _preload_all(request.get("preload", []))
    with timings.phase("server_prepare"):
        for needs in request.get("needs", []):
            with contextlib.suppress(Exception):  # unprepared: the sandbox prepares it per job
                prepare_needs(needs)
    pid = os.fork()
    if pid == 0:
        serve_student(request, lines, lambda m: _reply(protocol, m), _prepare_memory, _worker)
    _, status = os.waitpid(pid, 0)
    lines.forget()  # what was read ahead was the sandbox's to read
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, REFUSED_EXIT):  # it died, not told to leave: what it ran is lost
        _reply(protocol, {"student_lost": code})


def _prepare(job: dict[str, Any], private: str) -> None:  # pragma: no cover - in the server
    """Before forking ``job``'s worker: its folder, what its chapter preloads, its memory."""
    job["own_folder"] = not private and prepare_folder(job)
    _prepare_memory(job)


def _prepare_memory(job: dict[str, Any]) -> None:  # pragma: no cover - in the server
    """Before forking ``job``'s worker: what its chapter preloads, its memory."""
    _preload_all(job.get("preload", []))
    prepare_memory(job)


def _preload_all(names: list[str]) -> None:  # pragma: no cover - in the server
    """Import each of ``names`` not imported yet (torch, for chapter 7), then strip and index
    anew what they brought."""
    preload = [name for name in names if name not in _preloaded and not _warmed(name)]
    if not preload:
        return
    with timings.phase("server_preload"):
        for name in preload:  # torch, for chapter 7, only when needed
            _preload(name)
        strip_companions()  # a probe module the preload imported
        index_originals()
        index_functions()


def _warmed(name: str) -> bool:
    """Whether a warm-up of ``name``'s module (``module:function``) ran already: the full one
    (``warm_up``) does what the narrower one (``warm_up_layers``) would."""
    module, _, function = name.partition(":")
    return bool(function) and f"{module}:warm_up" in _preloaded


def _fork_worker(job: dict[str, Any], protocol: Any) -> None:  # pragma: no cover - in the server
    """Fork ``job``'s worker, say its pid, wait for it to end and say how it ended."""
    start = time.perf_counter()
    told, job["learner_fd"] = os.pipe()  # the worker's word that learner code starts
    pid = os.fork()
    if pid == 0:
        os.close(told)
        _worker(job)  # never returns
    os.close(job["learner_fd"])
    _reply(protocol, {"pid": pid, "own_folder": job["own_folder"]})
    _, status, usage = os.wait4(pid, 0)
    ran, spent = learner_code_ran(told)
    _reply(protocol, {"exit": os.waitstatus_to_exitcode(status), "learner_code": ran})
    if timings.enabled():
        wall = time.perf_counter() - start
        said = _grader_part_spent(spent) if ran else {}
        faults = {"minor_faults": usage.ru_minflt, "major_faults": usage.ru_majflt}
        timings.record("worker", wall, usage.ru_utime, usage.ru_stime, **said, **faults)


def _grader_part_spent(spent: bytes) -> dict[str, float]:  # pragma: no cover - in the server
    """What a worker said its grader's part (isolation) cost: ``{"isolation_wall": …}``.
    Said before any learner code ran, so it is the grader's own figure."""
    try:
        said = json.loads(spent.decode("ascii"))
        keys = ("wall", "user", "system", "faults")
        return {f"isolation_{key}": float(said[key]) for key in keys}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return {}


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


_own_folder = [False]
"""In a worker: whether its folder is a tmpfs of its own (which only its code can fill)."""


def _worker(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker process
    """Enter the sandbox and do the grader's part, tell the server that the learner's code
    starts, splice, run the probes, and exit without any cleanup."""
    code = 0
    _own_folder[0] = bool(job.get("own_folder"))
    measured = _measure_from() if timings.enabled() else None
    try:
        die_with_parent()  # the server gone, its worker goes too
        enter_sandbox(job)
        probes = _grader_part(job)
    except BaseException as error:  # the grader's fault (no learner code has run): say why
        with contextlib.suppress(BaseException):
            _write_json(Path(job["out_dir"]) / "grader.json", {"error": repr(error)})
        os._exit(SPLICE_ERROR_EXIT)
    spent = _measured(measured) if measured is not None else b""
    learner_code_starts(job, spent)  # from here on, what the worker says is the learner's too
    try:
        _run_job(job, probes)
    except OSError as error:  # writing its own outputs: a full disk is the grader's fault
        code = NO_SPACE_EXIT if error.errno in (errno.ENOSPC, errno.EDQUOT) else JOB_ERROR_EXIT
    except BaseException:
        code = JOB_ERROR_EXIT
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


def _measure_from() -> tuple[float, float, float, int]:  # pragma: no cover - in the worker
    """Wall, CPU and page faults now, for :func:`_measured` (the standard library only: the
    grader's own modules may refuse once the exercise's memory is trimmed)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime, usage.ru_stime, usage.ru_minflt


def _measured(start: tuple[float, float, float, int]) -> bytes:  # pragma: no cover - in worker
    """What the grader's part cost since ``start``, as the word's JSON line."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cost = {"wall": time.perf_counter() - start[0], "user": usage.ru_utime - start[1]}
    cost |= {"system": usage.ru_stime - start[2], "faults": usage.ru_minflt - start[3]}
    return json.dumps(cost).encode("ascii")


def _grader_part(job: dict[str, Any]) -> list[Any]:  # pragma: no cover - runs in the worker
    """Before any learner code: drop the probes' companions, find each call's probe, and keep
    only what the exercise needs (``memory``)."""
    strip_companions()  # no known answer stays within reach of the learner's code
    probes = [find_probe(call["module"], call["probe"]) for call in job["calls"]]
    keep_only_needs(job)
    return probes


def _run_job(job: dict[str, Any], probes: list[Any]) -> None:  # pragma: no cover - in the worker
    out = Path(job["out_dir"])
    functions = [LearnerFunction(**f) for f in job["functions"]]
    learner_files = {f.path for f in functions}
    for function in functions:  # the learner's lines for messages, the file itself out of reach
        lines = function.source.splitlines(keepends=True)
        linecache.cache[function.path] = (len(function.source), None, lines, function.path)
    try:
        reference = _install(job, functions, learner_files)
    except BaseException as error:
        _write_json(out / "splice.json", {"ok": False, "message": _explain(error, learner_files)})
        return
    forget_modules(job)
    _write_json(out / "splice.json", {"ok": True})
    with contextlib.suppress(Exception):  # no thread for the watchdog: no stack, that is all
        arm(out, float(job["limits"]["timeout"]))
    trace = TraceJob.from_json(job["trace"]) if job.get("trace") else None
    for index, (call, probe) in enumerate(zip(job["calls"], probes, strict=True)):
        recorder = _traced(trace, index, functions)
        _run_call(out, index, call, probe, reference, learner_files)
        if recorder is not None and recorder.record:
            with contextlib.suppress(OSError):
                recorder.write(trace_file(out, index))
    disarm()


def _traced(
    trace: TraceJob | None, index: int, functions: list[LearnerFunction]
) -> Recorder | None:  # pragma: no cover - runs in the worker
    """For a trace job (a failing check explained): call ``index``'s instrumented functions."""
    if trace is None:
        return None
    try:
        return trace.before_call(index, functions)
    except Exception:  # the learner's code could not be instrumented: no trace, that is all
        return None


def _install(
    job: dict[str, Any], functions: list[LearnerFunction], learner_files: set[str]
) -> Any:  # pragma: no cover - runs in the worker
    """The package the probes run on: the reference with the learner's functions spliced in,
    or the learner's own package."""
    package = job.get("learner_package")
    if package:  # no reference here: the learner's own package
        learner_files |= {str(p) for p in Path(package).rglob("*.py")}
        reference = _import_learner_package(package)
        install_guarded(functions, LEARNER_PACKAGE)  # its own functions, guarded alike
        return reference
    reference = importlib.import_module("dlfs.reference")
    prepared = job.get("prepared")
    unloaded = prepared[0].unload if isinstance(prepared, tuple) else ()
    served = serve_siblings(job.get("siblings") or (), unloaded, refuses, own_imports)
    for module in job.get("siblings") or ():  # their other files: their code, their lines
        lines = module["source"].splitlines(keepends=True)
        linecache.cache[module["path"]] = (len(module["source"]), None, lines, module["path"])
    learner_files |= served
    install_guarded(functions)  # each installed so that it may not change its arguments
    own = {name: own_version(functions, name) for name in guarded(job)}
    use_own({name: f for name, f in own.items() if f is not None})
    forget_originals(functions)
    return reference


def _seed_globals(seed: int) -> None:  # pragma: no cover - runs in the worker
    """NumPy's and Python's global generators seeded from the call's own seed: code that draws
    from them (a mistake the checks catch by comparing with what the given ``rng`` draws)
    draws the same numbers on every run, in the graded run and in its explanation's trace."""
    np.random.seed(seed % 2**32)
    random.seed(seed)


def _run_call(
    out: Path, index: int, call: dict[str, Any], probe: Any, reference: Any, learner_files: set[str]
) -> None:  # pragma: no cover - runs in the worker
    """Run one probe call and write its outputs, or the error it raised."""
    (out / f"call{index}.started").touch()
    start = time.perf_counter()
    params = dict(call.get("params", {}))
    try:
        if call.get("data"):
            params["data"] = _inputs(Path(call["data"]))
        _seed_globals(int(call["seed"]))
        result = probe(reference, np.random.default_rng(call["seed"]), **params)
        arrays, types = _to_arrays(result)
        tmp = out / f"call{index}.tmp.npz"
        try:
            np.savez(tmp, **arrays)
            os.replace(tmp, out / f"call{index}.npz")
        except OSError as error:  # the disk, not the learner's code (its size is capped) -
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):  # but for a folder of its own
                raise
            if _own_folder[0]:
                raise OSError(
                    f"the worker's folder is full: your code filled it ({error})"
                ) from None
            status = {"ok": False, "grader": True, "message": f"writing the outputs: {error}"}
            _write_json(out / f"call{index}.json", status)
            return
    except BaseException as error:
        status = {
            "ok": False,
            "message": _explain(error, learner_files),
            "traceback": _learner_traceback(error),
        }
    else:
        status = {"ok": True, "types": types}
    _write_json(out / f"call{index}.json", {**status, "seconds": time.perf_counter() - start})


def _inputs(path: Path) -> dict[str, ndarray]:  # pragma: no cover - runs in the worker
    """A training call's inputs: a folder of ``.npy`` files, mapped copy-on-write (what the
    probe changes is its own; the pages are the page cache's, not copied into each worker),
    or an ``.npz``, read."""
    if not path.is_dir():
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    inputs = {}
    for file in sorted(path.glob("*.npy")):
        try:
            inputs[file.stem] = np.load(file, mmap_mode="c", allow_pickle=False).view(ndarray)
        except ValueError:  # an empty array cannot be mapped
            inputs[file.stem] = np.load(file, allow_pickle=False)
    return inputs


def _import_learner_package(path: str) -> Any:  # pragma: no cover - runs in the worker
    """Import the learner's workspace as the package ``dlfs.exercises`` (wherever it is)."""
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
    sys.modules["dlfs"].exercises = module  # type: ignore[attr-defined]
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
    if isinstance(error, BadOutput):
        return str(error)
    if isinstance(error, MemoryError):
        limit = os.environ.get("DLFS_MEMORY_MB", "")
        text = f"your code ran out of memory (MemoryError; the limit is {limit} MB)"
    elif isinstance(error, RecursionError):
        text = (
            "RecursionError: the function calls itself without end, or deeper than Python's "
            "limit (about 1000 calls): something that deep needs a loop with a list for "
            "its stack, not recursion"
        )
    elif isinstance(error, ModuleNotFoundError):
        grader = str(error.name or "").startswith("dlfs.")
        offered = (
            "the grader's modules, and those of the answer key this exercise's checks do not "
            "need, are not available while grading"
            if grader
            else "the grader's sandbox offers the standard library and the installed packages"
        )
        text = f"ModuleNotFoundError: {error} — {offered}"
    elif isinstance(error, NotImplementedError):
        text = f"NotImplementedError: {error} — a function still raises its stub's error"
    elif getattr(error, "said_to_the_learner", False):  # a probe's own words (ChangedInPlace)
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    text = _located(text, error, learner_files)
    shapes = operand_shapes(error, learner_files)
    return f"{text}; {shapes}" if shapes else text


def _located(text: str, error: BaseException, learner_files: set[str]) -> str:
    """``text`` with the learner's line that raised, or where it came from if none did."""
    where = ""
    cause = error.__cause__  # a probe's word for a learner's error (ChangedInPlace)
    frames = traceback.extract_tb(error.__traceback__)
    frames += traceback.extract_tb(cause.__traceback__) if cause is not None else []
    for frame in frames:
        if frame.filename in learner_files:
            where = f"{frame.filename}:{frame.lineno}"  # shown relative at the edges
    if where:
        return f"{text} (at {where})"
    if getattr(error, "said_to_the_learner", False):
        return text  # its words say what and where
    if frames and not isinstance(error, (MemoryError, RecursionError, ModuleNotFoundError)):
        return f"{text} — {_outside(frames[-1])}"
    return text


def _outside(frame: traceback.FrameSummary) -> str:
    """Where an error raised in none of the learner's lines comes from: the course's code or
    the check's, working on something the learner's code returned or stored."""
    course = "/reference/" in frame.filename.replace(os.sep, "/")
    where = f"in the course's `{frame.name}`" if course else "in the check's own code"
    return (
        f"raised {where}, not in a line of yours, on something your code returned or stored: "
        "check its type, shape and attributes against the docstring"
    )


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
