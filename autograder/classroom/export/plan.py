"""What every engine's jobs share: the class, its shards, its seed, where the parts go.

The shard contract is the same everywhere: task ``K`` of ``N`` runs ``dlfs-grade batch
SUBMISSIONS --shard K/N --seed S --out PARTS``, and one merge job, once every task has
succeeded, runs ``dlfs-grade merge PARTS --csv … --report …``. PARTS is a folder every task
can write and the merge can read: a cluster's shared file system, a Kubernetes volume, an
Actions artifact (object storage is the user's to mount there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..identity import class_seed

__all__ = ["STUDENTS_PER_TASK", "ShardPlan", "plan_shards"]

STUDENTS_PER_TASK = 100
"""The default shard size: 50–200 students keep a task minutes long (a failed one is cheap to
rerun) and the start-up and merge small beside the grading."""


@dataclass(frozen=True)
class ShardPlan:
    """A class's grading as N tasks and a merge.

    Attributes:
        submissions: the submissions folder, as the tasks see it.
        parts: the folder of the parts, shared by the tasks and the merge.
        target: what each student is graded on.
        students: how many entries the submissions folder holds (0: not known here).
        shards: how many tasks (N).
        parallel: how many tasks run at once at most.
        cpus: CPUs per task: each task grades this many exercises at a time (``--jobs``).
        seed: the class's seed (every task draws the same check inputs).
        class_id: the id the seed was derived from, if it was.
        csv: where the merge writes the grades.
        report: where the merge writes the class report.
        budget: the seconds one student's grading may take (course.toml's budgets).
    """

    submissions: str
    parts: str
    target: str
    students: int
    shards: int
    parallel: int
    cpus: int
    seed: int
    class_id: str | None
    csv: str
    report: str
    budget: float

    def batch_args(self, shard: str, jobs: str, cache: bool = True) -> list[str]:
        """``batch``'s arguments for one task (``shard`` and ``jobs`` as the engine names
        them, e.g. ``"${SLURM_ARRAY_TASK_ID}/4"``); the cache, shared by the tasks, in the
        parts' folder (a rerun keeps what was graded), or none."""
        kept = ["--cache", f"{self.parts}/cache"] if cache else ["--no-cache"]
        return [
            "batch", self.submissions, "--target", self.target, "--seed", str(self.seed),
            "--shard", shard, "--out", self.parts, "--jobs", jobs, *kept, "--exit-zero-if-graded",
        ]  # fmt: skip

    def merge_args(self) -> list[str]:
        """``merge``'s arguments."""
        return [
            "merge", self.parts, "--csv", self.csv, "--report", self.report,
            "--exit-zero-if-graded",
        ]  # fmt: skip

    def task_seconds(self) -> int:
        """A task's time limit: its students' budgets, ``cpus`` at a time, plus start-up
        (the worst case: every student spends the whole budget)."""
        per_task = math.ceil(max(1, self.students) / self.shards)
        return math.ceil(per_task * self.budget / self.cpus) + 600


def plan_shards(
    submissions: str,
    parts: str,
    target: str,
    budget: float,
    *,
    students: int = 0,
    shards: int | None = None,
    parallel: int | None = None,
    cpus: int = 2,
    seed: int | None = None,
    class_id: str | None = None,
    csv: str = "grades.csv",
    report: str = "report",
) -> ShardPlan:
    """A plan for ``students`` submissions: ``shards`` tasks (default: one per
    :data:`STUDENTS_PER_TASK` students), at most ``parallel`` at once (default: all).

    Raises:
        ValueError: no seed and no class id (a class's tasks need one seed), both, fewer
            than one shard or CPU, or no way to size the shards.
    """
    if (seed is None) == (class_id is None):
        raise ValueError("a class's tasks need one seed: give a seed or a class id (one)")
    if shards is None:
        if students < 1:
            raise ValueError("give the number of shards (the submissions are not here)")
        shards = math.ceil(students / STUDENTS_PER_TASK)
    if shards < 1 or cpus < 1:
        raise ValueError(f"a plan needs a shard and a CPU at least, got {shards=} {cpus=}")
    parallel = shards if parallel is None else max(1, min(parallel, shards))
    seed = class_seed(class_id) if class_id is not None else seed
    assert seed is not None
    return ShardPlan(
        submissions, parts, target, students, shards, parallel, cpus, seed, class_id,
        csv, report, budget,
    )  # fmt: skip


def count_entries(folder: Path) -> int:
    """How many rows a submissions folder makes (every entry is one), 0 if it is not here."""
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
