"""Grades into the LMS: a class's ``grades.csv`` into a Canvas gradebook, or Moodle's import.

``grades.csv`` is what ``dlfs-grade batch`` (or ``merge``) writes: a row per student (the
submission's name), its ``total`` and, where a deadline applied, ``total_after_penalty``,
which is the grade filled in.

**Canvas.** :func:`fill_canvas` takes the gradebook Canvas exports (columns ``Student``,
``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, one ``Name (id)`` column per
assignment, and a ``Points Possible`` row under the header) and fills one assignment's
column. Every other byte stays as it was — quoting, a byte-order mark, line endings, the
other columns and rows — because only that column's cells are replaced, at their place in
the file's text (:mod:`.csvspans` finds them; the csv module reads the same file, as a
check). A submission is matched to its student by ``SIS Login ID``, or by a roster CSV that
maps submission names (``student``) to one of Canvas's id columns.

**Moodle.** :func:`moodle_import` writes the CSV Moodle's "Import grades: CSV file" takes: a
column identifying the user (``Email address``, ``Username`` or ``ID number``, chosen when
importing), one grade column and, where late penalties were applied, a feedback column
saying the points before and after; submission names are mapped through a roster.

Both say who is in one file but not the other: a submission without a student in the
gradebook (its grade goes nowhere) and a student without a submission (their cell is left
as it was).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .csvspans import read_spans

__all__ = [
    "CANVAS_IDS",
    "GradebookReport",
    "fill_canvas",
    "moodle_import",
    "read_grades",
    "read_penalties",
    "read_roster",
]

CANVAS_IDS = ("SIS Login ID", "SIS User ID", "ID")
"""Canvas's columns that identify a student, which a roster may map submissions to."""
MOODLE_IDS = ("Email address", "Username", "ID number")
"""What Moodle's CSV import can identify users by."""
_ASSIGNMENT = re.compile(r"^(?P<name>.*) \((?P<id>\d+)\)$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class GradebookReport:
    """What filling a gradebook did.

    Attributes:
        column: the assignment column filled (Canvas) or the grade column written (Moodle).
        filled: student (the gradebook's name for them) -> the grade written.
        no_student: submissions whose grade found no student in the gradebook or roster.
        no_submission: the gradebook's students with no grade (their cells left as they were).
        penalties: student -> (points before, penalty percent, points after), for those a
            late penalty was applied to (the grade written is the points after).
        points_possible: the column's ``Points Possible`` (Canvas), when it is a number.
        max_score: the most a submission could get, as grades.csv says.
        scale: the factor applied to every grade (1: as graded).
        out: the file written.
    """

    column: str
    filled: dict[str, float] = field(default_factory=dict)
    no_student: list[str] = field(default_factory=list)
    no_submission: list[str] = field(default_factory=list)
    penalties: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    points_possible: float | None = None
    max_score: float | None = None
    scale: float = 1.0
    out: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "filled": dict(self.filled),
            "no_student": list(self.no_student),
            "no_submission": list(self.no_submission),
            "penalties": {name: list(p) for name, p in self.penalties.items()},
            "points_possible": self.points_possible,
            "max_score": self.max_score,
            "scale": self.scale,
            "out": str(self.out) if self.out else None,
        }


def _unescaped(name: str) -> str:
    """A name as the grader knew it (grades.csv prefixes a formula's start with ``'``)."""
    return name[1:] if name.startswith("'") and name[1:2] in _FORMULA_START else name


def _text(path: Path | str) -> str:
    """A CSV file's text, its byte-order mark (if any) kept, its line endings untouched."""
    return Path(path).read_bytes().decode("utf-8")


