"""``dlfs-grade list``: the chapters and their exercises, with points."""

from __future__ import annotations

import click
from rich.text import Text

from ..course import CourseError, load_course
from .output import abort, echo_json, make_console, make_table, print_table


def _points(value: float) -> str:
    return f"{value:g}"


@click.command("list", short_help="List chapters and exercises with their points.")
@click.argument("chapter", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_(chapter: str | None, as_json: bool) -> None:
    """List the chapters and exercises, with their points (and how many are in hidden checks).

    CHAPTER (chapter5 or 5) lists only that chapter. An exercise's id
    (chapter5.conv_2d) is what `dlfs-grade ID`, `hint ID` and `reset ID` take.
    """
    try:
        course = load_course()
        chapters = (course.chapter(chapter),) if chapter else course.chapters
    except (CourseError, ValueError) as error:
        raise abort(error) from None
    if as_json:
        echo_json({"title": course.title, "chapters": [c.to_dict() for c in chapters]})
        return
    console = make_console()
    for ch in chapters:
        console.print(
            Text.assemble((ch.name, "bold"), f"  {ch.title}  ({_points(ch.points)} points)")
        )
        table = make_table(console, "exercise", "title", "points", "of them hidden", "checks")
        for column in table.columns[2:]:
            column.justify = "right"
        for exercise in ch.exercises:
            hidden = sum(c.points for c in exercise.checks if c.hidden)
            table.add_row(
                exercise.id,
                exercise.title,
                _points(exercise.points),
                _points(hidden) if hidden else "",
                str(len(exercise.checks)),
            )
        if not ch.exercises:
            table.add_row("(no exercises yet)", "", "", "", "")
        print_table(console, table)
        console.print()
    hidden = sum(c.points for ch in chapters for e in ch.exercises for c in e.checks if c.hidden)
    if not chapter:
        console.print(f"{course.title}: {_points(course.points)} points in all.")
    if hidden:
        console.print(
            f"{_points(hidden)} of them in hidden checks, run at the instructor's (where the "
            "answer key is): a students' copy grades the rest.",
        )
