"""A class graded by dlfs's ``batch`` against the same class through nbgrader, same run.

    python bench/nbgrader.py [--students 20] [--chapter chapter3] [--jobs 2] [--json]

Publishes ``--chapter`` into a temporary nbgrader course (``dlfs.autograder.notebook.publish``),
hands in ``--students`` finished notebooks (the release with the solutions filled in) and
times ``nbgrader autograde`` on them: nbgrader's own route, one Jupyter kernel a notebook, the
course's published configuration. Then the same students' code as files (copies of the
reference, the exercises' layout) is graded with ``dlfs-grade batch --jobs``. Both must give
every student full marks, or the run measures nothing. Prints wall time, CPU time (this
process's children: user + system) and students a minute for each, and the ratio of the two
rates. The machine's other load counts against both: say how busy it was (``uptime``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from common import cache_bytecode

from dlfs.autograder.notebook.publish import nbgrader_env, publish


@dataclass
class Route:
    """One way of grading the class: its wall and CPU seconds and the points it gave."""

    name: str
    wall: float
    cpu: float
    students: int
    full_marks: int

    @property
    def per_minute(self) -> float:
        return self.students / self.wall * 60


def _timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` (its children's user + system time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # batch says 1 when a student fails: checked below
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _finished(source: Path, release: Path) -> nbformat.NotebookNode:
    """The students' release with every solution cell filled in."""
    solutions = {c.id: c.source for c in nbformat.read(source, as_version=4).cells}
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = solutions[cell.id]
    return notebook


def _through_nbgrader(folder: Path, args: argparse.Namespace) -> Route:
    course_dir = folder / "course"
    report = publish(args.chapter, course_dir)
    finished = _finished(report.source, report.release)
    for index in range(args.students):
        handed_in = course_dir / "submitted" / f"student{index:02d}" / args.chapter
        handed_in.mkdir(parents=True)
        nbformat.write(finished, handed_in / f"{args.chapter}.ipynb")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    env = nbgrader_env()
    wall, cpu = _timed([*nbgrader, "autograde", args.chapter], course_dir, env)
    _timed([*nbgrader, "export"], course_dir, env)
    with open(course_dir / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    full = sum(float(r["score"]) == report.points for r in rows)
    return Route("nbgrader autograde", wall, cpu, args.students, full)


def _through_batch(folder: Path, args: argparse.Namespace) -> Route:
    import dlfs.reference

    submissions = folder / "submissions"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "experiments", "pytorch")
    for index in range(args.students):
        reference = Path(dlfs.reference.__file__).parent
        shutil.copytree(reference, submissions / f"student{index:02d}", ignore=ignore)
    command = [
        sys.executable, "-m", "dlfs.autograder.cli", "batch", str(submissions),
        "--target", args.chapter, "--jobs", str(args.jobs), "--no-cache",
        "--csv", str(folder / "grades.csv"),
    ]  # fmt: skip
    wall, cpu = _timed(command, folder)
    with open(folder / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    score, most = _columns(rows[0])
    full = sum(float(r[score]) == float(r[most]) for r in rows)
    return Route(f"dlfs-grade batch --jobs {args.jobs}", wall, cpu, args.students, full)


def _columns(row: dict[str, str]) -> tuple[str, str]:
    """The CSV's points and maximum columns."""
    names = list(row)
    score = next(n for n in names if n in ("total", "score", "points"))
    most = next(n for n in names if n in ("max_score", "max_points", "out_of"))
    return score, most


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--chapter", default="chapter3")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    cache_bytecode()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-nbgrader-") as name:
        folder = Path(name)
        routes = [_through_batch(folder / "batch", args), _through_nbgrader(folder, args)]
    for route in routes:
        if route.full_marks != route.students:
            raise SystemExit(f"{route.name}: {route.full_marks}/{route.students} full marks")
    ratio = routes[0].per_minute / routes[1].per_minute
    if args.json:
        rows = [{**asdict(r), "per_minute": r.per_minute} for r in routes]
        print(json.dumps({"routes": rows, "ratio": ratio, "load": load}, indent=2))
        return 0
    print(f"{args.students} students, {args.chapter}, load {load:.1f} at the start")
    for r in routes:
        print(
            f"{r.name:<26} wall {r.wall:7.1f} s  cpu {r.cpu:7.1f} s  "
            f"{r.cpu / r.students:6.2f} CPU-s a student  {r.per_minute:6.0f} students/min"
        )
    print(f"dlfs batch is {ratio:.1f}× nbgrader's rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
