"""What explaining a failing check costs: the trace, the alignment and the edits proven.

    python bench/explain.py [--only REGEX] [--json]

Grades each mistake of the learner corpus (tests/autograder/learner_corpus.py), one exercise
at a time in a copy of the reference, and times the explanation the pipeline adds to the
first failing check (``grading.explain.explain_failure``: the learner's run traced in the
worker, the reference's in the grader, the departures, the edits run and judged). A passing
exercise never reaches it. Prints, per chapter, the median and the largest added time; the
issue's budget is 0.3 s per failing exercise.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import cache_bytecode  # noqa: E402

from dlfs.autograder.api import grade  # noqa: E402
from dlfs.autograder.grading import pipeline  # noqa: E402
from tests.autograder.grading_helpers import reference_workspace, replace_body  # noqa: E402
from tests.autograder.learner_corpus import MISTAKES  # noqa: E402

BUDGET_S = 0.3


def _timed_explanations() -> list[float]:
    """Wrap the pipeline's explanation step; return the list its times go to."""
    times: list[float] = []
    explain = pipeline.explain_failure

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return explain(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - start)

    pipeline.explain_failure = timed
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the cases whose id matches")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cache_bytecode()
    times = _timed_explanations()
    by_chapter: dict[str, list[float]] = defaultdict(list)
    for case, (exercise, target, body, _) in sorted(MISTAKES.items()):
        if not re.search(args.only, case):
            continue
        workspace = reference_workspace(Path(tempfile.mkdtemp(prefix="bench-explain-")))
        replace_body(workspace, target, body)
        before = len(times)
        grade([exercise], path=workspace, record=False)
        if len(times) > before:
            by_chapter[exercise.split(".")[0]].append(times[-1])
    summary = {
        chapter: {
            "cases": len(spent),
            "median_s": statistics.median(spent),
            "max_s": max(spent),
            "over_budget": sum(t > BUDGET_S for t in spent),
        }
        for chapter, spent in sorted(by_chapter.items())
    }
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"{'chapter':10} {'cases':>5} {'median':>9} {'max':>9} {'> 0.3 s':>8}")
    for chapter, row in summary.items():
        print(
            f"{chapter:10} {row['cases']:5d} {1e3 * row['median_s']:7.0f} ms "
            f"{1e3 * row['max_s']:7.0f} ms {row['over_budget']:8d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
