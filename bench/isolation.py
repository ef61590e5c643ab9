"""What isolating each worker costs: ``dlfs-grade all --reference`` with and without it.

    python bench/isolation.py [--repeats N] [--target all] [--json]

Each repeat grades the target twice, alternating which goes first, in fresh processes: once
with workers isolated in namespaces of their own (the default), once with
``DLFS_NO_ISOLATION=1``. Prints the median wall times and the overhead; the course allows at
most 20 %.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _time(target: str, isolated: bool) -> float:
    env = dict(os.environ)
    env.pop("DLFS_NO_ISOLATION", None)
    if not isolated:
        env["DLFS_NO_ISOLATION"] = "1"
    command = [sys.executable, "-m", "dlfs.autograder.cli", target, "--reference", "--json"]
    start = time.perf_counter()
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    report = json.loads(run.stdout)
    expected = "namespaces" if isolated else "none"
    if report["isolation"] != expected or report["score"] != report["max_score"]:
        raise SystemExit(f"unexpected run: isolation {report['isolation']}, {report['score']}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", default="all")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    times: dict[bool, list[float]] = {True: [], False: []}
    for repeat in range(args.repeats):
        for isolated in (repeat % 2 == 0, repeat % 2 == 1):
            times[isolated].append(_time(args.target, isolated))
    on, off = statistics.median(times[True]), statistics.median(times[False])
    result = {
        "target": args.target,
        "isolated_s": round(on, 2),
        "not_isolated_s": round(off, 2),
        "overhead_percent": round(100 * (on - off) / off, 1),
        "runs": {"isolated": times[True], "not_isolated": times[False]},
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"dlfs-grade {args.target} --reference: isolated {on:.2f} s, not isolated "
            f"{off:.2f} s (medians of {args.repeats}): overhead {result['overhead_percent']} %"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
