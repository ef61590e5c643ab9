"""Tests for the progress store, its summary and plot, and the hints."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone

import pytest

from dlfs.autograder.course import parse_course
from dlfs.autograder.hints import SolutionAhead, next_hint, revealed_hints
from dlfs.autograder.paths import data_dir
from dlfs.autograder.progress.plot import plot_progress, progress_timeline
from dlfs.autograder.progress.store import DB_NAME, ProgressStore, record_attempt
from dlfs.autograder.progress.summary import summarize

COURSE = textwrap.dedent(
    """\
    [course]
    title = "Tiny"
    [chapter1]
    title = "One"
    [chapter1.a]
    title = "A"
    targets = ["foundations:leaky_relu"]
    hints = ["gentle", "explicit", "the answer"]
    [[chapter1.a.checks]]
    kind = "agreement"
    probe = "leaky_relu"
    points = 2
    [chapter1.b]
    title = "B"
    targets = ["foundations:sigmoid"]
    [[chapter1.b.checks]]
    kind = "agreement"
    probe = "sigmoid"
    points = 1
    [chapter2]
    title = "Two"
    [chapter2.c]
    title = "C"
    targets = ["linear_regression:loss_gradients"]
    hints = ["one", "two"]
    [[chapter2.c.checks]]
    kind = "gradient"
    probe = "linear_regression_gradients"
    points = 3
    """
)


@pytest.fixture
def course():
    return parse_course(COURSE)


@pytest.fixture
def store(tmp_path):
    with ProgressStore(tmp_path / "home" / DB_NAME) as opened:
        yield opened


def test_dlfs_home_overrides_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "elsewhere"))
    assert data_dir() == tmp_path / "elsewhere"
    attempt = record_attempt("chapter1.a", 1, 2, "failed", "abc", "chapter1")
    assert attempt.id == 1
    assert (tmp_path / "elsewhere" / DB_NAME).is_file()
    with ProgressStore() as opened:
        assert opened.attempts() == [attempt]


def test_the_database_runs_in_wal_mode(store):
    store.record_attempt("chapter1.a", 0, 2, "not_started")
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_attempts_come_back_oldest_first_and_filtered(store):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.record_attempt("chapter1.b", 1, 1, "passed", time=start + timedelta(hours=1))
    store.record_attempt("chapter1.a", 0, 2, "error", time=start)
    assert [a.exercise_id for a in store.attempts()] == ["chapter1.a", "chapter1.b"]
    (only,) = store.attempts("chapter1.b")
    assert only.time == start + timedelta(hours=1) and only.status == "passed"
    assert only.to_dict()["time"] == "2026-01-01T01:00:00+00:00"


def test_a_score_outside_its_range_is_refused(store):
    with pytest.raises(ValueError, match="got 3"):
        store.record_attempt("chapter1.a", 3, 2, "passed")


def test_summarize_keeps_the_best_per_exercise(course, store):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.record_attempt("chapter1.a", 2, 2, "passed", time=start)
    store.record_attempt("chapter1.a", 1, 2, "failed", time=start + timedelta(minutes=5))
    store.record_attempt("chapter2.c", 3, 3, "passed", time=start + timedelta(minutes=9))
    store.record_attempt("chapter9.gone", 1, 1, "passed", time=start)  # no longer in the course
    report = summarize(course, store)
    assert (report.best, report.max_score) == (5, 6)
    one, two = report.chapters
    assert (one.best, one.max_score, one.attempts) == (2, 3, 2)
    a, b = one.exercises
    assert (a.best, a.attempts, a.last_status) == (2, 2, "failed")
    assert a.last_attempt == start + timedelta(minutes=5)
    assert (b.best, b.attempts, b.last_attempt, b.last_status) == (0, 0, None, "")
    assert two.last_attempt == start + timedelta(minutes=9)
    assert report.to_dict()["chapters"][0]["exercises"][0]["last_attempt"].startswith("2026")
    only_two = summarize(course, store, chapter="2")
    assert [c.name for c in only_two.chapters] == ["chapter2"] and only_two.best == 3


def test_a_chapter_counts_grading_runs_not_exercises_times_runs(course, store):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for run in range(4):  # four runs of chapter 1, both exercises started each time
        for exercise in ("chapter1.a", "chapter1.b"):
            when = start + timedelta(minutes=run)
            store.record_attempt(exercise, 0, 1, "failed", time=when, run=f"run{run}")
    one, _ = summarize(course, store).chapters
    assert one.attempts == 4
    assert [e.attempts for e in one.exercises] == [4, 4]


def test_a_store_made_before_runs_were_recorded_still_opens(tmp_path):
    path = tmp_path / DB_NAME
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL,"
        " exercise_id TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,"
        " status TEXT NOT NULL, source_hash TEXT NOT NULL DEFAULT '',"
        " target TEXT NOT NULL DEFAULT '');"
        "INSERT INTO attempts (time, exercise_id, score, max_score, status)"
        " VALUES ('2026-01-01T00:00:00+00:00', 'chapter1.a', 1, 2, 'failed');"
    )
    connection.close()
    with ProgressStore(path, read_only=True) as store:
        (old,) = store.attempts()
    assert old.run == "" and old.exercise_id == "chapter1.a"
    with ProgressStore(path) as store:  # writing adds the new columns
        store.record_attempt("chapter1.a", 2, 2, "passed", run="r", workspace="notebook")
        assert [(a.run, a.workspace) for a in store.attempts()] == [("", ""), ("r", "notebook")]


def test_the_timeline_and_the_plot(course, store, tmp_path):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.record_attempt("chapter1.a", 1, 2, "failed", time=start)
    store.record_attempt("chapter2.c", 3, 3, "passed", time=start + timedelta(days=1))
    store.record_attempt("chapter1.a", 2, 2, "passed", time=start + timedelta(days=2))
    report = summarize(course, store)
    timeline = progress_timeline(report)
    assert [v for _, v in timeline["chapter1"]] == pytest.approx([1 / 3, 2 / 3])
    assert [v for _, v in timeline["all"]] == pytest.approx([1 / 6, 4 / 6, 5 / 6])
    path = plot_progress(report, tmp_path / "progress.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plotting_nothing_is_refused(course, store, tmp_path):
    with pytest.raises(ValueError, match="no attempts"):
        plot_progress(summarize(course, store), tmp_path / "p.png")


def test_hints_come_one_more_each_time_and_stop_at_the_last(course, store):
    assert revealed_hints("chapter1.a", course, store) == []
    texts = [next_hint("chapter1.a", course, store, solution=True) for _ in range(4)]
    assert [h.text for h in texts] == ["gentle", "explicit", "the answer", "the answer"]
    assert [h.number for h in texts] == [1, 2, 3, 3] and texts[-1].last
    assert [h.text for h in revealed_hints("chapter1.a", course, store)] == [
        "gentle",
        "explicit",
        "the answer",
    ]
    assert next_hint("chapter1.b", course, store) is None
    assert summarize(course, store).chapters[0].exercises[0].hints_revealed == 3
    with pytest.raises(ValueError, match="unknown exercise"):
        next_hint("chapter1.z", course, store)


def test_hints_survive_a_new_connection(course, tmp_path):
    path = tmp_path / DB_NAME
    with ProgressStore(path) as first:
        next_hint("chapter2.c", course, first)
    with ProgressStore(path) as second:
        with pytest.raises(SolutionAhead):  # the last of several gives the answer away
            next_hint("chapter2.c", course, second)
        assert next_hint("chapter2.c", course, second, solution=True).text == "two"


WRITER = """
import sys
from dlfs.autograder.progress import ProgressStore
path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(count):
    with ProgressStore(path) as store:  # a fresh connection each time, as separate runs do
        store.record_attempt(f"chapter1.{name}", i % 3, 2, "failed", str(i))
"""


def test_a_store_opened_while_another_process_writes_waits_for_it(tmp_path):
    """Does opening a fresh store wait while another connection holds the write lock?

    Switching a file to WAL mode fails at once with "database is locked", whatever the busy
    timeout, while another connection holds a write lock: so several gradings opening a new
    store together lost one of them (seen in CI, 1 of 4 writers).
    """
    path = tmp_path / DB_NAME
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO other VALUES (1)")
    release = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        with ProgressStore(path) as store:
            store.record_attempt("chapter1.sigmoid", 1, 2, "failed")
            assert [a.score for a in store.attempts()] == [1]
            mode = store.connection.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        release.join()
        holder.close()


def test_concurrent_writers_lose_no_attempt(tmp_path):
    """Do processes recording at the same time all land, every row intact?"""
    path = tmp_path / DB_NAME
    writers, each = 4, 40
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{n}", str(each)])
        for n in range(writers)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * writers
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT exercise_id, COUNT(*), COUNT(DISTINCT source_hash) FROM attempts"
            " GROUP BY exercise_id ORDER BY exercise_id"
        ).fetchall()
    assert rows == [(f"chapter1.w{n}", each, each) for n in range(writers)]
