"""Progress: every graded attempt kept in a SQLite store, summarised, and plotted."""

from .store import ProgressReport, ProgressStore, ProgressUnavailable, record_attempt, summarize

__all__ = [
    "ProgressReport",
    "ProgressStore",
    "ProgressUnavailable",
    "record_attempt",
    "summarize",
]
