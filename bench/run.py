"""Run every benchmark in one process and print dlfs beside PyTorch CPU.

    python bench/run.py [--repeat N] [--json] [case …]
    OPENBLAS_NUM_THREADS=1 python bench/run.py --repeat 5     # one core each

Each module here (``conv``, ``lstm``, ``mlp``) has ``run() -> list[BenchResult]``; cases are
timed in float64, on the same shapes, in the same run as PyTorch, ours and PyTorch's in
alternating rounds. PyTorch gets as many threads as NumPy's BLAS when
``OPENBLAS_NUM_THREADS`` is set (the fair measure on a machine others share), else each library
its default. ``--repeat N`` runs every case N times and prints the median of each time and the
median and range of the ratios (one run on a shared machine says little). PyTorch is optional:
without it only our times are printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import format_repeated, format_results, match_torch_threads, repeated

CASES = ("conv", "lstm", "mlp")


def _threads() -> str:
    """The thread setting of this run, for the table's heading."""
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    try:
        import torch
    except ImportError:
        return f"OPENBLAS_NUM_THREADS={blas}, no PyTorch"
    return f"OPENBLAS_NUM_THREADS={blas}, torch threads={torch.get_num_threads()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"of {', '.join(CASES)}")
    parser.add_argument("--repeat", type=int, default=1, help="run every case N times")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    match_torch_threads()
    modules = [importlib.import_module(name) for name in args.cases or CASES]
    runs = [[r for module in modules for r in module.run()] for _ in range(args.repeat)]
    if args.repeat == 1:
        if args.json:
            print(json.dumps([r.to_dict() for r in runs[0]], indent=2))
        else:
            print(format_results(runs[0]))
        return 0
    summary = repeated(runs)
    if args.json:
        cases = [r.to_dict() for r in summary]
        print(json.dumps({"threads": _threads(), "cases": cases}, indent=2))
    else:
        print(f"{args.repeat} runs, {_threads()}")
        print(format_repeated(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
