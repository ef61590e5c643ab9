"""A class of made-up submissions: to rehearse grading at scale before the real class.

``make_class(folder, 200, "chapter1")`` writes 200 student folders, each with the files that
``chapter1``'s exercises are written in, made from the answer key: some students finished
every exercise, some none, some part of them, some got one wrong, one raises, one kills its
worker, and a few handed in an empty folder (a row with an error). Which student is which is
fixed by their number, so that the same call makes the same class on every machine. The
benchmark and the cluster's test grade such classes; an instructor can grade one on a new
cluster before the real class.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

from ..course import Course, Exercise, load_course
from ..paths import reference_root
from .regions import Region, find_regions, stub_source

__all__ = ["PROFILES", "make_class"]

PROFILES = ("complete", "not_started", "partial", "wrong", "raises", "crashes", "empty")
"""The kinds of made-up student, in the order their numbers cycle through them (with
``complete`` and ``partial`` twice as common)."""

_CYCLE = ("complete", "partial", "wrong", "complete", "not_started", "partial", "raises",
          "complete", "crashes", "partial", "wrong", "empty")  # fmt: skip


def make_class(
    folder: Path | str, students: int, target: str = "chapter1", course: Course | None = None
) -> list[Path]:
    """Write ``students`` made-up submissions of ``target`` into ``folder``; their folders.

    Raises:
        ValueError: for an unknown target, fewer than one student, or where the answer key
            is not installed (the submissions are made from it).
    """
    if students < 1:
        raise ValueError(f"a class has at least one student, got students={students!r}")
    course = course or load_course()
    exercises = course.select(target)
    root = reference_root()
    files = sorted({str(t.relpath) for e in exercises for t in e.targets})
    sources = {name: (root / name).read_text(encoding="utf-8") for name in files}
    folder = Path(folder)
    made = []
    for number in range(students):
        student = folder / f"student{number:05d}"
        student.mkdir(parents=True, exist_ok=True)
        profile = _CYCLE[number % len(_CYCLE)]
        if profile != "empty":
            _write(student, profile, number, exercises, sources)
        made.append(student)
    return made


def _write(
    student: Path,
    profile: str,
    number: int,
    exercises: tuple[Exercise, ...],
    sources: dict[str, str],
) -> None:
    """The student's files: the answer key's, with the profile's bodies changed."""
    chosen = exercises[zlib.crc32(f"{number}".encode()) % len(exercises)]
    done = {e.id for e in exercises[: len(exercises) // 2]}
    owner = {str(t): e.id for e in exercises for t in e.targets}
    for name, source in sources.items():
        regions = [r for r in find_regions(source, name) if str(r.target) in owner]

        def exercise_of(region: Region) -> str:
            return owner[str(region.target)]

        if profile == "not_started":
            source = stub_source(source, regions, exercise_of)
        elif profile == "partial":
            todo = [r for r in regions if exercise_of(r) not in done]
            source = stub_source(source, todo, exercise_of)
        elif profile in _BODIES:
            mine = [r for r in regions if exercise_of(r) == chosen.id][:1]
            source = _replaced(source, mine, _BODIES[profile])
        (student / name).parent.mkdir(parents=True, exist_ok=True)
        (student / name).write_text(source, encoding="utf-8")


_BODIES: dict[str, Callable[[Region], str]] = {
    "wrong": lambda r: "return None",
    "raises": lambda r: 'raise ValueError("not finished yet")',
    "crashes": lambda r: "import os\nos._exit(3)",
}
"""What replaces one exercise's body, for the students who got one exercise wrong."""


def _replaced(source: str, regions: list[Region], body: Callable[[Region], str]) -> str:
    lines = source.splitlines(keepends=True)
    for region in sorted(regions, key=lambda r: r.begin, reverse=True):
        text = "".join(f"{region.indent}{line}\n" for line in body(region).splitlines())
        lines[region.begin - 1 : region.end] = [text]
    return "".join(lines)
