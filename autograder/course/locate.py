"""Finding a table or key of ``course.toml`` in its text, for error messages.

tomllib reports lines only for syntax errors, so the schema's errors find theirs here: the
header of a ``[table]`` or ``[[array.of.tables]]``, a ``key =`` inside it, or the ``index``-th
inline table of an array such as ``checks = [{ ... }, { ... }]``. Best effort: a line that
cannot be found is None.
"""

from __future__ import annotations

import re

__all__ = ["Locator"]

_TABLE = re.compile(r"\s*\[")
_HEADER = re.compile(r"\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")


class Locator:
    """Lines of tables and keys in one course file's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        for number, line in enumerate(self.lines, start=1):
            found = _HEADER.match(line)
            if found:
                name = ".".join(part.strip() for part in found.group(1).split("."))
                self.headers.setdefault(name, []).append(number)

    def _headers(self, table: str) -> list[int]:
        """Lines (1-based) of ``[table]`` or ``[[table]]`` headers."""
        return self.headers.get(table, [])

    def line(self, table: str, key: str | None = None, index: int = 0) -> int | None:
        """The line of ``key`` in ``table`` (the ``index``-th header of that name), best effort."""
        headers = self._headers(table)
        if not headers:
            parent, _, last = table.rpartition(".")
            if parent:  # an inline or dotted table: find its key in the parent table
                return self._inline_line(parent, last, key, index)
            return None
        start = headers[min(index, len(headers) - 1)]
        if key is None:
            return start
        return self._key_line(start, key) or start

    def _key_line(self, start: int, key: str, stop_at_table: bool = True) -> int | None:
        assign = re.compile(rf"(^|[\s{{,])\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if stop_at_table and _TABLE.match(line):
                break
            if assign.search(line):
                return number
        return None

    def _inline_line(self, parent: str, last: str, key: str | None, index: int) -> int | None:
        """The line of the ``index``-th inline table of array ``last`` in ``parent``."""
        start = self.line(parent, last)
        if start is None:
            return None
        line = start
        seen = 0
        for number in range(start, len(self.lines) + 1):  # up to the entry wanted, no further
            text = self.lines[number - 1]
            if "{" in text and not _TABLE.match(text):
                if seen == index:
                    line = number
                    break
                seen += 1
        if key is not None:
            found = self._key_line(line - 1, key)
            if found is not None and found <= line + 3:
                return found
        return line
