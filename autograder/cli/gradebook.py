"""``dlfs-grade gradebook canvas|moodle GRADES.csv``: a class's grades into the LMS."""

from __future__ import annotations

from pathlib import Path

import click

from .output import abort, echo_json, make_console

__all__ = ["gradebook"]

_GRADES = click.argument("grades", type=click.Path(dir_okay=False, exists=True, path_type=Path))
_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write (to upload to the LMS).",
)
_ROSTER = click.option(
    "--roster",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A CSV mapping submission names (column student) to the LMS's ids.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group("gradebook", short_help="Put a class's grades into an LMS gradebook.")
def gradebook() -> None:
    """Put the grades of `dlfs-grade batch --csv GRADES.csv` into an LMS gradebook.

    The grade of a row is its total after any late penalty. Each command says who is in one
    file but not the other.
    """


@gradebook.command("canvas")
@_GRADES
@click.option(
    "--into",
    "export",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The gradebook Canvas exported (Grades > Export > CSV).",
)
@_OUT
@click.option(
    "--column",
    help="The assignment column to fill: its header, name or id (default: the only one).",
)
@_ROSTER
@click.option(
    "--scale-to-points",
    is_flag=True,
    help="Scale grades from the course's points to the column's Points Possible.",
)
@_JSON
def canvas(
    grades: Path,
    export: Path,
    out: Path,
    column: str | None,
    roster: Path | None,
    scale_to_points: bool,
    as_json: bool,
) -> None:
    """Fill one assignment column of a Canvas gradebook export from GRADES.

    \b
    Students are matched by SIS Login ID (the submission folders' names), or through
    --roster (columns student and SIS Login ID, SIS User ID or ID). Every other cell,
    the quoting, line endings and byte-order mark stay exactly as exported: import OUT
    back into Canvas (Grades > Import).
    """
    from ..classroom.gradebook import fill_canvas  # start-up time: on use only

    try:
        report = fill_canvas(grades, export, out, column, roster, scale_to_points)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise abort(error) from None
    _show(report, as_json)


@gradebook.command("moodle")
@_GRADES
@_OUT
@click.option("--item", required=True, help="The grade item's name (the grade column's header).")
@_ROSTER
@click.option(
    "--identify-by",
    type=click.Choice(("Email address", "Username", "ID number")),
    default="Email address",
    show_default=True,
    help="The column identifying users (choose the same in Moodle's import form).",
)
@_JSON
def moodle(
    grades: Path,
    out: Path,
    item: str,
    roster: Path | None,
    identify_by: str,
    as_json: bool,
) -> None:
    """Write Moodle's grade-import CSV (Grades > Import > CSV file) from GRADES.

    Submissions are named by --identify-by, or mapped through --roster (columns student
    and that identifier).
    """
    from ..classroom.gradebook import moodle_import  # start-up time: on use only

    try:
        report = moodle_import(grades, out, item, roster, identify_by)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise abort(error) from None
    _show(report, as_json)


def _show(report, as_json: bool) -> None:
    if as_json:
        echo_json(report.to_dict())
        return
    console = make_console()
    console.print(f"{report.out}: {len(report.filled)} grades in {report.column!r}", soft_wrap=True)
    if report.scale != 1:
        console.print(
            f"grades scaled by {report.scale:g} ({report.max_score:g} points -> "
            f"{report.points_possible:g} possible)",
        )
    elif report.points_possible and report.max_score and report.points_possible != report.max_score:
        console.print(
            f"note: the column's Points Possible is {report.points_possible:g}, the course's "
            f"{report.max_score:g} (--scale-to-points scales the grades)",
        )
    for name, (before, percent, after) in report.penalties.items():
        console.print(f"{name}: {before:g} points, {percent:g}% off for lateness: {after:g}")
    for what, names in (
        ("submissions with no student in the gradebook", report.no_student),
        ("students with no submission (left as they were)", report.no_submission),
    ):
        if names:
            console.print(f"{what}: {', '.join(names)}")
