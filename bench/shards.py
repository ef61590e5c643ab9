"""How fast a class is graded in shards: students a minute, per core, and a projection.

    python bench/shards.py [--students 1000] [--shards 4] [--target chapter1] [--json]

Makes a class of synthetic students (``dlfs.autograder.generate.synthetic``: some finished,
some not started, some with a wrong, raising or crashing body, some empty folders), grades it
as ``--shards`` separate ``dlfs-grade batch --shard K/N`` processes — as a job array's tasks
would, ``--parallel`` at a time, each with ``--jobs`` workers — then merges the parts, and
prints the wall time, students a minute, students a minute per core (the cores this machine
has, all of them used) and what that projects for 10,000 students on 64 cores. Nothing is
cached between runs (``--no-cache``). The machine's other load counts against the figure:
say how busy it was beside any figure you quote.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dlfs.autograder.generate.synthetic import make_class


def _grade_shard(submissions: Path, parts: Path, shard: str, args: argparse.Namespace) -> float:
    command = [
        sys.executable, "-m", "dlfs.autograder.cli", "batch", str(submissions),
        "--target", args.target, "--seed", "2026", "--shard", shard, "--out", str(parts),
        "--jobs", str(args.jobs), "--no-cache", "--json",
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=args.timeout)
    return time.perf_counter() - start


def measure(args: argparse.Namespace) -> dict[str, float | int | str]:
    """Grade the synthetic class in shards and merge it; the figures."""
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-shards-") as folder:
        submissions, parts = Path(folder) / "submissions", Path(folder) / "parts"
        make_class(submissions, args.students, args.target)
        shards = [f"{k}/{args.shards}" for k in range(1, args.shards + 1)]
        parallel = args.parallel or max(1, cores // args.jobs)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            tasks = list(pool.map(lambda s: _grade_shard(submissions, parts, s, args), shards))
        graded = time.perf_counter() - start
        merged = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "dlfs.autograder.cli", "merge", str(parts),
             "--csv", str(Path(folder) / "grades.csv")],
            check=True, stdout=subprocess.DEVNULL, timeout=args.timeout,
        )  # fmt: skip
        merge = time.perf_counter() - merged
    per_minute = args.students / (graded / 60)
    per_core = per_minute / cores
    projected = 10_000 / (per_core * 64)
    return {
        "target": args.target,
        "students": args.students,
        "shards": args.shards,
        "parallel": parallel,
        "jobs": args.jobs,
        "cores": cores,
        "grading_seconds": round(graded, 1),
        "slowest_shard_seconds": round(max(tasks), 1),
        "merge_seconds": round(merge, 1),
        "students_per_minute": round(per_minute, 1),
        "students_per_minute_per_core": round(per_core, 1),
        "projected_minutes_10000_students_64_cores": round(projected, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--target", default="chapter1")
    parser.add_argument("--jobs", type=int, default=1, help="workers a shard runs at once")
    parser.add_argument("--parallel", type=int, help="shards at once (default: cores / jobs)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a shard may take")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{figures['students']} students of {figures['target']} in {figures['shards']} shards "
        f"({figures['parallel']} at once, {figures['jobs']} worker(s) each) on "
        f"{figures['cores']} cores: {figures['grading_seconds']} s (slowest shard "
        f"{figures['slowest_shard_seconds']} s), merge {figures['merge_seconds']} s\n"
        f"{figures['students_per_minute']} students a minute, "
        f"{figures['students_per_minute_per_core']} a minute per core; 10,000 students on "
        f"64 cores: about {math.ceil(float(figures['projected_minutes_10000_students_64_cores']))}"
        f" minutes (load average {figures['load_average_1min']} during the run's end)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
