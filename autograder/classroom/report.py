"""The class report: one self-contained HTML page of what a class's grading says.

``dlfs-grade batch SUBMISSIONS --report DIR`` writes ``DIR/index.html`` (plots inline, as
PNG): the score distribution, each exercise's statistics (mean, pass rate, how many students
had each status, how well it separates strong from weak students: :mod:`.statistics`) and
pass rate, every *named* mistake per exercise (the grader's "Likely: …" diagnoses) with how
many students made it, the students who are stuck (every exercise of a chapter an error, a
timeout or not started), and a table of every student: each exercise's status (syntax
errors and timeouts included) and the points, before and after any late penalty.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import CheckResult
from .batch import ClassReport
from .statistics import ExerciseStatistics, exercise_statistics, is_syntax_error

__all__ = ["ClassSummary", "summarize_class", "write_report"]

_LIKELY = re.compile(r"Likely: (.+?)(?:;|$)")
_STUCK = ("error", "timeout", "not_started")


@dataclass(frozen=True)
class ClassSummary:
    """What the page shows, as data.

    Attributes:
        totals: each graded student's total points.
        pass_rates: exercise id -> the fraction of graded students who passed it.
        mistakes: exercise id -> [(named mistake, how many students)], every one, most
            common first.
        stuck: student -> the chapters where nothing they wrote ran to a result.
        ungraded: student -> why their submission could not be graded.
        statistics: each exercise's statistics, in course order.
    """

    totals: dict[str, float]
    pass_rates: dict[str, float]
    mistakes: dict[str, list[tuple[str, int]]]
    stuck: dict[str, list[str]]
    ungraded: dict[str, str]
    statistics: list[ExerciseStatistics] = field(default_factory=list)


def summarize_class(report: ClassReport) -> ClassSummary:
    """Count what the page shows."""
    graded = [s for s in report.students if s.report is not None and not s.error]
    passed: Counter[str] = Counter()
    named: dict[str, Counter[str]] = {}
    stuck: dict[str, list[str]] = {}
    for student in graded:
        assert student.report is not None
        by_chapter: dict[str, list[str]] = {}
        for result in student.report.exercises:
            passed[result.id] += result.passed
            for mistake in _named(c for c in result.checks if not c.passed):
                named.setdefault(result.id, Counter())[mistake] += 1
            by_chapter.setdefault(result.id.split(".")[0], []).append(result.status)
        chapters = [ch for ch, statuses in by_chapter.items() if all(s in _STUCK for s in statuses)]
        if chapters:
            stuck[student.student] = chapters
    count = max(1, len(graded))
    return ClassSummary(
        totals={s.student: s.score for s in graded},
        pass_rates={i: passed[i] / count for i, _ in report.exercises},
        mistakes={i: named[i].most_common() for i, _ in report.exercises if i in named},
        stuck=stuck,
        ungraded={s.student: s.error for s in report.students if s.error or s.report is None},
        statistics=exercise_statistics(report),
    )


def _named(checks: Iterable[CheckResult]) -> set[str]:
    """The distinct named mistakes of one exercise's failed checks (a student counts once):
    the known mistakes the grader recognised, its diagnoses of the arrays, and the likely
    slips behind an error's message."""
    found: set[str] = set()
    for check in checks:
        names = {str(check.details["likely"])} if check.details.get("likely") else set()
        names |= {
            str(value["diagnosis"])
            for value in check.details.values()
            if isinstance(value, dict) and value.get("diagnosis")
        }
        if not names:
            names = {m.group(1).strip().rstrip(".") for m in _LIKELY.finditer(check.message)}
        found |= names
    return found


def write_report(report: ClassReport, folder: Path | str) -> Path:
    """Write ``folder/index.html`` for ``report``; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarize_class(report)
    page = folder / "index.html"
    page.write_text(_page(report, summary), encoding="utf-8")
    return page


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(report: ClassReport, summary: ClassSummary) -> tuple[str, str]:
    # start-up time: matplotlib takes most of a second to import
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # start-up time, as above
    from matplotlib.ticker import MaxNLocator  # start-up time, as above

    figure, axes = plt.subplots(figsize=(7, 3), layout="constrained")
    axes.hist(list(summary.totals.values()) or [0], bins=min(20, max(5, len(summary.totals))))
    axes.set_xlim(0, report.max_score)
    axes.set_xlabel(f"points (of {report.max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of students
    scores = _png(figure)
    plt.close(figure)
    ids = list(summary.pass_rates)
    figure, axes = plt.subplots(figsize=(7, 0.25 * len(ids) + 1), layout="constrained")
    axes.barh(ids[::-1], [100 * summary.pass_rates[i] for i in ids[::-1]], color="#1a7f37")
    axes.set_xlim(0, 100)
    axes.set_xlabel("students who passed (%)")
    axes.tick_params(axis="y", labelsize=7)
    rates = _png(figure)
    plt.close(figure)
    return scores, rates


_STATUS_MARK = {
    "passed": "✓",
    "failed": "✗",
    "error": "error",
    "syntax_error": "syntax",
    "timeout": "timeout",
    "not_started": "–",
    "grader_error": "grader",
}
"""How the students' table shows each exercise's status (the message is its tooltip)."""


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _statistics_table(summary: ClassSummary) -> str:
    """Each exercise's statistics as table rows."""
    rows = []
    for stats in summary.statistics:
        counts = stats.statuses
        troubles = ", ".join(
            f"{counts[k]} {k.replace('_', ' ')}"
            for k in ("failed", "error", "syntax_error", "timeout", "not_started")
            if counts.get(k)
        )
        rows.append(
            f"<tr><td>{html.escape(stats.id)}</td><td>{stats.max_score:g}</td>"
            f"<td>{_number(stats.mean)}</td><td>{100 * stats.pass_rate:.0f}%</td>"
            f"<td>{_number(stats.discrimination)}</td><td>{html.escape(troubles)}</td></tr>"
        )
    return "".join(rows)


