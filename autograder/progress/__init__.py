"""Progress: every graded attempt kept in a SQLite store (:mod:`.store`), summarised
(:mod:`.summary`), and plotted (:mod:`.plot`)."""

from .store import ProgressStore, ProgressUnavailable, record_attempt
from .summary import ProgressReport, summarize

__all__ = [
    "ProgressReport",
    "ProgressStore",
    "ProgressUnavailable",
    "record_attempt",
    "summarize",
]
