"""Fixtures shared by the grader's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def isolated() -> bool:
    """Workers can be isolated here; else the test says why it cannot run (the refusal is
    tested on its own: test_where_workers_cannot_be_isolated_grading_says_so_and_can_refuse)."""
    from dlfs.autograder.sandbox import isolation

    status = isolation()
    if not status.available:
        pytest.skip(f"workers cannot be isolated here: {status.describe()}")
    return True
