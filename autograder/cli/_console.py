"""Output for the CLI: rich colour and tables on a terminal, plain aligned text elsewhere.

rich already drops colour where the output is not a terminal, ``NO_COLOR`` is set or
``TERM=dumb``; here tables also lose their box lines and get a wide page when piped, so that
``dlfs-grade list > file`` is plain text a script can read.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

__all__ = ["abort", "echo_json", "make_console", "make_table"]


def make_console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that is plain when not writing to a terminal."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, highlight=False, width=160)
    return console


def make_table(console: Console, *columns: str, title: str | None = None) -> Table:
    """A table with a header row; box lines only on a terminal."""
    style = box.SIMPLE_HEAD if console.is_terminal else None
    table = Table(
        *columns,
        title=title,
        box=style,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        header_style="bold" if console.is_terminal else "",
    )
    return table


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def abort(error: Exception) -> click.ClickException:
    """A ClickException (exit 1, ``Error: …`` on stderr) carrying ``error``'s message."""
    return click.ClickException(str(error))
