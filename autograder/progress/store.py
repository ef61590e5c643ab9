"""The progress store: every grading attempt and every hint revealed, in SQLite.

The database is ``progress.sqlite3`` in :func:`~dlfs.autograder.paths.data_dir`
(``$DLFS_HOME`` or the platform's user data directory). It runs in WAL mode with a busy
timeout, and each attempt is one ``BEGIN IMMEDIATE`` transaction, so gradings running at the
same time wait for each other instead of losing rows.

:mod:`.summary` turns the attempts into the best score per exercise and chapter.
"""

from __future__ import annotations

import functools
import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from time import monotonic, sleep
from typing import Any, TypeVar

from ..paths import data_dir

__all__ = [
    "DB_NAME",
    "Attempt",
    "ProgressStore",
    "ProgressUnavailable",
    "record_attempt",
]

DB_NAME = "progress.sqlite3"
BUSY_TIMEOUT_S = 60.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    source_hash TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    run TEXT NOT NULL DEFAULT '',
    workspace TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise_id, time);
CREATE TABLE IF NOT EXISTS hints (
    exercise_id TEXT PRIMARY KEY,
    revealed INTEGER NOT NULL,
    time TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Attempt:
    """One graded attempt at one exercise.

    Attributes:
        id: the row's number, increasing with every attempt recorded.
        time: when, in UTC.
        exercise_id: ``chapter5.conv_2d``.
        score: the points earned.
        max_score: the points available.
        status: passed | failed | error | timeout | not_started.
        source_hash: a hash of the learner's source of the exercise (to spot re-runs).
        target: what the run graded (``chapter5``, ``all`` or the exercise id).
        run: the grading run it was part of (one ``dlfs-grade`` command, one ``check()``).
        workspace: what was graded: the folder, or ``notebook`` (the two are kept apart).
    """

    id: int
    time: datetime
    exercise_id: str
    score: float
    max_score: float
    status: str
    source_hash: str = ""
    target: str = ""
    run: str = ""
    workspace: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "time": self.time.isoformat()}


