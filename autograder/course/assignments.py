"""Assignments: a target's deadline and late policy, from ``[assignments.NAME]`` tables.

::

    [assignments.chapter3]
    target = "chapter3"                    # what `batch --target` grades (default: the name)
    deadline = 2026-10-15T23:59:00+02:00   # a TOML date-time with its timezone
    penalty_percent = 10                   # of the points, per day (or hour) late begun
    penalty_per = "day"                    # "day" or "hour"
    grace_minutes = 15                     # late by at most this much: no penalty
    penalty_cap_percent = 50               # the most lateness costs
    closes = 2026-10-22T23:59:00+02:00     # submitted after it: 0 points
    extensions = "extensions.csv"          # per student: student,deadline or student,days

Parsed here, when the course loads: a deadline without a timezone, an unknown key, a
percentage outside 0–100, ``closes`` before ``deadline`` are refused with the line and key.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["PENALTY_PERIODS", "Assignment", "parse_assignments"]

PENALTY_PERIODS = {"day": 86400.0, "hour": 3600.0}
"""What ``penalty_per`` may be, in seconds."""
_KEYS = (
    "target",
    "deadline",
    "penalty_percent",
    "penalty_per",
    "grace_minutes",
    "penalty_cap_percent",
    "closes",
    "extensions",
)


@dataclass(frozen=True)
class Assignment:
    """One assignment's deadline and late policy.

    Attributes:
        name: the table's name (``[assignments.NAME]``).
        target: what it grades (``chapter3``, ``all``, an exercise id).
        deadline: when it is due (timezone-aware).
        penalty_percent: the points lost per period late, begun periods counted.
        penalty_per: ``day`` or ``hour``.
        grace_minutes: lateness up to this costs nothing.
        penalty_cap_percent: the most lateness costs (100: no cap) until ``closes``.
        closes: after it a submission gets 0 (None: never).
        extensions: the CSV of per-student extensions (absolute), or None.
    """

    name: str
    target: str
    deadline: datetime.datetime
    penalty_percent: float = 0.0
    penalty_per: str = "day"
    grace_minutes: float = 0.0
    penalty_cap_percent: float = 100.0
    closes: datetime.datetime | None = None
    extensions: Path | None = None

    @property
    def period_seconds(self) -> float:
        return PENALTY_PERIODS[self.penalty_per]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "deadline": self.deadline.isoformat(),
            "penalty_percent": self.penalty_percent,
            "penalty_per": self.penalty_per,
            "grace_minutes": self.grace_minutes,
            "penalty_cap_percent": self.penalty_cap_percent,
            "closes": self.closes.isoformat() if self.closes else None,
            "extensions": str(self.extensions) if self.extensions else None,
        }


Fail = Callable[[str, str, str | None], NoReturn]
"""``fail(message, table, key)``: raise the course's error at that table and key."""


def parse_assignments(table: Any, base: Path | None, fail: Fail) -> tuple[Assignment, ...]:
    """The ``[assignments]`` tables, validated; ``base`` is the course file's folder (for
    the extensions CSV)."""
    if not isinstance(table, dict):
        fail("must hold [assignments.NAME] tables", "assignments", None)
    return tuple(_one(name, entry, base, fail) for name, entry in table.items())


def _one(name: str, entry: Any, base: Path | None, fail: Fail) -> Assignment:
    where = f"assignments.{name}"
    if not isinstance(entry, dict):
        fail("an assignment is a table", where, None)
    for key in entry:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            fail(f"unknown key (allowed here: {', '.join(_KEYS)}){hint}", where, key)
    target = entry.get("target", name)
    if not isinstance(target, str) or not target:
        fail(f"must be a chapter, an exercise id or all, got {target!r}", where, "target")
    if "deadline" not in entry:
        fail("an assignment needs a deadline", where, None)
    deadline = _moment(entry["deadline"], where, "deadline", fail)
    closes = _moment(entry["closes"], where, "closes", fail) if "closes" in entry else None
    if closes is not None and closes < deadline:
        fail(f"closes ({closes.isoformat()}) is before the deadline", where, "closes")
    per = entry.get("penalty_per", "day")
    if per not in PENALTY_PERIODS:
        fail(f"must be one of {', '.join(PENALTY_PERIODS)}, got {per!r}", where, "penalty_per")
    extensions = entry.get("extensions")
    if extensions is not None and (not isinstance(extensions, str) or not extensions):
        fail(f"must be the path of a CSV, got {extensions!r}", where, "extensions")
    return Assignment(
        name=name,
        target=target,
        deadline=deadline,
        penalty_percent=_percent(entry, "penalty_percent", 0.0, where, fail),
        penalty_per=per,
        grace_minutes=_amount(entry.get("grace_minutes", 0), where, "grace_minutes", fail),
        penalty_cap_percent=_percent(entry, "penalty_cap_percent", 100.0, where, fail),
        closes=closes,
        extensions=(base or Path.cwd()) / extensions if extensions else None,
    )


def _moment(value: Any, where: str, key: str, fail: Fail) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        fail(f"must be a date and time, as 2026-10-15T23:59:00+02:00, got {value!r}", where, key)
    if value.tzinfo is None:
        fail(
            f"{value.isoformat()} has no timezone: write its offset (+02:00) or Z for UTC",
            where,
            key,
        )
    return value


def _amount(value: Any, where: str, key: str, fail: Fail) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        fail(f"must be a number, zero or more, got {value!r}", where, key)
    return float(value)


def _percent(entry: dict, key: str, default: float, where: str, fail: Fail) -> float:
    value = _amount(entry.get(key, default), where, key, fail)
    if value > 100:
        fail(f"is a percentage, at most 100, got {value!r}", where, key)
    return value
