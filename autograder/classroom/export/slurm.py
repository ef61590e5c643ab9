"""A class as a Slurm job array: ``grade.sbatch`` (one task per shard), ``merge.sbatch``
(``afterok`` on the whole array) and ``submit.sh``, which submits both.

The array's size is the number of shards and its ``%`` the tasks run at once; each task has
``--cpus-per-task`` CPUs and grades that many exercises at a time (``--jobs``); the task's
``SLURM_ARRAY_TASK_ID`` chooses its shard. The parts go to a folder on the cluster's shared
file system, which every node sees; the merge reads them there. A task that failed reruns
alone (``sbatch --array=K grade.sbatch``, then ``sbatch merge.sbatch``): the cache beside the
parts keeps every student it had graded.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from .plan import ShardPlan

__all__ = ["shell_command", "write_slurm"]


def _command(python: str | None) -> list[str]:
    """How the nodes run ``dlfs-grade``: this Python's, by default (the cluster shares it)."""
    return [python or sys.executable, "-m", "dlfs.autograder.cli"]


def _time(seconds: int) -> str:
    """Slurm's ``D-HH:MM:SS``."""
    days, rest = divmod(seconds, 86400)
    return f"{days}-{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


def _header(plan: ShardPlan) -> list[str]:
    seed = f"seed {plan.seed}" + (f" (class id {plan.class_id})" if plan.class_id else "")
    return [
        "#!/bin/bash",
        "# Written by `dlfs-grade export slurm`: submit with submit.sh.",
        f"# The class: {plan.submissions} ({plan.students or 'unknown'} entries), target "
        f"{plan.target}, {seed}, {plan.shards} shards; the parts in {plan.parts}.",
    ]


def _body(environment: dict[str, str], words: list[str]) -> list[str]:
    """The job's shell: strict, its environment, then the command."""
    exports = [f"export {k}={shlex.quote(v)}" for k, v in sorted(environment.items())]
    return ["set -euo pipefail", *exports, shell_command(words)]


def shell_command(words: list[str]) -> str:
    """``words`` as one shell command, each quoted; a word holding ``$`` (the engine's
    variables) in double quotes, so that the shell expands it."""
    return " ".join(f'"{w}"' if "$" in w else shlex.quote(w) for w in words)


def write_slurm(
    plan: ShardPlan,
    folder: Path | str,
    environment: dict[str, str] | None = None,
    python: str | None = None,
    partition: str | None = None,
) -> list[Path]:
    """Write ``grade.sbatch``, ``merge.sbatch`` and ``submit.sh`` into ``folder`` (and make
    its ``logs/``); returns their paths.

    Args:
        plan: the class's shards.
        folder: where the scripts go (on the shared file system).
        environment: variables the jobs set (``DLFS_COURSE``, ``DLFS_DATA_DIR`` …).
        python: the Python with dlfs installed on the nodes (default: this one).
        partition: the Slurm partition (default: the cluster's default one).
    """
    folder = Path(folder)
    logs = folder.resolve() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    environment = dict(environment or {})
    command = _command(python)
    where = [f"#SBATCH --partition={partition}"] if partition else []
    shard = f"${{SLURM_ARRAY_TASK_ID}}/{plan.shards}"
    jobs = f"${{SLURM_CPUS_PER_TASK:-{plan.cpus}}}"
    grade = [
        *_header(plan),
        "#SBATCH --job-name=dlfs-grade",
        f"#SBATCH --array=1-{plan.shards}%{plan.parallel}",
        f"#SBATCH --cpus-per-task={plan.cpus}",
        f"#SBATCH --time={_time(plan.task_seconds())}",
        f"#SBATCH --output={logs}/grade-%A_%a.out",
        *where,
        *_body(environment, [*command, *plan.batch_args(shard, jobs)]),
    ]
    merge = [
        *_header(plan),
        "#SBATCH --job-name=dlfs-merge",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --time=1:00:00",
        f"#SBATCH --output={logs}/merge-%j.out",
        *where,
        *_body(environment, [*command, *plan.merge_args()]),
    ]
    paths = []
    for name, lines in (
        ("grade.sbatch", grade),
        ("merge.sbatch", merge),
        ("submit.sh", _submit(plan)),
    ):
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o755)
        paths.append(path)
    return paths


def _submit(plan: ShardPlan) -> list[str]:
    """``submit.sh``: the array, then the merge ``afterok`` on it."""
    return [
        "#!/bin/bash",
        "# Submit the grading array, then the merge once every task has succeeded (afterok).",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        "array=$(sbatch --parsable grade.sbatch)",
        "array=${array%%;*}",
        'merge=$(sbatch --parsable --dependency="afterok:${array}" merge.sbatch)',
        "merge=${merge%%;*}",
        f'echo "grading: job array ${{array}} ({plan.shards} shards); '
        f'merge: job ${{merge}}, after every shard succeeded"',
        'echo "array=${array} merge=${merge}"',
    ]
