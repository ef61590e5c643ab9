"""How ``check()`` and ``hint()`` show themselves: coloured HTML in Jupyter, text elsewhere.

``check()`` returns :class:`Points`: a float for code (and for nbgrader), nothing on the
notebook's screen (no ``Out[n]: 1.0`` under the feedback).
"""

from __future__ import annotations

import html
import sys

from ..results import CheckResult, ExerciseResult, GradeReport

__all__ = ["Points", "feedback_html", "in_jupyter", "show"]

_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e", "timeout": "#bc4c00"}
_STYLE = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 13px; "
    "border-collapse: collapse; width: 100%"
)
_CELL = "padding: 2px 8px; text-align: left; vertical-align: top"
_MESSAGE = f"{_CELL}; white-space: pre-wrap; overflow-wrap: anywhere"


class Points(float):
    """The points ``check()`` earned: a number to code, nothing on a notebook's screen."""

    def _ipython_display_(self) -> None:
        """Jupyter shows nothing for it: the feedback above says it all."""


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (which shows HTML), not a terminal."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if get else None
    return kernel is not None and "IPKernelApp" in getattr(kernel, "config", {})


def show(text: str, rich_html: str) -> None:
    """In Jupyter both forms, each front end taking the one it shows (the notebook the
    HTML; a console, nbconvert to text or a screen reader's export the plain text);
    elsewhere ``text``."""
    if in_jupyter():
        # optional: IPython is there only in a Jupyter kernel
        from IPython.display import display

        display({"text/plain": text, "text/html": rich_html}, raw=True)
    else:
        print(text)


def feedback_html(report: GradeReport, note: str = "", show_hidden: bool = False) -> str:
    """The report as an HTML table: a coloured row per exercise, a marked row per check."""
    rows: list[str] = []
    for result in report.exercises:
        shared = result.shared_message
        rows.append(_exercise_row(result, shared))
        if result.status != "not_started":
            rows.extend(_check_row(c, show_hidden, shared) for c in result.checks)
        if result.output.strip():
            printed = html.escape(result.output.rstrip())
            rows.append(
                f'<tr><td colspan="3" style="{_MESSAGE}">your code printed:\n{printed}</td></tr>'
            )
    total = f"{report.score:g}/{report.max_score:g} points"
    done = report.max_score > 0 and report.score >= report.max_score
    rows.append(
        f'<tr><td colspan="3" style="{_CELL}"><b>{total}</b>{" 🎉" if done else ""}</td></tr>'
    )
    if note:
        rows.append(
            f'<tr><td colspan="3" style="{_CELL}; color: #57606a">{html.escape(note)}</td></tr>'
        )
    return f'<table style="{_STYLE}">' + "".join(rows) + "</table>"


def _exercise_row(result: ExerciseResult, shared: str | None) -> str:
    colour = _COLOURS.get(result.status, "#57606a")
    status = result.status.replace("_", " ")
    message = shared or ""
    points = f"{result.score:g}/{result.max_score:g}"
    return (
        f'<tr><td style="{_CELL}"><b>{html.escape(result.id)}</b></td>'
        f'<td style="{_CELL}; color: {colour}"><b>{status}</b> {points}</td>'
        f'<td style="{_MESSAGE}">{html.escape(message)}</td></tr>'
    )


def _check_row(check: CheckResult, show_hidden: bool, shared: str | None) -> str:
    mark, colour = ("✓", "#1a7f37") if check.passed else ("✗", "#cf222e")
    if check.skipped:
        mark, colour = ("–", "#57606a")
    name = "hidden check" if check.hidden and not show_hidden else check.name
    hide = (check.hidden and not show_hidden) or check.message == shared
    message = "" if hide else check.message
    points = f"{check.score:g}/{check.max_score:g}"
    return (
        f'<tr><td style="{_CELL}; padding-left: 24px">{html.escape(name)}</td>'
        f'<td style="{_CELL}; color: {colour}">{mark} {points}</td>'
        f'<td style="{_MESSAGE}">{html.escape(message)}</td></tr>'
    )
