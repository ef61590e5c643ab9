"""Does ``dlfs-grade batch`` grade a class, one row per student, whatever a submission does?"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner

from dlfs.autograder.classroom.batch import find_workspace, grade_class, write_csv
from dlfs.autograder.cli.main import cli
from dlfs.autograder.generate.exercises import build_exercises

from .grading_helpers import reference_workspace, replace_body

pytestmark = pytest.mark.xdist_group("batch")  # its module fixtures, computed once

TARGET = "chapter3"


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """alice: the answer key; bob: the stubs, as a clone; carol: a lone .py file;
    dave: a body that kills its worker; erin: an empty folder."""
    root = tmp_path_factory.mktemp("submissions")
    shutil.move(reference_workspace(tmp_path_factory.mktemp("a")), root / "alice")
    build_exercises(root / "bob" / "exercises")
    (root / "bob" / "README.md").write_text("my clone\n")
    (root / "carol.py").write_text("print('hello')\n")
    shutil.move(reference_workspace(tmp_path_factory.mktemp("d")), root / "dave")
    replace_body(root / "dave", "activations:Sigmoid._input_grad", "import os\nos._exit(3)")
    (root / "erin").mkdir()
    (root / ".DS_Store").write_text("")
    return root


@pytest.fixture(scope="module")
def report(submissions, data_dir):
    return grade_class(submissions, target=TARGET, jobs=2)


def test_every_student_is_a_row_and_failures_are_rows_with_their_error(report):
    rows = {row["student"]: row for row in report.rows()}
    assert sorted(rows) == [".DS_Store", "alice", "bob", "carol.py", "dave", "erin"]
    assert "folder" in rows[".DS_Store"]["errors"]  # reported, not dropped
    assert rows["alice"]["total"] == report.max_score > 0
    assert rows["alice"]["errors"] == ""
    assert rows["bob"]["total"] == 0
    assert "folder" in rows["carol.py"]["errors"]
    assert rows["carol.py"]["chapter3.sigmoid_forward"] is None
    assert "no Python files" in rows["erin"]["errors"]
    dave = rows["dave"]
    assert dave["chapter3.sigmoid_backward"] == 0
    assert "chapter3.sigmoid_backward" in dave["errors"] and "os._exit" in dave["errors"]
    assert dave["total"] == report.max_score - 2  # every other exercise keeps its points
    assert report.budget == 120 and report.to_dict()["budget_seconds"] == 120  # a chapter's


def test_the_csv_has_a_column_per_exercise_and_the_total(report, tmp_path):
    path = write_csv(report, tmp_path / "grades.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    assert header[0] == "student" and header[-3:] == ["total", "max_score", "errors"]
    assert header[1:-3] == [exercise_id for exercise_id, _ in report.exercises]
    alice = next(r for r in rows if r["student"] == "alice")
    assert float(alice["total"]) == report.max_score
    assert next(r for r in rows if r["student"] == "carol.py")["chapter3.sgd"] == ""


def test_find_workspace_takes_a_clones_exercises_folder(submissions):
    assert find_workspace(submissions / "bob") == (submissions / "bob" / "exercises").resolve()
    assert find_workspace(submissions / "alice") == (submissions / "alice").resolve()
    with pytest.raises(ValueError, match=r"carol\.py"):
        find_workspace(submissions / "carol.py")


def test_a_submission_with_a_symbolic_link_is_refused(tmp_path):
    mallory = tmp_path / "mallory"
    mallory.mkdir()
    (mallory / "losses.py").write_text("x = 1\n")
    (mallory / "activations.py").symlink_to(reference_workspace(tmp_path) / "activations.py")
    with pytest.raises(ValueError, match="symbolic link"):
        find_workspace(mallory)


def test_bad_arguments_raise_quoting_the_value(tmp_path):
    with pytest.raises(ValueError, match="jobs=0"):
        grade_class(tmp_path, jobs=0)
    with pytest.raises(ValueError, match="missing"):
        grade_class(tmp_path / "missing")


def test_the_command_writes_csv_and_json(monkeypatch, tmp_path, report):
    calls = {}

    def fake_grade_class(
        submissions, target, jobs, course, on_student, seed, shard, cache, force, hidden
    ):
        calls.update(submissions=submissions, target=target, jobs=jobs, seed=seed)
        calls.update(shard=shard, cache=cache, force=force, hidden=hidden)
        return report

    monkeypatch.setattr("dlfs.autograder.classroom.batch.grade_class", fake_grade_class)
    out = tmp_path / "grades.csv"
    options = ["-t", TARGET, "-j", "3", "--csv", str(out), "--json", "--seed", "12"]
    result = CliRunner().invoke(cli, ["batch", str(tmp_path), *options])
    assert result.exit_code == 1, result.output  # not every student passed: the rule's 1
    cache = calls.pop("cache")
    assert calls == {"submissions": tmp_path, "target": TARGET, "jobs": 3, "seed": 12,
                     "shard": None, "force": False, "hidden": []}  # fmt: skip
    assert cache is not None and cache.name == "batch-cache"  # kept results by default
    data = json.loads(result.output)
    assert [s["student"] for s in data["students"]] == [s.student for s in report.students]
    assert out.read_text(encoding="utf-8").startswith("student,chapter3.")


def test_every_entry_is_a_row_and_no_cell_starts_a_formula(tmp_path):
    from dlfs.autograder.classroom.batch import ClassReport, StudentResult

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in (".hidden", "__dunder", "=HYPERLINK(evil)"):
        (submissions / name).mkdir()
    report = grade_class(submissions, "chapter1.sigmoid")
    assert sorted(s.student for s in report.students) == sorted(
        [".hidden", "=HYPERLINK(evil)", "__dunder"]
    )
    assert all(s.error for s in report.students)  # empty folders: a row with the reason
    crafted = ClassReport("t", [("e", 1.0)], [StudentResult("+cmd|' /C calc'!A0", error="-1+1")])
    out = write_csv(crafted, tmp_path / "grades.csv")
    text = out.read_text(encoding="utf-8")
    assert "'+cmd" in text and "'-1+1" in text
    assert "=HYPERLINK" not in write_csv(report, tmp_path / "g2.csv").read_text().replace(
        "'=HYPERLINK", ""
    )


def test_the_class_report_shows_scores_pass_rates_named_mistakes_and_who_is_stuck(report, tmp_path):
    from dlfs.autograder.classroom.report import summarize_class, write_report

    summary = summarize_class(report)
    assert summary.stuck == {"bob": ["chapter3"]}  # the stubs: nothing ran to a result
    assert {"carol.py", "erin", ".DS_Store"} <= set(summary.ungraded)
    assert summary.pass_rates["chapter3.sigmoid_forward"] == pytest.approx(2 / 3)
    page = write_report(report, tmp_path / "class").read_text(encoding="utf-8")
    for part in ("Scores", "Pass rate per exercise", "Every named mistake", "stuck"):
        assert part in page
    assert page.count("data:image/png;base64,") == 2  # self-contained: the plots inline
    assert "<li>bob: chapter3</li>" in page
    stats = {s.id: s for s in summary.statistics}
    sigmoid = stats["chapter3.sigmoid_backward"]  # alice passed, bob did not start, dave crashed
    assert sigmoid.graded == 3 and sigmoid.pass_rate == pytest.approx(1 / 3)
    assert sigmoid.statuses == {"passed": 1, "not_started": 1, "error": 1}
    assert sigmoid.mean == pytest.approx(sigmoid.max_score / 3)
    assert "<h2>Every student</h2>" in page and 'title="error: ' in page  # the crash's message
    assert "discrimination" in page


def test_per_exercise_statistics_separate_strong_from_weak_students():
    """An exercise the strong students pass and the weak fail discriminates (near 1); one
    that only the weakest passes is negative; one everyone passes is undefined."""
    from dlfs.autograder.classroom.batch import ClassReport, StudentResult
    from dlfs.autograder.classroom.statistics import exercise_statistics
    from dlfs.autograder.results import ExerciseResult, GradeReport

    def student(name: str, passed: set[str], syntax: bool = False) -> StudentResult:
        results = []
        for exercise in ("a", "b", "c", "d", "e"):
            ok = exercise in passed
            status = "passed" if ok else "error" if syntax and exercise == "e" else "failed"
            message = "syntax error at x.py:3: invalid syntax" if status == "error" else ""
            results.append(ExerciseResult(f"ch.{exercise}", float(ok), 1.0, status, message))
        return StudentResult(name, GradeReport.from_exercises("ch", results))

    students = [
        student("strong", {"a", "b", "c", "d"}),
        student("good", {"a", "b", "c", "d"}),
        student("fair", {"a", "b", "c"}),
        student("weak", {"a", "e"}, syntax=False),
        student("weakest", {"a", "e"}),
    ]
    report = ClassReport("ch", [(f"ch.{x}", 1.0) for x in "abcde"], students)
    stats = {s.id: s for s in exercise_statistics(report)}
    assert stats["ch.a"].discrimination is None  # everyone passed it
    assert stats["ch.b"].discrimination > 0.5
    assert stats["ch.e"].discrimination < 0
    report.students.append(student("typo", set(), syntax=True))
    assert exercise_statistics(report)[-1].statuses["syntax_error"] == 1


def test_the_score_histogram_counts_students_in_whole_numbers(report, monkeypatch):
    from dlfs.autograder.classroom import report as page

    figures = []
    original = page._png
    monkeypatch.setattr(page, "_png", lambda figure: figures.append(figure) or original(figure))
    page._plots(report, page.summarize_class(report))
    ticks = figures[0].axes[0].get_yticks()
    assert all(float(t).is_integer() for t in ticks)


def test_named_mistakes_are_counted_once_per_student():
    from dlfs.autograder.classroom.batch import ClassReport, StudentResult
    from dlfs.autograder.classroom.report import summarize_class
    from dlfs.autograder.results import CheckResult, ExerciseResult, GradeReport

    def student(name: str, message: str) -> StudentResult:
        checks = [CheckResult("gradient check", "gradient", 0.0, 1.0, False, message)] * 2
        result = ExerciseResult("chapter3.sgd", 0.0, 1.0, "failed", message, checks)
        return StudentResult(name, GradeReport.from_exercises("chapter3", [result]))

    slip = "W at [0]: got 1, expected 2. Likely: update them in place"
    students = [student("a", slip), student("b", slip), student("c", "W is off")]
    summary = summarize_class(ClassReport("chapter3", [("chapter3.sgd", 1.0)], students))
    assert summary.mistakes == {"chapter3.sgd": [("update them in place", 2)]}
    assert summary.statistics[0].statuses == {"failed": 3}
    assert summary.pass_rates == {"chapter3.sgd": 0.0}


def test_the_class_report_renders_in_a_browser(report, tmp_path):
    """Headless Chromium takes a screenshot of the page (where Debian's chromium is there)."""
    import shutil
    import subprocess

    from dlfs.autograder.classroom.report import write_report

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium here (apt-get install chromium)")
    page = write_report(report, tmp_path / "class")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
         "--window-size=1200,2000", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_the_exit_code_follows_the_rule_of_every_command(tmp_path, monkeypatch, report):
    """0 only when every student passed everything; 1 when something did not; 2 for a
    mistyped target (before any grading)."""
    from dlfs.autograder.classroom.batch import ClassReport, StudentResult
    from dlfs.autograder.results import ExerciseResult, GradeReport

    passing = ClassReport(
        TARGET,
        [("chapter3.sigmoid_forward", 1.0)],
        [
            StudentResult(
                "alice",
                GradeReport.from_exercises(
                    TARGET, [ExerciseResult("chapter3.sigmoid_forward", 1.0, 1.0, "passed")]
                ),
            )
        ],
    )
    for graded, code in ((passing, 0), (report, 1)):
        monkeypatch.setattr(
            "dlfs.autograder.classroom.batch.grade_class", lambda *a, r=graded, **k: r
        )
        result = CliRunner().invoke(cli, ["batch", str(tmp_path), "-t", TARGET])
        assert result.exit_code == code, result.output
    monkeypatch.undo()
    mistyped = CliRunner().invoke(cli, ["batch", str(tmp_path), "-t", "chapter33"])
    assert mistyped.exit_code == 2 and "did you mean" in mistyped.output
