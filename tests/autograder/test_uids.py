"""Two grader runs side by side on one machine: their workers never share a user id.

As root each worker runs as a user id of its own, and ``RLIMIT_NPROC`` counts every process
of that user on the machine: with ids shared between runs, a fork bomb graded in one run (a
shard of a Slurm array) took the processes of another run's worker on the same node.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dlfs.autograder.sandbox.uids import RUN_SLOTS, RUNS, WORKER_UID_BASE, worker_uid

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="user ids are given only as root")

_RUN = (
    "import sys, time\n"
    "from dlfs.autograder.sandbox.uids import worker_uid\n"
    "print(worker_uid(0), worker_uid(3), flush=True)\n"
    "sys.stdin.read()\n"  # holds its lease until told to end
)


def _run() -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, [int(n) for n in process.stdout.readline().split()]


def test_runs_side_by_side_get_user_ids_of_their_own_and_free_them_when_they_end():
    first, ids_first = _run()
    second, ids_second = _run()
    try:
        assert not set(ids_first) & set(ids_second)
        assert ids_first[1] - ids_first[0] == 3  # a run's slots: ids side by side
        for uid in (*ids_first, *ids_second):
            assert WORKER_UID_BASE <= uid < WORKER_UID_BASE + RUNS * RUN_SLOTS
        assert worker_uid(0) not in (ids_first[0], ids_second[0])  # this test's run too
    finally:
        for process in (first, second):
            process.communicate("")
    third, ids_third = _run()  # the first two ended: their leases are free again
    third.communicate("")
    assert ids_third[0] in (ids_first[0], ids_second[0])


def test_a_grader_started_by_another_takes_a_lease_of_its_own(monkeypatch):
    """The lease reaches a fork server through its environment; a grader started from a
    process holding one (a test, a Slurm task) does not take it for its own."""
    monkeypatch.setenv("DLFS_UID_LEASE", str((worker_uid(0) - WORKER_UID_BASE) // RUN_SLOTS))
    child, ids = _run()
    child.communicate("")
    assert ids[0] != worker_uid(0)


_THREADS = (
    "import threading\n"
    "from dlfs.autograder.sandbox.uids import worker_uid\n"
    "start, seen = threading.Barrier(8), []\n"
    "def ask():\n"
    "    start.wait()\n"
    "    seen.append(worker_uid(0))\n"
    "threads = [threading.Thread(target=ask) for _ in range(8)]\n"
    "[t.start() for t in threads]; [t.join() for t in threads]\n"
    "print(*sorted(set(seen)), worker_uid(0))\n"
)


def test_threads_asking_at_once_share_the_run_s_one_lease():
    """The fork servers started ahead ask for the lease from threads of their own while the
    grader asks in its main thread: one lease for all (two had been taken, a server's workers
    ran as a user id the grader had not given their folders)."""
    for _ in range(3):
        said = subprocess.run(
            [sys.executable, "-c", _THREADS], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(set(said)) == 1, said
