"""``dlfs-grade batch SUBMISSIONS_DIR``: grade a whole class (instructors)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from ..course import CourseError
from .doctor import refuse_without_isolation
from .output import abort, echo_json, make_console, make_table, print_table

__all__ = ["batch"]


@click.command("batch", short_help="Grade a folder of student submissions (instructors).")
@click.argument("submissions", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "-t",
    "--target",
    default="all",
    show_default=True,
    help="What to grade in each submission: all, a chapter or an exercise id.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Exercises graded at the same time (each in its own worker).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the grades here: a row per student, a column per exercise.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the class report here: index.html with the scores, pass rates, the most "
    "common named mistakes and who is stuck.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option(
    "--seed",
    type=int,
    help="The seed of the check inputs (default: a fresh one; a report's seed repeats it).",
)
@click.option(
    "--require-isolation",
    is_flag=True,
    help="Refuse to grade where workers cannot be isolated (see dlfs-grade doctor).",
)
def batch(
    submissions: Path,
    target: str,
    jobs: int,
    csv_path: Path | None,
    report_dir: Path | None,
    as_json: bool,
    seed: int | None,
    require_isolation: bool,
) -> None:
    """Grade every student's workspace in SUBMISSIONS (one folder per student).

    \b
    A student's folder holds their exercise files (activations.py, losses.py …) or a
    whole clone of the project (its exercises/ folder is graded). A submission that
    crashes or cannot be graded is a row with its error; the run goes on.
    """
    # start-up time: the grader (NumPy, the sandbox) is imported only when grading
    from ..classroom.batch import grade_class, write_csv
    from ..classroom.report import write_report  # start-up time: matplotlib, on use only
    from ..sandbox import isolation  # start-up time, as above

    if require_isolation:
        refuse_without_isolation()
    console = make_console(stderr=True)
    if not as_json:
        status = isolation()
        console.print(f"isolation: {status.describe()}", markup=False)
        for name, value in status.details().items():
            console.print(f"{name}: {value}", markup=False)

    def progress(student) -> None:
        if not as_json:
            console.print(f"graded {student.student}", markup=False)

    try:
        report = grade_class(submissions, target=target, jobs=jobs, on_student=progress, seed=seed)
    except (ValueError, CourseError) as error:
        raise abort(error) from None
    if csv_path is not None:
        write_csv(report, csv_path)
    page = write_report(report, report_dir) if report_dir is not None else None
    if as_json:
        echo_json(report.to_dict())
        return
    out = make_console()
    table = make_table(out, "student", "points", "errors", title=f"dlfs-grade batch {target}")
    for row in report.rows():
        points = f"{row['total']:g}/{row['max_score']:g}"
        table.add_row(Text(row["student"]), points, Text(row["errors"]))  # not markup
    print_table(out, table)
    written = f"; grades in {csv_path}" if csv_path else ""
    written += f"; the class report in {page}" if page else ""
    out.print(
        f"{len(report.students)} students, {len(report.exercises)} exercises each, "
        f"in {report.seconds:.1f} s (at most {report.budget:g} s a student){written}; "
        f"seed {report.seed} (--seed {report.seed} repeats these grades), isolation: "
        f"{report.isolation}",
        markup=False,
    )
