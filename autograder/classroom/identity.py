"""What makes two gradings of a class the same run: the course, the grader, target and seed.

A class graded in shards on many machines merges only when every part was graded by the same
course (:func:`course_hash`), the same grader (:func:`grader_version`), the same target and the
same seed; the regrade cache keeps a student's result only for that same run. One class uses
one seed, given or derived from a class id (:func:`class_seed`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from dataclasses import dataclass, replace
from typing import Any

from ..course import Course
from ..paths import package_root

__all__ = ["RunIdentity", "class_seed", "course_hash", "grader_version"]

_SOURCES = ("autograder", "reference")
"""The packages whose code decides a grade: the grader and the answer key."""


def course_hash(course: Course) -> str:
    """A digest of what the course decides (chapters, exercises, checks, points, limits),
    wherever its file lies."""
    text = repr(replace(course, path=None))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def grader_version() -> str:
    """dlfs's version and a digest of the grader's and the answer key's source:
    ``"0.1.0+3f2a…"``. Two installs of the same code agree; any edit changes it."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        try:
            root = package_root(name)
        except ValueError:  # the students' copy has no answer key
            digest.update(f"<no {name}>".encode())
            continue
        for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
            if path.suffix in (".py", ".npz", ".toml") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    try:
        version = importlib.metadata.version("dlfs")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return f"{version}+{digest.hexdigest()[:12]}"


def class_seed(class_id: str) -> int:
    """The seed of a class's check inputs derived from its id (31 bits, as ``fresh_seed``):
    every shard of the class, on any machine, draws the same inputs. Keep the id as private
    as a seed.

    Raises:
        ValueError: for an empty id.
    """
    if not class_id.strip():
        raise ValueError("a class id must not be empty")
    digest = hashlib.sha256(f"dlfs-class/{class_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class RunIdentity:
    """What a student's result depends on besides their own files.

    Attributes:
        course: :func:`course_hash` of the course.
        grader: :func:`grader_version`.
        target: what was graded (``"chapter3"``, ``"all"`` …).
        seed: the seed of the check inputs.
    """

    course: str
    grader: str
    target: str
    seed: int

    @classmethod
    def of(cls, course: Course, target: str, seed: int) -> RunIdentity:
        """The identity of grading ``target`` of ``course`` with ``seed`` by this grader."""
        return cls(course_hash(course), grader_version(), target, seed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "grader": self.grader,
            "target": self.target,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunIdentity:
        return cls(str(data["course"]), str(data["grader"]), str(data["target"]), int(data["seed"]))

    def differences(self, other: RunIdentity) -> list[str]:
        """What differs from ``other``, in words (empty when they are the same run)."""
        names = {
            "course": "course.toml",
            "grader": "grader version",
            "target": "target",
            "seed": "seed",
        }
        return [
            f"{label} {getattr(self, key)} vs {getattr(other, key)}"
            for key, label in names.items()
            if getattr(self, key) != getattr(other, key)
        ]
