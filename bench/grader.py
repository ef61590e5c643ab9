"""Where the grader's time goes: one exercise, each chapter, the book and a class.

    python bench/grader.py [--repeats 3] [--json] [case …]

Cases: ``exercise`` (``dlfs-grade chapter1.sigmoid --reference``), ``chapter1`` … ``chapter7``,
``book`` (``all --reference``), ``class`` (``batch --jobs 2`` over 20 copies of the
reference, chapter 3) and ``class-book`` (``batch --jobs 2`` over 6 copies, the whole book).
For a class, the CPU per student (every process of the run, user + system, over the students)
and the students graded per minute.

Each run is a fresh ``dlfs-grade`` process, with Python's bytecode cache on as a learner has it
(:func:`common.cache_bytecode`), with ``DLFS_TIMINGS`` set
(``dlfs.autograder.timings``): the grader and its fork servers record their phases, and the
run's whole CPU time comes from ``getrusage(RUSAGE_CHILDREN)`` (every process of the run is
waited for, so its workers count too). Each figure is the median of the repeats; the load
(``/proc/loadavg``) is printed with each case, since the machine is shared.

Phases (a run's wall time and CPU time, user + system, split):

* ``startup``: the grader process, from its start to its first grading session (imports);
* ``server``: starting the fork servers (wall: the grader waiting; CPU: the servers' imports
  and set-up);
* ``preload``: what a chapter's workers need imported first, imported once by the server
  (chapter 7's PyTorch and its warm-up);
* ``prepare``: the server's work per job (the worker's folder and memory) — in a student's
  sandbox, the sandbox's own work between its workers (their folders, their memory, forking
  them);
* ``isolation``: each worker's part before the learner's code (namespaces, its root, limits,
  seccomp), each student's sandbox's set-up, and each worker's cgroup, made and removed by
  the grader;
* ``checks`` / ``training``: the probe calls, by kind (wall: the calls' own seconds; CPU:
  the workers' time after isolation, both kinds together, in ``checks``);
* ``judge``: the grader's side of the checks (the reference's outputs, the comparisons);
* ``explain``: tracing a failing check (none for the reference);
* ``rest``: the total less the phases above (reading files, writing reports, the CLI).

With several slots (the class's ``--jobs 2``; a chapter or the book get one per core by
default) exercises run at once: the phases' wall times are summed over the slots and may
exceed the run's wall time, and ``rest`` (the total less their sum) may be negative.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common import cache_bytecode

CHAPTERS = tuple(f"chapter{n}" for n in range(1, 8))
CASES = ("exercise", *CHAPTERS, "book", "class", "class-book")
PHASES = (
    "startup",
    "server",
    "preload",
    "prepare",
    "isolation",
    "checks",
    "training",
    "judge",
    "explain",
)
CLASSES = {"class": ("chapter3", 20), "class-book": ("all", 6)}
"""A class case's target and its number of students (copies of the reference)."""


@dataclass
class Run:
    """One run of a case: totals and the phases' ``[wall, user, system]`` seconds."""

    wall: float
    user: float
    system: float
    phases: dict[str, list[float]] = field(default_factory=dict)
    load: float = 0.0


@dataclass
class CaseResult:
    """A case's medians over its runs."""

    case: str
    command: str
    wall: float
    user: float
    system: float
    phases: dict[str, list[float]]
    loads: list[float]
    per_student_cpu: float | None = None
    students_per_minute: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _command(case: str, submissions: Path | None) -> list[str]:
    grade = [sys.executable, "-m", "dlfs.autograder.cli"]
    if case == "exercise":
        return [*grade, "chapter1.sigmoid", "--reference", "--json"]
    if case == "book":
        return [*grade, "all", "--reference", "--json"]
    if case in CLASSES:
        assert submissions is not None
        target, size = CLASSES[case]
        batch = ["batch", str(submissions / str(size)), "--target", target, "--jobs", "2"]
        return [*grade, *batch, "--no-cache", "--json", "--seed", "1"]
    return [*grade, case, "--reference", "--json"]


_SAME = {
    "startup": "startup",
    "server_preload": "preload",
    "server_prepare": "prepare",
    "student_jobs": "prepare",
    "student": "isolation",
    "judge": "judge",
    "explain": "explain",
}
"""Timings lines counted whole in a phase."""
_CPU_ONLY = {"server_imports": "server", "server_setup": "server", "cgroup": "isolation"}
"""Timings lines whose CPU is counted in a phase (their wall is inside another's)."""


