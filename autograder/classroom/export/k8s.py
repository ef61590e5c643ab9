"""A class as a Kubernetes Indexed Job (one completion per shard) and a merge Job.

``grade-job.yaml`` runs ``completions`` = shards pods, ``parallelism`` at once; each pod's
``JOB_COMPLETION_INDEX`` (0-based) chooses its shard. The class lives on a volume every pod
mounts (a PersistentVolumeClaim: a shared file system, or object storage the user mounts
through a CSI driver): the submissions, the parts, the cache and the grades. Kubernetes has no
job dependencies, so ``submit.sh`` waits for the grading Job to complete before it applies
``merge-job.yaml``. The image must hold dlfs with the reference (the instructor's build).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .plan import ShardPlan
from .slurm import shell_command
from .yaml import to_yaml

__all__ = ["write_k8s"]

_MOUNT = "/class"


def _pod(
    plan: ShardPlan, image: str, claim: str, words: list[str], cpus: int, env: dict[str, str]
) -> dict[str, Any]:
    container = {
        "name": "dlfs",
        "image": image,
        "command": ["/bin/sh", "-c", "exec " + shell_command(["dlfs-grade", *words])],
        "env": [{"name": k, "value": v} for k, v in sorted(env.items())],
        "resources": {
            "requests": {"cpu": str(cpus), "memory": f"{2 * cpus}Gi"},
            "limits": {"cpu": str(cpus), "memory": f"{3 * cpus}Gi"},
        },
        "volumeMounts": [{"name": "class", "mountPath": _MOUNT}],
    }
    return {
        "metadata": {"labels": {"app": "dlfs-grade"}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [container],
            "volumes": [{"name": "class", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


def manifests(
    plan: ShardPlan, image: str, claim: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The grading Indexed Job and the merge Job, as data."""
    env = dict(env or {})
    shard = f"$((JOB_COMPLETION_INDEX + 1))/{plan.shards}"
    grade = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "dlfs-grade", "labels": {"app": "dlfs-grade"}},
        "spec": {
            "completionMode": "Indexed",
            "completions": plan.shards,
            "parallelism": plan.parallel,
            "backoffLimit": 2 * plan.shards,  # each shard may fail twice (a lost node)
            "activeDeadlineSeconds": plan.task_seconds() * -(-plan.shards // plan.parallel),
            "template": _pod(
                plan, image, claim, plan.batch_args(shard, str(plan.cpus)), plan.cpus, env
            ),
        },
    }
    merge = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "dlfs-merge", "labels": {"app": "dlfs-grade"}},
        "spec": {
            "completions": 1,
            "backoffLimit": 1,
            "template": _pod(plan, image, claim, plan.merge_args(), 1, env),
        },
    }
    return grade, merge


def write_k8s(
    plan: ShardPlan,
    folder: Path | str,
    image: str,
    claim: str = "dlfs-class",
    env: dict[str, str] | None = None,
) -> list[Path]:
    """Write ``grade-job.yaml``, ``merge-job.yaml`` and ``submit.sh`` into ``folder``.

    Args:
        plan: the class's shards; its paths as the pods see them (under ``/class``).
        folder: where the files go.
        image: the container image with dlfs (and the reference) installed.
        claim: the PersistentVolumeClaim mounted at ``/class`` in every pod.
        env: variables the pods set (``DLFS_DATA_DIR`` …).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    grade, merge = manifests(plan, image, claim, env)
    deadline = grade["spec"]["activeDeadlineSeconds"]
    submit = "\n".join(
        [
            "#!/bin/bash",
            "# Apply the grading Indexed Job, wait for every shard, then apply the merge Job.",
            "set -euo pipefail",
            'cd "$(dirname "$0")"',
            "kubectl apply -f grade-job.yaml",
            f"kubectl wait --for=condition=complete --timeout={deadline}s job/dlfs-grade",
            "kubectl apply -f merge-job.yaml",
            "kubectl wait --for=condition=complete --timeout=3600s job/dlfs-merge",
            "kubectl logs job/dlfs-merge | tail -n 3",
        ]
    )
    paths = []
    header = "# Written by `dlfs-grade export k8s`: apply with submit.sh.\n"
    for name, text in (
        ("grade-job.yaml", header + to_yaml(grade)),
        ("merge-job.yaml", header + to_yaml(merge)),
        ("submit.sh", submit + "\n"),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755 if name.endswith(".sh") else 0o644)
        paths.append(path)
    return paths
