"""``dlfs-grade release DIR``: write the students' copy (for instructors)."""

from __future__ import annotations

from pathlib import Path

import click

from ..course import HINT_POLICIES, CourseError
from .output import abort, echo_json, make_console, require_extra


@click.command("release", short_help="Write the students' copy, without the answer key.")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--hints",
    "hint_policy",
    type=click.Choice(HINT_POLICIES),
    help="Which hints students may see (default: course.toml's hint_policy).",
)
@click.option(
    "--classroom", is_flag=True, help="Also write the GitHub Classroom workflow (public points)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def release(out: Path, hint_policy: str | None, classroom: bool, as_json: bool) -> None:
    """Write the students' copy of dlfs into OUT, a new folder.

    The copy has no answer key (reference/), no tests and no instructors' guide; it has
    fresh stubs and notebooks, the stored answers of the public checks, the stubs for
    `dlfs-grade reset ID`, a students' README and, with --classroom, the GitHub Classroom
    workflow. Commit OUT as the assignment's template repository.
    """
    require_extra("nbformat", "instructor", "release")  # the chapters' notebooks
    # start-up time: building the stored answers imports the reference and the probes
    from ..classroom.release import release as write_release

    try:
        report = write_release(out, hint_policy, classroom)
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if as_json:
        echo_json(report.to_dict())
        return
    console = make_console()
    console.print(
        f"{report.out}: the students' copy, {report.files} files; {report.exercises} "
        f"exercises, {report.public_points:g} public points; hints: {report.hint_policy}",
        markup=False,
    )
    if report.workflow:
        console.print(f"GitHub Classroom workflow: {report.workflow}", markup=False)
