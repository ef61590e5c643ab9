"""``dlfs-grade``: the click group; each sub-command lives in a module of its own.

``dlfs-grade chapter5`` is short for ``dlfs-grade grade chapter5``: a first argument that is
not a sub-command's name is taken as what to grade.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import signal
import sys
from typing import NoReturn

import click

__all__ = ["cli", "main"]

_COMMANDS = {
    "data": "data:data",
    "list": "listing:list_",
    "hint": "hint:hint",
    "progress": "progress:progress",
    "build": "build:build",
    "build-answers": "answers:build_answers_command",
    "reset": "reset:reset",
    "doctor": "doctor:doctor",
    "publish": "publish:publish",
    "release": "release:release",
    "batch": "batch:batch",
    "merge": "merge:merge",
    "export": "export:export",
    "gradebook": "gradebook:gradebook",
    "grade": "grade:grade",
}
"""Each sub-command's name and where it is defined (``module:attribute`` of this package)."""


class _LazyGroup(click.Group):
    """A group whose sub-commands are imported when one is used (click's lazy-group
    pattern), so that ``dlfs-grade hint …`` never imports the grader, nor NumPy; unknown
    first arguments go to its default command (``grade``)."""

    default_command = "grade"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = _COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(f".{module}", __package__), attribute)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"{_COMMANDS[cmd_name]} is not the command {cmd_name!r}")
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else "-"
        if not first.startswith("-") and first not in _COMMANDS:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlfs")
def cli() -> None:
    """Grade your Deep Learning from Scratch exercises.

    \b
    dlfs-grade chapter3          grade every exercise of chapter 3
    dlfs-grade all               grade the whole book
    dlfs-grade data fetch all    download the data sets

    Every command has --help; most have --json. Exit codes, the same for every command:
    0 success, 1 a failure (something did not pass or could not be done), 2 a usage error.
    """


def _exit_on(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP (``timeout``, a cancelled CI job, ``docker stop``, a closed
    terminal) end the command like Ctrl-C does: its workers stopped, its folders removed."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the ``dlfs-grade`` console script."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on)
    try:
        cli()
    except SystemExit as done:  # click ends every command so: 0, 1 or 2
        _leave(done.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Exit now, once the clean-up registered with ``atexit`` (the fork servers, the run's
    folders) has run and the output is flushed: the interpreter's own tear-down of NumPy and
    the grader's modules would add a tenth of a second to every command."""
    if code is not None and not isinstance(code, int):  # click's way of printing an error
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code or 0)
