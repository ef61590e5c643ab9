"""``dlfs-grade batch SUBMISSIONS_DIR``: grade a whole class, or one shard of it (instructors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from ..course import CourseError
from .doctor import refuse_without_isolation
from .output import Failure, abort, echo_json, make_console, make_table, print_table

__all__ = ["batch", "class_seed_of", "show_class"]


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``--shard K/N`` as a ``Shard`` (a usage error otherwise)."""
    if value is None:
        return None
    from ..classroom.shards import Shard  # start-up time: the classroom on use only

    try:
        return Shard.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


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
    "--class-id",
    help="Derive the seed from this id (every shard of a class the same; keep it private).",
)
@click.option(
    "--shard",
    callback=_shard,
    metavar="K/N",
    help="Grade only the K-th of N shards of the class (the same on every machine); "
    "needs --out and a seed (--seed or --class-id).",
)
@click.option(
    "--out",
    "part_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write this shard's part (every student's full result) here, as "
    "part-K-of-N.json, for the merge command.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where results are kept between runs (default: the batch-cache folder of dlfs's "
    "data directory, $DLFS_HOME).",
)
@click.option("--no-cache", is_flag=True, help="Neither use nor keep results between runs.")
@click.option(
    "--force",
    is_flag=True,
    help="Regrade every student, even whose submission, course, grader and seed are "
    "unchanged since a kept result.",
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
@click.option(
    "--exit-zero-if-graded",
    "graded_ok",
    is_flag=True,
    help="Exit 0 once the class is graded and written, whatever the grades (for job "
    "engines, whose dependencies take any other exit code as a failed job).",
)
def batch(**options: Any) -> None:
    """Grade every student's workspace in SUBMISSIONS (one folder per student).

    \b
    A student's folder holds their exercise files (activations.py, losses.py …) or a
    whole clone of the project (its exercises/ folder is graded). A submission that
    crashes or cannot be graded is a row with its error; the run goes on. Where
    course.toml gives the assignment a deadline, late submissions lose points as its late
    policy says: the CSV, the report and the JSON show the points before and after.
    Exit code 0 only when every student passed every exercise, 1 otherwise, 2 for a
    mistyped target.

    \b
    Grading the class again regrades only the students whose submission (or the
    course, the grader, the target or the seed) changed; --force regrades all.
    A large class runs as shards on several machines: each runs
      dlfs-grade batch SUBMISSIONS --shard K/N --class-id ID --out PARTS
    and `dlfs-grade merge PARTS --csv grades.csv` writes what one run would
    (the export command writes the jobs for Slurm, Kubernetes or GitHub Actions).
    """
    # start-up time: the grader (NumPy, the sandbox) is imported only when grading
    from ..classroom.outputs import write_class
    from ..classroom.parts import write_part  # start-up time, as above
    from ..sandbox import isolation  # start-up time, as above

    if options["require_isolation"]:
        refuse_without_isolation()
    if options["shard"] is not None and options["part_dir"] is None:
        raise click.UsageError("--shard needs --out: the folder of the class's parts")
    if not options["as_json"]:
        console = make_console(stderr=True)
        status = isolation()
        console.print(f"isolation: {status.describe()}")
        for name, value in status.details().items():
            console.print(f"{name}: {value}")
    report, applied = _graded(options, class_seed_of(options))
    part = write_part(report, options["part_dir"]) if options["part_dir"] else None
    csv_path, page = write_class(report, options["csv_path"], options["report_dir"])
    show_class(report, options["as_json"], csv_path, page, part, applied)
    if not report.passed and not options["graded_ok"]:
        raise Failure()  # the rule of every command: 0 only when everything graded passed


def _graded(options: dict[str, Any], seed: int | None) -> tuple[Any, Any]:
    """The class (or its shard) graded as ``options`` say, and the assignment whose deadline
    was applied to it (None: none)."""
    # start-up time: the grader (NumPy, the sandbox) is imported only when grading
    from ..classroom.batch import grade_class
    from ..classroom.deadlines import apply_deadline  # start-up time, as above
    from ..classroom.shards import Shard  # start-up time, as above
    from ..course import load_course  # start-up time, as above
    from ..paths import data_dir  # start-up time, as above

    shard, part_dir, console = options["shard"], options["part_dir"], make_console(stderr=True)
    if shard is None and part_dir is not None:
        shard = Shard(1, 1)  # the whole class as one part
    cache = None if options["no_cache"] else options["cache_dir"] or data_dir() / "batch-cache"

    def progress(student: Any) -> None:
        if not options["as_json"]:
            kept = " (unchanged: result kept)" if student.cached else ""
            console.print(f"graded {student.student}{kept}")

    try:
        course = load_course()
        report = grade_class(
            options["submissions"],
            target=options["target"],
            jobs=options["jobs"],
            course=course,
            on_student=progress,
            seed=seed,
            shard=shard,
            cache=cache,
            force=options["force"],
            hidden=[part_dir] if part_dir else [],
        )
        applied = apply_deadline(
            report, course, options["submissions"], options["times"], options["assignment"]
        )
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    return report, applied


def class_seed_of(options: dict[str, Any]) -> int | None:
    """The seed ``--seed`` gives, or ``--class-id`` derives (a usage error for both)."""
    seed, class_id = options["seed"], options["class_id"]
    if class_id is None:
        return seed
    if seed is not None:
        raise click.UsageError("give --seed or --class-id, not both")
    from ..classroom.identity import class_seed  # start-up time: the classroom on use only

    try:
        return class_seed(class_id)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--class-id") from None


def show_class(
    report: Any,
    as_json: bool,
    csv_path: Path | None = None,
    page: Path | None = None,
    part: Path | None = None,
    applied: Any = None,
) -> None:
    """Print a class's grades: the table and a summary line, or the whole report as JSON;
    ``applied``: the assignment whose deadline was applied (None: none)."""
    if as_json:
        echo_json({**report.to_dict(), "assignment": applied.to_dict() if applied else None})
        return
    out = make_console()
    title = f"dlfs-grade batch {report.target}"
    if report.shard is not None:
        title += f" (shard {report.shard.shard})"
    table = make_table(out, "student", "points", "errors", title=title)
    for row in report.rows():
        points = f"{row['total']:g}/{row['max_score']:g}"
        if row.get("penalty_percent"):
            points += f" - {row['penalty_percent']:g}% = {row['total_after_penalty']:g}"
        table.add_row(Text(row["student"]), points, Text(row["errors"]))  # not markup
    print_table(out, table)
    written = f"; grades in {csv_path}" if csv_path else ""
    written += f"; the class report in {page}" if page else ""
    written += f"; the part in {part}" if part else ""
    kept = sum(s.cached for s in report.students)
    unchanged = f" ({kept} unchanged, their results kept)" if kept else ""
    out.print(
        f"{len(report.students)} students{unchanged}, "
        f"{len(report.exercises)} exercises each, in {report.seconds:.1f} s "
        f"(at most {report.budget:g} s a student){written}; seed {report.seed} "
        f"(--seed {report.seed} repeats these grades), isolation: {report.isolation}",
    )
    if applied is not None:
        late = sum(1 for s in report.students if s.late and s.late.penalty_percent)
        out.print(
            f"deadline {applied.deadline.isoformat()} ({applied.name}): {late} late "
            f"submission{'s' if late != 1 else ''} penalised",
        )
