"""The check kinds: judge one probe call's raw outputs from the worker, in the grader.

Everything that decides points happens here, in the grader's process: the expected values
come from the run's :class:`~.expected.ExpectedSource` (the pristine reference, or the answers
stored from it), or from labels that never leave the grader; the worker's arrays are only
data.

Kinds (``kind`` in course.toml):

* ``agreement`` — every array agrees with the reference's within ``rtol``/``atol``;
* ``gradient`` — every gradient agrees with central differences of the pristine reference's
  forward pass (``dlfs.autograder.gradcheck``), relative error within ``tol``;
* ``fixture`` — known answers (the probe's ``expected`` or the check's ``expected`` table);
* ``property`` — the probe's ``judge(got, expected, **params)`` says which properties hold;
* ``training`` — the probe's ``metric(got, labels, **params)`` against ``threshold``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..gradcheck import compare_gradients
from ..kinds import KINDS
from ..results import CheckResult
from ..sandbox.protocol import CallOutcome
from .compare import Verdict, batch_size, compare_all, family, input_view, known_mistake
from .diagnose import diagnose, scale_factor, shape_guess
from .expected import ExpectedSource, GraderError
from .plan import PlannedCheck, check_result
from .slips import explain_exception

__all__ = ["evaluate", "steady_guesses", "unsaid"]


def evaluate(
    check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource, worker_message: str = ""
) -> CheckResult:
    """Judge one check: the worker's ``outcome`` against what ``answers`` expects.

    Args:
        check: the check and its probe call.
        outcome: what the worker returned for the call.
        answers: where the expected values come from.
        worker_message: why the worker stopped, for calls it never finished.
    Returns:
        The check's result; never raises for anything the learner's code did.
    """
    if outcome.status != "ok":
        broken = _reference_fails(check, answers) if outcome.status == "error" else None
        if broken:  # the reference cannot run it either: the check is broken, not the code
            message = f"the grader could not run this check: {broken}"
            return check_result(check.spec, False, message, {"grader_error": True})
        return check_result(check.spec, False, _not_ok_message(outcome, worker_message))
    judge = _JUDGES[check.spec.kind]
    try:
        with np.errstate(all="ignore"):  # the learner's NaN and inf are reported, not warned
            passed, message, details = judge(check, outcome, answers)
    except GraderError as error:  # a broken probe or stored answer: the grader's fault
        message = f"the grader could not run this check: {error}"
        return check_result(check.spec, False, message, {"grader_error": True})
    return check_result(check.spec, passed, message, details)


def _reference_fails(check: PlannedCheck, answers: ExpectedSource) -> str | None:
    """Why the answer key cannot run ``check`` either (None: it can, or it is not asked:
    a training check, or a fixture check where the answers are stored — its expected values
    are fixed, so an exception is the learner's code's, never a missing stored answer)."""
    if check.spec.kind == "training" or (check.spec.kind == "fixture" and not answers.runs_hidden):
        return None
    try:
        answers.expected(check, numerical=KINDS[check.spec.kind].numerical)
    except GraderError as error:
        return str(error)
    return None


def _not_ok_message(outcome: CallOutcome, worker_message: str) -> str:
    if outcome.status == "error":
        message = outcome.message or "your code raised an exception"
        hint = explain_exception(message)
        return f"{message.rstrip('.')}. Likely: {hint}" if hint else message
    if outcome.status == "timeout":
        where = worker_message.partition(", at ")[2]
        where = f" at {where}" if where else ""
        return f"timed out while running this check{where} (an endless loop, or far too slow?)"
    if outcome.status == "crashed":
        return worker_message or "the worker died while running this check"
    return f"not run: {worker_message}" if worker_message else "not run"


def _with_mistake(
    check: PlannedCheck,
    outcome: CallOutcome,
    answers: ExpectedSource,
    problems: list[str],
    failed: list[str],
    details: dict[str, Any],
    right: Mapping[str, Any],
) -> str:
    message = "; ".join(problems)
    mistake = known_mistake(outcome, failed, answers.mistakes(check), right)
    if not mistake:
        return message
    details["likely"] = mistake
    for said in details.values():  # the mistake proven says more than a pattern's guess
        if isinstance(said, dict) and said.get("diagnosis"):
            message = message.replace(f". {said['diagnosis']}", "")
    return f"{message}. Likely: {mistake}"


def _drawn_inputs(check: PlannedCheck) -> dict[str, Any] | None:
    """The probe's inputs for this call, drawn again in the grader (None: they cannot be)."""
    probe = check.probe
    try:
        return probe.draw(np.random.default_rng(check.seed), check.params)
    except Exception:  # only a view for the message: never a reason to fail the check
        return None


