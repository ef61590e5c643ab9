"""Where the learner's code was when its time ran out.

In the worker, :func:`arm` asks ``faulthandler`` to write every thread's stack to a file
shortly before the supervisor's deadline; after a timeout, :func:`stuck_at` reads the
innermost frame of the learner's files from it, so that the report can say which line was
running ("stopped after 30 s ... at exercises/losses.py:40, in _output") instead of only
that time ran out.
"""

from __future__ import annotations

import faulthandler
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from .outputs import read_bounded

__all__ = ["STACK_FILE", "arm", "disarm", "stuck_at"]

STACK_FILE = "stack.txt"
_MARGIN_S = 0.7  # before the deadline: time to write the stack before the kill
_MAX_DUMP = 256 * 1024  # a stack dump is a few kB; the worker may have replaced it
_FRAME = re.compile(r'^\s*File "(?P<path>.+)", line (?P<line>\d+) in (?P<name>\S+)')
_armed: list[IO[Any]] = []


def arm(out_dir: Path, timeout: float) -> None:  # pragma: no cover - runs in the worker
    """Dump the stacks to ``out_dir/stack.txt`` a little before ``timeout`` seconds."""
    stream = (out_dir / STACK_FILE).open("w", encoding="utf-8")
    _armed.append(stream)  # faulthandler writes to its descriptor: keep the file open
    faulthandler.dump_traceback_later(max(0.2, timeout - _MARGIN_S), repeat=False, file=stream)


def disarm() -> None:  # pragma: no cover - runs in the worker
    """The code finished in time: no dump."""
    faulthandler.cancel_dump_traceback_later()


def stuck_at(
    stack_file: Path, learner_files: Iterable[str], renamed: Mapping[str, str] | None = None
) -> tuple[str, int, str] | None:
    """``(path, line, function)`` of the innermost frame in one of ``learner_files`` in the
    dump, or None (no dump, or no frame of theirs). ``renamed`` maps the folder the worker
    saw (a copy of the learner's package) to the learner's own."""
    try:  # the worker's file: no link, no FIFO, bounded (see outputs.open_regular)
        text = read_bounded(stack_file, _MAX_DUMP)[:_MAX_DUMP].decode("utf-8", errors="replace")
    except OSError:
        return None
    wanted = set(learner_files)
    for line in text.splitlines():  # faulthandler lists the most recent call first
        found = _FRAME.match(line)
        if not found:
            continue
        path = found["path"]
        for seen, own in (renamed or {}).items():
            if path.startswith(seen):
                path = own + path[len(seen) :]
        if path in wanted or any(path.startswith(f) for f in wanted if not f.endswith(".py")):
            return path, int(found["line"]), found["name"]
    return None
