"""The fork server's input: one JSON message a line, read from the pipe's descriptor itself.

A buffered reader (``sys.stdin``) would keep what it has read ahead in the server's memory;
a student's sandbox (:mod:`.student`) forked from the server takes the input over while it
lives and hands it back when it ends, so what was read ahead must be where both can see it:
in a :class:`Lines` they share by the fork (the server drops what the sandbox consumed).
"""

from __future__ import annotations

import json
import os
import select
from typing import Any

__all__ = ["Lines"]


class Lines:
    """Lines of JSON read from descriptor ``fd``.

    Args:
        fd: the descriptor to read (the fork server's stdin).
    """

    def __init__(self, fd: int = 0) -> None:
        self.fd = fd
        self._pending = b""

    def ready(self, timeout: float | None) -> bool:
        """Whether a line (or the end of the input) can be had without waiting longer than
        ``timeout`` seconds (None: as long as it takes)."""
        if b"\n" in self._pending:
            return True
        readable, _, _ = select.select([self.fd], [], [], timeout)
        return bool(readable)

    def next(self) -> dict[str, Any] | None:
        """The next message (lines that are not a JSON object are skipped); None at the end
        of the input."""
        while True:
            while b"\n" not in self._pending:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    return None
                self._pending += chunk
            line, _, self._pending = self._pending.partition(b"\n")
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                return message

    def forget(self) -> None:
        """Drop what was read ahead (a sandbox forked from this process consumed it)."""
        self._pending = b""
