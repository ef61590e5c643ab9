"""A class as a GitHub Actions workflow: a matrix job (one shard each) and a merge job.

The workflow runs in the instructor's own (private) repository: a clone of dlfs with the
reference, and the students' submissions in a folder of it (``gh classroom clone`` output).
Each matrix job grades its shard and uploads its part as an artifact; the merge job, which
``needs`` the whole matrix (so it runs once every shard succeeded), downloads every part,
merges them and uploads the grades and the class report as one artifact. Start it by hand
(``workflow_dispatch``) from the Actions tab or ``gh workflow run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .plan import ShardPlan
from .slurm import shell_command
from .yaml import to_yaml

__all__ = ["workflow", "write_actions"]

_SETUP = [
    {"uses": "actions/checkout@v4"},
    {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
    {"name": "Install the grader", "run": "pip install -e ."},
]


def workflow(plan: ShardPlan, datasets: list[str]) -> dict[str, Any]:
    """The workflow, as data."""
    fetch = (
        [{"name": "Fetch the data sets", "run": shell_command(["dlfs-grade", "data", "fetch",
                                                               *datasets])}]
        if datasets
        else []
    )  # fmt: skip
    shard = f"${{{{ matrix.shard }}}}/{plan.shards}"
    grade_steps = [
        *_SETUP,
        *fetch,
        {"name": "Grade the shard", "run": shell_command(
            ["dlfs-grade", *plan.batch_args(shard, str(plan.cpus), cache=False)])},
        {
            "uses": "actions/upload-artifact@v4",
            "with": {"name": "part-${{ matrix.shard }}", "path": plan.parts,
                     "retention-days": 7},
        },
    ]  # fmt: skip
    merge_steps = [
        *_SETUP,
        {
            "uses": "actions/download-artifact@v4",
            "with": {"pattern": "part-*", "path": plan.parts, "merge-multiple": True},
        },
        {"name": "Merge the parts", "run": shell_command(["dlfs-grade", *plan.merge_args()])},
        {
            "uses": "actions/upload-artifact@v4",
            "with": {"name": "grades", "path": f"{plan.csv}\n{plan.report}\n"},
        },
    ]
    return {
        "name": "Grade the class",
        "on": {"workflow_dispatch": {}},
        "permissions": {"contents": "read"},
        "jobs": {
            "grade": {
                "name": f"shard ${{{{ matrix.shard }}}} of {plan.shards}",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": -(-plan.task_seconds() // 60),
                "strategy": {
                    "fail-fast": False,
                    "max-parallel": plan.parallel,
                    "matrix": {"shard": list(range(1, plan.shards + 1))},
                },
                "steps": grade_steps,
            },
            "merge": {"needs": "grade", "runs-on": "ubuntu-latest", "steps": merge_steps},
        },
    }


def write_actions(plan: ShardPlan, folder: Path | str, datasets: list[str]) -> list[Path]:
    """Write ``.github/workflows/grade-class.yml`` under ``folder`` (the repository's root).

    Args:
        plan: the class's shards; its paths relative to the repository's root.
        folder: the repository.
        datasets: the data sets the target's training checks read (fetched by each job).
    """
    path = Path(folder) / ".github" / "workflows" / "grade-class.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `dlfs-grade export actions`: run it from the Actions tab.\n"
    path.write_text(header + to_yaml(workflow(plan, datasets)), encoding="utf-8")
    return [path]
