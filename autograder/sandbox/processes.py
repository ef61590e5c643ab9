"""Small facts about processes the sandbox needs: whether one is alive, and what a step does
when a forked child tries it (the fork server's start-up probes: isolation, the call filter)."""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["alive", "tried_in_child"]


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts: it cannot be signalled)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tried_in_child(step: Callable[[], object]) -> tuple[int, str]:  # pragma: no cover - forks
    """Run ``step`` in a forked child that exits straight after: ``(its exit code, why it
    failed)`` — ``(0, "")`` when it succeeded, else the error it raised (500 characters)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            step()
        except BaseException as error:
            os.write(write, str(error).encode()[:500] or b"refused")
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        reason = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), reason
