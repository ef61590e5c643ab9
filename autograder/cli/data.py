"""``dlfs-grade data``: list, fetch and verify the course's data sets.

A thin layer over :mod:`dlfs.datasets.manage`: parse, call, format, set the exit code.
"""

from __future__ import annotations

import os
import textwrap
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Column, Table

if TYPE_CHECKING:
    from dlfs.datasets.cache import DatasetStatus

from .output import Failure, echo_json, make_console, make_table

__all__ = ["data"]


def list_datasets(*args: Any, **kwargs: Any) -> Any:
    """``dlfs.datasets.manage.list_datasets``, imported when a command runs."""
    from dlfs.datasets import manage  # start-up: NumPy only for a data command

    return manage.list_datasets(*args, **kwargs)


def fetch_datasets(*args: Any, **kwargs: Any) -> Any:
    """``dlfs.datasets.manage.fetch_datasets``, imported when a command runs."""
    from dlfs.datasets import manage  # start-up: NumPy only for a data command

    return manage.fetch_datasets(*args, **kwargs)


def verify_datasets(*args: Any, **kwargs: Any) -> Any:
    """``dlfs.datasets.manage.verify_datasets``, imported when a command runs."""
    from dlfs.datasets import manage  # start-up: NumPy only for a data command

    return manage.verify_datasets(*args, **kwargs)


_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (default: DLFS_DATA_DIR, else the user cache directory).",
)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # unreachable


def _table(console: Console, statuses: list[DatasetStatus]) -> Table:
    table = make_table(
        console, "name", Column("files", justify="right"), Column("size", justify="right"), "status"
    )
    for st in statuses:
        verified = sum(f.status == "verified" for f in st.files)
        table.add_row(st.name, f"{verified}/{len(st.files)}", _size(st.size), st.status)
    return table


def _details(statuses) -> list[str]:
    out = []
    for st in statuses:
        out.extend(
            f"  {st.name}: {f.path} is {f.status}"
            + (f" ({f.size} bytes, expected {f.expected_size})" if f.status == "corrupt" else "")
            for f in st.files
            if f.status != "verified"
        )
    return out


def _notes(statuses) -> list[str]:
    return [
        textwrap.fill(f"Note ({st.name}): {st.note}", width=88, subsequent_indent="  ")
        for st in statuses
        if st.note
    ]


def _where(directory: str | None) -> str:
    source = (
        "--dir"
        if directory
        else "DLFS_DATA_DIR"
        if os.environ.get("DLFS_DATA_DIR")
        else "user cache"
    )
    from dlfs.datasets import data_dir  # start-up: NumPy only where needed

    return f"Data directory: {data_dir(directory)} ({source})"


@click.group()
def data() -> None:
    """List, download and verify the course's data sets."""


@data.command("list")
@click.argument("names", nargs=-1)
@_dir_option
@_json_option
def list_command(names: tuple[str, ...], directory: str | None, as_json: bool) -> None:
    """Show each data set: files verified, size and status (nothing is downloaded)."""
    try:
        statuses = list_datasets(list(names) or None, directory)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="NAMES") from err
    if as_json:
        echo_json([st.to_dict() for st in statuses])
        return
    console = make_console()
    console.print(_where(directory))
    console.print(_table(console, statuses))
    for line in _details(statuses):
        console.print(line)
    for line in _notes(statuses):
        console.print("\n" + line)


@data.command("fetch")
@click.argument("names", nargs=-1, required=True, metavar="NAME|all ...")
@_dir_option
@click.option("--mirror", "mirrors", multiple=True, help="Base URL to try first (repeatable).")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per read.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a tty).")
@_json_option
def fetch_command(
    names: tuple[str, ...],
    directory: str | None,
    mirrors: tuple[str, ...],
    timeout: float,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Download (and verify) a data set's missing or corrupt files, or all data sets'."""
    try:
        reports = fetch_datasets(
            list(names),
            directory,
            mirrors=list(mirrors) or None,
            timeout=timeout,
            progress=False if as_json else progress,
        )
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="NAME") from err
    if as_json:
        echo_json([r.to_dict() for r in reports])
    else:
        console, errors = make_console(), make_console(stderr=True)
        for report in reports:
            for warning in report.warnings:
                errors.print(f"warning: {warning}")
            if report.ok:
                actions = sorted({f.action for f in report.files})
                console.print(f"{report.name}: ok ({', '.join(actions)})")
            else:
                errors.print(f"{report.name}: FAILED\n{report.error}")
    if not all(r.ok for r in reports):
        raise Failure()


@data.command("verify")
@click.argument("names", nargs=-1)
@_dir_option
@_json_option
def verify_command(names: tuple[str, ...], directory: str | None, as_json: bool) -> None:
    """Hash every cached file again; exit 1 if any is corrupt (or, for named data sets,
    missing)."""
    try:
        statuses = verify_datasets(list(names) or None, directory)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="NAMES") from err
    bad = {"corrupt", "unreadable", "missing", "partial"} if names else {"corrupt", "unreadable"}
    if as_json:
        echo_json([st.to_dict() for st in statuses])
    else:
        console = make_console()
        console.print(_where(directory))
        console.print(_table(console, statuses))
        for line in _details(statuses):
            console.print(line)
    if any(st.status in bad for st in statuses):
        raise Failure()
