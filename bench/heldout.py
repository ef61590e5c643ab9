"""How the grader does on a corpus nobody on the project has read: flagged, named, correct.

    python bench/heldout.py SET.py --out RESULTS.json [--only ID ...]

``SET.py`` defines ``MISTAKES`` (``id: (exercise, target, body, words)``) and ``CORRECT``
(``id: (exercise, target, body)``), as ``tests/autograder/learner_corpus.py`` does, written by
someone who has not seen the grader (a helper told to read only the reference, the stubs,
``course.toml`` and ``BOOK_API.md``). Each case's body is spliced into a copy of the
reference and graded; cases share a copy only when they cannot meet (another exercise in
another module, and neither body names the other's function: graded locally, a learner's own
sibling function is called, directly or through another). Prints a summary and writes every
case's status, score and message.

``words`` found in the message ("kw") is a rough guide only: a word may appear in quoted
code or in a list of guesses. The figure to report is a reading by hand of every message
(named, unnamed, or a wrong name), which a helper can do from the results file.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dlfs.autograder.api import grade  # noqa: E402
from tests.autograder.grading_helpers import reference_workspace, replace_body  # noqa: E402

LATE = ("chapter5", "chapter6", "chapter7")


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("heldout_set", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names(body: str) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(body))
    except SyntaxError:
        return set()
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return found | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}


def _meet(a: tuple, b: tuple) -> bool:
    """Whether two cases must not share a copy: one exercise, or one module (a body may reach
    the other's function through a third: ``conv_2d_multichannel`` calls ``conv_2d``, which
    calls ``_pad_2d``), or one body that names the other's function."""
    if a[0] == b[0] or a[1].split(":")[0] == b[1].split(":")[0]:
        return True
    function_a, function_b = (c[1].split(":")[1].split(".")[-1] for c in (a, b))
    return function_a in _names(b[2]) or function_b in _names(a[2])


def _rounds(cases: dict[str, tuple]) -> list[list[str]]:
    rounds: list[list[str]] = []
    for case in sorted(cases):
        for members in rounds:
            if not any(_meet(cases[other], cases[case]) for other in members):
                members.append(case)
                break
        else:
            rounds.append([case])
    return rounds


def _graded(kind: str, cases: dict[str, tuple], names: list[str]) -> dict[str, dict]:
    folder = Path(tempfile.mkdtemp(prefix="dlfs-heldout-"))
    try:
        workspace = reference_workspace(folder)
        for name in names:
            replace_body(workspace, cases[name][1], cases[name][2])
        report = grade([cases[n][0] for n in names], path=workspace, record=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    by_id = {result.id: result for result in report.exercises}
    found = {}
    for name in names:
        result = by_id[cases[name][0]]
        message = " ".join(check.message for check in result.checks)
        entry = {
            "kind": kind,
            "exercise": cases[name][0],
            "status": result.status,
            "score": result.score,
            "max": result.max_score,
            "message": message,
            "errors": [
                c.details["explanation_error"]
                for c in result.checks
                if "explanation_error" in c.details
            ],
        }
        if kind == "mistake":
            flagged = result.score < result.max_score
            words = [w.lower() for w in cases[name][3]]
            entry |= {"words": words, "flagged": flagged}
            entry["kw"] = flagged and any(w in message.lower() for w in words)
        else:
            entry["ok"] = result.score >= result.max_score
        found[name] = entry
    return found


def summary(results: dict[str, dict]) -> dict[str, int]:
    mistakes = [r for r in results.values() if r["kind"] == "mistake"]
    correct = [r for r in results.values() if r["kind"] == "correct"]
    late = [r for r in mistakes if r["exercise"].split(".")[0] in LATE]
    return {
        "mistakes": len(mistakes),
        "flagged": sum(r["flagged"] for r in mistakes),
        "kw": sum(r["kw"] for r in mistakes),
        "late": len(late),
        "late_kw": sum(r["kw"] for r in late),
        "correct": len(correct),
        "correct_ok": sum(r["ok"] for r in correct),
        "explanation_errors": sum(bool(r["errors"]) for r in results.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", help="a file defining MISTAKES and CORRECT")
    parser.add_argument("--out", required=True, help="where to write every case's result")
    parser.add_argument("--only", nargs="*", help="these case ids only")
    args = parser.parse_args(argv)
    corpus = _load(args.set)
    results: dict[str, dict] = {}
    for kind, cases in (("mistake", corpus.MISTAKES), ("correct", corpus.CORRECT)):
        if args.only:
            cases = {k: v for k, v in cases.items() if k in args.only}
        for names in _rounds(cases):
            results |= _graded(kind, cases, names)
            print(f"{len(results)} graded", file=sys.stderr, flush=True)
    totals = summary(results)
    Path(args.out).write_text(json.dumps({"summary": totals, "results": results}, indent=1))
    print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
