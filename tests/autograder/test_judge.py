"""The judge and the summary on their own: outcomes and plans made by hand, no worker.

``evaluate`` judges one probe call's outputs (a :class:`CallOutcome`) against an expected
source; here the source is either the pristine reference run in this process or a stand-in
that answers from a dict (or fails, as a broken stored answer would). ``summarise`` turns an
exercise's check results and its worker's run into the exercise's status and message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from dlfs.autograder.course import CheckSpec, Exercise, load_course
from dlfs.autograder.grading.expected import GraderError, ReferenceAnswers
from dlfs.autograder.grading.judge import evaluate
from dlfs.autograder.grading.pipeline import summarise
from dlfs.autograder.grading.plan import HIDDEN_NOT_RUN, PlannedCheck, check_result, skipped_check
from dlfs.autograder.probes.record import find_probe
from dlfs.autograder.sandbox.protocol import CallOutcome, WorkerRun

COURSE = load_course()
REFERENCE = ReferenceAnswers()


def _find(
    kind: str, probe: str | None = None, mistakes: bool = False
) -> tuple[Exercise, CheckSpec]:
    """The first check of ``kind`` (of ``probe``; whose probe has known mistakes)."""
    for exercise in COURSE.exercises:
        for spec in exercise.checks:
            if spec.kind != kind or (probe and spec.probe != probe):
                continue
            if mistakes and not find_probe(exercise.chapter, spec.probe).mistakes:
                continue
            return exercise, spec
    raise LookupError(f"no {kind} check of {probe or 'any probe'} in course.toml")


def _planned(kind: str, probe: str | None = None, mistakes: bool = False) -> PlannedCheck:
    exercise, spec = _find(kind, probe, mistakes)
    return PlannedCheck(spec, exercise.chapter, seed=1234, params=dict(spec.probe_params))


class Answers:
    """An expected source answering from a dict, or failing as a broken stored answer does."""

    runs_hidden = True

    def __init__(self, expected: dict[str, Any] | None = None, broken: str = "") -> None:
        self._expected = expected or {}
        self._broken = broken

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        if self._broken:
            raise GraderError(self._broken)
        return self._expected

    def mistakes(self, check: PlannedCheck) -> Iterator[tuple[str, dict[str, Any]]]:
        return iter(())


def _ok(arrays: dict[str, Any]) -> CallOutcome:
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    return CallOutcome("ok", arrays, {k: "ndarray" for k in arrays})


def _scaled(arrays: dict[str, Any], factor: float) -> dict[str, Any]:
    return {k: np.asarray(v, dtype=np.float64) * factor for k, v in arrays.items()}


# -- agreement ---------------------------------------------------------------------------------


def test_agreement_passes_on_the_references_outputs_and_names_a_known_mistake():
    check = _planned("agreement", mistakes=True)
    want = REFERENCE.expected(check)
    passed = evaluate(check, _ok(want), REFERENCE)
    assert passed.passed and passed.score == check.spec.points and passed.message == ""
    description, wrong = next(REFERENCE.mistakes(check))
    failed = evaluate(check, _ok(wrong), REFERENCE)
    assert not failed.passed and failed.score == 0.0
    assert f"Likely: {description}" in failed.message and failed.details["likely"] == description


def test_agreement_fails_on_other_values_and_says_which_array():
    check = _planned("agreement")
    want = REFERENCE.expected(check)
    result = evaluate(check, _ok(_scaled(want, 3.0)), Answers(want))
    assert not result.passed and any(name in result.message for name in want)


def test_agreement_with_a_broken_stored_answer_is_the_graders_error():
    check = _planned("agreement")
    result = evaluate(check, _ok({"x": np.zeros(3)}), Answers(broken="no stored answer for x"))
    assert not result.passed and result.details == {"grader_error": True}
    assert result.message == "the grader could not run this check: no stored answer for x"


# -- gradient ----------------------------------------------------------------------------------


def test_gradient_passes_on_the_numerical_gradient_and_fails_off_by_a_factor():
    check = _planned("gradient")
    numerical = REFERENCE.expected(check, numerical=True)
    names = check.spec.arrays or [n for n in numerical if "grad" in n]
    got = {n: numerical[n] for n in names}
    passed = evaluate(check, _ok(got), Answers(numerical))
    assert passed.passed and set(passed.details) == set(names)
    failed = evaluate(check, _ok(_scaled(got, 2.0)), Answers(numerical))
    assert not failed.passed and "relative error" in failed.message


def test_gradient_missing_an_array_says_so():
    check = _planned("gradient")
    numerical = REFERENCE.expected(check, numerical=True)
    names = check.spec.arrays or [n for n in numerical if "grad" in n]
    result = evaluate(check, _ok({}), Answers(numerical))
    assert not result.passed and f"{names[0]} is missing from the outputs" in result.message


# -- fixture -----------------------------------------------------------------------------------


def _fixture_answers(check: PlannedCheck) -> dict[str, Any]:
    known = check.spec.expected
    if known is None:
        known = find_probe(check.module, check.spec.probe).expected(**check.params)
    return dict(known)


def test_fixture_passes_on_its_known_answers_and_fails_on_others():
    check = _planned("fixture")
    known = _fixture_answers(check)
    assert evaluate(check, _ok(known), Answers()).passed
    failed = evaluate(check, _ok(_scaled(known, -1.0) | {"extra": 0}), Answers())
    assert not failed.passed and failed.message


def test_fixture_judged_where_only_stored_answers_are_is_the_learners_error():
    """A fixture's answers are fixed: an exception is the code's, not a missing answer's."""

    class Stored(Answers):
        runs_hidden = False

    check = _planned("fixture")
    outcome = CallOutcome("error", message="ZeroDivisionError: division by zero")
    result = evaluate(check, outcome, Stored(broken="no stored answers"))
    assert not result.passed and "grader_error" not in result.details
    assert result.message.startswith("ZeroDivisionError: division by zero")


