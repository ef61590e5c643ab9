"""The jobs ``dlfs-grade export slurm|k8s|actions`` writes: one shard contract, valid for its
engine (the Kubernetes Jobs against Kubernetes' schemas, the workflow against GitHub's, both
offline; the Slurm scripts by bash), every task the same seed."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from dlfs.autograder.classroom.export.plan import plan_shards
from dlfs.autograder.classroom.export.yaml import to_yaml
from dlfs.autograder.classroom.identity import class_seed
from dlfs.autograder.cli.main import cli


@pytest.fixture
def classroom(tmp_path):
    """A submissions folder of 250 entries (only counted here) and a place for the jobs."""
    submissions = tmp_path / "submissions"
    for number in range(250):
        (submissions / f"s{number:03d}").mkdir(parents=True)
    return tmp_path


def _export(*words: str) -> str:
    result = CliRunner().invoke(cli, ["export", *words])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_plan_sizes_shards_from_the_class_and_needs_one_seed():
    plan = plan_shards("s", "p", "chapter3", 120, students=1000, class_id="ml")
    assert (plan.shards, plan.parallel, plan.seed) == (10, 10, class_seed("ml"))
    assert plan_shards("s", "p", "all", 300, students=50, seed=1, parallel=9).parallel == 1
    with pytest.raises(ValueError, match="one seed"):
        plan_shards("s", "p", "all", 300, students=50)
    with pytest.raises(ValueError, match="one seed"):
        plan_shards("s", "p", "all", 300, students=50, seed=1, class_id="x")
    with pytest.raises(ValueError, match="number of shards"):
        plan_shards("s", "p", "all", 300, seed=1)


def test_slurm_gets_a_job_array_and_a_merge_after_it(classroom, monkeypatch):
    monkeypatch.chdir(classroom)
    jobs = classroom / "jobs"
    args = ["--submissions", "submissions", "-t", "chapter1", "--cpus-per-task", "4"]
    _export("slurm", str(jobs), *args, "--parallel", "2", "--class-id", "c")
    grade = (jobs / "grade.sbatch").read_text()
    assert "#SBATCH --array=1-3%2" in grade  # 250 students: 3 tasks, 2 at once
    assert "#SBATCH --cpus-per-task=4" in grade
    assert f"--seed {class_seed('c')}" in grade
    assert '--shard "${SLURM_ARRAY_TASK_ID}/3"' in grade
    assert '--jobs "${SLURM_CPUS_PER_TASK:-4}"' in grade
    assert f"batch {classroom / 'submissions'} " in grade  # absolute: nodes start elsewhere
    assert f"--out {jobs / 'parts'}" in grade and "export DLFS_COURSE=" in grade
    merge = (jobs / "merge.sbatch").read_text()
    assert f"merge {jobs / 'parts'} --csv {jobs / 'grades.csv'}" in merge
    submit = (jobs / "submit.sh").read_text()
    assert re.search(r"--dependency=\"afterok:\$\{array\}\" merge\.sbatch", submit)
    for name in ("grade.sbatch", "merge.sbatch", "submit.sh"):
        subprocess.run(["bash", "-n", str(jobs / name)], check=True, timeout=30)


def test_the_kubernetes_jobs_are_valid_against_kubernetes_schemas(classroom):
    import kubernetes_validate

    folder = classroom / "k8s"
    _export("k8s", str(folder), "--submissions", "/class/submissions", "--students", "450",
            "--image", "registry.example/dlfs:1", "--seed", "7")  # fmt: skip
    version = kubernetes_validate.latest_version()
    grade = yaml.safe_load((folder / "grade-job.yaml").read_text())
    merge = yaml.safe_load((folder / "merge-job.yaml").read_text())
    for manifest in (grade, merge):
        kubernetes_validate.validate(manifest, version, strict=True)
    spec = grade["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 5, 5)
    command = spec["template"]["spec"]["containers"][0]["command"][-1]
    assert '--shard "$((JOB_COMPLETION_INDEX + 1))/5"' in command and "--seed 7" in command
    assert "merge /class/parts --csv /class/grades.csv" in (folder / "merge-job.yaml").read_text()
    broken = json.loads(json.dumps(grade))
    broken["spec"]["completion"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, version, strict=True)
    submit = (folder / "submit.sh").read_text()
    assert submit.index("kubectl wait --for=condition=complete") < submit.index("merge-job")


def test_the_actions_workflow_is_valid_against_githubs_schema(classroom):
    folder = classroom / "repo"
    _export("actions", str(folder), "--submissions", "submissions", "--students", "250",
            "-t", "chapter4", "--seed", "11")  # fmt: skip
    path = folder / ".github" / "workflows" / "grade-class.yml"
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    workflow = yaml.safe_load(path.read_text())
    grade = workflow["jobs"]["grade"]
    assert grade["strategy"]["matrix"]["shard"] == [1, 2, 3]
    steps = " ".join(str(s.get("run", "")) for s in grade["steps"])
    assert '--shard "${{ matrix.shard }}/3"' in steps and "--seed 11" in steps
    assert "dlfs-grade data fetch mnist" in steps  # chapter 4 trains on MNIST
    assert workflow["jobs"]["merge"]["needs"] == "grade"


def test_the_yaml_writer_is_read_back_as_written():
    data = {
        "on": {"push": {}},
        "yes": ["no", "1.10", 3, 2.5, True, None, ""],
        "steps": [{"run": "echo a\necho 'b'\n", "with": {"k": "v: w"}}, {"run": "x\ny"}],
        "nested": [[1, 2], {"a": []}],
    }
    assert yaml.safe_load(to_yaml(data)) == data


def test_an_export_without_a_way_to_size_the_shards_says_so(tmp_path):
    result = CliRunner().invoke(
        cli, ["export", "k8s", str(tmp_path), "--submissions", "/x", "--image", "i"]
    )
    assert result.exit_code == 1 and "number of shards" in result.output