T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ProgressUnavailable(OSError):
    """The progress store cannot be read or written (a read-only or full disk, a folder
    where the file should be …): the message names the file and the cause."""


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Turn the store's SQLite and file-system errors into :class:`ProgressUnavailable`."""

    @functools.wraps(method)
    def guarded(self: ProgressStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as error:
            if isinstance(error, ProgressUnavailable):
                raise
            self.close()
            raise ProgressUnavailable(f"the progress store {self.path}: {error}") from error

    return guarded


def _write_ahead(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting for other processes as long as a write would.

    Switching a new file to WAL takes an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, when another process holds or is taking one
    (several gradings opening a fresh store together): so the switch is retried here, up to
    the busy timeout. A file already in WAL mode needs no switch.
    """
    deadline = monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            busy = "locked" in str(error) or "busy" in str(error)
            if not busy or monotonic() + pause > deadline:
                raise
        sleep(pause + random.uniform(0, pause))
        pause = min(pause * 2, 0.2)


class ProgressStore:
    """The SQLite file of attempts and hints; a context manager closing its connection.

    Args:
        path: the database file; by default ``progress.sqlite3`` in the data directory. Its
            folder is created on first use.
        read_only: only read (a missing store reads as empty; nothing is created).

    Every method raises :class:`ProgressUnavailable` when the file cannot be used.
    """

    def __init__(self, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else data_dir() / DB_NAME
        self.read_only = read_only
        self._connection: sqlite3.Connection | None = None

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (reopened on next use)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None and self.read_only:
            self._connection = self._read_only_connection()
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _write_ahead(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            with _transaction(connection):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                for column in _ADDED_COLUMNS.keys() - _columns(connection):
                    connection.execute(f"ALTER TABLE attempts ADD COLUMN {_ADDED_COLUMNS[column]}")
            self._connection = connection
        return self._connection

    def _read_only_connection(self) -> sqlite3.Connection:
        """The file opened read-only, or an empty in-memory store when there is none yet."""
        if not self.path.exists():
            connection = sqlite3.connect(":memory:", isolation_level=None)
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            return connection
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # WAL on a read-only folder: no -shm can be made
            connection.close()
            uri += "&immutable=1"
            connection = sqlite3.connect(uri, uri=True, isolation_level=None)
        return connection

    # -- attempts ---------------------------------------------------------------------------

    @_guarded
    def record_attempt(
        self,
        exercise_id: str,
        score: float,
        max_score: float,
        status: str,
        source_hash: str = "",
        target: str = "",
        time: datetime | None = None,
        run: str = "",
        workspace: str = "",
    ) -> Attempt:
        """Record one attempt in its own transaction and return it.

        Raises:
            ValueError: if the score is negative or above ``max_score``.
        """
        if not 0 <= score <= max_score + 1e-9:
            raise ValueError(f"score must lie in [0, max_score={max_score!r}], got {score!r}")
        attempt = Attempt(
            0, time or _now(), exercise_id, score, max_score, status, source_hash, target, run,
            workspace,
        )  # fmt: skip
        row = {**asdict(attempt), "time": attempt.time.isoformat()}
        del row["id"]
        with _transaction(self.connection) as connection:
            cursor = connection.execute(
                f"INSERT INTO attempts ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
        return replace(attempt, id=cursor.lastrowid)

    @_guarded
    def attempts(self, exercise_id: str | None = None) -> list[Attempt]:
        """Every attempt (at one exercise, if given), oldest first."""
        present = _columns(self.connection)  # a store made before a column was added
        extra = "".join(f", {c}" if c in present else ", ''" for c in _ADDED_COLUMNS)
        query = (
            "SELECT id, time, exercise_id, score, max_score, status, source_hash, target"
            f"{extra} FROM attempts"
        )
        params: tuple[str, ...] = ()
        if exercise_id is not None:
            query += " WHERE exercise_id = ?"
            params = (exercise_id,)
        rows = self.connection.execute(query + " ORDER BY time, id", params).fetchall()
        return [Attempt(row[0], datetime.fromisoformat(row[1]), *row[2:]) for row in rows]

    # -- hints ------------------------------------------------------------------------------

    @_guarded
    def hints_revealed(self, exercise_id: str) -> int:
        """How many hints of the exercise the learner has seen."""
        row = self.connection.execute(
            "SELECT revealed FROM hints WHERE exercise_id = ?", (exercise_id,)
        ).fetchone()
        return row[0] if row else 0

    @_guarded
    def reveal_hint(self, exercise_id: str, available: int) -> int:
        """Reveal one more hint (at most ``available``); return how many are now revealed."""
        with _transaction(self.connection) as connection:
            row = connection.execute(
                "SELECT revealed FROM hints WHERE exercise_id = ?", (exercise_id,)
            ).fetchone()
            revealed = min((row[0] if row else 0) + 1, available)
            connection.execute(
                "INSERT INTO hints (exercise_id, revealed, time) VALUES (?, ?, ?)"
                " ON CONFLICT (exercise_id) DO UPDATE SET revealed = excluded.revealed,"
                " time = excluded.time",
                (exercise_id, revealed, _now().isoformat()),
            )
        return revealed


_ADDED_COLUMNS = {
    "run": "run TEXT NOT NULL DEFAULT ''",
    "workspace": "workspace TEXT NOT NULL DEFAULT ''",
}
"""Columns newer than the first stores: added to an older store when it is opened."""


def _columns(connection: sqlite3.Connection) -> set[str]:
    return {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taking the lock up front (waits out other writers)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def record_attempt(
    exercise_id: str,
    score: float,
    max_score: float,
    status: str,
    source_hash: str = "",
    target: str = "",
    path: Path | str | None = None,
) -> Attempt:
    """Record one attempt in the default store (or the database at ``path``)."""
    with ProgressStore(path) as store:
        return store.record_attempt(exercise_id, score, max_score, status, source_hash, target)
