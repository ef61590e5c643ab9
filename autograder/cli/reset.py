"""``dlfs-grade reset ID``: put back the stub of one exercise, keeping a backup of yours."""

from __future__ import annotations

from pathlib import Path

import click

from ..course import CourseError, load_course
from ..generate.exercises import reset_exercise
from ..paths import exercises_root
from .output import abort, echo_json, make_console


@click.command("reset", short_help="Restore one exercise's stub (backing up yours).")
@click.argument("exercise_id", metavar="ID")
@click.option(
    "--path",
    "workspace",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Your exercises folder (default: the installed exercises/).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def reset(exercise_id: str, workspace: Path | None, yes: bool, as_json: bool) -> None:
    """Restore the stub of exercise ID (e.g. chapter5.conv_2d).

    Only that exercise's functions are replaced; each file changed is first copied to the
    backups folder of your dlfs data directory, and the command says where.
    """
    try:
        exercise = load_course().exercise(exercise_id)
        folder = workspace or exercises_root()
    except (CourseError, ValueError) as error:
        raise abort(error) from None
    if not yes:
        where = ", ".join(sorted({str(folder / t.relpath) for t in exercise.targets}))
        names = ", ".join(t.qualname for t in exercise.targets)
        click.confirm(
            f"Replace {names} in {where} by the stub? (your version is backed up)",
            abort=True,
            err=True,
        )
    try:
        report = reset_exercise(exercise_id, folder)
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if as_json:
        echo_json(report.to_dict())
        return
    console = make_console()
    if not report.files:
        console.print(f"{exercise_id} is already the stub: nothing changed.")
        return
    for path in report.files:
        console.print(f"restored {exercise_id} in {path}")
    if report.backup:
        console.print(f"your previous version: {report.backup}")