# -- property ----------------------------------------------------------------------------------


def test_property_passes_on_the_reference_and_names_the_property_that_fails():
    check = _planned("property", probe="softmax_large_logits")
    want = REFERENCE.expected(check)
    passed = evaluate(check, _ok(want), REFERENCE)
    assert passed.passed and all(passed.details.values())
    overflowed = {"probabilities": np.full_like(want["probabilities"], np.nan)}
    failed = evaluate(check, _ok(overflowed), Answers(want))
    assert not failed.passed and failed.details["finite"] is False
    assert "subtract each row's maximum" in failed.message


def test_property_on_outputs_of_the_wrong_form_fails_saying_so():
    check = _planned("property", probe="softmax_large_logits")
    result = evaluate(check, _ok({}), Answers({"probabilities": np.ones((2, 2))}))
    assert not result.passed
    assert result.message.startswith("the outputs do not have the expected form")


# -- training ----------------------------------------------------------------------------------

LABELS = {"y_test": np.arange(20) % 10}


def _training(labels: dict[str, Any] | None = LABELS) -> PlannedCheck:
    check = _planned("training", probe="mnist_softmax")
    check.labels = labels
    return check


def test_training_passes_above_its_threshold_and_fails_below_it():
    check = _training()
    right = np.eye(10)[LABELS["y_test"]]
    passed = evaluate(check, _ok({"scores": right}), Answers())
    assert passed.passed and passed.details["value"] == 1.0
    assert passed.message.startswith(f"{check.spec.metric} 1 (needs ≥ {check.spec.threshold})")
    always_zero = np.eye(10)[np.zeros(20, dtype=int)]
    failed = evaluate(check, _ok({"scores": always_zero}), Answers())
    assert not failed.passed and failed.details["value"] == pytest.approx(0.1)
    assert "after training with your code" in failed.message and "budget" not in failed.message


def test_training_that_ran_out_of_time_says_so():
    check = _training()
    zero = np.eye(10)[np.zeros(20, dtype=int)]
    result = evaluate(check, _ok({"scores": zero, "budget_exhausted": True}), Answers())
    assert not result.passed and "stopped at its time budget" in result.message


def test_training_outputs_of_the_wrong_shape_fail_and_missing_labels_are_the_graders():
    result = evaluate(_training(), _ok({"scores": np.zeros((3, 2))}), Answers())
    assert not result.passed
    assert result.message.startswith("the model's outputs do not have the expected form")
    unlabelled = evaluate(_training(None), _ok({"scores": np.zeros((20, 10))}), Answers())
    assert unlabelled.details == {"grader_error": True} and "no labels" in unlabelled.message


# -- outcomes that are not ok, for every kind --------------------------------------------------

KINDS = ("agreement", "gradient", "fixture", "property", "training")


@pytest.mark.parametrize("kind", KINDS)
def test_an_exception_in_the_learners_code_fails_the_check_with_its_message(kind):
    check = _training() if kind == "training" else _planned(kind)
    outcome = CallOutcome("error", message="ValueError: shapes (3,4) and (5,) not aligned")
    result = evaluate(check, outcome, Answers({"x": np.zeros(2)}))
    assert not result.passed and result.score == 0.0 and "grader_error" not in result.details
    assert result.message.startswith("ValueError: shapes (3,4) and (5,) not aligned")


@pytest.mark.parametrize("kind", ("agreement", "gradient", "property"))
def test_an_exception_the_reference_raises_too_is_the_graders_error(kind):
    check = _planned(kind)
    outcome = CallOutcome("error", message="KeyError: 'W'")
    result = evaluate(check, outcome, Answers(broken="probe fails on the reference"))
    assert result.details == {"grader_error": True}
    assert result.message == "the grader could not run this check: probe fails on the reference"


