"""``dlfs-grade hint ID``: the exercise's next hint, one more each time."""

from __future__ import annotations

import click
from rich.text import Text

from ..course import CourseError
from ..hints import SolutionAhead, SolutionWithheld, next_hint, revealed_hints
from .output import Failure, abort, echo_json, make_console


@click.command("hint", short_help="Reveal the next hint of an exercise.")
@click.argument("exercise_id", metavar="ID")
@click.option("--all", "show_all", is_flag=True, help="Show the hints revealed so far, no new one.")
@click.option(
    "--solution", is_flag=True, help="Also reveal the last hint, which gives the answer away."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def hint(exercise_id: str, show_all: bool, solution: bool, as_json: bool) -> None:
    """Reveal the next hint of exercise ID (e.g. chapter5.conv_2d).

    Hints go from gentle to explicit; each call reveals one more, and your progress
    remembers how many you have seen (dlfs-grade progress). The last hint gives the
    answer away: it is shown only with --solution (and never where the course withholds it).
    """
    try:
        hints = (
            revealed_hints(exercise_id) if show_all else [next_hint(exercise_id, solution=solution)]
        )
    except SolutionAhead as ahead:
        if as_json:
            echo_json({"id": exercise_id, "hints": [], "solution_ahead": ahead.number})
            return
        make_console().print(
            f"The next hint for {exercise_id} ({ahead.number} of {ahead.total}) gives the answer "
            f"away. Try once more with the hints so far (dlfs-grade hint {exercise_id} --all); "
            f"`dlfs-grade hint {exercise_id} --solution` shows it.",
        )
        return
    except SolutionWithheld as withheld:  # said, not a hint repeated as if it were the answer
        if as_json:
            echo_json({"id": exercise_id, "hints": [], "withheld": str(withheld)})
        else:
            make_console().print(f"{withheld}.")
        raise Failure() from None
    except (CourseError, ValueError, OSError) as error:  # OSError: an unreadable store
        raise abort(error) from None
    hints = [h for h in hints if h is not None]
    if as_json:
        echo_json({"id": exercise_id, "hints": [h.to_dict() for h in hints]})
        return
    console = make_console()
    if not hints:
        what = "no hint revealed yet" if show_all else "no hints"
        console.print(f"{exercise_id} has {what}.")
        return
    for shown in hints:
        head = Text(f"Hint {shown.number} of {shown.total}", style="bold")
        console.print(Text.assemble(head, f" for {shown.exercise_id}:"))
        console.print(f"  {shown.text}")
    if not show_all and not hints[-1].remembered:
        make_console(stderr=True).print(
            "warning: your progress could not be saved, so this hint is not remembered",
        )
    if not show_all:
        last = hints[-1]
        console.print(
            "[dim](that was the last hint)[/dim]"
            if last.last
            else f"[dim](`dlfs-grade hint {exercise_id}` again for a more explicit one)[/dim]",
            markup=True,
        )
