"""``dlfs-grade publish CHAPTER --course-dir DIR``: a chapter as an nbgrader assignment."""

from __future__ import annotations

from pathlib import Path

import click

from ..course import CourseError
from .output import abort, echo_json, make_console, require_extra


@click.command("publish", short_help="Publish a chapter as an nbgrader assignment (instructors).")
@click.argument("chapter")
@click.option(
    "--course-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The nbgrader course directory (created if missing).",
)
@click.option(
    "--cell-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Seconds a cell may run under nbgrader (default: the longest exercise timeout + 30).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--exchange",
    type=click.Path(file_okay=False, path_type=Path),
    help="nbgrader's exchange folder, which every student can reach (nbgrader's default "
    "/srv/nbgrader/exchange, or JupyterHub's shared one; default here: DIR/exchange).",
)
def publish(
    chapter: str, course_dir: Path, cell_timeout: int | None, exchange: Path | None, as_json: bool
) -> None:
    """Write CHAPTER (e.g. chapter5) as an nbgrader assignment and release it.

    \b
    DIR/nbgrader_config.py           nbgrader's configuration with dlfs's grading steps
    DIR/dlfs_course.toml             the course file the assignment is graded with
    DIR/source/CHAPTER/CHAPTER.ipynb solutions and one autograded test cell per exercise
                                     (no hidden-test block: dlfs's grader runs hidden checks)
    DIR/release/CHAPTER/             the students' version (nbgrader generate_assignment)
    EXCHANGE                         where it is released (nbgrader release_assignment):
                                     --exchange, a folder every student can reach
                                     (default DIR/exchange, for a single machine)

    \b
    Each student, in a Jupyter whose Python has their copy of dlfs, installed with
    pip install -e ".[nbgrader]" (JupyterLab and nbgrader's commands):
      nbgrader fetch_assignment CHAPTER --course dlfs --Exchange.root=EXCHANGE
      nbgrader submit CHAPTER --course dlfs --Exchange.root=EXCHANGE
    Then, from DIR: nbgrader collect, autograde, generate_feedback and export.
    """
    require_extra("nbgrader", "instructor", "publish")
    # start-up time: nbgrader and nbformat are imported only to publish
    from ..notebook.publish import publish as run_publish

    try:
        report = run_publish(chapter, course_dir, cell_timeout=cell_timeout, exchange=exchange)
    except (CourseError, ValueError, RuntimeError, OSError) as error:
        raise abort(error) from None
    if as_json:
        echo_json(report.to_dict())
        return
    console = make_console()
    console.print(f"{report.assignment}: {report.exercises} exercises, {report.points:g} points")
    console.print(f"source:  {report.source}")
    console.print(f"release: {report.release}")
    if not report.config_written:
        console.print(
            f"kept your {report.course_dir / 'nbgrader_config.py'}: it must configure dlfs's "
            "preprocessors (delete it and publish again for dlfs's own)",
        )
