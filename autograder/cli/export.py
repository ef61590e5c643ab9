"""``dlfs-grade export gradescope TARGET -o autograder.zip``: an autograder for Gradescope.

``export gradescope-run`` is what the zip's ``run_autograder`` calls on Gradescope's machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..course import CourseError
from .output import abort, make_console

__all__ = ["export"]


@click.group("export", short_help="Export an autograder for another platform (instructors).")
def export() -> None:
    """Export the autograder for another grading platform (Gradescope)."""


@export.command("gradescope")
@click.argument("target")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("autograder.zip"),
    show_default=True,
    help="The zip to write (it holds the answer key: keep it out of any repository).",
)
@click.option(
    "--bundle-data",
    is_flag=True,
    help="Put the data sets the training checks read into the zip (no internet needed).",
)
def gradescope(target: str, output: Path, bundle_data: bool) -> None:
    """Write a Gradescope autograder zip grading TARGET (chapter5, all or an exercise id).

    \b
    Upload the zip as the assignment's autograder ("Zip file upload"). It holds
    setup.sh, run_autograder and dlfs with the reference: hidden checks run there and
    are shown to students once the grades are published.
    """
    # start-up time: the grader is imported only when exporting
    from ..classroom.gradescope import build_autograder, committable

    try:
        path = build_autograder(target, output, bundle_data=bundle_data)
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    size = path.stat().st_size / 2**20
    make_console().print(
        f"{path}: Gradescope autograder for {target} ({size:.1f} MiB)", markup=False
    )
    tree = committable(path)
    if tree is not None:
        make_console(stderr=True).print(
            f"warning: {path} holds the answer key and lies in the git work tree {tree}, "
            "which does not ignore it: write it elsewhere (-o ~/autograder.zip) or never "
            "commit it",
            markup=False,
        )


@export.command("classroom50-run", hidden=True)
@click.argument("target")
@click.option(
    "--submission",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="The student's checkout (its exercises/ folder is graded).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The result.json to write.",
)
def classroom50_run(target: str, submission: Path, out: Path) -> None:
    """Grade SUBMISSION on TARGET and write Classroom50's result.json (run by autograder.py)."""
    # start-up time: the grader is imported only when grading
    from ..classroom.classroom50 import run_classroom50

    try:
        result = run_classroom50(submission, target, out)
    except (ValueError, CourseError) as error:  # the autograder's own course or target
        raise abort(error) from None
    make_console().print(
        f"{result['score']}/{result['max-score']} (Classroom50 points) for {target}: {out}",
        markup=False,
        highlight=False,
    )


@export.command("gradescope-run", hidden=True)
@click.argument("target")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Gradescope's folder (default: $DLFS_GRADESCOPE_ROOT, else /autograder).",
)
def gradescope_run(target: str, root: Path | None) -> None:
    """Grade ROOT/submission and write ROOT/results/results.json (run by run_autograder)."""
    # start-up time: the grader is imported only when grading
    from ..classroom.gradescope import ROOT_VARIABLE, run_autograder

    root = root or Path(os.environ.get(ROOT_VARIABLE, "/autograder"))
    results = run_autograder(root, target)
    make_console().print(results["output"], markup=False, highlight=False)
