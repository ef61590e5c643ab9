"""Deadlines and late penalties: course.toml's [assignments.NAME], applied by batch to its rows.

The rule (``dlfs.autograder.classroom.deadlines``): within the grace period nothing is lost;
beyond it each day (or hour) begun costs the percentage, up to the cap; after ``closes``,
everything; an extension moves the deadline and ``closes``. Times come from a CSV, a git
repository's last commit or the newest file of the folder.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlfs.autograder.classroom.batch import ClassReport, StudentResult, write_csv
from dlfs.autograder.classroom.deadlines import (
    apply_deadline,
    lateness,
    read_extensions,
    submission_times,
)
from dlfs.autograder.cli.main import cli
from dlfs.autograder.course import Assignment, CourseError, course_path, parse_course
from dlfs.autograder.results import ExerciseResult, GradeReport

BERLIN = datetime.timezone(datetime.timedelta(hours=2))
DEADLINE = datetime.datetime(2026, 10, 15, 23, 59, tzinfo=BERLIN)
POLICY = Assignment(
    "chapter1",
    "chapter1",
    DEADLINE,
    penalty_percent=10,
    penalty_per="day",
    grace_minutes=15,
    penalty_cap_percent=50,
    closes=DEADLINE + datetime.timedelta(days=7),
)
TABLE = """
[assignments.chapter1]
deadline = 2026-10-15T23:59:00+02:00
penalty_percent = 10
penalty_per = "day"
grace_minutes = 15
penalty_cap_percent = 50
closes = 2026-10-22T23:59:00+02:00
extensions = "extensions.csv"
"""


def _late(**delta: float) -> datetime.datetime:
    return DEADLINE + datetime.timedelta(**delta)


@pytest.mark.parametrize(
    ("submitted", "percent"),
    [
        (_late(hours=-1), 0),  # on time
        (_late(minutes=15), 0),  # within the grace period
        (_late(minutes=16), 10),  # a day begun
        (_late(days=1, minutes=1), 20),  # two days begun
        (_late(days=3), 30),
        (_late(days=6, hours=23), 50),  # the cap
        (_late(days=7, minutes=1), 100),  # closed
    ],
)
def test_the_penalty_counts_each_day_begun_after_the_grace_up_to_the_cap(submitted, percent):
    late = lateness(POLICY, 8.0, submitted)
    assert late.penalty_percent == percent
    assert late.points_before == 8.0
    assert late.points_after == pytest.approx(8.0 * (1 - percent / 100))


def test_notes_say_why_and_an_unknown_time_costs_nothing():
    assert "grace" in lateness(POLICY, 4, _late(minutes=5)).note
    assert "closed" in lateness(POLICY, 4, _late(days=8)).note
    unknown = lateness(POLICY, 4, None)
    assert unknown.points_after == 4 and "no submission time" in unknown.note
    hourly = Assignment("a", "chapter1", DEADLINE, penalty_percent=2, penalty_per="hour")
    assert lateness(hourly, 10, _late(hours=5, minutes=1)).penalty_percent == 12


def test_an_extension_moves_the_deadline_and_the_closing(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text(
        "\ufeffstudent,deadline,days\nalice,2026-10-18T23:59:00+02:00,\nbob,,2\n",
        encoding="utf-8",
    )
    extensions = read_extensions(path, DEADLINE)
    assert extensions == {"alice": datetime.timedelta(days=3), "bob": datetime.timedelta(days=2)}
    late = lateness(POLICY, 6, _late(days=2, hours=12), extensions["alice"])
    assert late.penalty_percent == 0 and "extension" in late.note
    assert lateness(POLICY, 6, _late(days=8), extensions["bob"]).penalty_percent == 50


def _course(tmp_path: Path, table: str = TABLE):
    text = course_path().read_text(encoding="utf-8") + table
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_course_toml_gives_an_assignment_its_deadline(tmp_path):
    path, text = _course(tmp_path)
    course = parse_course(text, path)
    assignment = course.assignment("chapter1")
    assert assignment is not None and assignment.deadline == DEADLINE
    assert assignment.closes == DEADLINE + datetime.timedelta(days=7)
    assert assignment.extensions == tmp_path / "extensions.csv"
    assert course.assignment("ch1") is assignment and course.assignment("chapter2") is None


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        ("deadline = 2026-10-15T23:59:00\n", "no timezone"),
        ("deadline = 2026-10-15T23:59:00Z\npenalty_percent = 120\n", "at most 100"),
        ('deadline = 2026-10-15T23:59:00Z\npenalty_per = "week"\n', "day, hour"),
        ("deadline = 2026-10-15T23:59:00Z\nclosses = 2026-10-16T00:00:00Z\n", "'closes'"),
        ("deadline = 2026-10-15T23:59:00Z\ncloses = 2026-10-01T00:00:00Z\n", "before"),
        ('target = "chapter99"\ndeadline = 2026-10-15T23:59:00Z\n', "chapter99"),
    ],
)
def test_a_broken_assignment_is_refused_with_its_line(tmp_path, broken, words):
    path, text = _course(tmp_path, f"\n[assignments.late]\n{broken}")
    with pytest.raises(CourseError, match=words) as error:
        parse_course(text, path)
    assert error.value.line is not None and error.value.line > len(text.splitlines()) - 5


def _submissions(tmp_path: Path) -> Path:
    """alice: a git repository committed late; bob: a folder whose files are on time;
    carol: a folder whose time the CSV gives."""
    root = tmp_path / "submissions"
    for name in ("alice", "bob", "carol"):
        (root / name / "exercises").mkdir(parents=True)
        (root / name / "exercises" / "foundations.py").write_text("x = 1\n")
    git = ["git", "-C", str(root / "alice"), "-c", "user.name=a", "-c", "user.email=a@b"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    moment = _late(days=2).isoformat()
    env = {**os.environ, "GIT_COMMITTER_DATE": moment, "GIT_AUTHOR_DATE": moment}
    subprocess.run([*git, "commit", "-qm", "done"], check=True, env=env)
    on_time = _late(hours=-3).timestamp()
    for path in (root / "bob").rglob("*"):
        os.utime(path, (on_time, on_time))
    return root


def test_submission_times_come_from_git_a_folder_or_a_csv(tmp_path):
    root = _submissions(tmp_path)
    found = submission_times(root, ["alice", "bob"], "git")
    assert found["alice"] == (_late(days=2), "git")
    assert found["bob"] == (_late(hours=-3), "mtime")  # no repository: its newest file
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\ncarol,2026-10-16T01:00:00Z\n", encoding="utf-8")
    assert submission_times(root, ["carol"], str(times))["carol"][0] == datetime.datetime(
        2026, 10, 16, 1, tzinfo=datetime.timezone.utc
    )
    times.write_text("student,submitted_at\ncarol,2026-10-16 01:00\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"times\.csv:2.*timezone"):
        submission_times(root, ["carol"], str(times))


def _class() -> ClassReport:
    students = []
    for name in ("alice", "bob", "carol"):
        result = ExerciseResult("chapter1.sigmoid", 1.0, 1.0, "passed")
        students.append(StudentResult(name, GradeReport.from_exercises("chapter1", [result])))
    return ClassReport("chapter1", [("chapter1.sigmoid", 1.0)], students)


def test_batch_shows_the_points_before_and_after_the_penalty(tmp_path, monkeypatch):
    path, _ = _course(tmp_path)
    (tmp_path / "extensions.csv").write_text("student,days\ncarol,1\n", encoding="utf-8")
    monkeypatch.setenv("DLFS_COURSE", str(path))
    root = _submissions(tmp_path)
    times = tmp_path / "times.csv"
    times.write_text(
        "student,submitted_at\nalice,2026-10-17T23:00:00+02:00\ncarol,2026-10-16T12:00:00+02:00\n"
    )
    report = _class()
    monkeypatch.setattr(
        "dlfs.autograder.classroom.batch.grade_class", lambda *args, **kwargs: report
    )
    out = tmp_path / "grades.csv"
    args = ["batch", str(root), "-t", "chapter1", "--csv", str(out), "--submitted-at", str(times)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["assignment"]["deadline"] == DEADLINE.isoformat()
    late = {s["student"]: s["late"] for s in data["students"]}
    assert late["alice"]["penalty_percent"] == 20 and late["alice"]["points_after"] == 0.8
    assert late["bob"]["points_after"] == 1.0 and "no submission time" in late["bob"]["note"]
    assert late["carol"]["penalty_percent"] == 0  # her extension
    with out.open(newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["alice"]["total"] == "1" and rows["alice"]["total_after_penalty"] == "0.8"
    assert rows["alice"]["penalty_percent"] == "20"
    assert list(rows["alice"])[-1] == "errors"
    text = CliRunner().invoke(cli, args).output
    assert "1/1 - 20% = 0.8" in text and "1 late submission penalised" in text


def test_without_an_assignment_nothing_changes(tmp_path):
    report = _class()
    course = parse_course(course_path().read_text(encoding="utf-8"), course_path())
    assert apply_deadline(report, course, tmp_path) is None
    assert all(s.late is None for s in report.students)
    header = write_csv(report, tmp_path / "g.csv").read_text().splitlines()[0]
    assert header == "student,chapter1.sigmoid,total,max_score,errors"
    with pytest.raises(ValueError, match="no assignment 'midterm'"):
        apply_deadline(report, course, tmp_path, assignment="midterm")
