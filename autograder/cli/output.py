"""Everything the CLI prints goes through here: tables, statuses, JSON, errors, exit codes.

On a terminal, rich colour and box lines; elsewhere (piped, ``NO_COLOR``, ``TERM=dumb``) the
same tables as plain aligned text with a wide page, so that ``dlfs-grade list > file`` is
text a script can read. ``--json`` prints one JSON document on stdout and nothing else.

Exit codes, the same for every command: 0 success; 1 a failure (something did not pass,
or could not be done: a broken course file, a corrupt data set, a failed download); 2 a
usage error (an unknown option, chapter, exercise or data set name).
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from ..course import UnknownName

__all__ = [
    "Failure",
    "abort",
    "check_mark",
    "echo_json",
    "make_console",
    "make_table",
    "print_table",
    "require_extra",
    "shown_locations",
    "shown_path",
    "status_text",
    "usage_error",
]

STATUS_STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "red",
    "timeout": "yellow",
    "not_started": "dim",
    "grader_error": "magenta",
}
STATUS_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "timeout": "timeout",
    "not_started": "not started",
    "grader_error": "grader error",
}


def make_console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that is plain when not writing to a terminal.

    What it prints is plain text: a message holding ``[torch]`` or a path in brackets shows as
    it is. Markup is opted into where wanted (``console.print(..., markup=True)``), or a style
    given with rich's ``Text``."""
    console = Console(stderr=stderr, highlight=False, markup=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, highlight=False, markup=False, width=160)
    return console


def print_table(console: Console, table: Table) -> None:
    """Print ``table``; to a file or a pipe without the padding that fills each line to the
    console's width (a text read by people and tools, not a screen)."""
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.print(text, highlight=False, soft_wrap=True)


def make_table(console: Console, *columns: str | Column, title: str | None = None) -> Table:
    """A table with a header row; box lines and bold headers only on a terminal."""
    style = box.SIMPLE_HEAD if console.is_terminal else None
    return Table(
        *columns,
        title=title,
        box=style,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        header_style="bold" if console.is_terminal else "",
    )


def status_text(status: str) -> Text:
    """An exercise's status, spelled for people and coloured on a terminal."""
    return Text(STATUS_LABEL.get(status, status), style=STATUS_STYLE.get(status, ""))


def check_mark(console: Console, passed: bool, skipped: bool = False) -> Text:
    """A check's mark: ✓ ✗ – on a terminal, ``ok`` ``FAIL`` ``skip`` in plain text."""
    if console.is_terminal:
        if skipped:
            return Text("–", style="dim")
        return Text("✓", style="green") if passed else Text("✗", style="red")
    return Text("skip" if skipped else "ok" if passed else "FAIL")


def shown_path(path: str) -> str:
    """``path`` as the learner would type it from here: relative to the current folder."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path


def shown_locations(text: str, workspace: str) -> str:
    """``text`` with the workspace's absolute file paths shown relative to the current folder
    (``exercises/foundations.py:64``, which terminals and editors open)."""
    if not workspace:
        return text
    return text.replace(workspace.rstrip(os.sep) + os.sep, shown_path(workspace) + os.sep)


def require_extra(module: str, extra: str, command: str) -> None:
    """Exit with an install line when an instructor's command lacks its extra's module."""
    if importlib.util.find_spec(module) is None:
        raise click.ClickException(
            f"`dlfs-grade {command}` needs {module}, which the {extra} extra installs: "
            f'pip install -e ".[{extra}]"'
        )


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def abort(error: Exception) -> click.ClickException:
    """The exception that ends a command for ``error``: a usage error (exit 2) for an
    unknown chapter or exercise name, else a failure (exit 1, ``Error: …`` on stderr)."""
    if isinstance(error, UnknownName):
        return usage_error(error)
    return click.ClickException(str(error))


def usage_error(error: Exception) -> click.UsageError:
    """A usage error (exit 2): an unknown chapter, exercise or name on the command line."""
    return click.UsageError(str(error))


class Failure(click.ClickException):
    """A command that ran but did not succeed (exit 1), its outcome already shown."""

    exit_code = 1

    def __init__(self, message: str = "") -> None:
        super().__init__(message)

    def show(self, file: Any = None) -> None:
        if self.message:
            super().show(file)
