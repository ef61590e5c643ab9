"""Timing helpers shared by the benchmarks: best-of-n wall clock, ours beside PyTorch's."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "BenchResult",
    "RepeatedResult",
    "best_time",
    "cache_bytecode",
    "format_repeated",
    "format_results",
    "interleaved_best",
    "match_torch_threads",
    "repeated",
]


def cache_bytecode() -> None:
    """Let this process and the ones it starts cache their compiled modules, as a learner's
    Python does. Some containers set ``PYTHONDONTWRITEBYTECODE``; under it every ``dlfs-grade``
    and every fork server compiles its 300 modules from source again, a quarter of a second
    each that no learner pays."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@dataclass
class BenchResult:
    """One case: the reference's time and PyTorch CPU's for the same work, shapes and dtype."""

    name: str
    shapes: str
    ours_s: float
    torch_s: float | None

    @property
    def ratio(self) -> float | None:
        """ours / torch: 1.0 is as fast as PyTorch, 2.0 twice as slow."""
        return None if self.torch_s is None else self.ours_s / self.torch_s

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def best_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """The best wall-clock time of ``repeat`` calls of ``fn``, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def format_results(results: list[BenchResult]) -> str:
    """A plain-text table: case, shapes, ours, torch, ratio."""
    rows = [("case", "shapes", "dlfs", "torch", "dlfs/torch")]
    for r in results:
        torch_s = "—" if r.torch_s is None else f"{1e3 * r.torch_s:.1f} ms"
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}×"
        rows.append((r.name, r.shapes, f"{1e3 * r.ours_s:.1f} ms", torch_s, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def match_torch_threads() -> None:
    """Give PyTorch the thread count NumPy's OpenBLAS was started with, if one was set
    (``OPENBLAS_NUM_THREADS=1 python bench/run.py`` compares one core each, the fair measure
    on a machine others share); else each library keeps its default."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if not threads:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(int(threads))


def interleaved_best(
    ours: Callable[[], object],
    theirs: Callable[[], object] | None,
    rounds: int,
    repeat: int,
    warmup: int = 1,
) -> tuple[float, float | None]:
    """Best times of ``ours`` and ``theirs``: ``rounds`` alternating rounds of ``best_time``
    (``repeat`` calls each), so that both see the same load on a shared machine."""
    best_ours = best_theirs = float("inf")
    for _ in range(rounds):
        best_ours = min(best_ours, best_time(ours, repeat, warmup))
        if theirs is not None:
            best_theirs = min(best_theirs, best_time(theirs, repeat, warmup))
    return best_ours, None if theirs is None else best_theirs


@dataclass
class RepeatedResult:
    """One case run several times: the medians and the spread of the ratios."""

    name: str
    shapes: str
    runs: list[BenchResult]

    @property
    def ratios(self) -> list[float]:
        """ours / torch of every run that had PyTorch."""
        return [r.ratio for r in self.runs if r.ratio is not None]

    def to_dict(self) -> dict[str, Any]:
        ratios = self.ratios
        torch_times = [r.torch_s for r in self.runs if r.torch_s is not None]
        return {
            "name": self.name,
            "shapes": self.shapes,
            "ours_s_median": statistics.median(r.ours_s for r in self.runs),
            "torch_s_median": statistics.median(torch_times) if torch_times else None,
            "ratio_median": statistics.median(ratios) if ratios else None,
            "ratio_min": min(ratios, default=None),
            "ratio_max": max(ratios, default=None),
            "runs": [r.to_dict() for r in self.runs],
        }


def repeated(runs: list[list[BenchResult]]) -> list[RepeatedResult]:
    """Group the results of several runs of the same cases by case, in their order."""
    cases: dict[str, RepeatedResult] = {}
    for results in runs:
        for r in results:
            cases.setdefault(r.name, RepeatedResult(r.name, r.shapes, [])).runs.append(r)
    return list(cases.values())


def format_repeated(results: list[RepeatedResult]) -> str:
    """A plain-text table: case, medians of ours and torch, the median ratio and its range."""
    rows = [("case", "runs", "dlfs (median)", "torch (median)", "dlfs/torch median", "range")]
    for r in results:
        d = r.to_dict()
        torch_s = "—" if d["torch_s_median"] is None else f"{1e3 * d['torch_s_median']:.1f} ms"
        ratio = "—" if d["ratio_median"] is None else f"{d['ratio_median']:.2f}×"
        spread = "—" if d["ratio_min"] is None else f"{d['ratio_min']:.2f}–{d['ratio_max']:.2f}×"
        rows.append(
            (r.name, str(len(r.runs)), f"{1e3 * d['ours_s_median']:.1f} ms", torch_s, ratio, spread)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
