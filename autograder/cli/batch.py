"""``dlfs-grade batch SUBMISSIONS_DIR``: grade a whole class (instructors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from ..course import CourseError, load_course
from .doctor import refuse_without_isolation
from .output import Failure, abort, echo_json, make_console, make_table, print_table

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
@click.option(
    "--submitted-at",
    "times",
    default="git",
    show_default=True,
    metavar="git|mtime|CSV",
    help="Where each submission's time comes from, for the assignment's deadline: its "
    "repository's last commit (else its newest file), its newest file, or a CSV of "
    "student,submitted_at (ISO 8601 with a timezone).",
)
@click.option(
    "--assignment",
    help="The [assignments.NAME] of course.toml whose deadline applies (default: the one "
    "whose target is --target; none: no penalty).",
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
    times: str,
    assignment: str | None,
) -> None:
    """Grade every student's workspace in SUBMISSIONS (one folder per student).

    \b
    A student's folder holds their exercise files (activations.py, losses.py …) or a
    whole clone of the project (its exercises/ folder is graded). A submission that
    crashes or cannot be graded is a row with its error; the run goes on. Where
    course.toml gives the assignment a deadline, late submissions lose points as its late
    policy says: the CSV, the report and the JSON show the points before and after.
    Exit code 0 only when every student passed every exercise, 1 otherwise, 2 for a
    mistyped target.
    """
    # start-up time: the grader (NumPy, the sandbox) is imported only when grading
    from ..classroom.batch import grade_class, write_csv
    from ..classroom.deadlines import apply_deadline
    from ..classroom.report import write_report  # start-up time: matplotlib, on use only
    from ..sandbox import isolation  # start-up time, as above

    if require_isolation:
        refuse_without_isolation()
    console = make_console(stderr=True)
    if not as_json:
        console.print(f"isolation: {isolation().describe()}", markup=False)

    def progress(student) -> None:
        if not as_json:
            console.print(f"graded {student.student}", markup=False)

    try:
        course = load_course()
        report = grade_class(
            submissions, target=target, jobs=jobs, course=course, on_student=progress, seed=seed
        )
        applied = apply_deadline(report, course, submissions, times, assignment)
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    if csv_path is not None:
        write_csv(report, csv_path)
    page = write_report(report, report_dir) if report_dir is not None else None
    if as_json:
        echo_json({**report.to_dict(), "assignment": applied.to_dict() if applied else None})
    else:
        written = f"; grades in {csv_path}" if csv_path else ""
        _print_class(report, applied, written + (f"; the class report in {page}" if page else ""))
    if not all(s.report is not None and s.report.passed and not s.error for s in report.students):
        raise Failure()  # the rule of every command: 0 only when everything graded passed


def _print_class(report: Any, applied: Any, written: str) -> None:
    """The table of the class (each student's points, the penalty where one applies) and
    what the run was."""
    out = make_console()
    table = make_table(
        out, "student", "points", "errors", title=f"dlfs-grade batch {report.target}"
    )
    for row in report.rows():
        points = f"{row['total']:g}/{row['max_score']:g}"
        if row.get("penalty_percent"):
            points += f" - {row['penalty_percent']:g}% = {row['total_after_penalty']:g}"
        table.add_row(Text(row["student"]), points, Text(row["errors"]))  # not markup
    print_table(out, table)
    out.print(
        f"{len(report.students)} students, {len(report.exercises)} exercises each, "
        f"in {report.seconds:.1f} s (at most {report.budget:g} s a student){written}; "
        f"seed {report.seed} (--seed {report.seed} repeats these grades), isolation: "
        f"{report.isolation}",
        markup=False,
    )
    if applied is not None:
        late = sum(1 for s in report.students if s.late and s.late.penalty_percent)
        out.print(
            f"deadline {applied.deadline.isoformat()} ({applied.name}): {late} late "
            f"submission{'s' if late != 1 else ''} penalised",
            markup=False,
        )
