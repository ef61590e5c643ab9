"""Late penalties: each student's submission time against the assignment's deadline.

When course.toml gives the assignment graded a deadline (:mod:`dlfs.autograder.course.
assignments`), ``batch`` finds when each student submitted (:func:`submission_times`: a CSV
the instructor gives, the last commit of the student's git repository, or the newest file of
the folder) and :func:`apply_late_policy` sets each student's :class:`Lateness`: the points
before and after the penalty. The class's rows, report and gradebook show both.

The rule: late by at most the grace period costs nothing; beyond it, every day (or hour)
begun since the deadline costs ``penalty_percent`` of the points, at most
``penalty_cap_percent``; after ``closes``, everything. An extension (a CSV: ``student`` and
``deadline``, or ``days``/``hours`` added) moves that student's deadline and ``closes``.
"""

from __future__ import annotations

import csv
import datetime
import math
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..course import Assignment

__all__ = [
    "TIME_SOURCES",
    "Lateness",
    "apply_deadline",
    "apply_late_policy",
    "committed_at",
    "lateness",
    "read_extensions",
    "submission_times",
]

TIME_SOURCES = ("git", "mtime")
"""Where a submission's time can come from besides a CSV: its repository's last commit, the
newest modification time of its files."""

UTC = datetime.timezone.utc


@dataclass(frozen=True)
class Lateness:
    """How late one submission was and what it cost.

    Attributes:
        submitted: when (timezone-aware), or None when it is not known (no penalty then:
            ``note`` says so).
        deadline: the student's deadline (an extension applied).
        late_seconds: after the deadline (0 when on time).
        penalty_percent: the share of the points lost (100 after ``closes``).
        points_before: the points graded.
        points_after: after the penalty.
        source: where ``submitted`` came from (``csv``, ``git``, ``mtime``).
        note: an extension, a grace period used, a closed assignment, a missing time.
    """

    submitted: datetime.datetime | None
    deadline: datetime.datetime
    late_seconds: float
    penalty_percent: float
    points_before: float
    points_after: float
    source: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted.isoformat() if self.submitted else None,
            "deadline": self.deadline.isoformat(),
            "late_seconds": self.late_seconds,
            "penalty_percent": self.penalty_percent,
            "points_before": self.points_before,
            "points_after": self.points_after,
            "source": self.source,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lateness:
        """The lateness whose :meth:`to_dict` is ``data`` (a class's part carries it)."""
        submitted = data.get("submitted")
        return cls(
            submitted=datetime.datetime.fromisoformat(submitted) if submitted else None,
            deadline=datetime.datetime.fromisoformat(data["deadline"]),
            late_seconds=float(data["late_seconds"]),
            penalty_percent=float(data["penalty_percent"]),
            points_before=float(data["points_before"]),
            points_after=float(data["points_after"]),
            source=str(data.get("source", "")),
            note=str(data.get("note", "")),
        )


class _Student(Protocol):
    """What :func:`apply_late_policy` reads and sets of a class's row."""

    student: str
    late: Lateness | None

    @property
    def score(self) -> float: ...