def read_grades(path: Path | str) -> tuple[dict[str, float], float | None]:
    """Student -> the grade to record (``total_after_penalty`` where there is one, else
    ``total``), and the ``max_score``, from a grades.csv of ``batch`` or ``merge``.

    Raises:
        ValueError: not such a file (no ``student`` or ``total`` column, a total that is
            no number).
    """
    reader = csv.DictReader(io.StringIO(_text(path).lstrip("\ufeff"), newline=""))
    columns = reader.fieldnames or []
    if "student" not in columns or "total" not in columns:
        raise ValueError(
            f"{Path(path).name} is not a grades.csv of dlfs-grade batch: it has "
            f"no 'student' and 'total' columns (it has {columns})"
        )
    grades, most = {}, None
    for line, row in enumerate(reader, start=2):
        cell = (row.get("total_after_penalty") or "").strip() or (row["total"] or "").strip()
        try:
            grades[_unescaped(row["student"])] = float(cell or 0)
            most = float(row["max_score"]) if row.get("max_score") else most
        except ValueError:
            raise ValueError(f"{Path(path).name}:{line}: {cell!r} is not a number") from None
    return grades, most


def read_penalties(path: Path | str) -> dict[str, tuple[float, float, float]]:
    """Student -> (points before the penalty, the penalty in percent, points after), for the
    rows of a grades.csv that lost points to lateness."""
    reader = csv.DictReader(io.StringIO(_text(path).lstrip("\ufeff"), newline=""))
    found = {}
    for row in reader:
        try:
            percent = float(row.get("penalty_percent") or 0)
            if percent > 0:
                before, after = float(row["total"]), float(row["total_after_penalty"])
                found[_unescaped(row["student"])] = (before, percent, after)
        except (KeyError, ValueError):
            continue  # read_grades says what is wrong with the file
    return found


def _penalty_note(before: float, percent: float, after: float) -> str:
    return f"{_number(before)} points, {percent:g}% off for lateness: {_number(after)}"