@pytest.mark.parametrize(
    ("status", "worker_message", "expected"),
    [
        (
            "timeout",
            "ran out of time, at activations.py line 7",
            "timed out while running this check at activations.py line 7 (an endless loop, "
            "or far too slow?)",
        ),
        ("crashed", "the worker was killed (memory limit)", "the worker was killed (memory limit)"),
        ("crashed", "", "the worker died while running this check"),
        (
            "not_run",
            "an earlier check crashed the worker",
            "not run: an earlier check crashed the worker",
        ),
    ],
)
def test_calls_the_worker_never_finished_fail_saying_why(status, worker_message, expected):
    result = evaluate(_planned("agreement"), CallOutcome(status), Answers(), worker_message)
    assert not result.passed and result.message == expected


# -- summarise ---------------------------------------------------------------------------------


def _exercise_with(*kinds: str) -> Exercise:
    for exercise in COURSE.exercises:
        if all(any(c.kind == k for c in exercise.checks) for k in kinds):
            return exercise
    raise LookupError(kinds)


def _results(exercise: Exercise, passed: list[bool], message: str = "wrong") -> list:
    return [
        check_result(spec, ok, "" if ok else message)
        for spec, ok in zip(exercise.checks, passed, strict=True)
    ]


def _run(
    status: str = "finished", calls: list[CallOutcome] | None = None, **extra: Any
) -> WorkerRun:
    return WorkerRun(status, calls if calls is not None else [], **extra)


def test_summarise_every_check_passed():
    exercise = _exercise_with("agreement")
    checks = _results(exercise, [True] * len(exercise.checks))
    result = summarise(exercise, checks, _run(output="hello\n"), exercise.points)
    assert (result.status, result.message, result.output) == ("passed", "", "hello\n")
    assert result.score == pytest.approx(sum(c.points for c in exercise.checks))


def test_summarise_counts_the_hidden_checks_not_run():
    exercise = next(e for e in COURSE.exercises if any(c.hidden for c in e.checks))
    checks = [skipped_check(s) if s.hidden else check_result(s, True) for s in exercise.checks]
    result = summarise(exercise, checks, _run(), exercise.points)
    hidden = [s for s in exercise.checks if s.hidden]
    assert result.status == "passed" and result.message.endswith(HIDDEN_NOT_RUN)
    assert result.message.startswith(f"{len(hidden)} hidden check")
    assert result.score == pytest.approx(sum(s.points for s in exercise.checks if not s.hidden))


def test_summarise_a_failed_check_names_it_and_keeps_partial_points():
    exercise = next(e for e in COURSE.exercises if len(e.checks) >= 2)
    checks = _results(exercise, [True] + [False] * (len(exercise.checks) - 1), "off by 2")
    result = summarise(exercise, checks, _run(), exercise.points)
    assert result.status == "failed" and result.message == f"{checks[1].name}: off by 2"
    assert result.score == pytest.approx(exercise.checks[0].points)


def test_summarise_an_exception_is_an_error_and_a_timeout_a_timeout():
    exercise = _exercise_with("agreement")
    checks = _results(exercise, [False] * len(exercise.checks), "ValueError: x")
    raised = _run(calls=[CallOutcome("error", message="ValueError: x")])
    assert summarise(exercise, checks, raised, exercise.points).status == "error"
    timed_out = summarise(exercise, checks, _run("timeout", message="10 s"), exercise.points)
    assert (timed_out.status, timed_out.message) == ("timeout", "timed out: 10 s")
    assert summarise(exercise, checks, _run("crashed"), exercise.points).status == "error"


def test_summarise_the_graders_fault_comes_first_and_is_never_shortened():
    exercise = next(e for e in COURSE.exercises if len(e.checks) >= 2)
    long = "the grader could not run this check: " + "x" * 600
    checks = [check_result(exercise.checks[0], False, "wrong")]
    checks += [check_result(s, False, long, {"grader_error": True}) for s in exercise.checks[1:]]
    result = summarise(exercise, checks, _run(), exercise.points)
    assert result.status == "grader_error" and result.message == f"{checks[1].name}: {long}"


def test_summarise_shortens_a_long_message_keeping_where_it_happened():
    exercise = _exercise_with("agreement")
    long = "y" * 500 + " (at activations.py:12)"
    checks = _results(exercise, [False] * len(exercise.checks), long)
    result = summarise(exercise, checks, _run(), exercise.points)
    assert len(result.message) < len(long) and "(at activations.py:12)" in result.message
    assert result.message.endswith("(-v for every check)")
    assert result.checks[0].message == long  # every check keeps its whole message
