"""Run every benchmark in one process and print dlfs beside PyTorch CPU.

    python bench/run.py [--json] [case …]

Each module here (``conv``, ``lstm``, ``mlp``) has ``run() -> list[BenchResult]``; cases are
timed in float64, on the same shapes, in the same run as PyTorch. PyTorch is optional: without
it only our times are printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import format_results

CASES = ("conv", "lstm", "mlp")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = []
    for name in args.cases or CASES:
        results.extend(importlib.import_module(name).run())
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        print(format_results(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
