"""Progress over time, drawn with matplotlib: the best score so far, per chapter and overall."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .summary import ProgressReport

__all__ = ["plot_progress", "progress_timeline"]


def progress_timeline(report: ProgressReport) -> dict[str, list[tuple[datetime, float]]]:
    """The share of points earned (best per exercise so far), after every attempt.

    Returns:
        ``"all"`` and each chapter attempted -> [(time, fraction in [0, 1])], oldest first.
    """
    chapter_of = {e.id: c.name for c in report.chapters for e in c.exercises}
    points = {e.id: e.max_score for c in report.chapters for e in c.exercises}
    chapter_max = {c.name: c.max_score for c in report.chapters}
    best: dict[str, float] = {}
    timeline: dict[str, list[tuple[datetime, float]]] = {"all": []}
    for attempt in report.history:
        exercise = attempt.exercise_id
        best[exercise] = max(best.get(exercise, 0.0), min(attempt.score, points[exercise]))
        chapter = chapter_of[exercise]
        earned = sum(v for k, v in best.items() if chapter_of[k] == chapter)
        timeline.setdefault(chapter, []).append((attempt.time, earned / chapter_max[chapter]))
        overall = sum(best.values()) / report.max_score if report.max_score else 0.0
        timeline["all"].append((attempt.time, overall))
    return timeline


def plot_progress(report: ProgressReport, path: str | Path) -> Path:
    """Draw the timeline into an image file (PNG, SVG, PDF: by its suffix).

    Raises:
        ValueError: if there is no attempt to draw.
    """
    if not report.history:
        raise ValueError(f"no attempts recorded yet: nothing to draw into {str(path)!r}")
    # start-up time: matplotlib takes most of a second to import
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates  # start-up time, as above
    import matplotlib.pyplot as plt

    titles = {c.name: f"{c.name}: {c.title}" for c in report.chapters}
    figure, axes = plt.subplots(figsize=(9, 5), layout="constrained")
    for name, points in progress_timeline(report).items():
        times, values = zip(*points, strict=True)
        style = {"color": "black", "linewidth": 2.5} if name == "all" else {"linewidth": 1.5}
        label = "whole course" if name == "all" else titles[name]
        axes.step(times, [100 * v for v in values], where="post", label=label, **style)
    axes.set_ylim(0, 105)
    axes.set_ylabel("best score so far (% of points)")
    axes.set_xlabel("time (UTC)")
    axes.set_title("Deep Learning from Scratch: progress")
    axes.grid(alpha=0.3)
    # outside the data, to the right: the newest points are where a legend inside would sit
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # "Dec 1", "14:03"
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
