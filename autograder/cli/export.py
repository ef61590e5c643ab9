"""``dlfs-grade export``: a class's grading for another platform.

``export gradescope TARGET -o autograder.zip`` is an autograder for Gradescope (``export
gradescope-run`` is what the zip's ``run_autograder`` calls on Gradescope's machine);
``export slurm|k8s|actions FOLDER`` write the jobs that grade a class in shards and merge
them: a Slurm job array, a Kubernetes Indexed Job, a GitHub Actions matrix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..course import CourseError
from .output import abort, make_console

__all__ = ["export"]


@click.group("export", short_help="Export an autograder for another platform (instructors).")
def export() -> None:
    """Export the autograder for another grading platform (Gradescope), or a class's
    grading in shards for a cluster (Slurm, Kubernetes) or GitHub Actions."""


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
    make_console().print(f"{path}: Gradescope autograder for {target} ({size:.1f} MiB)")
    tree = committable(path)
    if tree is not None:
        make_console(stderr=True).print(
            f"warning: {path} holds the answer key and lies in the git work tree {tree}, "
            "which does not ignore it: write it elsewhere (-o ~/autograder.zip) or never "
            "commit it",
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
    make_console().print(results["output"], highlight=False)


_CLASS_OPTIONS = [
    click.argument("folder", type=click.Path(file_okay=False, path_type=Path)),
    click.option(
        "--submissions",
        required=True,
        help="The class's submissions folder, as the jobs see it (one folder a student).",
    ),
    click.option("-t", "--target", default="all", show_default=True,
                 help="What to grade: all, a chapter or an exercise id."),
    click.option("--shards", type=click.IntRange(min=1),
                 help="How many tasks (default: one per 100 students of the class)."),
    click.option("--students", type=click.IntRange(min=1),
                 help="How many students the class has, where the submissions are not on "
                 "this machine (to size the shards)."),
    click.option("--parallel", type=click.IntRange(min=1),
                 help="Tasks running at once at most (default: all)."),
    click.option("--cpus-per-task", "cpus", type=click.IntRange(min=1), default=2,
                 show_default=True,
                 help="CPUs of each task: it grades that many exercises at a time."),
    click.option("--seed", type=int,
                 help="The class's seed (default: a fresh one, written in the jobs)."),
    click.option("--class-id", help="Derive the class's seed from this id instead."),
    click.option("--csv", "csv_path", default="grades.csv", show_default=True,
                 help="Where the merge writes the grades."),
    click.option("--report", "report_dir", default="report", show_default=True,
                 help="Where the merge writes the class report."),
]  # fmt: skip
"""The options every engine's export shares: the class, its shards and its seed."""


