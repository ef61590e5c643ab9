"""Where each cell of a CSV file lies in its text, so that one cell can be replaced in place.

The csv module reads values but forgets where they were; writing a file back with it changes
what it did not mean to (quoting, line endings, a byte-order mark). :func:`read_spans` reads
RFC 4180 CSV — quoted cells with ``""`` inside, commas and line breaks in quotes, ``\\r\\n``,
``\\n`` or ``\\r`` between records — into cells that know their span; it then reads the text
again with the csv module and refuses a file on which the two disagree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

__all__ = ["Cell", "read_spans"]


@dataclass(frozen=True)
class Cell:
    """One cell: its value (unquoted) and ``text[start:end]``, its text as written."""

    value: str
    start: int
    end: int


def read_spans(text: str) -> list[list[Cell]]:
    """The records of ``text``, each a list of cells with their spans.

    Raises:
        ValueError: a quote left open, text after a closing quote, or a file the csv module
            reads differently.
    """
    records: list[list[Cell]] = []
    index, record = 0, []
    while index < len(text):
        cell, index = _cell(text, index)
        record.append(cell)
        if index >= len(text):
            records.append(record)
            break
        if text[index] == ",":
            index += 1
            if index == len(text):  # a trailing comma: one more, empty cell
                records.append([*record, Cell("", index, index)])
            continue
        index += 2 if text.startswith("\r\n", index) else 1  # the record ends
        blank = len(record) == 1 and record[0].start == record[0].end
        records.append([] if blank else record)  # a blank line: no cell, as csv reads it
        record = []
    expected = list(csv.reader(io.StringIO(text, newline="")))
    if [[c.value for c in r] for r in records] != expected:
        raise ValueError("the CSV file reads differently as written: it cannot be edited in place")
    return records


def _cell(text: str, index: int) -> tuple[Cell, int]:
    """The cell starting at ``index`` and the index after it (at a comma, a line break or
    the end)."""
    start = index
    if text.startswith('"', index):
        parts, index = [], index + 1
        while True:
            close = text.find('"', index)
            if close < 0:
                raise ValueError(f"a quote opened at character {start} is never closed")
            parts.append(text[index:close])
            if text.startswith('""', close):
                parts.append('"')
                index = close + 2
                continue
            index = close + 1
            break
        if index < len(text) and text[index] not in ",\r\n":
            raise ValueError(f"text after the closing quote at character {index}")
        return Cell("".join(parts), start, index), index
    while index < len(text) and text[index] not in ",\r\n":
        index += 1
    return Cell(text[start:index], start, index), index
