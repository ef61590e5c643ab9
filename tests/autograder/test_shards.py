"""A class graded in shards merges into exactly what one ``batch`` run writes; the regrade
cache grades only what changed; parts of another run, a missing or a repeated shard are
refused, saying which."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dlfs.autograder.classroom.batch import grade_class
from dlfs.autograder.classroom.cache import ResultCache, submission_digest
from dlfs.autograder.classroom.identity import RunIdentity, class_seed, course_hash
from dlfs.autograder.classroom.merge import MergeError, merge_parts
from dlfs.autograder.classroom.outputs import write_class
from dlfs.autograder.classroom.parts import PartError, read_part, write_part
from dlfs.autograder.classroom.shards import Shard
from dlfs.autograder.cli.main import cli
from dlfs.autograder.course import load_course
from dlfs.autograder.generate.synthetic import make_class
from dlfs.autograder.results import GradeReport

from .grading_helpers import fast_course

pytestmark = pytest.mark.xdist_group("shards")  # its module fixtures, computed once

TARGET = "chapter1"
SEED = 4242


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """One of each kind of synthetic student (12), and one lone file."""
    root = tmp_path_factory.mktemp("class") / "submissions"
    make_class(root, 12, TARGET)
    (root / "notes.txt").write_text("not a submission\n")
    return root


@pytest.fixture(scope="module")
def whole(submissions, data_dir):
    return grade_class(submissions, TARGET, jobs=2, seed=SEED)


@pytest.fixture(scope="module")
def parts(submissions, tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("parts")
    for shard in Shard.all(3):
        write_part(grade_class(submissions, TARGET, jobs=2, seed=SEED, shard=shard), folder)
    return folder


# -- shards -------------------------------------------------------------------------------


def test_a_shard_is_parsed_from_k_of_n_and_checked():
    assert Shard.parse(" 3/8 ") == Shard(3, 8) and str(Shard(3, 8)) == "3/8"
    for bad in ("0/4", "5/4", "3", "a/b", "1/0"):
        with pytest.raises(ValueError, match="K/N"):
            Shard.parse(bad)


@given(st.sets(st.text(min_size=1, max_size=8), max_size=60), st.integers(1, 9))
def test_shards_partition_the_class_in_balanced_parts_whatever_the_listing_order(names, n):
    listed = list(names)
    random.Random(n).shuffle(listed)
    shards = [Shard(k, n).select(listed) for k in range(1, n + 1)]
    assert sorted(name for shard in shards for name in shard) == sorted(names)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert shards == [Shard(k, n).select(sorted(names)) for k in range(1, n + 1)]


# -- one class, one seed; what makes a run ------------------------------------------------


def test_the_class_seed_is_derived_from_its_id_and_the_course_hash_from_its_content(tmp_path):
    assert class_seed("ml101-2026") == class_seed("ml101-2026") != class_seed("ml101-2027")
    assert 0 <= class_seed("x") < 2**31
    with pytest.raises(ValueError, match="empty"):
        class_seed(" ")
    course = load_course()
    copy = tmp_path / "course.toml"
    shutil.copy(course.path, copy)
    assert course_hash(load_course(copy)) == course_hash(course)  # wherever the file lies
    assert course_hash(fast_course(tmp_path, timeout=9)) != course_hash(course)


def test_a_shard_of_a_class_needs_the_class_seed(submissions):
    with pytest.raises(ValueError, match="one seed"):
        grade_class(submissions, TARGET, shard=Shard(1, 2))


def test_a_report_reads_back_from_its_record_whole(whole):
    for student in whole.students:
        if student.report is None:
            continue
        again = GradeReport.from_dict(json.loads(json.dumps(student.report.to_record())))
        assert again.to_record() == student.report.to_record()
        assert again.isolation == student.report.isolation


# -- merge --------------------------------------------------------------------------------


def _csv_and_page(report, folder: Path) -> tuple[str, str]:
    folder.mkdir()
    csv_path, page = write_class(report, folder / "grades.csv", folder / "report")
    assert csv_path is not None and page is not None
    return csv_path.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")


def test_the_merged_parts_write_exactly_what_one_batch_run_writes(whole, parts, tmp_path):
    merged = merge_parts([parts])
    assert [s.student for s in merged.students] == [s.student for s in whole.students]
    assert merged.seed == SEED and merged.run == whole.run
    merged_csv, merged_page = _csv_and_page(merged, tmp_path / "m")
    whole_csv, whole_page = _csv_and_page(whole, tmp_path / "w")
    rows = zip(csv.reader(merged_csv.splitlines()), csv.reader(whole_csv.splitlines()), strict=True)
    differ = [
        f"{m[0]}, column {i}:\n  merged: {a}\n  whole:  {b}"
        for m, w in rows
        for i, (a, b) in enumerate(zip(m, w, strict=True))
        if a != b
    ]
    if differ:  # each differing cell in full (an assertion's repr would cut the middle out)
        pytest.fail("\n".join(differ), pytrace=False)
    assert merged_page == whole_page
    with open(tmp_path / "m" / "grades.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13 and {r["total"] for r in rows} > {"0", "18"}  # a varied class


def test_a_part_records_the_run_and_the_shard(parts):
    part = read_part(parts / "part-2-of-3.json")
    assert part.shard is not None and str(part.shard.shard) == "2/3"
    assert part.shard.students == 13 and len(part.students) in (4, 5)
    assert part.run is not None and part.run.seed == SEED and part.run.target == TARGET
    assert part.run.grader.startswith("0.") and len(part.run.course) == 16


def test_a_missing_shard_is_named(parts):
    with pytest.raises(MergeError, match=r"missing shard: 2/3"):
        merge_parts([parts / "part-1-of-3.json", parts / "part-3-of-3.json"])


def test_a_shard_given_twice_is_named(parts, tmp_path):
    copy = tmp_path / "part-1-of-3.json"
    shutil.copy(parts / "part-1-of-3.json", copy)
    with pytest.raises(MergeError, match=r"shard 1/3 is there 2 times"):
        merge_parts([parts, copy])


def test_parts_of_two_runs_are_refused_saying_what_differs(submissions, parts, tmp_path):
    other = grade_class(submissions, TARGET, seed=SEED + 1, shard=Shard(2, 3), cache=None)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("part-1-of-3.json", "part-3-of-3.json"):
        shutil.copy(parts / name, mixed / name)
    write_part(other, mixed)
    with pytest.raises(MergeError, match=rf"parts of two runs: seed {SEED} vs {SEED + 1}"):
        merge_parts([mixed])


def test_a_student_in_two_parts_and_a_file_that_is_no_part_are_refused(parts, tmp_path):
    data = json.loads((parts / "part-1-of-3.json").read_text())
    other = json.loads((parts / "part-2-of-3.json").read_text())
    other["students"].append(data["students"][0])
    folder = tmp_path / "dup"
    folder.mkdir()
    for name in ("part-1-of-3.json", "part-3-of-3.json"):
        shutil.copy(parts / name, folder / name)
    (folder / "part-2-of-3.json").write_text(json.dumps(other))
    name = data["students"][0]["student"]
    with pytest.raises(MergeError, match=rf"the student '{name}' is in two parts"):
        merge_parts([folder])
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(PartError, match="not a part"):
        read_part(tmp_path / "x.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MergeError, match="no part"):
        merge_parts([empty])


def test_merge_exits_1_and_says_which_shard_is_missing(parts, tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    shutil.copy(parts / "part-1-of-3.json", folder)
    result = CliRunner().invoke(cli, ["merge", str(folder), "--csv", str(tmp_path / "g.csv")])
    assert result.exit_code == 1
    assert "missing shards: 2/3, 3/3" in result.output
    assert not (tmp_path / "g.csv").exists()  # nothing is written


# -- the regrade cache --------------------------------------------------------------------


def test_grading_again_regrades_only_the_changed_submission(submissions, tmp_path):
    copy = tmp_path / "class"
    shutil.copytree(submissions, copy)
    cache = tmp_path / "cache"
    first = grade_class(copy, TARGET, jobs=2, seed=SEED, cache=cache)
    assert not any(s.cached for s in first.students)
    edited = copy / "student00000" / "foundations.py"
    edited.write_text(edited.read_text() + "\n# one more line\n")
    heard = []
    again = grade_class(copy, TARGET, jobs=2, seed=SEED, cache=cache, on_student=heard.append)
    regraded = {s.student for s in again.students if not s.cached}
    assert regraded == {"notes.txt", "student00011", "student00000"}  # unreadable rows too
    assert sorted(s.student for s in heard) == sorted(s.student for s in again.students)
    assert [s.score for s in again.students] == [s.score for s in first.students]
    forced = grade_class(copy, TARGET, jobs=2, seed=SEED, cache=cache, force=True)
    assert not any(s.cached for s in forced.students)
    other_seed = grade_class(copy, TARGET, jobs=2, seed=SEED + 1, cache=cache)
    assert not any(s.cached for s in other_seed.students)


def test_the_cache_is_keyed_by_content_place_course_grader_target_and_seed(whole, tmp_path):
    student = next(s for s in whole.students if s.report is not None)
    workspace = Path(student.workspace)
    run = RunIdentity.of(load_course(), TARGET, SEED)
    cache = ResultCache(tmp_path, run)
    assert cache.put(workspace, student.report) and cache.get(workspace) is not None
    for changed in (
        RunIdentity(run.course, run.grader, run.target, run.seed + 1),
        RunIdentity("other", run.grader, run.target, run.seed),
        RunIdentity(run.course, "0.1.0+other", run.target, run.seed),
        RunIdentity(run.course, run.grader, "chapter2", run.seed),
    ):
        assert ResultCache(tmp_path, changed).get(workspace) is None
    assert ResultCache(tmp_path, run, force=True).get(workspace) is None
    moved = tmp_path / "moved"
    shutil.copytree(workspace, moved)
    assert submission_digest(moved) != submission_digest(workspace)  # messages name places
    faulty = GradeReport.from_dict(student.report.to_record())
    faulty.exercises[0].status = "grader_error"
    assert not cache.put(moved, faulty)  # the grader's fault is graded again


# -- the command line ---------------------------------------------------------------------


def test_batch_writes_a_part_and_refuses_a_shard_without_its_folder_or_two_seeds(
    submissions, tmp_path
):
    runner = CliRunner()
    base = ["batch", str(submissions), "-t", "chapter1.sigmoid", "--no-cache"]
    usage = runner.invoke(cli, [*base, "--shard", "1/2", "--seed", "1"])
    assert usage.exit_code == 2 and "--shard needs --out" in usage.output
    both = runner.invoke(cli, [*base, "--seed", "1", "--class-id", "c"])
    assert both.exit_code == 2 and "not both" in both.output
    bad = runner.invoke(cli, [*base, "--shard", "3/2"])
    assert bad.exit_code == 2 and "K/N" in bad.output
    out = tmp_path / "parts"
    done = runner.invoke(cli, [*base, "--shard", "2/2", "--class-id", "c", "--out", str(out)])
    assert done.exit_code == 1, done.output  # a student of the shard did not pass: the rule
    graded = [*base, "--shard", "2/2", "--class-id", "c", "--out", str(out)]
    engine = runner.invoke(cli, [*graded, "--exit-zero-if-graded"])  # as the jobs run it
    assert engine.exit_code == 0, engine.output
    part = read_part(out / "part-2-of-2.json")
    assert part.seed == class_seed("c") and "the part in" in done.output
