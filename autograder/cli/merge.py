"""``dlfs-grade merge PARTS…``: a class graded in shards, merged (instructors)."""

from __future__ import annotations

from pathlib import Path

import click

from .batch import show_class
from .output import Failure, abort

__all__ = ["merge"]


@click.command("merge", short_help="Merge the parts of a class graded in shards (instructors).")
@click.argument("parts", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the grades here, exactly as one `batch` run over the class would.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the class report here (index.html), as `batch --report` would.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option(
    "--exit-zero-if-graded",
    "graded_ok",
    is_flag=True,
    help="Exit 0 once the class is graded and written, whatever the grades (for job "
    "engines, whose dependencies take any other exit code as a failed job).",
)
def merge(
    parts: tuple[Path, ...],
    csv_path: Path | None,
    report_dir: Path | None,
    as_json: bool,
    graded_ok: bool,
) -> None:
    """Merge the parts that `batch --shard K/N --out DIR` wrote, as one batch run.

    \b
    PARTS are part-K-of-N.json files or folders of them. They must be of one class
    (the same course, grader, target, seed and number of shards), every shard once,
    every student once; else nothing is written and the exit code is 1, saying which
    shard or student is missing or repeated, or which parts differ.
    """
    # start-up time: the classroom (NumPy, the course) is imported only when merging
    from ..classroom.merge import MergeError, merge_parts
    from ..classroom.outputs import write_class

    try:
        report = merge_parts(parts)
    except MergeError as error:
        raise abort(error) from None
    written, page = write_class(report, csv_path, report_dir)
    show_class(report, as_json, written, page)
    if not report.passed and not graded_ok:
        raise Failure()  # as batch: 0 only when every student passed everything
