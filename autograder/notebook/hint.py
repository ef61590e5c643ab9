"""``hint("chapter3.mse_backward")`` in a notebook: the exercise's next hint, as the CLI's
``dlfs-grade hint`` gives it (the same count of hints seen, the same course policy)."""

from __future__ import annotations

import html

from ..hints import SolutionAhead, SolutionWithheld, next_hint
from .display import show

__all__ = ["hint"]


def hint(exercise_id: str, solution: bool = False) -> None:
    """Show the exercise's next hint, from gentle to explicit; one more each call.

    Args:
        exercise_id: e.g. ``chapter3.mse_backward``.
        solution: also show the last hint, which gives the answer away.
    Raises:
        ValueError: for an unknown exercise id.
    """
    try:
        found = next_hint(exercise_id, solution=solution)
    except SolutionAhead as ahead:
        text = (
            f"The next hint for {exercise_id} ({ahead.number} of {ahead.total}) gives the "
            f'answer away: hint("{exercise_id}", solution=True) shows it.'
        )
        show(text, f"<p>{html.escape(text)}</p>")
        return
    except SolutionWithheld as withheld:
        show(f"{withheld}.", f"<p>{html.escape(str(withheld))}.</p>")
        return
    if found is None:
        show(f"{exercise_id} has no hints.", f"<p>{html.escape(exercise_id)} has no hints.</p>")
        return
    head = f"Hint {found.number} of {found.total} for {exercise_id}"
    after = (
        "(that was the last hint)" if found.last else "(call hint again for a more explicit one)"
    )
    if not found.remembered:
        after += " — your progress could not be saved, so this hint is not remembered"
    text = f"{head}:\n  {found.text}\n{after}"
    rich = (
        f"<p><b>{html.escape(head)}:</b><br>{html.escape(found.text)}<br>"
        f'<span style="color: #57606a">{html.escape(after)}</span></p>'
    )
    show(text, rich)
