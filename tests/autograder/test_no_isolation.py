"""``DLFS_NO_ISOLATION=1`` (measuring isolation's cost, debugging) grades as it does with
isolation on: as root too, where each worker still runs as a user id of its own and must
reach its folder and the training data without the namespaces' view of them (every
exercise had been a grader error there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("target", ["chapter1.sigmoid", "chapter2.loss_gradients", "chapter1"])
def test_grades_without_isolation(target, tmp_path, data_dir):
    env = dict(os.environ, DLFS_NO_ISOLATION="1", DLFS_HOME=str(tmp_path))
    command = [sys.executable, "-m", "dlfs.autograder.cli", target, "--reference", "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert report["isolation"] == "none"
    statuses = [(e["id"], e["status"], e["message"]) for e in report["exercises"]]
    assert all(status == "passed" for _, status, _ in statuses), statuses
    assert report["score"] == report["max_score"]
