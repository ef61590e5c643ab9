"""The dlfs steps of nbgrader's ``autograde``: grade outside the kernel, report tampering.

nbgrader runs a submission in a Jupyter kernel and scores each test cell from its output: an
error scores 0, a number is the score, *no output at all scores full marks*. The kernel runs
the student's code, which can patch ``check``, silence the display hook or print a fake
report, so :class:`RegradeTestCells` grades every dlfs test cell again in nbgrader's own
process — with :func:`dlfs.autograder.notebook.grade_cells`, hidden checks included, the
learner's code in the sandbox — and replaces the cell's outputs with the feedback (hidden
checks shown as passed or failed only) and the score.

:class:`ReportEditedTests` runs before nbgrader's ``OverwriteCells``, which silently restores
read-only cells from the gradebook: it compares every read-only cell of the submission with
the gradebook's source, logs each edited or deleted one and puts a note at the top of the
graded notebook, so that the student's feedback and the instructor both see it.
:class:`ExecuteSafely` does not run the submission in a kernel (where its code would run with
the instructor's rights); with ``execute = True`` it does, and a killed kernel (``os._exit``)
does not fail the whole submission. (The
published ``nbgrader_config.py`` also sets ``OverwriteCells.add_missing_cells``, so a deleted
test cell is put back and graded, not skipped.)
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Unicode

from ..course import Course, load_course
from ..grading import GradingSession
from ..grading.seeds import fresh_seed
from ..sandbox import isolation
from .checking import format_feedback, grade_cells

__all__ = ["ExecuteSafely", "RegradeTestCells", "ReportEditedTests", "test_cell_exercise"]

_CHECK = re.compile(r"""^\s*check\(\s*["'](chapter\d+\.\w+)["']""", re.MULTILINE)
NOTE_ID = "dlfs-integrity"


def test_cell_exercise(source: str) -> str | None:
    """The exercise id a dlfs test cell checks (``check("chapter1.sigmoid", …)``), if any."""
    found = _CHECK.search(source)
    return found.group(1) if found else None


def _is_test(cell: Any) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class ExecuteSafely(Execute):
    """In place of nbgrader's Execute: by default the submission is *not* run in a kernel.

    A kernel would run the student's code with the instructor's rights, outside the
    grader's sandbox (it could rewrite the course's files or a classmate's submission);
    :class:`RegradeTestCells` grades every exercise from the notebook's code in sandboxed
    workers anyway. With ``ExecuteSafely.execute = True`` the notebook runs first (its
    outputs then show in the feedback), and a kernel that dies or hangs ends only that run.
    """

    execute = Bool(
        False,
        help="Run the submission in a kernel before grading (its code then runs unsandboxed).",
    ).tag(config=True)

    def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> tuple[Any, Any]:
        if not self.execute:
            self.log.info("dlfs: the submission is graded from its code, not run in a kernel")
            return nb, resources
        try:
            return super().preprocess(nb, resources, km)
        except Exception as error:  # the student's code killed or hung its kernel
            self.log.warning("dlfs: the notebook stopped running (%s): grading its code", error)
            return nb, resources


class RegradeTestCells(NbGraderPreprocessor):
    """Grade each dlfs test cell outside the kernel and make that its output."""

    course_file = Unicode(
        "", help="The course.toml the assignment was published with (default: dlfs's)."
    ).tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        course: Course = load_course(self.course_file or None)
        seed = fresh_seed()  # the official grade: inputs the submission has never seen
        isolated = isolation()
        if not isolated.available:
            self.log.warning("dlfs: isolation: %s", isolated.describe())
        with GradingSession(course, seed=seed) as session:
            self._regrade(nb, session)
        return nb, resources

    def _regrade(self, nb: Any, session: GradingSession) -> None:
        """Each test cell's output: its exercise graded in ``session`` from the cells above."""
        seed = session.seed
        cells: list[str] = []
        labels: list[str] = []  # a cell's place in the notebook, where messages point
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            if not _is_test(cell):
                cells.append(cell.source)
                labels.append(str(number))
                continue
            exercise_id = test_cell_exercise(cell.source)
            if exercise_id is None:
                continue
            report = grade_cells(
                exercise_id, list(cells), hidden=True, session=session, labels=list(labels)
            )
            points = float(cell.metadata["nbgrader"].get("points", report.max_score))
            score = min(report.score, points)
            self.log.info("dlfs: %s scored %g of %g (seed %d)", exercise_id, score, points, seed)
            cell.outputs = [
                nbformat.v4.new_output(
                    "stream",
                    name="stdout",
                    text=format_feedback(report)
                    + f"\n(graded with seed {seed}; isolation: {report.isolation})",
                ),
                nbformat.v4.new_output(
                    "execute_result",
                    data={"text/plain": repr(float(score))},
                    execution_count=cell.get("execution_count"),
                ),
            ]


def _released(source: str) -> str:
    """A cell's source as the students received it: hidden tests removed, as nbgrader does.

    (The gradebook keeps the instructor's version, and its checksum, hidden tests and all, so
    nbgrader's own checksum warning fires for every test cell with hidden tests.)
    """
    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def _points(cell: Any) -> float | None:
    try:
        return float(cell.metadata["nbgrader"]["points"])
    except (KeyError, TypeError, ValueError):
        return None


class ReportEditedTests(NbGraderPreprocessor):
    """Log and note every read-only cell the submission edited or deleted."""

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        info = resources["nbgrader"]
        submitted = {
            cell.metadata["nbgrader"]["grade_id"]: cell
            for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")
        }
        problems = []
        with Gradebook(info["db_url"]) as gradebook:
            try:
                source = gradebook.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            points = {c.name: float(c.max_score) for c in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            for cell in source.source_cells:
                if not cell.locked or cell.name in solutions:
                    continue
                what = "test cell" if cell.name in points else "read-only cell"
                mine = submitted.get(cell.name)
                if mine is None:
                    problems.append(f"the {what} `{cell.name}` was deleted")
                elif mine.cell_type != cell.cell_type or mine.source != _released(cell.source):
                    problems.append(f"the {what} `{cell.name}` was edited")
                elif cell.name in points and _points(mine) != points[cell.name]:
                    problems.append(f"the points of the {what} `{cell.name}` were changed")
        if problems:
            for problem in problems:
                self.log.warning("dlfs: %s: %s", info["student"], problem)
            text = "\n".join(
                [
                    "**Note from the dlfs autograder:** in this submission",
                    "",
                    *(f"- {p};" for p in problems),
                    "",
                    "each was restored from the assignment before grading, so your score comes "
                    "from the original tests.",
                ]
            )
            note = nbformat.v4.new_markdown_cell(text)
            note["id"] = NOTE_ID
            nb.cells.insert(0, note)
        return nb, resources
