"""The chapter notebooks: generation, the committed copies, and check() from cells and kernels."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import dlfs.autograder.grading.expected as answers_module
import dlfs.autograder.notebook.checking as checking
from dlfs.autograder.cli.main import cli
from dlfs.autograder.course import load_course
from dlfs.autograder.generate.notebooks import NOTEBOOK_DIR, chapter_notebook, notebook_files
from dlfs.autograder.notebook import check, format_feedback, grade_cells
from dlfs.autograder.notebook.source import collect_definitions
from dlfs.autograder.notebook.workspace import write_workspace
from dlfs.autograder.paths import exercises_root
from dlfs.autograder.progress import ProgressStore
from dlfs.autograder.results import CheckResult, ExerciseResult, GradeReport

from .learner_copy import finished_workspace

SIGMOID = "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))


def test_committed_notebooks_equal_a_fresh_generation():
    """Do exercises/notebooks/ and `dlfs-grade build` agree? If not, run `dlfs-grade build`."""
    root = exercises_root()
    fresh = notebook_files()
    committed = {p.relative_to(root).as_posix() for p in (root / NOTEBOOK_DIR).glob("*.ipynb")}
    assert committed == {str(p) for p in fresh}, "run `dlfs-grade build`"
    for path, data in fresh.items():
        assert (root / path).read_bytes() == data, f"exercises/{path} drifted: run dlfs-grade build"


def test_learner_notebook_has_an_intro_a_stub_and_a_check_per_exercise():
    course = load_course()
    notebook = chapter_notebook("chapter1", course)
    nbformat.validate(notebook)
    ids = [cell.id for cell in notebook.cells]
    assert ids[:2] == ["intro", "setup"]
    assert "from dlfs.autograder.notebook import check" in notebook.cells[1].source
    for exercise in course.chapter("chapter1").exercises:
        position = ids.index(f"check-{exercise.name}")
        assert notebook.cells[position].source == f'check("{exercise.id}")'
        assert ids.index(f"{exercise.name}-intro") < position
    text = nbformat.writes(notebook)
    assert "BEGIN SOLUTION" not in text and "np.maximum(0.2 * x, x)" not in text
    assert 'raise NotImplementedError(\\"chapter1.leaky_relu\\")' in text
    assert "dlfs.reference" not in text


def test_nbgrader_source_keeps_solutions_and_marks_cells():
    course = load_course()
    notebook = chapter_notebook("chapter1", course, nbgrader=True)
    cells = {cell.id: cell for cell in notebook.cells}
    solution = cells["code-foundations-leaky_relu"]
    assert solution.metadata.nbgrader["solution"] and not solution.metadata.nbgrader["grade"]
    assert "### BEGIN SOLUTION" in solution.source and "np.maximum" in solution.source
    test = cells["check-deriv"]
    assert test.metadata.nbgrader == {
        "schema_version": 3,
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 2.0,
        "grade_id": "check-deriv",
    }
    assert "HIDDEN TESTS" not in test.source  # no hidden check: no hidden-test block
    assert test.source.endswith('check("chapter1.deriv")')
    assert cells["setup"].metadata.nbgrader["locked"]
    three = {c.id: c for c in chapter_notebook("chapter3", course, nbgrader=True).cells}
    with_hidden = three["check-train_epoch"].source  # RegradeTestCells runs hidden checks
    assert "HIDDEN TESTS" not in with_hidden and "in hidden checks" in with_hidden
    assert with_hidden.endswith('check("chapter3.train_epoch")')


def test_collect_definitions_keeps_the_last_and_reports_syntax_errors(tmp_path):
    cells = [
        "import numpy as np\nfrom dlfs.autograder.notebook import check\n%matplotlib inline",
        "def sigmoid(x):\n    return 0\n",
        SIGMOID,
        "def deriv(func, input_, delta=0.001:\n    pass",
        "class Thing:\n    def go(self):\n        return 1\n",
    ]
    found = collect_definitions(cells, labels=[f"In[{n}]" for n in range(1, 6)])
    assert found.definitions["sigmoid"] == SIGMOID
    assert found.imports == ["import numpy as np\n"]
    assert "syntax error at cell In[4], line 1" in found.errors["deriv"]
    course = load_course()
    written = write_workspace(found, course.exercise("chapter1.sigmoid"), tmp_path)
    assert written.missing == {}
    text = (tmp_path / "foundations.py").read_text()
    assert text == "import numpy as np\n\n" + SIGMOID + "\n"
    assert written.origins["foundations.py"][3] == ("cell", 2, 1)  # the def: In[3], line 1
    missing = write_workspace(found, course.exercise("chapter1.deriv"), tmp_path).missing
    assert "syntax error" in missing["foundations:deriv"]


def test_grade_cells_grades_like_the_cli():
    report = grade_cells("chapter1.sigmoid", ["import numpy as np", SIGMOID])
    assert (report.score, report.max_score) == (1.0, 1.0)
    wrong = grade_cells("chapter1.sigmoid", ["import numpy as np", SIGMOID.replace("-x", "x")])
    assert wrong.score == 0 and wrong.exercises[0].status == "failed"
    missing = grade_cells("chapter1.deriv", ["import numpy as np"])
    assert missing.exercises[0].status == "error"
    assert "does not define it" in missing.exercises[0].message


def test_feedback_hides_what_hidden_checks_expected():
    checks = [
        CheckResult("fixture:a", "fixture", 1.0, 1.0, True),
        CheckResult("agreement:b", "agreement", 0.0, 1.0, False, "got 1, expected 0.731", True),
    ]
    result = ExerciseResult("chapter1.x", 1.0, 2.0, "failed", "agreement:b: expected 0.731", checks)
    report = GradeReport.from_exercises("chapter1.x", [result])
    text = format_feedback(report)
    assert "0.731" not in text
    assert "FAIL hidden check 0/1" in text and "a hidden check failed" in text
    assert "0.731" in format_feedback(report, show_hidden=True)


def test_check_outside_ipython_reads_the_callers_functions(tmp_path, capsys):
    module = tmp_path / "learner_sigmoid.py"
    module.write_text("import numpy as np\n\n\n" + SIGMOID)
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    assert check("chapter1.sigmoid", namespace=namespace) == 1.0
    assert "chapter1.sigmoid  passed  1/1" in capsys.readouterr().out
    with ProgressStore() as store:  # the attempt counts towards the learner's progress
        assert [(a.score, a.status) for a in store.attempts("chapter1.sigmoid")] == [
            (1.0, "passed")
        ]


def _course_with_a_hidden_check(tmp_path, monkeypatch) -> None:
    text = load_course().path.read_text(encoding="utf-8")
    start = text.index("[chapter1.sigmoid]")
    hidden = text[start:].replace(
        '{ kind = "agreement", points = 0.25 }',
        '{ kind = "agreement", points = 0.25, hidden = true }',
        1,
    )
    course_file = tmp_path / "course.toml"
    course_file.write_text(text[:start] + hidden, encoding="utf-8")
    monkeypatch.setenv("DLFS_COURSE", str(course_file))


def test_check_runs_hidden_checks_where_the_answer_key_is_as_the_cli_does(
    tmp_path, monkeypatch, capsys
):
    _course_with_a_hidden_check(tmp_path, monkeypatch)
    namespace: dict = {"In": ["import numpy as np", SIGMOID]}
    assert check("chapter1.sigmoid", namespace=namespace) == 1.0
    out = capsys.readouterr().out
    assert "1/1" in out and "hidden check(s)" not in out
    assert check("chapter1.sigmoid", namespace=namespace, hidden=True) == 1.0
    assert "ok   hidden check 0.25/0.25" in capsys.readouterr().out


def test_check_leaves_hidden_checks_to_the_instructor_in_the_students_copy(
    tmp_path, monkeypatch, capsys
):
    import dlfs.autograder.grading.expected as answers_module
    import dlfs.autograder.notebook.checking as checking

    _course_with_a_hidden_check(tmp_path, monkeypatch)
    monkeypatch.setattr(answers_module, "reference_available", lambda: False)
    monkeypatch.setattr(checking, "reference_available", lambda: False)
    namespace: dict = {"In": ["import numpy as np", SIGMOID]}
    assert check("chapter1.sigmoid", namespace=namespace) == 0.75
    out = capsys.readouterr().out
    assert "1/1" not in out and "0.75/0.75 points" in out
    assert "+ 1 hidden check, 0.25 points" in out


def test_check_scores_nothing_inside_nbgrader_autograde(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check("chapter1.sigmoid", namespace={}) == 0.0
    assert "outside the notebook" in capsys.readouterr().out


def test_learner_notebook_runs_in_a_kernel():
    """Half of chapter 1 filled in, run top to bottom: each check shows its feedback as a
    coloured table, and no ``Out[n]: 1.0`` under it."""
    nbclient = pytest.importorskip("nbclient")
    learner = chapter_notebook("chapter1")
    answers = {c.id: c.source for c in chapter_notebook("chapter1", nbgrader=True).cells}
    for cell in learner.cells:
        if cell.id in ("code-foundations-leaky_relu", "code-foundations-deriv"):
            cell.source = answers[cell.id]
    nbclient.NotebookClient(learner, timeout=120, kernel_name="python3").execute()
    outputs = {c.id: c.outputs for c in learner.cells if c.id.startswith("check-")}
    assert not [k for k, v in outputs.items() if any(o.output_type == "execute_result" for o in v)]
    pages = {
        key: "".join(o.data.get("text/html", "") for o in value if o.output_type == "display_data")
        for key, value in outputs.items()
    }
    assert "passed</b> 1/1" in pages["check-leaky_relu"]
    assert "passed</b> 2/2" in pages["check-deriv"]
    assert "not started</b> 0/1" in pages["check-sigmoid"]
    texts = {  # the plain-text form, beside the HTML, for every front end that shows text
        key: "".join(o.data.get("text/plain", "") for o in value if o.output_type == "display_data")
        for key, value in outputs.items()
    }
    assert "chapter1.leaky_relu  passed  1/1" in texts["check-leaky_relu"]
    assert "<" not in texts["check-deriv"] and "2/2 points" in texts["check-deriv"]


def test_publish_command_calls_the_api(monkeypatch, tmp_path):
    calls = []

    class Report:
        assignment, exercises, points = "chapter1", 9, 18.0
        source, release, course_dir, config_written = Path("s"), Path("r"), tmp_path, True

        def to_dict(self):
            return {"assignment": self.assignment}

    def fake(chapter, course_dir, cell_timeout=None, exchange=None):
        calls.append((chapter, course_dir, cell_timeout))
        return Report()

    monkeypatch.setattr("dlfs.autograder.notebook.publish.publish", fake)
    result = CliRunner().invoke(
        cli, ["publish", "chapter1", "--course-dir", str(tmp_path), "--cell-timeout", "7"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [("chapter1", tmp_path, 7)]
    assert "chapter1: 9 exercises, 18 points" in result.output
    result = CliRunner().invoke(cli, ["publish", "chapter1"])
    assert result.exit_code == 2 and "--course-dir" in result.output


def test_publish_refuses_bad_arguments(tmp_path):
    from dlfs.autograder.notebook.publish import publish

    with pytest.raises(ValueError, match="chapter99"):
        publish("chapter99", tmp_path)
    with pytest.raises(ValueError, match="cell_timeout"):
        publish("chapter1", tmp_path, cell_timeout=0)


def test_check_returns_points_that_jupyter_does_not_echo_and_renders_html():
    from dlfs.autograder.notebook.display import Points, feedback_html
    from dlfs.autograder.results import CheckResult, ExerciseResult, GradeReport

    points = Points(1.5)
    assert points == 1.5 and isinstance(points, float)
    assert points._ipython_display_() is None  # Jupyter shows nothing for it
    checks = [
        CheckResult("gradient check", "gradient", 0.0, 1.0, False, "x < y & z"),
        CheckResult("known values", "fixture", 1.0, 1.0, True),
    ]
    result = ExerciseResult("chapter1.x", 1.0, 2.0, "failed", "gradient check: x < y & z", checks)
    page = feedback_html(GradeReport.from_exercises("chapter1.x", [result]), "+ 1 hidden check")
    assert "x &lt; y &amp; z" in page and page.count("x &lt; y") == 1  # escaped, said once
    assert "✗" in page and "✓" in page and "#cf222e" in page
    assert "white-space: pre-wrap" in page  # long messages wrap inside the box


def test_hint_in_a_notebook_follows_the_cli_and_warns_before_the_solution(
    tmp_path, monkeypatch, capsys
):
    from dlfs.autograder.notebook import hint

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    hint("chapter3.mse_backward")
    assert "Hint 1 of 3" in capsys.readouterr().out
    hint("chapter3.mse_backward")
    hint("chapter3.mse_backward")
    out = capsys.readouterr().out
    assert "Hint 2 of 3" in out and "gives the answer away" in out and "Hint 3" not in out
    hint("chapter3.mse_backward", solution=True)
    assert "Hint 3 of 3" in capsys.readouterr().out


def test_a_course_may_withhold_the_solution_hints_or_all(tmp_path, monkeypatch, capsys):
    from dlfs.autograder.hints import SolutionWithheld, next_hint
    from dlfs.autograder.notebook import hint

    text = load_course().path.read_text(encoding="utf-8")
    for policy, shown in (("no-solution", 2), ("none", 0)):
        path = tmp_path / f"{policy}.toml"
        path.write_text(text.replace("[course]\n", f'[course]\nhint_policy = "{policy}"\n', 1))
        course = load_course(path)
        monkeypatch.setenv("DLFS_HOME", str(tmp_path / policy))
        seen = {next_hint("chapter3.mse_backward", course) for _ in range(4)}
        numbers = {h.number for h in seen if h is not None}
        assert numbers == set(range(1, shown + 1))
        # asked for on purpose, the withheld answer is said to be withheld, not a hint again
        with pytest.raises(SolutionWithheld, match=f"hint policy is '{policy}'"):
            next_hint("chapter3.mse_backward", course, solution=True)
        monkeypatch.setenv("DLFS_COURSE", str(path))
        hint("chapter3.mse_backward", solution=True)
        assert "withholds the hint that gives" in capsys.readouterr().out


def test_the_hint_command_says_a_withheld_solution_is_withheld(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dlfs.autograder.cli import cli

    text = load_course().path.read_text(encoding="utf-8")
    path = tmp_path / "course.toml"
    path.write_text(text.replace("[course]\n", '[course]\nhint_policy = "no-solution"\n', 1))
    monkeypatch.setenv("DLFS_COURSE", str(path))
    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(cli, ["hint", "chapter1.sigmoid", "--solution"])
    assert result.exit_code == 1
    assert "withholds the hint that gives chapter1.sigmoid's answer away" in result.output
    assert "1.0 / (1.0 + np.exp(-x))" not in result.output


def test_a_notebooks_error_points_at_its_cells_own_line(monkeypatch, tmp_path):
    """An exception in a cell's code, and a syntax error, are located by the cell and its
    line; without the answer key, a line of the learner's package by that file's own line
    (never the temporary files graded)."""
    raising = "# exercises/foundations.py\ndef sigmoid(x):\n    y = -x\n    raise ValueError(y)\n"
    labels = [f"In[{n}]" for n in range(4)]
    report = grade_cells("chapter1.sigmoid", ["", "import numpy as np", raising], labels=labels)
    assert "(at cell In[2], line 4)" in report.exercises[0].message, report.exercises[0].message
    broken = "def sigmoid(x:\n    return x\n"
    report = grade_cells("chapter1.sigmoid", ["", broken], labels=labels)
    assert "syntax error at cell In[1], line 1" in report.exercises[0].message
    # the students' copy: a line of the learner's own package, by that file's own line
    # (the notebook's shorter forward_loss moves the lines below it in the copy graded)
    package = finished_workspace(tmp_path / "package")
    module = package / "two_layer_network.py"
    text = module.read_text(encoding="utf-8") + "\n\ndef scaled(x):\n    raise ValueError('mine')\n"
    module.write_text(text, encoding="utf-8")
    monkeypatch.setattr(answers_module, "reference_available", lambda: False)
    monkeypatch.setattr(checking, "reference_available", lambda: False)
    monkeypatch.setattr(checking, "exercises_root", lambda: package)
    cell = (
        "# exercises/two_layer_network.py\ndef forward_loss(X, y, weights):\n    return scaled(X)\n"
    )
    report = grade_cells("chapter2.forward_loss", ["", cell], labels=labels)
    message = report.exercises[0].checks[0].message
    line = len(text.splitlines())  # the raise: the file's last line
    assert f"(at {module}:{line})" in message, message
    assert "dlfs-notebook-" not in message


def test_a_scratch_cell_does_not_travel_with_a_body(tmp_path):
    """A notebook's scratch cells (``x = …`` to try a function) bind names a body uses as its
    own locals: they are not written beside the body (they could call anything)."""
    body = (
        "# exercises/foundations.py\ndef sigmoid(x):\n    y = np.exp(-x)\n    return 1 / (1 + y)\n"
    )
    cells = ["import numpy as np", body, "x = np.arange(3)", "y = sigmoid(x)"]
    found = collect_definitions(cells)
    written = write_workspace(found, load_course().exercise("chapter1.sigmoid"), tmp_path)
    text = (tmp_path / "foundations.py").read_text()
    assert written.missing == {} and "y = sigmoid" not in text and "np.arange" not in text
