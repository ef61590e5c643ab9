"""``dlfs-grade``: the click group; each sub-command lives in a module of its own.

``dlfs-grade chapter5`` is short for ``dlfs-grade grade chapter5``: a first argument that is
not a sub-command's name is taken as what to grade.
"""

from __future__ import annotations

import signal

import click

from .answers import build_answers_command
from .batch import batch
from .build import build
from .data import data
from .doctor import doctor
from .export import export
from .grade import grade
from .gradebook import gradebook
from .hint import hint
from .listing import list_
from .merge import merge
from .progress import progress
from .publish import publish
from .release import release
from .reset import reset

__all__ = ["cli", "main"]


class _DefaultGroup(click.Group):
    """A group that sends unknown first arguments to its default command (``grade``)."""

    default_command = "grade"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else "-"
        if (
            not first.startswith("-")
            and first not in self.commands
            and (self.default_command in self.commands)
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


cli.add_command(data)
cli.add_command(list_)
cli.add_command(hint)
cli.add_command(progress)
cli.add_command(build)
cli.add_command(build_answers_command)
cli.add_command(reset)
cli.add_command(doctor)
cli.add_command(publish)
cli.add_command(release)
cli.add_command(batch)
cli.add_command(merge)
cli.add_command(export)
cli.add_command(gradebook)
cli.add_command(grade)


def _exit_on(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP (``timeout``, a cancelled CI job, ``docker stop``, a closed
    terminal) end the command like Ctrl-C does: its workers stopped, its folders removed."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the ``dlfs-grade`` console script."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on)
    cli()
