"""The grader's side of the students' sandboxes (:mod:`.student`): one per slot at a time.

A slot's fork server runs its jobs in the sandbox of the student it grades: made at that
student's first exercise on the slot (:func:`student_folder`), ended when the session is done
with the student (:func:`leave_student`) or another student's exercise comes. A slot's
exercises that preload PyTorch run on its second server (``servers.server_slot``), in a
sandbox of their own. Each sandbox has
a scratch folder of the grader's (``dlfs-grade-<pid>-…``), over whose ``worker`` folder the
sandbox mounts its root, and in which each exercise's folder is a fresh tmpfs.

A student gets no sandbox — each worker isolates itself, as before — where the workers cannot
be isolated, where the learner's own package is graded (its copy is made per worker), where an
ordinary user's workers have cgroups (a worker in a user namespace joins its group only from
outside), or where the sandbox could not be made (it is not tried again for that student).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from .cgroups import support
from .protocol import WorkerContext
from .scratch import make_scratch, remove_tree
from .server import WorkerServerError
from .servers import HEAVY_SERVERS, get_server, running_server, server_slot, shutdown
from .uids import worker_uid

__all__ = ["leave_student", "student_folder"]

_FOLDER = "worker"
_held: dict[int, tuple[str, Path]] = {}  # server -> (the sandbox's key, its scratch folder)
_refused: set[str] = set()
_lock = threading.Lock()


def student_folder(context: WorkerContext) -> str | None:
    """The folder the worker of ``context`` writes in, in its student's sandbox on its slot
    (made now if need be); None where it gets none (see the module's docstring).

    Raises:
        WorkerServerError: the slot's fork server could not be started.
    """
    student, slot = context.student, context.slot
    if student is None or context.learner_package is not None:
        return None
    on = server_slot(slot, student.preload)
    server = get_server(on)
    if not server.isolation.available or (os.geteuid() != 0 and support().version):
        return None
    readable = sorted({os.path.realpath(p) for p in student.readable if os.path.exists(p)})
    request = {
        "readable": readable,
        "hidden": list(context.hidden),
        "slot": slot,
        "cgroups": [str(f) for f in dict.fromkeys(support().folders.values())],
        "preload": list(student.preload),
    }
    key = json.dumps([student.key, request], sort_keys=True)
    with _lock:
        if key in _refused:
            return None
        held = _held.get(on)
        if held is not None and held[0] == key and server.student == key:
            return str(held[1] / _FOLDER)
    needs = [asdict(n) for n in student.needs if n not in server.prepared]
    server.prepared.update(student.needs)
    return _enter(slot, on, key, {**request, "needs": needs})


def _enter(slot: int, on: int, key: str, request: dict[str, object]) -> str | None:
    """Make the sandbox ``key`` on fork server ``on`` (a server of ``slot``)."""
    scratch = make_scratch("grade")
    folder = scratch / _FOLDER
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, worker_uid(slot), worker_uid(slot))
    try:
        entered = get_server(on).enter(key, {**request, "folder": str(folder)})
    except WorkerServerError:
        shutdown(on)
        entered = False
    with _lock:
        previous = _held.pop(on, None)
        if entered:
            _held[on] = (key, scratch)
        else:
            _refused.add(key)
    for gone in (previous[1] if previous else None, None if entered else scratch):
        if gone is not None:
            remove_tree(gone)
    return str(folder) if entered else None


def leave_student(slot: int) -> None:
    """End the students' sandboxes on ``slot``'s fork servers, if there are any (their
    scratch folders go)."""
    for on in (slot, server_slot(slot, ("torch",))):
        with _lock:
            held = _held.pop(on, None)
        server = running_server(on)
        if server is not None and server.student is not None:
            try:
                server.leave()
            except WorkerServerError:
                shutdown(on)
        if held is not None:
            remove_tree(held[1])


def _leave_all() -> None:
    for on in list(_held):
        leave_student(on % HEAVY_SERVERS)


atexit.register(_leave_all)
