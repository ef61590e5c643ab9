"""A class's grading as jobs for an engine: a Slurm job array, a Kubernetes Indexed Job, a
GitHub Actions matrix. Each runs the same shard contract (``dlfs-grade batch --shard K/N
--out PARTS``, then ``dlfs-grade merge PARTS``) from one :class:`~.plan.ShardPlan`.
"""

from .actions import write_actions
from .k8s import write_k8s
from .plan import ShardPlan, plan_shards
from .slurm import write_slurm

__all__ = ["ShardPlan", "plan_shards", "write_actions", "write_k8s", "write_slurm"]
