"""``dlfs-grade build``: regenerate ``exercises/`` and the stored answers from the reference
(for instructors)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..course import CourseError
from ..generate.exercises import BuildReport, Drift, build_exercises, check_exercises, generate_tree
from ..generate.regions import RegionError
from .answers import answers_drift, show_answers_report
from .output import Failure, abort, echo_json, make_console, require_extra

if TYPE_CHECKING:
    from ..generate.answers import BuildReport as AnswersReport


@click.command("build", short_help="Regenerate exercises/ from the reference (instructors).")
@click.option(
    "--check", is_flag=True, help="Only compare; exit 1 if exercises/ differs from a fresh build."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the tree here instead of the installed exercises/ folder.",
)
@click.option(
    "--yes", is_flag=True, help="Overwrite changed files without asking (they are backed up)."
)
@click.option(
    "--no-answers",
    is_flag=True,
    help="Leave the stored answers (autograder/answers/) alone: exercises/ only.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def build(check: bool, out: Path | None, yes: bool, no_answers: bool, as_json: bool) -> None:
    """Generate the exercises from the reference, then the stored answers (instructors and
    maintainers): after adding or changing an exercise, this one command.

    Every body marked ### BEGIN SOLUTION in reference/ becomes # YOUR CODE HERE
    and raise NotImplementedError("<exercise id>"). This OVERWRITES exercises/ (the
    files it replaces are backed up in your dlfs data directory): learners reset one
    exercise with `dlfs-grade reset ID` instead. Then it stores the answers that public
    checks compare with in copies without the reference, as `dlfs-grade build-answers`
    does (skip that with --no-answers). With --check, nothing is written: both are
    compared with a fresh build.
    """
    require_extra("nbformat", "instructor", "build")
    try:
        generation = generate_tree()
        drift = check_exercises(out, generation)
        if check:
            answers = None if no_answers else answers_drift()
        else:
            _confirm_overwrite(drift, yes)
            report = build_exercises(out, generation)
            stored = None if no_answers else build_answers()
    except (CourseError, RegionError, ValueError, OSError) as error:
        raise abort(error) from None
    if check:
        _show_check(drift, answers, out, as_json)
    else:
        _show_build(report, stored, as_json)


def build_answers() -> AnswersReport:
    """The stored answers built afresh (``generate.answers.build_answers``), imported when it
    runs: it needs NumPy and the probes, which `dlfs-grade --help` does not load."""
    from ..generate.answers import build_answers as build  # start-up: only for this command

    return build()


def _show_check(
    drift: list[Drift],
    answers: tuple[list[str], AnswersReport] | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """What differs from a fresh build; exit 1 when anything does."""
    stale = answers[0] if answers else []
    if as_json:
        shown: dict[str, Any] = {"drift": [d.to_dict() for d in drift]}
        if answers is not None:
            shown["answers"] = {"drift": stale, "skipped": answers[1].skipped}
        echo_json(shown)
    else:
        console = make_console()
        for d in drift:
            console.print(f"{d.problem}: {d.path}")
        for line in stale:
            console.print(f"stored answers: {line}")
        if drift or stale:
            console.print(
                f"{len(drift) + len(stale)} differ from a fresh build: run `dlfs-grade build`."
            )
        else:
            checked = "" if answers is None else " and so are the stored answers"
            console.print(f"{out or 'exercises/'} is up to date{checked}.")
    if drift or stale:
        raise Failure()


def _show_build(report: BuildReport, stored: AnswersReport | None, as_json: bool) -> None:
    """What was written: the exercises, then the stored answers."""
    generation = report.generation
    if as_json:
        echo_json({**report.to_dict(), "answers": stored.to_dict() if stored else None})
        return
    console = make_console()
    warnings = make_console(stderr=True)
    regions = sum(len(rs) for rs in generation.regions.values())
    console.print(
        f"{report.out}: {len(report.written)} files written, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged; {regions} solution regions stubbed.",
    )
    if report.backup:
        console.print(f"the files overwritten or removed are in {report.backup}")
    for region in generation.unmapped:
        warnings.print(f"warning: no exercise targets {region.target}")
    for exercise_id, target in generation.unclaimed:
        message = f"warning: {exercise_id} targets {target}, which holds no region"
        warnings.print(message)
    if stored is not None:
        show_answers_report(stored)


def _confirm_overwrite(drift: list[Drift], yes: bool) -> None:
    """Ask before overwriting files that differ from fresh stubs (a learner's work)."""
    changed = [d for d in drift if d.problem != "missing"]
    if not changed or yes:
        return
    shown = ", ".join(str(d.path) for d in changed[:5]) + (" …" if len(changed) > 5 else "")
    click.confirm(
        f"{len(changed)} file(s) differ from fresh stubs and would be overwritten or removed "
        f"({shown}); they are backed up first. Go on?",
        abort=True,
        err=True,
    )
