"""Fork servers started ahead (``sandbox.servers.prestart``): a slot takes one rather than
starting its own, of its kind (PyTorch or not), and the command line starts what it needs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dlfs.autograder.sandbox import servers


@pytest.fixture
def started(monkeypatch) -> list[bool]:
    """Every fork server started, as ``record`` (False: started ahead, in the background)."""
    servers.discard_ahead()  # none left by another test's command line
    calls: list[bool] = []
    real = servers._started

    def counted(record: bool = True):
        calls.append(record)
        return real(record)

    monkeypatch.setattr(servers, "_started", counted)
    return calls


def test_a_server_started_ahead_is_the_one_a_slot_takes(started):
    servers.prestart(light=1)
    try:
        server = servers.get_server(41)
        assert server.alive()
        assert started == [False]  # the one started ahead, and no other
        assert servers.get_server(41) is server
    finally:
        servers.shutdown(41)


def test_a_slot_takes_only_a_server_of_its_kind(started):
    pytest.importorskip("torch")
    heavy = 42 + servers.HEAVY_SERVERS
    servers.prestart(heavy=1)
    try:
        light = servers.get_server(42)  # no PyTorch wanted: one of its own
        assert started == [False, True]
        server = servers.get_server(heavy)
        assert started == [False, True] and server is not light
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _has_torch(server.process.pid):
            time.sleep(0.2)
        assert _has_torch(server.process.pid)  # imported at once, before any job asked
        assert not _has_torch(light.process.pid)
    finally:
        servers.shutdown(42)
        servers.shutdown(heavy)


def _has_torch(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.parametrize(
    ("targets", "light", "heavy"),
    [
        (["chapter1.sigmoid"], 1, 0),
        (["chapter3"], 2, 0),
        (["ch7"], 0, 1),
        (["all"], 2, 1),
        (["chapter 3", "7.dense_layer"], 2, 1),
        (["chapter1.sigmoid", "chapter2.rmse"], 2, 0),
        (["nonsense"], 0, 0),
    ],
)
def test_the_command_line_starts_what_its_targets_need(targets, light, heavy, monkeypatch):
    from dlfs.autograder.cli import grade

    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(servers, "prestart", lambda light, heavy: asked.append((light, heavy)))
    grade._start_servers_ahead(grade.joined_targets(tuple(" ".join(targets).split())), 2)
    assert asked == ([(light, heavy)] if (light, heavy) != (0, 0) else [])


def test_servers_started_ahead_and_not_needed_end_with_the_session(started):
    from dlfs.autograder.grading import GradingSession

    servers.prestart(light=1)
    ahead = servers._ahead[False][0]
    with GradingSession(jobs=1):
        pass
    server = ahead.result(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.alive():
        time.sleep(0.05)
    assert not server.alive() and not servers._ahead[False]
