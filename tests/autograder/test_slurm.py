"""A class graded as a real Slurm job array merges into the grades one ``batch`` run gives.

The test starts a single-node cluster of its own (munged, slurmctld, slurmd in a temporary
folder: :mod:`.slurm_cluster`), exports the class's jobs with ``dlfs-grade export slurm``,
submits them with the ``submit.sh`` written, waits for the merge job (``afterok`` on the array)
and compares the merged CSV with ``batch`` over the same class. It is the shard contract under
test, not the grading: one exercise of chapter 1 is enough (200 students, 4 shards: a minute on
a quiet 2-core machine, the class graded twice). Skipped, with the reason, where Slurm cannot
start (not root, no ``slurm-wlm``/``munge``: ``.ci/run`` installs them).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlfs.autograder.classroom.batch import grade_class, write_csv
from dlfs.autograder.classroom.identity import class_seed
from dlfs.autograder.cli.main import cli
from dlfs.autograder.generate.synthetic import make_class

from .slurm_cluster import SlurmCluster, SlurmError, unavailable

pytestmark = pytest.mark.xdist_group("slurm")  # its module fixtures, computed once

STUDENTS = 200
SHARDS = 4
TARGET = "chapter1.sigmoid"
CLASS_ID = "slurm-test-class"


@pytest.fixture(scope="module")
def cluster():
    """A running single-node cluster; every daemon it started is stopped afterwards, also
    when the test fails."""
    why = unavailable()
    if why is not None:
        pytest.skip(why)
    folder = Path(tempfile.mkdtemp(prefix="dlfs-slurm-"))  # short: munge's socket path
    running = SlurmCluster(folder)
    try:
        running.start()
    except SlurmError as error:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"Slurm could not start here: {error}")
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _points(path: Path) -> dict[str, dict[str, str]]:
    """Each student's points (every column but the errors)."""
    return {r["student"]: {k: v for k, v in r.items() if k != "errors"} for r in _rows(path)}


def test_a_job_array_merges_into_the_grades_of_one_batch_run(cluster, tmp_path, data_dir):
    submissions = tmp_path / "submissions"
    make_class(submissions, STUDENTS, TARGET)
    jobs = tmp_path / "jobs"
    export = CliRunner().invoke(
        cli,
        ["export", "slurm", str(jobs), "--submissions", str(submissions), "-t", TARGET,
         "--shards", str(SHARDS), "--cpus-per-task", "1", "--class-id", CLASS_ID],
    )  # fmt: skip
    assert export.exit_code == 0, export.output
    submitted = cluster.call("bash", str(jobs / "submit.sh")).stdout
    words = [w for w in submitted.split() if w.startswith(("array=", "merge="))]
    ids = dict(word.split("=", 1) for word in words)
    assert cluster.wait(ids["array"], seconds=300) == "COMPLETED", cluster.logs()
    assert cluster.wait(ids["merge"], seconds=120) == "COMPLETED", cluster.logs()
    assert sorted(p.name for p in (jobs / "parts").glob("part-*")) == [
        f"part-{k}-of-{SHARDS}.json" for k in range(1, SHARDS + 1)
    ]
    assert (jobs / "report" / "index.html").is_file()

    whole = grade_class(submissions, TARGET, jobs=2, seed=class_seed(CLASS_ID))
    expected = write_csv(whole, tmp_path / "batch.csv")
    merged = _points(jobs / "grades.csv")
    assert len(merged) == STUDENTS
    assert merged == _points(expected)
    kinds = {(row["total"], bool(row["errors"])) for row in _rows(jobs / "grades.csv")}
    assert {("1", False), ("0", True), ("0", False)} <= kinds  # passed, errors, not started
