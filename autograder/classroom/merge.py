"""Merge a class's parts into the report one ``batch`` run over the whole class would give.

The parts must be of one class: the same course, grader, target and seed, the same number of
shards and the same list of students; every shard must be there once and every student must
appear exactly once. Anything else is a :class:`MergeError` that says which part or student.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .batch import ClassReport, StudentResult
from .parts import find_parts, read_part

__all__ = ["MergeError", "merge_parts"]


class MergeError(ValueError):
    """The parts are not every shard of one class, each once."""


def merge_parts(paths: Iterable[Path | str]) -> ClassReport:
    """The whole class's report from its parts (files, or folders of ``part-*.json``).

    The students are sorted by name, as ``batch`` sorts them; ``seconds`` is the parts'
    seconds added up (the compute time, not the wall-clock time of the run).

    Raises:
        MergeError: no part, a part that cannot be read, parts of different runs or
            classes, a missing or repeated shard, or a student in two parts.
    """
    try:
        files = find_parts(paths)
        parts = {path: read_part(path) for path in dict.fromkeys(p.resolve() for p in files)}
    except ValueError as error:
        raise MergeError(str(error)) from None
    if not parts:
        raise MergeError("no part to merge (a part is a part-K-of-N.json file)")
    _same_run(parts)
    _every_shard_once(parts)
    students = _every_student_once(parts)
    first = next(iter(parts.values()))
    return ClassReport(
        target=first.target,
        exercises=list(first.exercises),
        students=sorted(students, key=lambda s: s.student),
        seconds=sum(p.seconds for p in parts.values()),
        seed=first.seed,
        budget=first.budget,
        run=first.run,
        limits="; ".join(dict.fromkeys(p.limits for p in parts.values() if p.limits)),
    )


def _same_run(parts: dict[Path, ClassReport]) -> None:
    (first_path, first), *others = parts.items()
    assert first.run is not None and first.shard is not None  # read_part sets them
    for path, part in others:
        assert part.run is not None and part.shard is not None
        differences = first.run.differences(part.run)
        if part.shard.shard.count != first.shard.shard.count:
            counts = f"{first.shard.shard.count} vs {part.shard.shard.count}"
            differences.append(f"number of shards {counts}")
        if (part.shard.students, part.shard.roster) != (first.shard.students, first.shard.roster):
            differences.append(
                f"list of students ({first.shard.students} vs {part.shard.students} students)"
            )
        if differences:
            raise MergeError(
                f"{path.name} and {first_path.name} are parts of two runs: "
                + "; ".join(differences)
            )


def _every_shard_once(parts: dict[Path, ClassReport]) -> None:
    found: dict[int, list[Path]] = {}
    for path, part in parts.items():
        assert part.shard is not None
        found.setdefault(part.shard.shard.index, []).append(path)
    first = next(iter(parts.values())).shard
    assert first is not None
    count = first.shard.count
    twice = {k: v for k, v in found.items() if len(v) > 1}
    if twice:
        shard, paths = min(twice.items())
        names = ", ".join(str(p) for p in paths)
        raise MergeError(f"shard {shard}/{count} is there {len(paths)} times: {names}")
    missing = [k for k in range(1, count + 1) if k not in found]
    if missing:
        listed = ", ".join(f"{k}/{count}" for k in missing)
        raise MergeError(f"missing shard{'s' if len(missing) > 1 else ''}: {listed}")


def _every_student_once(parts: dict[Path, ClassReport]) -> list[StudentResult]:
    seen: dict[str, Path] = {}
    students = []
    for path, part in parts.items():
        for student in part.students:
            if student.student in seen:
                raise MergeError(
                    f"the student {student.student!r} is in two parts: "
                    f"{seen[student.student].name} and {path.name}"
                )
            seen[student.student] = path
            students.append(student)
    first = next(iter(parts.values())).shard
    assert first is not None
    if len(students) != first.students:
        raise MergeError(f"the parts hold {len(students)} students, the class has {first.students}")
    return students
