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
    help="The zip to write.",
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
    from ..classroom.gradescope import build_autograder

    try:
        path = build_autograder(target, output, bundle_data=bundle_data)
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    size = path.stat().st_size / 2**20
    make_console().print(
        f"{path}: Gradescope autograder for {target} ({size:.1f} MiB)", markup=False
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
