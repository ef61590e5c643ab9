"""``dlfs-grade build``: regenerate ``exercises/`` from the reference (for instructors)."""

from __future__ import annotations

from pathlib import Path

import click

from ..course import CourseError
from ..generate.exercises import Drift, build_exercises, check_exercises, generate_tree
from ..generate.regions import RegionError
from .output import Failure, abort, echo_json, make_console, require_extra


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
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def build(check: bool, out: Path | None, yes: bool, as_json: bool) -> None:
    """Generate the exercises from the reference (instructors and maintainers).

    Every body marked ### BEGIN SOLUTION in reference/ becomes # YOUR CODE HERE
    and raise NotImplementedError("<exercise id>"). This OVERWRITES exercises/ (the
    files it replaces are backed up in your dlfs data directory): learners reset one
    exercise with `dlfs-grade reset ID` instead. `dlfs-grade build-answers` stores the
    answers that public checks compare with in copies without the reference.
    """
    require_extra("nbformat", "instructor", "build")
    try:
        generation = generate_tree()
        drift = check_exercises(out, generation)
        if not check:
            _confirm_overwrite(drift, yes)
            report = build_exercises(out, generation)
    except (CourseError, RegionError, ValueError, OSError) as error:
        raise abort(error) from None
    console = make_console()
    warnings = make_console(stderr=True)
    if check:
        if as_json:
            echo_json({"drift": [d.to_dict() for d in drift]})
        elif drift:
            for d in drift:
                console.print(f"{d.problem}: {d.path}", markup=False)
            console.print(f"{len(drift)} files differ from a fresh build: run `dlfs-grade build`.")
        else:
            console.print(f"{out or 'exercises/'} is up to date.", markup=False)
        if drift:
            raise Failure()
        return
    if as_json:
        echo_json(report.to_dict())
        return
    regions = sum(len(rs) for rs in generation.regions.values())
    console.print(
        f"{report.out}: {len(report.written)} files written, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged; {regions} solution regions stubbed.",
        markup=False,
    )
    if report.backup:
        console.print(f"the files overwritten or removed are in {report.backup}", markup=False)
    for region in generation.unmapped:
        warnings.print(f"warning: no exercise targets {region.target}", markup=False)
    for exercise_id, target in generation.unclaimed:
        message = f"warning: {exercise_id} targets {target}, which holds no region"
        warnings.print(message, markup=False)


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
