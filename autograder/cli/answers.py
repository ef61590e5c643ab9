"""``dlfs-grade build-answers``: store the answers of the public checks.

Students' copies without the reference grade their public checks against these files
(:mod:`dlfs.autograder.answers`).
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

import click

from ..course import CourseError
from .output import Failure, abort, echo_json, make_console

if TYPE_CHECKING:
    from ..generate.answers import BuildReport

__all__ = ["answers_drift", "build_answers_command", "show_answers_report"]


@click.command("build-answers", short_help="Store the public checks' answers (instructors).")
@click.option(
    "--check", is_flag=True, help="Only compare with a fresh build; exit 1 if they differ."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def build_answers_command(check: bool, as_json: bool) -> None:
    """Store what the public checks expect, for copies of dlfs without the reference
    (`dlfs-grade build` does this too, after the exercises).

    Runs every public check's probe on the reference and writes the outputs (and those of
    the probe's known mistakes) to autograder/answers/chapterN.npz, and records what every
    check calls on the reference (autograder/answers/calls.json: what a grading worker keeps
    in memory; the training checks need their data sets). Run it after changing a probe, a
    check or the reference; the tests fail while the stored answers are out of date.
    """
    # start-up: NumPy and the probes, only for this command
    from ..generate.answers import build_answers

    try:
        drift, report = answers_drift() if check else ([], build_answers())
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if check:
        _show_drift(drift, report, as_json)
    elif as_json:
        echo_json(report.to_dict())
    else:
        show_answers_report(report)


def answers_drift() -> tuple[list[str], BuildReport]:
    """How the stored answers differ from a fresh build (chapters not built here left out),
    and that build's report."""
    # start-up: NumPy and the probes, only for this command
    from ..answers.store import answers_dir
    from ..generate.answers import build_answers, compare_answers

    with tempfile.TemporaryDirectory(prefix="dlfs-answers-") as fresh:
        report = build_answers(out_dir=fresh)
        drift = compare_answers(answers_dir(), fresh)
    for chapter in report.skipped:  # not built here: not compared either
        drift = [d for d in drift if not d.startswith(f"{chapter}.npz")]
    return drift, report


def _show_drift(drift: list[str], report: BuildReport, as_json: bool) -> None:
    from ..answers.store import answers_dir  # start-up: NumPy only here

    console = make_console()
    if as_json:
        echo_json({"drift": drift, "skipped": report.skipped})
    elif drift:
        for line in drift:
            console.print(line)
        console.print("they differ from a fresh build: run `dlfs-grade build-answers`")
    else:
        console.print(f"{answers_dir()} is up to date.")
    if drift:
        raise Failure()


def show_answers_report(report: BuildReport) -> None:
    """The stored answers written, in a line (and a warning per chapter skipped)."""
    from ..answers.store import answers_dir  # start-up: NumPy only here

    console = make_console()
    console.print(
        f"{report.checks} public checks' answers in {len(report.files)} files "
        f"({report.bytes / 1024:.0f} KiB) in {answers_dir()}",
    )
    for chapter, why in report.skipped.items():
        console.print(f"warning: {chapter} skipped: {why}")
