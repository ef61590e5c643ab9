"""Start the fork servers from one thread that lives as long as the grader.

A fork server asks the kernel to kill it when its parent ends (``PR_SET_PDEATHSIG``, so that
even ``kill -9`` of the grader takes it along). The kernel means the parent *thread*: a server
started by one of a run's worker threads (``--jobs 2``) was killed the moment that run's
thread pool ended — between two grades of ``--watch``, say — and what it had forked (a
student's sandbox, which dies with it) was left an orphan, a zombie of the machine's init.
So every server is started here, by a daemon thread that ends only with the process.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from concurrent.futures import Future
from typing import Any

__all__ = ["popen"]

_Request = tuple[Future[subprocess.Popen[bytes]], tuple[Any, ...], dict[str, Any]]
_requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(*args, **kwargs)``, run on the spawning thread; its errors raise here."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_serve, name="dlfs-fork-servers", daemon=True)
            _thread.start()
    started: Future[subprocess.Popen[bytes]] = Future()
    _requests.put((started, args, kwargs))
    return started.result()


def _serve() -> None:
    while True:
        started, args, kwargs = _requests.get()
        try:
            started.set_result(subprocess.Popen(*args, **kwargs))
        except BaseException as error:  # the caller's to raise
            started.set_exception(error)