def _phases(lines: list[dict[str, object]]) -> dict[str, list[float]]:
    """The timings file's lines, summed by phase (``[wall, user, system]``)."""
    sums = {name: [0.0, 0.0, 0.0] for name in PHASES}

    def add(name: str, wall: float, user: float = 0.0, system: float = 0.0) -> None:
        for i, value in enumerate((wall, user, system)):
            sums[name][i] += value

    for line in lines:
        name = line["phase"]
        wall, user, system = (float(line[k]) for k in ("wall", "user", "system"))  # type: ignore[arg-type]
        if name == "worker":
            iso = [float(line.get(f"isolation_{k}", 0.0)) for k in ("wall", "user", "system")]  # type: ignore[arg-type]
            add("isolation", *iso)
            add("checks", 0.0, user - iso[1], system - iso[2])
        elif name == "call":
            add("training" if line.get("kind") == "training" else "checks", wall)
        elif name in _SAME:
            add(_SAME[name], wall, user, system)
        elif name in _CPU_ONLY:
            add(_CPU_ONLY[name], 0.0, user, system)
        elif name == "server_start":
            add("server", wall)
    return sums


def _run_once(case: str, submissions: Path | None) -> Run:
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-") as home:
        log = Path(home) / "timings.jsonl"
        env = dict(os.environ, DLFS_HOME=home, DLFS_TIMINGS=str(log))
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(_command(case, submissions), env=env, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        _check(case, done)
        lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return Run(wall, user, system, _phases(lines), load)


def _check(case: str, done: subprocess.CompletedProcess[bytes]) -> None:
    """A run that did not give the reference full marks measures nothing: stop."""
    if done.returncode != 0:
        raise SystemExit(f"{case}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    report = json.loads(done.stdout)
    if case in CLASSES:
        lost = [s["student"] for s in report["students"] if s["score"] != s["max_score"]]
        if lost:
            raise SystemExit(f"{case}: the reference lost points for {', '.join(lost)}")
    elif report["score"] != report["max_score"]:
        raise SystemExit(f"{case}: the reference got {report['score']}/{report['max_score']}")


def _median(runs: list[Run], case: str) -> CaseResult:
    phases = {
        name: [statistics.median(r.phases[name][i] for r in runs) for i in range(3)]
        for name in PHASES
    }
    wall = statistics.median(r.wall for r in runs)
    user = statistics.median(r.user for r in runs)
    system = statistics.median(r.system for r in runs)
    counted = [sum(phases[n][i] for n in PHASES) for i in range(3)]
    phases["rest"] = [wall - counted[0], user - counted[1], system - counted[2]]
    result = CaseResult(
        case,
        " ".join(_command(case, Path("SUBMISSIONS"))[3:]),
        wall,
        user,
        system,
        phases,
        [r.load for r in runs],
    )
    if case in CLASSES:
        size = CLASSES[case][1]
        result.per_student_cpu = (user + system) / size
        result.students_per_minute = size / wall * 60
    return result


def _submissions(folder: Path, cases: list[str]) -> Path:
    """For each class case, its number of students (``folder/<size>/``), each handing in
    the reference's own files."""
    import dlfs.reference

    reference = Path(dlfs.reference.__file__).parent
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "experiments")
    for size in {CLASSES[case][1] for case in cases if case in CLASSES}:
        for index in range(size):
            shutil.copytree(reference, folder / str(size) / f"student{index:02d}", ignore=ignore)
    return folder


def _format(results: list[CaseResult]) -> str:
    head = f"{'case':<10}{'wall':>7}{'user':>7}{'sys':>7} |" + "".join(
        f"{n[:9]:>10}" for n in (*PHASES, "rest")
    )
    lines = ["wall s | each phase's wall s / CPU s (user+sys)", head, "-" * len(head)]
    for r in results:
        row = f"{r.case:<10}{r.wall:7.2f}{r.user:7.2f}{r.system:7.2f} |"
        for name in (*PHASES, "rest"):
            wall, user, system = r.phases[name]
            row += f"{wall:5.2f}/{user + system:4.2f}"
        loads = ", ".join(f"{x:.2f}" for x in r.loads)
        row += f"  load {loads}"
        if r.per_student_cpu is not None:
            row += f"; {r.per_student_cpu:.3f} CPU-s/student, {r.students_per_minute:.0f}/min"
        lines.append(row)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"of {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    cache_bytecode()
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}: choose from {', '.join(CASES)}")
    results = []
    with tempfile.TemporaryDirectory(prefix="dlfs-class-") as folder:
        classes = [case for case in args.cases if case in CLASSES]
        submissions = _submissions(Path(folder), classes) if classes else None
        for case in args.cases or CASES:
            runs = [_run_once(case, submissions) for _ in range(args.repeats)]
            results.append(_median(runs, case))
            if not args.json:
                print(_format(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        print(_format(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
