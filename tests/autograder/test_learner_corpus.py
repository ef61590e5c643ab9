"""The grader against code as learners write it (tests/autograder/learner_corpus.py).

Every mistake of the corpus must lose points and be named; every correct alternative must get
full marks. The cases are graded in rounds, one workspace per round holding at most one case
of each exercise (the reference stands in for everything else, so the cases do not meet).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dlfs.autograder.api import grade

from .grading_helpers import reference_workspace, replace_body
from .learner_corpus import BOOK_BUGS, CORRECT, MISTAKES


def _rounds(cases: dict[str, tuple]) -> list[list[str]]:
    """The cases in rounds, each exercise at most once in a round."""
    rounds: list[list[str]] = []
    for case in sorted(cases):
        exercise = cases[case][0]
        for members in rounds:
            if all(cases[other][0] != exercise for other in members):
                members.append(case)
                break
        else:
            rounds.append([case])
    return rounds


def _needs_torch(cases: dict[str, tuple], names: list[str]) -> bool:
    return any(cases[name][0].startswith("chapter7") for name in names)


def _graded(cases: dict[str, tuple], names: list[str], tmp_path: Path) -> dict[str, object]:
    workspace = reference_workspace(tmp_path)
    for name in names:
        _, target, body = cases[name][:3]
        replace_body(workspace, target, body)
    exercises = [cases[name][0] for name in names]
    report = grade(exercises, path=workspace, record=False)
    by_id = {result.id: result for result in report.exercises}
    return {name: by_id[cases[name][0]] for name in names}


def _case_params(cases: dict[str, tuple]) -> list:
    marks = []
    for number, names in enumerate(_rounds(cases)):
        needs = [pytest.mark.torch] if _needs_torch(cases, names) else []
        marks.append(pytest.param(names, id=f"round{number}", marks=needs))
    return marks


@pytest.mark.parametrize("names", _case_params(MISTAKES))
def test_every_mistake_of_the_corpus_loses_points_and_is_named(names, tmp_path, data_dir):
    if _needs_torch(MISTAKES, names):
        pytest.importorskip("torch")
    results = _graded(MISTAKES, names, tmp_path)
    unnamed = {}
    for name, result in results.items():
        words = MISTAKES[name][3]
        said = (words,) if isinstance(words, str) else words  # every one of them
        messages = " ".join(check.message for check in result.checks)
        if result.score >= result.max_score or any(w not in messages for w in said):
            unnamed[name] = (result.score, result.max_score, messages)
    assert not unnamed, unnamed
    broken = {  # explaining is a bonus, but one that fails hides what it would have said
        name: check.details["explanation_error"]
        for name, result in results.items()
        for check in result.checks
        if "explanation_error" in check.details
    }
    assert not broken, broken


@pytest.mark.parametrize("names", _case_params(CORRECT))
def test_every_correct_alternative_of_the_corpus_passes(names, tmp_path, data_dir):
    results = _graded(CORRECT, names, tmp_path)
    failed = {name: r.message for name, r in results.items() if not r.passed}
    assert not failed, failed


def test_the_corpus_has_five_mistakes_and_ten_cases_a_chapter():
    mistakes = Counter(exercise.split(".")[0] for exercise, *_ in MISTAKES.values())
    cases = mistakes + Counter(exercise.split(".")[0] for exercise, *_ in CORRECT.values())
    assert all(mistakes[f"chapter{n}"] >= 5 for n in range(1, 8)), mistakes
    assert all(cases[f"chapter{n}"] >= 10 for n in range(1, 8)), cases
    later = sum(cases[f"chapter{n}"] for n in (5, 6, 7))
    assert later >= sum(cases.values()) / 3, cases  # the hardest chapters carry their share


def test_no_case_is_written_twice():
    """The same body in the same place is one case: graded once, with every name it must
    get (two sets of authors wrote some of the same mistakes)."""
    for cases in (MISTAKES, CORRECT):
        bodies = Counter(
            (exercise, target, body.strip()) for exercise, target, body, *_ in cases.values()
        )
        assert [key for key, count in bodies.items() if count > 1] == []


def test_each_of_the_books_ten_bugs_is_a_case_of_the_corpus():
    """Every bug BOOK_API.md lists lives in an exercise, and a learner who types it is told
    it is the book's (the case's words say "the book's")."""
    assert len({bug.split(":")[0].split(" ")[0] for bug in BOOK_BUGS}) >= 8
    for bug, case in BOOK_BUGS.items():
        assert case in MISTAKES, bug
        assert "book" in MISTAKES[case][3], (bug, MISTAKES[case][3])
