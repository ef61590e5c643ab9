"""A class's part: one shard's every student, in full, as one JSON file.

``dlfs-grade batch SUBMISSIONS --shard K/N --out DIR`` writes ``DIR/part-K-of-N.json``::

    {"format": "dlfs-class-part/1",
     "run": {"course": "<course hash>", "grader": "0.1.0+<digest>", "target": "chapter3",
             "seed": 1234},
     "shard": 2, "shards": 4, "class_students": 200, "roster": "<digest of every name>",
     "exercises": [["chapter3.sigmoid_forward", 2.0], ...], "budget": 120.0, "seconds": 41.2,
     "students": [<every student's full result: every exercise, every check>]}

The parts of a class may be written by different machines into one shared folder (a
cluster's shared file system, or object storage the user has mounted): each is written whole
under a temporary name and renamed into place. :mod:`.merge` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .batch import ClassReport, StudentResult
from .cache import write_json
from .identity import RunIdentity
from .shards import ClassShard

__all__ = ["PART_FORMAT", "PartError", "find_parts", "part_name", "read_part", "write_part"]

PART_FORMAT = "dlfs-class-part/1"


class PartError(ValueError):
    """A file that is not a readable part of a class."""


def part_name(shard: ClassShard) -> str:
    """``part-2-of-4.json``: the file name of a shard's part."""
    return f"part-{shard.shard.index}-of-{shard.shard.count}.json"


def write_part(report: ClassReport, folder: Path | str) -> Path:
    """Write the part of a shard's ``report`` (from ``grade_class(..., shard=…)``) into
    ``folder``; returns its path.

    Raises:
        ValueError: when ``report`` is not a shard's.
        OSError: when it cannot be written.
    """
    if report.shard is None or report.run is None:
        raise ValueError("only a shard's report is a part: grade it with a shard")
    data: dict[str, Any] = {
        "format": PART_FORMAT,
        "run": report.run.to_dict(),
        **report.shard.to_dict(),
        "target": report.target,
        "exercises": [[i, p] for i, p in report.exercises],
        "budget": report.budget,
        "seconds": report.seconds,
        "limits": report.limits,
        "students": [s.to_record() for s in report.students],
    }
    return write_json(Path(folder) / part_name(report.shard), data)


def read_part(path: Path | str) -> ClassReport:
    """The shard's report that ``path`` holds (its ``run`` and ``shard`` set).

    Raises:
        PartError: when ``path`` cannot be read or is not a part.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PartError(f"{path} cannot be read as a part: {error}") from None
    if not isinstance(data, dict) or data.get("format") != PART_FORMAT:
        raise PartError(f"{path} is not a part of a class ({PART_FORMAT})")
    try:
        run = RunIdentity.from_dict(data["run"])
        return ClassReport(
            target=str(data["target"]),
            exercises=[(str(i), float(p)) for i, p in data["exercises"]],
            students=[StudentResult.from_record(s) for s in data["students"]],
            seconds=float(data["seconds"]),
            seed=run.seed,
            budget=float(data["budget"]),
            run=run,
            shard=ClassShard.from_dict(data),
            limits=str(data.get("limits", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PartError(f"{path} is a damaged part: {type(error).__name__}: {error}") from None


def find_parts(paths: Iterable[Path | str]) -> list[Path]:
    """The part files among ``paths``: a file as it is, a folder's ``part-*.json`` files.

    Raises:
        PartError: when a path does not exist.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(path.glob("part-*-of-*.json"))
        elif path.is_file():
            found.append(path)
        else:
            raise PartError(f"{path} does not exist")
    return found