def _students_table(report: ClassReport) -> str:
    """A row per student: each exercise's status (its message as a tooltip) and the points,
    before and after a late penalty where one applied."""
    late = any(student.late for student in report.students)
    names = [exercise_id.split(".")[-1] for exercise_id, _ in report.exercises]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    head += "<th>points</th>" + ("<th>penalty</th><th>after</th>" if late else "")
    rows = []
    for student in report.students:
        cells = ""
        if student.report is None or student.error:
            cells = f'<td colspan="{len(names)}">{html.escape(student.error)}</td>'
        else:
            found = {e.id: e for e in student.report.exercises}
            for exercise_id, _ in report.exercises:
                result = found.get(exercise_id)
                status = result.status if result else "not graded"
                if result and is_syntax_error(result.status, result.message):
                    status = "syntax_error"
                tip = html.escape(f"{status}: {result.message}" if result else status, quote=True)
                cells += f'<td title="{tip}">{_STATUS_MARK.get(status, status)}</td>'
        cells += f"<td>{student.score:g}/{report.max_score:g}</td>"
        if late:
            penalty = f"{student.late.penalty_percent:g}%" if student.late else ""
            after = f"{student.late.points_after:g}" if student.late else ""
            cells += f"<td>{penalty}</td><td>{after}</td>"
        rows.append(f"<tr><td>{html.escape(student.student)}</td>{cells}</tr>")
    return f"<table><tr><th>student</th>{head}</tr>{''.join(rows)}</table>"


def _page(report: ClassReport, summary: ClassSummary) -> str:
    scores, rates = _plots(report, summary)
    escape = html.escape
    mistakes = (
        "".join(
            f"<tr><td>{escape(exercise)}</td><td>{escape(name)}</td><td>{count}</td></tr>"
            for exercise, named in summary.mistakes.items()
            for name, count in named
        )
        or '<tr><td colspan="3">no named mistake</td></tr>'
    )
    stuck = (
        "".join(
            f"<li>{escape(student)}: {escape(', '.join(chapters))}</li>"
            for student, chapters in sorted(summary.stuck.items())
        )
        or "<li>nobody</li>"
    )
    ungraded = "".join(
        f"<li>{escape(student)}: {escape(why)}</li>"
        for student, why in sorted(summary.ungraded.items())
    )
    graded = len(summary.totals)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dlfs class report: {escape(report.target)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 2px 8px; text-align: left; }}
th {{ border-bottom: 1px solid #999; }} td[title] {{ text-align: center; cursor: help; }}
</style></head><body>
<h1>Class report: {escape(report.target)}</h1>
<p>{graded} students graded, {len(summary.ungraded)} not gradable; seed {report.seed},
isolation: {escape(report.isolation)}.</p>
<h2>Scores</h2>
<img alt="the score distribution" src="data:image/png;base64,{scores}">
<h2>Each exercise</h2>
<p>Mean points and pass rate over the graded students; <em>discrimination</em> is the
correlation between the exercise's points and each student's points on the rest (near 1:
the strong students pass it and the weak do not; near 0 or below: it measures something
else, or something is wrong with it; — where nobody or everybody differs).</p>
<table><tr><th>exercise</th><th>points</th><th>mean</th><th>passed</th>
<th>discrimination</th><th>students who did not pass</th></tr>{_statistics_table(summary)}</table>
<h2>Pass rate per exercise</h2>
<img alt="each exercise's pass rate" src="data:image/png;base64,{rates}">
<h2>Every named mistake</h2>
<table><tr><th>exercise</th><th>mistake</th><th>students</th></tr>{mistakes}</table>
<h2>Students who are stuck</h2>
<p>Every exercise of the chapter an error, a timeout or not started:</p>
<ul>{stuck}</ul>
{f"<h2>Submissions that could not be graded</h2><ul>{ungraded}</ul>" if ungraded else ""}
<h2>Every student</h2>
<p>✓ passed, ✗ failed, – not started; hover a cell for its message.</p>
{_students_table(report)}
</body></html>
"""
