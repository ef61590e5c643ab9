"""The grader's fork servers: one per slot (an exercise graded at a time), and a second one
per slot for the jobs that preload PyTorch; started on first use, or ahead of it.

A fork server takes half a second to start (NumPy, the reference and the probes) and chapter
7's two more (PyTorch). :func:`prestart` starts them in the background as soon as the command
line knows what it will grade: their start-up runs on another core while the grader imports
itself and reads the course, and :func:`get_server` takes one of them rather than starting
its own.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from concurrent.futures import Future

from .. import timings
from .server import ForkServer, Isolation

__all__ = [
    "HEAVY_SERVERS",
    "TORCH",
    "discard_ahead",
    "get_server",
    "isolation",
    "prestart",
    "running_server",
    "server_slot",
    "shutdown",
]

HEAVY_SERVERS = 1000
"""Where a slot's second fork server is numbered (``slot + HEAVY_SERVERS``): the one for
jobs that preload PyTorch (:func:`server_slot`)."""
TORCH = (
    "torch",
    "dlfs.autograder.sandbox.lazydynamo:install",
    "torch.nn",
    "torch.optim",
    "torch.optim.lr_scheduler",
)
"""What every job that preloads PyTorch imports first (a server started ahead for one imports
it at once); ``torch._dynamo`` only when something compiles (:mod:`.lazydynamo`)."""

_servers: dict[int, ForkServer] = {}
_starting: dict[int, threading.Lock] = {}  # one start at a time per slot, slots side by side
_ahead: dict[bool, list[Future[ForkServer]]] = {False: [], True: []}  # by heavy: started ahead
_lock = threading.Lock()


def get_server(slot: int = 0) -> ForkServer:
    """The fork server of ``slot``, started on first use (or taken from those started ahead)
    and again if it has stopped."""
    with _lock:
        starting = _starting.setdefault(slot, threading.Lock())
    with starting:
        with _lock:
            server = _servers.get(slot)
        if server is None or not server.alive():
            server = _taken(slot >= HEAVY_SERVERS) or _started()
            with _lock:
                _servers[slot] = server
        return server


def prestart(light: int = 0, heavy: int = 0) -> None:
    """Start ``light`` fork servers, and ``heavy`` ones that import PyTorch at once, in the
    background; :func:`get_server` takes them as slots need them (those never needed end with
    the grader, as every server does)."""
    for is_heavy, count in ((False, light), (True, heavy)):
        for _ in range(count):
            future: Future[ForkServer] = Future()
            with _lock:
                _ahead[is_heavy].append(future)
            threading.Thread(
                target=_start_ahead, args=(future, is_heavy), name="dlfs-prestart", daemon=True
            ).start()


def discard_ahead() -> None:
    """End the servers started ahead that no slot took (a run that needed fewer), each once
    it has started; the grader does not wait for them."""
    with _lock:
        left = [future for futures in _ahead.values() for future in futures]
        for futures in _ahead.values():
            futures.clear()
    for future in left:
        future.add_done_callback(_close_started)


def _close_started(future: Future[ForkServer]) -> None:
    if future.exception() is None:
        with contextlib.suppress(Exception):
            future.result().close()


def _start_ahead(future: Future[ForkServer], heavy: bool) -> None:
    try:
        server = _started(record=False)
        if heavy:
            server.preload(TORCH)
    except BaseException as error:  # get_server starts its own instead
        future.set_exception(error)
    else:
        future.set_result(server)


def _taken(heavy: bool) -> ForkServer | None:
    """A server started ahead for this kind of slot, waited for if it is still starting;
    None if there is none (or it failed to start)."""
    with _lock:
        future = _ahead[heavy].pop(0) if _ahead[heavy] else None
    if future is None:
        return None
    waited = time.perf_counter()
    try:
        server = future.result()
    except Exception:
        return None
    timings.record("server_start", time.perf_counter() - waited)  # the grader's wait alone
    return server if server.alive() else None


def _started(record: bool = True) -> ForkServer:
    server = ForkServer(record=record)
    atexit.register(server.close)
    return server


def server_slot(slot: int, preload: tuple[str, ...] | list[str] = ()) -> int:
    """The fork server a job of ``slot`` that preloads ``preload`` runs on: its own, or,
    for PyTorch, the slot's second one. A fork server keeps what it imported: with PyTorch's
    300 MB in it, every later fork and exit cost four times as much (6 ms against 1.6); the
    other chapters' workers of a class of the whole book are forked from one without it."""
    heavy = any(name == "torch" or name.startswith("torch.") for name in preload)
    return slot + HEAVY_SERVERS if heavy else slot


def running_server(slot: int = 0) -> ForkServer | None:
    """The fork server of ``slot`` if it is running (none is started)."""
    with _lock:
        server = _servers.get(slot)
        return server if server is not None and server.alive() else None


def shutdown(slot: int | None = None) -> None:
    """Stop the fork server of ``slot``, or every one (they are started again when needed)."""
    with _lock:
        slots = list(_servers) if slot is None else [slot]
        stopped = [server for key in slots if (server := _servers.pop(key, None)) is not None]
    for server in stopped:
        server.close()


def isolation() -> Isolation:
    """What this machine gives workers: the first fork server's answer (it is started)."""
    return get_server(0).isolation
