"""What every chapter's experiments share: the result row, the table and the plots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ExperimentResult", "format_table", "save_curves"]


@dataclass
class ExperimentResult:
    """One row of a chapter's table: the book's figure beside ours.

    Attributes:
        chapter: ``"chapter4"``.
        name: the model and its training, as the book's table names it.
        metric: what is measured (``"accuracy"``, ``"val loss"``, ``"RMSE"`` …).
        book: the book's printed figure, or None where it prints only a plot.
        ours: the reference's figure.
        higher_is_better: whether beating the book means a larger figure.
        seconds: the wall-clock time the run took.
        note: anything the reader should know (why we differ, settings we changed).
        extra: further figures (MAE beside RMSE, per-epoch time …).
    """

    chapter: str
    name: str
    metric: str
    book: float | None
    ours: float
    higher_is_better: bool = True
    seconds: float = 0.0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reaches_book(self) -> bool | None:
        """Whether ours is as good as the book's figure or better (None without one)."""
        if self.book is None:
            return None
        return self.ours >= self.book if self.higher_is_better else self.ours <= self.book

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reaches_book": self.reaches_book}


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    if "accuracy" in metric:
        return f"{100 * value:.2f}%"
    return f"{value:.4g}"


def format_table(results: Sequence[ExperimentResult], quick: bool = False) -> str:
    """A plain-text table, one row per result: name, metric, book, ours, verdict, time.

    With ``quick`` (a smoke run of few epochs) no verdict is given: the book's figures come
    from full runs, so comparing them with a quick run would say nothing.
    """
    header = ("experiment", "metric", "book", "ours", "", "time")
    rows = [header]
    for r in results:
        verdict = "" if quick else {True: "≥ book", False: "< book", None: ""}[r.reaches_book]
        rows.append(
            (
                r.name,
                r.metric,
                _fmt(r.book, r.metric),
                _fmt(r.ours, r.metric),
                verdict,
                f"{r.seconds:.1f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  * {r.name}: {r.note}" for r in results if r.note]
    if quick:
        notes.insert(0, "  * --quick: a smoke run of few epochs, not comparable with the book's")
    return "\n".join(lines + (["", *notes] if notes else []))


def save_curves(
    path: Path,
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    title: str,
    xlabel: str,
    ylabel: str,
    logy: bool = False,
) -> Path:
    """Plot named ``(x, y)`` curves on one set of axes and save a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (xs, ys) in curves.items():
        ax.plot(list(xs), list(ys), label=label, marker="o" if len(xs) < 30 else None)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