def read_roster(path: Path | str, wanted: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """A roster: ``student`` (the submission's name) and one of ``wanted`` columns (the LMS's
    id). Returns that column's name and student -> id."""
    reader = csv.DictReader(io.StringIO(_text(path).lstrip("\ufeff"), newline=""))
    columns = reader.fieldnames or []
    key = next((c for c in wanted if c in columns), None)
    if "student" not in columns or key is None:
        raise ValueError(
            f"a roster has a 'student' column and one of {', '.join(wanted)}; "
            f"{Path(path).name} has {columns}"
        )
    return key, {row["student"].strip(): row[key].strip() for row in reader if row[key]}


def _number(value: float) -> str:
    return f"{round(value, 4):g}"


def _assignment_column(header: list[str], wanted: str | None) -> int:
    """The index of the assignment column: ``wanted`` as the whole header, its name or its
    id; without ``wanted``, the only assignment column there is."""
    assignments = [(i, m) for i, h in enumerate(header) if (m := _ASSIGNMENT.match(h))]
    if wanted is None:
        if len(assignments) != 1:
            names = ", ".join(repr(header[i]) for i, _ in assignments) or "none"
            raise ValueError(f"say which assignment column to fill (--column); there are: {names}")
        return assignments[0][0]
    for i, found in assignments:
        if wanted in (header[i], found["name"], found["id"]):
            return i
    names = ", ".join(repr(header[i]) for i, _ in assignments) or "none"
    raise ValueError(f"the gradebook has no assignment column {wanted!r}; it has: {names}")


def fill_canvas(
    grades_csv: Path | str,
    export: Path | str,
    out: Path | str,
    column: str | None = None,
    roster: Path | str | None = None,
    scale_to_points: bool = False,
) -> GradebookReport:
    """Write ``out``: the Canvas gradebook ``export`` with one assignment column filled from
    ``grades_csv``, every other byte as it was.

    Args:
        column: the assignment: its whole header (``Chapter 3 (4242)``), name or id; by
            default the export's only assignment column.
        roster: a CSV mapping ``student`` (submission names) to ``SIS Login ID``, ``SIS
            User ID`` or ``ID``; without one, submissions are named by SIS Login ID.
        scale_to_points: scale the grades from grades.csv's ``max_score`` to the column's
            ``Points Possible``.
    Raises:
        ValueError: an export that is not Canvas's, an unknown column, an unreadable roster.
    """
    grades, most = read_grades(grades_csv)
    late = read_penalties(grades_csv)
    text = _text(export)
    rows = read_spans(text)
    header = [cell.value.lstrip("\ufeff") for cell in rows[0]] if rows else []
    missing = [c for c in ("Student", "SIS Login ID") if c not in header]
    if missing:
        raise ValueError(
            f"{Path(export).name} is not a Canvas gradebook export: no {missing[0]!r} column"
        )
    index = _assignment_column(header, column)
    key, by_student = "SIS Login ID", {name: name for name in grades}
    if roster is not None:
        key, by_student = read_roster(roster, CANVAS_IDS)
    report = GradebookReport(header[index], max_score=most)
    report.points_possible = _points_possible(rows, header, index)
    if scale_to_points and report.points_possible and most:
        report.scale = report.points_possible / most
    wanted = {by_student[name]: name for name in grades if name in by_student}
    report.no_student = sorted(name for name in grades if name not in by_student)
    edits: list[tuple[int, int, str]] = []
    for row in rows[1:]:
        cells = {header[i]: c.value for i, c in enumerate(row) if i < len(header)}
        if _not_a_student(cells) or index >= len(row):
            continue
        submission = wanted.pop(cells.get(key, "").strip(), None)
        if submission is None:
            report.no_submission.append(cells["Student"])
            continue
        value = grades[submission] * report.scale
        report.filled[cells["Student"]] = value
        if submission in late:
            report.penalties[cells["Student"]] = late[submission]
        edits.append((row[index].start, row[index].end, _number(value)))
    report.no_student = sorted(report.no_student + list(wanted.values()))
    for start, end, cell in sorted(edits, reverse=True):
        text = text[:start] + cell + text[end:]
    report.out = _write(out, text)
    return report


def _not_a_student(cells: Mapping[str, str]) -> bool:
    """The rows under the header that hold no student (``Points Possible``, a test student
    has an ID: it is a student to Canvas)."""
    name = cells.get("Student", "").strip()
    return (
        not name
        or name == "Points Possible"
        or not any(cells.get(c, "").strip() for c in CANVAS_IDS)
    )


def _points_possible(rows: list, header: list[str], index: int) -> float | None:
    for row in rows[1:3]:
        if row and row[0].value.strip() == "Points Possible" and index < len(row):
            try:
                return float(row[index].value)
            except ValueError:
                return None
    return None


def _write(out: Path | str, text: str) -> Path:
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    tmp.replace(out)
    return out


def moodle_import(
    grades_csv: Path | str,
    out: Path | str,
    item: str,
    roster: Path | str | None = None,
    identify_by: str = "Email address",
) -> GradebookReport:
    """Write ``out``: Moodle's grade-import CSV with the column ``identify_by`` and one grade
    column named ``item`` (map them in Moodle's import form).

    Args:
        roster: a CSV mapping ``student`` (submission names) to Moodle's ``identify_by``
            column (every student of the course: those without a grade are reported);
            without one, submissions are named by that identifier.
    Raises:
        ValueError: an unknown identifier, an unreadable grades.csv or roster.
    """
    if identify_by not in MOODLE_IDS:
        raise ValueError(
            f"Moodle identifies users by one of {', '.join(MOODLE_IDS)}, got {identify_by!r}"
        )
    grades, most = read_grades(grades_csv)
    by_student = {name: name for name in grades}
    if roster is not None:
        _, by_student = read_roster(roster, (identify_by,))
    report = GradebookReport(item, max_score=most)
    late = read_penalties(grades_csv)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([identify_by, item, *(["Feedback"] if late else [])])
    for name, grade in sorted(grades.items()):
        if name not in by_student:
            report.no_student.append(name)
            continue
        note = [_penalty_note(*late[name])] if name in late else [""] if late else []
        writer.writerow([by_student[name], _number(grade), *note])
        report.filled[by_student[name]] = grade
        if name in late:
            report.penalties[by_student[name]] = late[name]
    report.no_submission = sorted(i for n, i in by_student.items() if n not in grades)
    report.out = _write(out, buffer.getvalue())
    return report