def _aware(text: str, where: str) -> datetime.datetime:
    """An ISO 8601 date and time with its timezone (``Z`` or an offset)."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{where}: {text!r} has no timezone (write +02:00, or Z for UTC)")
    return moment


def _rows(path: Path, needed: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path.name} has no column {missing[0]!r} (it has {reader.fieldnames})"
            )
        yield from enumerate(reader, start=2)


def read_times(path: Path | str) -> dict[str, datetime.datetime]:
    """``student,submitted_at`` rows (ISO 8601 with a timezone) of a CSV."""
    path = Path(path)
    return {
        row["student"].strip(): _aware(row["submitted_at"], f"{path.name}:{line}")
        for line, row in _rows(path, ("student", "submitted_at"))
    }


def read_extensions(path: Path | str, deadline: datetime.datetime) -> dict[str, datetime.timedelta]:
    """Student -> how much later their deadline is: a CSV with ``student`` and either
    ``deadline`` (the new one) or ``days`` / ``hours`` (added)."""
    path = Path(path)
    found = {}
    for line, row in _rows(path, ("student",)):
        where = f"{path.name}:{line}"
        if (row.get("deadline") or "").strip():
            delta = _aware(row["deadline"], where) - deadline
        else:
            try:
                days = float(row.get("days") or 0)
                hours = float(row.get("hours") or 0)
            except ValueError:
                raise ValueError(f"{where}: days and hours are numbers") from None
            delta = datetime.timedelta(days=days, hours=hours)
        found[row["student"].strip()] = delta
    return found


def committed_at(folder: Path) -> datetime.datetime | None:
    """The committer date of ``folder``'s last git commit (None: ``folder`` is not the top
    of a repository of its own — a folder inside another repository is not its commit)."""
    if not (Path(folder) / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%cI"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip()
    return datetime.datetime.fromisoformat(text) if done.returncode == 0 and text else None


def _newest_file(folder: Path) -> datetime.datetime | None:
    times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts]
    return datetime.datetime.fromtimestamp(max(times), UTC) if times else None


def submission_times(
    submissions: Path | str, students: Iterable[str], source: str
) -> dict[str, tuple[datetime.datetime, str]]:
    """Student -> (when they submitted, where that came from).

    Args:
        submissions: the folder of submissions (one folder per student).
        students: the names of the class's rows.
        source: a CSV's path (``student,submitted_at``), ``git`` (each folder's last commit;
            a folder that is no repository falls back to ``mtime``) or ``mtime`` (the newest
            file of the folder).
    Raises:
        ValueError: an unreadable CSV or a time without a timezone.
    """
    folder = Path(submissions)
    if source not in TIME_SOURCES:
        return {name: (moment, "csv") for name, moment in read_times(source).items()}
    found: dict[str, tuple[datetime.datetime, str]] = {}
    for name in students:
        entry = folder / name
        committed = committed_at(entry) if source == "git" else None
        if committed is not None:
            found[name] = (committed, "git")
        elif entry.is_dir() and (newest := _newest_file(entry)) is not None:
            found[name] = (newest, "mtime")
    return found


def lateness(
    assignment: Assignment,
    points: float,
    submitted: datetime.datetime | None,
    extension: datetime.timedelta = datetime.timedelta(0),
    source: str = "",
) -> Lateness:
    """What ``points`` become for a submission at ``submitted``."""
    deadline = assignment.deadline + extension
    note = f"extension of {_span(extension.total_seconds())}" if extension else ""
    if submitted is None:
        why = "no submission time known: no penalty applied"
        return Lateness(None, deadline, 0.0, 0.0, points, points, source, _join(note, why))
    late = max(0.0, (submitted - deadline).total_seconds())
    closes = assignment.closes + extension if assignment.closes else None
    if closes is not None and submitted > closes:
        percent, note = 100.0, _join(note, f"submitted after the assignment closed ({closes})")
    elif late <= assignment.grace_minutes * 60:
        percent = 0.0
        if late:
            note = _join(note, "within the grace period")
    else:
        periods = math.ceil(late / assignment.period_seconds)
        percent = min(assignment.penalty_cap_percent, periods * assignment.penalty_percent)
    after = round(points * (1 - percent / 100), 6)
    return Lateness(submitted, deadline, late, percent, points, after, source, note)


def _span(seconds: float) -> str:
    days, rest = divmod(abs(seconds), 86400)
    text = f"{days:g} d {rest / 3600:g} h" if days else f"{rest / 3600:g} h"
    return ("-" if seconds < 0 else "") + text


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def apply_late_policy(
    students: Iterable[_Student],
    assignment: Assignment,
    times: Mapping[str, tuple[datetime.datetime, str]],
) -> None:
    """Set each student's ``late`` from their time in ``times`` and the assignment's policy
    (its extensions CSV read here). A student without a known time loses nothing, and their
    row says so."""
    extensions = (
        read_extensions(assignment.extensions, assignment.deadline)
        if assignment.extensions is not None
        else {}
    )
    for student in students:
        submitted, source = times.get(student.student, (None, ""))
        extension = extensions.get(student.student, datetime.timedelta(0))
        student.late = lateness(assignment, student.score, submitted, extension, source)


class _Class(Protocol):
    """What :func:`apply_deadline` reads of a class's report."""

    target: str
    students: list[Any]


def apply_deadline(
    report: _Class,
    course: Any,
    submissions: Path | str,
    source: str = "git",
    assignment: str | None = None,
) -> Assignment | None:
    """The hook ``batch`` calls on its rows: when course.toml has an assignment named
    ``assignment`` (default: the one grading the report's target), find when each student
    submitted (``source``: a CSV, ``git`` or ``mtime``) and set their lateness.

    Returns:
        The assignment applied, or None when none has a deadline for this target.
    Raises:
        ValueError: an unknown assignment name, an unreadable CSV.
    """
    found = course.assignment(assignment or report.target)
    if found is None:
        if assignment is not None:
            names = ", ".join(a.name for a in course.assignments) or "none"
            raise ValueError(f"course.toml has no assignment {assignment!r} (it has: {names})")
        return None
    names = [student.student for student in report.students]
    apply_late_policy(report.students, found, submission_times(submissions, names, source))
    return found
