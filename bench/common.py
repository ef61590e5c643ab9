"""Timing helpers shared by the benchmarks: best-of-n wall clock, ours beside PyTorch's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["BenchResult", "best_time", "format_results"]


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
