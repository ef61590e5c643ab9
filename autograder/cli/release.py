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
    "--classroom50",
    is_flag=True,
    help="Also write Classroom50's autograder for --target, beside OUT in OUT-classroom50/.",
)
@click.option(
    "-t",
    "--target",
    default="all",
    show_default=True,
    help="What the Classroom50 autograder grades: all, a chapter or an exercise id.",
)
@click.option("--classroom", is_flag=True, hidden=True)  # GitHub Classroom's, retired
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def release(
    out: Path,
    hint_policy: str | None,
    classroom50: bool,
    target: str,
    classroom: bool,
    as_json: bool,
) -> None:
    """Write the students' copy of dlfs into OUT, a new folder.

    The copy has no answer key (reference/), no tests and no instructors' guide; it has
    fresh stubs and notebooks, the stored answers of the public checks, the stubs for
    `dlfs-grade reset ID`, course.toml with only the hints --hints allows, and a students'
    README. Commit OUT as the assignment's template repository. With --classroom50,
    OUT-classroom50/ holds Classroom50's autograder: copy it to CLASSROOM/autograders/
    ASSIGNMENT/ in your classroom50 repository.
    """
    if classroom:
        raise click.UsageError(
            "GitHub Classroom was retired on 2026-08-28, and its workflow with it: "
            "--classroom50 writes the autograder of Classroom50, its successor"
        )
    require_extra("nbformat", "instructor", "release")  # the chapters' notebooks
    # start-up time: building the stored answers imports the reference and the probes
    from ..generate.release import release as write_release

    try:
        report = write_release(out, hint_policy, classroom50, target=target)
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if as_json:
        echo_json(report.to_dict())
        return
    console = make_console()
    console.print(
        f"{report.out}: the students' copy, {report.files} files; {report.exercises} "
        f"exercises, {report.public_points:g} public points; hints: {report.hint_policy}",
    )
    if report.classroom50:
        console.print(
            f"Classroom50 autograder ({target}): {report.classroom50}; copy it to "
            "CLASSROOM/autograders/ASSIGNMENT/ in your classroom50 repository",
        )