def _class_options(parts_default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """:data:`_CLASS_OPTIONS` and ``--parts`` (whose default differs by engine)."""
    parts = click.option(
        "--parts",
        default=parts_default,
        show_default=True,
        help="The folder of the parts, shared by every task and the merge.",
    )

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([*_CLASS_OPTIONS, parts]):
            command = option(command)
        return command

    return decorate


def _plan(options: dict[str, Any], folder: Path, local: bool) -> tuple[Any, Any]:
    """The class's shard plan (:class:`~dlfs.autograder.classroom.export.plan.ShardPlan`)
    from the command's options, and the course; paths relative to ``folder`` when ``local``
    (the jobs run on a shared file system)."""
    from ..classroom.export.plan import count_entries, plan_shards  # start-up time
    from ..course import load_course  # start-up time, as above
    from ..grading import fresh_seed  # start-up time, as above

    course = load_course()
    exercises = course.select(options["target"])
    submissions = Path(options["submissions"])
    students = options["students"] or count_entries(submissions)
    seed = options["seed"]
    if seed is None and options["class_id"] is None:
        seed = fresh_seed()

    def place(value: str, beside: bool) -> str:
        path = Path(value)
        if not local or path.is_absolute():
            return value
        return str(((folder if beside else Path.cwd()) / path).resolve())

    plan = plan_shards(
        place(options["submissions"], False),
        place(options["parts"], True),
        options["target"],
        course.budget(list(exercises)),
        students=students,
        shards=options["shards"],
        parallel=options["parallel"],
        cpus=options["cpus"],
        seed=seed,
        class_id=options["class_id"],
        csv=place(options["csv_path"], True),
        report=place(options["report_dir"], True),
    )
    return plan, course


def _written(paths: list[Path], plan: Any, how: str) -> None:
    out = make_console()
    for path in paths:
        out.print(str(path), highlight=False)
    out.print(
        f"{plan.shards} shards of {plan.students or 'an unknown number of'} students, at most "
        f"{plan.parallel} at once, {plan.cpus} CPU{'s' if plan.cpus > 1 else ''} each; seed "
        f"{plan.seed}; the parts in "
        f"{plan.parts}. {how}",
        highlight=False,
    )


@export.command("slurm")
@_class_options("parts")
@click.option("--python", help="The Python with dlfs on the nodes (default: this one).")
@click.option("--partition", help="The Slurm partition (default: the cluster's default).")
def slurm(folder: Path, python: str | None, partition: str | None, **options: Any) -> None:
    """Write a Slurm job array grading a class in shards, and its merge job.

    \b
    FOLDER (on the cluster's shared file system) gets grade.sbatch (a job array, one
    task a shard: SLURM_ARRAY_TASK_ID chooses it; --cpus-per-task feeds --jobs),
    merge.sbatch (runs afterok on the whole array) and submit.sh, which submits both.
    The parts, the cache, the grades and the report go beside them (--parts, --csv,
    --report). Rerun a failed shard K alone: sbatch --array=K grade.sbatch.
    """
    from ..classroom.export import write_slurm  # start-up time: on use only
    from ..course import CourseError  # start-up time, as above

    try:
        plan, course = _plan(options, folder, local=True)
        environment = {"DLFS_COURSE": str(course.path)} if course.path else {}
        if os.environ.get("DLFS_DATA_DIR"):
            environment["DLFS_DATA_DIR"] = str(Path(os.environ["DLFS_DATA_DIR"]).resolve())
        paths = write_slurm(plan, folder, environment, python, partition)
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    _written(paths, plan, f"Submit with: bash {folder / 'submit.sh'}")


@export.command("k8s")
@_class_options("/class/parts")
@click.option("--image", required=True, help="The container image with dlfs installed.")
@click.option(
    "--claim",
    default="dlfs-class",
    show_default=True,
    help="The PersistentVolumeClaim every pod mounts at /class.",
)
def k8s(folder: Path, image: str, claim: str, **options: Any) -> None:
    """Write a Kubernetes Indexed Job grading a class in shards, and its merge Job.

    \b
    FOLDER gets grade-job.yaml (completions = shards; JOB_COMPLETION_INDEX chooses a
    pod's shard), merge-job.yaml and submit.sh (applies the first, waits for it to
    complete, applies the second). Every pod mounts the claim at /class: give the
    submissions, --parts, --csv and --report as paths under /class.
    """
    from ..classroom.export import write_k8s  # start-up time: on use only
    from ..course import CourseError  # start-up time, as above

    for name in ("csv_path", "report_dir"):
        if not options[name].startswith("/"):
            options[name] = f"/class/{options[name]}"
    try:
        plan, _ = _plan(options, folder, local=False)
        paths = write_k8s(plan, folder, image, claim, {"DLFS_DATA_DIR": "/class/datasets"})
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    _written(paths, plan, f"Apply with: bash {folder / 'submit.sh'}")


@export.command("actions")
@_class_options("parts")
def actions(folder: Path, **options: Any) -> None:
    """Write a GitHub Actions workflow grading a class in a matrix, and its merge job.

    \b
    FOLDER is your grading repository (a clone of dlfs with the reference, the
    submissions in a folder of it): it gets .github/workflows/grade-class.yml. Each
    matrix job grades a shard and uploads its part; the merge job needs them all and
    uploads the grades and the class report as the artifact "grades".
    """
    from ..classroom.export import write_actions  # start-up time: on use only
    from ..classroom.gradescope import training_datasets  # start-up time, as above
    from ..course import CourseError  # start-up time, as above

    try:
        plan, course = _plan(options, folder, local=False)
        datasets = training_datasets(course.select(options["target"]))
        paths = write_actions(plan, folder, datasets)
    except (ValueError, CourseError, OSError) as error:
        raise abort(error) from None
    _written(paths, plan, "Run it from the repository's Actions tab (workflow_dispatch).")
