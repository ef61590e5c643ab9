"""``dlfs-grade progress``: best score per chapter and exercise, attempts, last attempt."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from ..course import CourseError, load_course
from ..progress import ProgressReport, ProgressStore, summarize
from ..progress.summary import WORKSPACES
from .output import abort, echo_json, make_console, make_table, print_table, status_text


def _when(time: datetime | None) -> str:
    return time.astimezone().strftime("%Y-%m-%d %H:%M") if time else "-"


def _score(best: float, max_score: float) -> str:
    return f"{best:g}/{max_score:g}"


@click.command("progress", short_help="Your best scores, attempts and last attempts.")
@click.argument("chapter", required=False)
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also draw the progress over time into this image file (.png, .svg, .pdf).",
)
@click.option(
    "--workspace",
    type=click.Choice(WORKSPACES),
    help="Only your work in the .py files, or only in the notebooks (default: both, apart).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def progress(
    chapter: str | None, plot_file: Path | None, workspace: str | None, as_json: bool
) -> None:
    """Show your best score per chapter and exercise, attempts and last attempt.

    CHAPTER (chapter5 or 5) shows only that chapter. Your .py files and your notebooks
    are two workspaces, kept apart: the files' table first, then the notebooks' (once
    they have an attempt). Progress is kept in a SQLite file in your user data
    directory; set DLFS_HOME to keep it elsewhere.
    """
    try:
        course = load_course()
        with ProgressStore(read_only=True) as store:
            reports = {
                name: summarize(course, store, chapter, name)
                for name in ([workspace] if workspace else WORKSPACES)
            }
        shown = {n: r for n, r in reports.items() if n == (workspace or "files") or r.history}
        if plot_file is not None:
            # start-up time: matplotlib is imported only to draw
            from ..progress.plot import plot_progress

            plot_progress(next(iter(shown.values())), plot_file)
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if as_json:
        first, *others = shown
        data = {"workspace": first, **shown[first].to_dict()}
        data |= {name: shown[name].to_dict() for name in others}
        data["plot"] = str(plot_file) if plot_file else None
        echo_json(data)
        return
    console = make_console()
    for name, report in shown.items():
        if len(shown) > 1:
            console.print(_TITLES[name], style="bold")
        _print_progress(console, report)
    if plot_file is not None:
        console.print(f"Progress over time drawn in {plot_file}.")


_TITLES = {"files": "Your .py files (exercises/)", "notebook": "Your notebooks"}


def _print_progress(console: Console, report: ProgressReport) -> None:
    table = make_table(console, "chapter / exercise", "best", "attempts", "last attempt", "")
    for column in table.columns[1:3]:
        column.justify = "right"
    for ch in report.chapters:
        table.add_row(
            Text.assemble((ch.name, "bold"), f"  {ch.title}"),
            Text(_score(ch.best, ch.max_score), style="bold"),
            str(ch.attempts),
            _when(ch.last_attempt),
            "",
        )
        for ex in ch.exercises:
            status = status_text(ex.last_status) if ex.last_status else Text("")
            if ex.hints_revealed:
                status.append(f"  {ex.hints_revealed} hint{'s' * (ex.hints_revealed != 1)}")
            table.add_row(
                f"  {ex.id}",
                _score(ex.best, ex.max_score),
                str(ex.attempts),
                _when(ex.last_attempt),
                status,
            )
    print_table(console, table)
    console.print(f"\nIn all: {_score(report.best, report.max_score)} points.")