def _first_failure_view(
    inputs: dict[str, Any] | None, problems: list[str], failed: list[str], details: dict[str, Any]
) -> list[str]:
    """``problems`` with the input where the first failed array went wrong added to it."""
    if not failed or not problems:
        return problems
    info = details.get(failed[0]) or {}
    index = info.get("worst_index")
    shape = tuple(info.get("shape") or ())
    view = input_view(inputs, index, shape)
    if not view:
        return problems
    head, _, tail = problems[0].partition(": ")
    return [f"{head}{view}: {tail}" if tail else problems[0] + view, *problems[1:]]


def _agreement(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> Verdict:
    return _compare(check, outcome, answers, answers.expected(check))


def _compare(
    check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource, expected: dict[str, Any]
) -> Verdict:
    """Every expected array within the check's tolerances, else the problems and the mistake."""
    spec = check.spec
    inputs = _drawn_inputs(check)
    passed, problems, failed, details = compare_all(
        outcome, expected, spec.rtol, spec.atol, check.params, inputs
    )
    if passed:
        return True, "", details
    problems = _first_failure_view(inputs, problems, failed, details)
    return (
        False,
        _with_mistake(check, outcome, answers, problems, failed, details, expected),
        details,
    )


def _gradient_problem(
    name: str, outcome: CallOutcome, want: np.ndarray, tol: float, batch: int | None
) -> tuple[str | None, dict[str, Any]]:
    """What is wrong with one gradient (None: it passes) and its details."""
    got = outcome.arrays.get(name)
    if got is None:
        return f"{name} is missing from the outputs", {}
    if outcome.types.get(name, "ndarray") != "ndarray":
        return f"{name} should be a NumPy array; got a {outcome.types[name]}", {}
    if got.shape != want.shape or got.dtype.kind not in "biufc":
        said = diagnose(name, got, want, batch) or f"{name} has the wrong shape"
        guess = shape_guess(said)
        return said, {"diagnosis": guess} if guess else {}
    result = compare_gradients(got, want, name=name, tol=tol)
    info = {**result.to_dict(), "shape": list(got.shape)}
    if result.passed:
        return None, info
    where = f" at {list(result.worst_index)}" if result.worst_index else ""
    message = (
        f"{name}{where}: yours {result.analytic:.6g}, numerical {result.numerical:.6g} "
        f"(relative error {result.max_rel_error:.2e} > tolerance {result.tol:.0e})"
    )
    hint = diagnose(name, got, want, batch)
    info["factor"] = [scale_factor(got, want), batch]  # a guess from it must hold in every check
    if hint:
        info["diagnosis"] = hint
    return message + (f". {hint}" if hint else ""), info


def _gradient(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> Verdict:
    numerical = answers.expected(check, numerical=True)
    names = check.spec.arrays or [n for n in numerical if "grad" in n]
    inputs = _drawn_inputs(check)
    batch = batch_size(check.params, numerical, inputs)
    problems: list[str] = []
    failed: list[str] = []
    details: dict[str, Any] = {}
    for name in names:
        want = np.asarray(numerical[name], dtype=np.float64)
        problem, info = _gradient_problem(name, outcome, want, check.spec.tol, batch)
        if problem:  # a guess must hold in every check of the same settings
            info = {**info, "family": family(check.params)}
        if info:
            details[name] = info
        if problem:
            problems.append(problem)
            if name in outcome.arrays:
                failed.append(name)
    if not problems:
        return True, "", details
    problems = _first_failure_view(inputs, problems, failed, details)
    said = _with_mistake(check, outcome, answers, problems, failed, details, numerical)
    return False, said, details


def _fixture(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> Verdict:
    expected: Any = check.spec.expected
    if expected is None:
        known = check.probe.expected
        assert known is not None, "the course checks that fixture probes have known answers"
        expected = known(**check.params)
    expected = {k: np.asarray(v, dtype=np.float64) for k, v in dict(expected).items()}
    return _compare(check, outcome, answers, expected)


def _property(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> Verdict:
    judge = check.probe.judge
    assert judge is not None, "the course checks that property probes have a judge"
    expected = answers.expected(check)
    try:
        verdicts = judge(outcome.arrays, expected, **check.params)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        return False, f"the outputs do not have the expected form: {error}", {}
    failures = [message for _, ok, message in verdicts if not ok]
    details = {name: bool(ok) for name, ok, _ in verdicts}
    return not failures, "; ".join(failures), details


def _training(check: PlannedCheck, outcome: CallOutcome, answers: ExpectedSource) -> Verdict:
    spec = check.spec
    metric = check.probe.metric
    assert metric is not None and spec.threshold is not None, "the course checks training checks"
    if check.labels is None:
        raise GraderError(f"no labels for probe {spec.probe}")
    try:
        value = float(metric(outcome.arrays, check.labels, **check.params))
    except (ValueError, IndexError, KeyError, TypeError) as error:
        return False, f"the model's outputs do not have the expected form: {error}", {}
    sign = "≥" if spec.higher_is_better else "≤"
    threshold = spec.threshold
    passed = bool(np.isfinite(value)) and (
        value >= threshold if spec.higher_is_better else value <= threshold
    )
    details = {"metric": spec.metric, "value": value, "threshold": threshold}
    if passed:
        return True, f"{spec.metric} {value:.4g} (needs {sign} {threshold})", details
    if not np.isfinite(value):
        return False, f"{spec.metric} is {value}: training diverged (NaN or inf)", details
    message = f"{spec.metric} {value:.4g} after training with your code; needs {sign} {threshold}"
    if bool(np.any(outcome.arrays.get("budget_exhausted", False))):
        budget = check.params.get("budget")
        message += (
            f" — training stopped at its time budget{f' of {budget} s' if budget else ''} "
            "before finishing: is your code much slower than it needs to be (Python loops "
            "over elements)?"
        )
    return False, message, details


_JUDGES: dict[str, Callable[[PlannedCheck, CallOutcome, ExpectedSource], Verdict]] = {
    "agreement": _agreement,
    "gradient": _gradient,
    "fixture": _fixture,
    "property": _property,
    "training": _training,
}


def steady_guesses(results: Sequence[CheckResult]) -> None:
    """Take a pattern's guess about an array out of a check's message where another failing
    check of the same settings finds the array wrong otherwise: a guess is about the code,
    and the code is the same in every check. One input's sizes can make any slip look like a
    factor (a norm divided by n where √n belongs is half the right value for n = 4, a third
    for n = 9), a batch of one like a sum without keepdims, values near zero cut to whole
    numbers like a result never returned."""
    failing: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for result in results:
        for name, info in result.details.items():
            if isinstance(info, dict) and "family" in info and not result.passed:
                failing.setdefault((name, info["family"]), []).append(info)
    for result in results:
        for name, info in result.details.items():
            hint = info.get("diagnosis") if isinstance(info, dict) else None
            if not hint or "family" not in info:
                continue
            others = failing.get((name, info["family"]), [info])
            factor = info.get("factor", [None])[0]
            if factor is not None:  # a factor: the same in every check, or the same power of N
                held = _steady([o.get("factor", [None, None]) for o in others])
            else:
                held = all(o.get("diagnosis") == hint for o in others)
            if not held:
                result.message = unsaid(result.message, hint)
                del info["diagnosis"]


def unsaid(message: str, hint: str) -> str:
    """``message`` without the guess ``hint`` (and the stop or colon that led to it)."""
    for said in (f". {hint}", f": {hint}", hint):
        message = message.replace(said, "")
    return message


def _steady(factors: list[list]) -> bool:
    """Whether every check found the array off by one factor: the same number, or the same
    power of its batch size (N times too large for every N)."""
    if any(factor is None for factor, *_ in factors):
        return False
    for power in (0, 1, -1):
        scaled = [factor / (batch or 1) ** power for factor, batch, *_ in factors]
        if power and not all(batch for _, batch, *_ in factors):
            continue
        if all(abs(s - scaled[0]) <= 1e-3 * abs(scaled[0]) for s in scaled):
            return True
    return False
