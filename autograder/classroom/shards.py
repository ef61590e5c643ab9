"""A class split into deterministic, balanced shards: the same on every machine.

Shard ``K/N`` (1 ≤ K ≤ N) of a class is every N-th student, starting with the K-th, of the
students sorted by name (Python's code-point order, which no locale changes): the shards
differ in size by one at most, and every machine that lists the same submissions folder, in
whatever order its file system lists it, makes the same shards. A Slurm job array, a
Kubernetes Indexed Job and an Actions matrix each run one shard per task.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["ClassShard", "Shard"]

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """The ``index``-th of ``count`` shards of a class (``index`` counts from 1).

    Raises:
        ValueError: unless 1 ≤ ``index`` ≤ ``count``.
    """

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"a shard is K/N with 1 <= K <= N, got {self.index}/{self.count}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"3/8"`` → the third of eight shards.

        Raises:
            ValueError: for anything but ``K/N`` with 1 ≤ K ≤ N.
        """
        match = _SPEC.fullmatch(text)
        if match is None:
            raise ValueError(f"a shard is K/N (such as 3/8), got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, names: Iterable[str]) -> list[str]:
        """This shard's names of the class ``names``, sorted."""
        ordered = sorted(set(names))
        return ordered[self.index - 1 :: self.count]

    @classmethod
    def all(cls, count: int) -> list[Shard]:
        """Every shard of a class split in ``count``."""
        return [cls(k, count) for k in range(1, count + 1)]


@dataclass(frozen=True)
class ClassShard:
    """One shard of a class, and what it knows of the whole class.

    Attributes:
        shard: which shard.
        students: how many students the whole class has.
        roster: a digest of the whole class's sorted names: parts of one class agree on it.
    """

    shard: Shard
    students: int
    roster: str

    @classmethod
    def of(cls, shard: Shard, names: Iterable[str]) -> ClassShard:
        """``shard`` of the class whose students are ``names``."""
        ordered = sorted(set(names))
        roster = hashlib.sha256("\0".join(ordered).encode()).hexdigest()[:16]
        return cls(shard, len(ordered), roster)

    def to_dict(self) -> dict[str, Any]:
        return {
            "shard": self.shard.index,
            "shards": self.shard.count,
            "class_students": self.students,
            "roster": self.roster,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassShard:
        shard = Shard(int(data["shard"]), int(data["shards"]))
        return cls(shard, int(data["class_students"]), str(data["roster"]))
