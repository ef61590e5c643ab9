"""The check kinds: judge one probe's raw outputs from the worker, in the grader.

Everything that decides points happens here, in the grader's process: the expected values
come from the same probe run on the pristine reference (or from known answers, or from
labels that never leave the grader), and the worker's arrays are only data.

Kinds (``kind`` in course.toml):

* ``agreement`` — every array agrees with the reference's within ``rtol``/``atol``;
* ``gradient`` — every gradient agrees with central differences of the pristine reference's
  forward pass (``dlfs.autograder.gradcheck``), relative error within ``tol``;
* ``fixture`` — known answers (``<probe>__expected`` or the check's ``expected`` table);
* ``property`` — ``<probe>__judge(got, expected, **params)`` says which properties hold;
* ``training`` — ``<probe>__metric(got, labels, **params)`` against ``threshold``.

A failed check's message names the array, the worst element, the error against its
tolerance and, where the evidence fits, the likely mistake (``diagnose``, and the probe's
``<probe>__mistakes``: outputs of known wrong implementations, the book's bugs among them).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
from numpy import ndarray

from .diagnose import diagnose
from .gradcheck import compare_gradients
from .results import CheckResult
from .sandbox import CallOutcome

__all__ = [
    "CheckContext",
    "compare_arrays",
    "evaluate",
    "probe_module",
    "run_pristine",
]

HIGHER_IS_BETTER = {"accuracy", "r2", "acc"}


@dataclass
class CheckContext:
    """What the grader knows about one check besides the worker's outputs.

    Attributes:
        name: the check's label (``"agreement:sigmoid"``).
        kind: the check kind.
        module: the chapter's probe module name (``"chapter3"``).
        probe: the probe function's name.
        params: the probe's keyword arguments.
        seed: the seed both runs used.
        points: the check's points.
        hidden: whether the check is hidden.
        options: the check's settings (rtol, atol, tol, threshold, metric, expected …).
        labels: for training checks, what the grader keeps (the test labels).
        offline: compare with the stored known answers (``dlfs.autograder.fixtures``)
            instead of running the reference, which is not installed here.
    """

    name: str
    kind: str
    module: str
    probe: str
    params: dict[str, Any]
    seed: int
    points: float
    hidden: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    labels: dict[str, ndarray] | None = None
    offline: bool = False


def probe_module(module: str) -> ModuleType:
    """``dlfs.autograder.probes.<module>``."""
    return importlib.import_module(f"dlfs.autograder.probes.{module}")


def _reference() -> ModuleType:
    """The pristine reference package (the grader never splices anything into it)."""
    return importlib.import_module("dlfs.reference")


def run_pristine(
    module: str, probe: str, params: Mapping[str, Any], seed: int, **extra: Any
) -> dict[str, Any]:
    """Run a probe (or a probe's companion) on the pristine reference, in the grader."""
    function = getattr(probe_module(module), probe)
    return function(_reference(), np.random.default_rng(seed), **dict(params), **extra)


def evaluate(context: CheckContext, outcome: CallOutcome, worker_message: str = "") -> CheckResult:
    """Judge one check: the worker's ``outcome`` against what the grader expects.

    Args:
        context: the check and the probe call.
        outcome: what the worker returned for the call.
        worker_message: why the worker stopped, for calls it never finished.
    Returns:
        The check's result; never raises for anything the learner's code did.
    """
    if outcome.status != "ok":
        return _result(context, False, _not_ok_message(outcome, worker_message))
    judge = _JUDGES[context.kind]
    try:
        with np.errstate(all="ignore"):  # the learner's NaN and inf are reported, not warned
            passed, message, details = judge(context, outcome)
    except _GraderError as error:  # a broken course.toml or probe: say so, do not crash
        return _result(context, False, f"the grader could not run this check: {error}")
    return _result(context, passed, message, details)


class _GraderError(Exception):
    """A problem with the check itself (not with the learner's code)."""


def _result(
    context: CheckContext, passed: bool, message: str, details: dict[str, Any] | None = None
) -> CheckResult:
    return CheckResult(
        name=context.name,
        kind=context.kind,
        score=float(context.points) if passed else 0.0,
        max_score=float(context.points),
        passed=passed,
        message=message,
        hidden=context.hidden,
        details=details or {},
    )


def _not_ok_message(outcome: CallOutcome, worker_message: str) -> str:
    if outcome.status == "error":
        return outcome.message or "your code raised an exception"
    if outcome.status == "timeout":
        return "timed out while running this check (an endless loop, or far too slow?)"
    if outcome.status == "crashed":
        return worker_message or "the worker died while running this check"
    return f"not run: {worker_message}" if worker_message else "not run"


# --- comparing arrays --------------------------------------------------------------------------


def _batch_size(context: CheckContext, expected: Mapping[str, Any]) -> int | None:
    for key in ("batch_size", "n", "N"):
        if isinstance(context.params.get(key), int):
            return int(context.params[key])
    for value in expected.values():
        if isinstance(value, np.ndarray) and value.ndim >= 2:
            return int(value.shape[0])
    return None


def compare_arrays(
    name: str,
    got: ndarray,
    expected: Any,
    rtol: float,
    atol: float,
    got_type: str = "ndarray",
    batch_size: int | None = None,
) -> tuple[bool, str, dict[str, Any]]:
    """Compare one learner array with the expected value.

    Returns:
        ``(passed, message, details)``; the message names the worst element and the error
        against its tolerance, and the likely mistake where ``diagnose`` recognises one.
    """
    want = np.asarray(expected)
    wants_array = isinstance(expected, np.ndarray) and want.ndim > 0
    if wants_array and got_type != "ndarray":
        return False, f"{name} should be a NumPy array; your code returned a {got_type}", {}
    if got.dtype.kind not in "biufc":
        return False, f"{name} should be numeric; got dtype {got.dtype}", {}
    if got.shape != want.shape:
        return (
            False,
            diagnose(name, got, want, batch_size) or "",
            {
                "shape": list(got.shape),
                "expected_shape": list(want.shape),
            },
        )
    if got.size == 0:
        return True, "", {}
    if want.dtype.kind == "f" and got.dtype.kind in "biu":
        return (
            False,
            (
                f"{name} has integer dtype {got.dtype} where floats are expected "
                "(an integer array or integer division?)"
            ),
            {},
        )
    g = got.astype(np.float64)
    e = want.astype(np.float64)
    tolerance = atol + rtol * np.abs(e)
    diff = np.abs(g - e)
    diff = np.where(np.isfinite(g), diff, np.inf)
    ratio = diff / np.maximum(tolerance, 1e-300)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
    details = {
        "worst_index": list(worst),
        "got": float(g[worst]),
        "expected": float(e[worst]),
        "error": float(diff[worst]),
        "tolerance": float(tolerance[worst]),
    }
    if bool(np.all(diff <= tolerance)):
        return True, "", details
    where = f" at {list(worst)}" if worst else ""
    message = (
        f"{name}{where}: got {g[worst]:.6g}, expected {e[worst]:.6g} "
        f"(error {diff[worst]:.2e} > tolerance {tolerance[worst]:.2e}; "
        f"{int(np.count_nonzero(diff > tolerance))} of {diff.size} elements off)"
    )
    if got.dtype != want.dtype and got.dtype.kind == "f" and want.dtype.kind == "f":
        message += f"; your array is {got.dtype}, the reference's {want.dtype}"
    hint = diagnose(name, g, e, batch_size)
    if hint:
        message += f". {hint}"
    return False, message, details


def _compare_all(
    context: CheckContext,
    outcome: CallOutcome,
    expected: Mapping[str, Any],
    rtol: float,
    atol: float,
) -> tuple[bool, str, dict[str, Any]]:
    batch = _batch_size(context, expected)
    problems: list[str] = []
    details: dict[str, Any] = {}
    failed: list[str] = []
    for name, want in expected.items():
        if name not in outcome.arrays:
            problems.append(f"{name} is missing from the outputs")
            failed.append(name)
            continue
        ok, message, info = compare_arrays(
            name, outcome.arrays[name], want, rtol, atol, outcome.types.get(name, "ndarray"), batch
        )
        details[name] = info
        if not ok:
            problems.append(message)
            failed.append(name)
    if not problems:
        return True, "", details
    mistake = _known_mistake(context, outcome, failed)
    message = "; ".join(problems)
    if mistake:
        message = f"{message}. Likely: {mistake}"
    return False, message, details


def _known_mistake(context: CheckContext, outcome: CallOutcome, failed: list[str]) -> str | None:
    """The description of a known wrong implementation whose outputs the learner's match."""
    mistakes = getattr(probe_module(context.module), f"{context.probe}__mistakes", None)
    if not mistakes:
        return None
    stored = _stored_mistakes(context) if context.offline else {}
    for index, (description, function) in enumerate(mistakes.items()):
        try:
            if context.offline:
                wrong = stored[index]
            else:
                rng = np.random.default_rng(context.seed)
                wrong = function(_reference(), rng, **context.params)
        except Exception:
            continue
        matched = [
            name
            for name in failed
            if name in wrong
            and name in outcome.arrays
            and np.shape(wrong[name]) == outcome.arrays[name].shape
            and np.allclose(outcome.arrays[name], wrong[name], rtol=1e-5, atol=1e-8)
        ]
        if matched and len(matched) == len([n for n in failed if n in wrong]):
            return description
    return None


# --- the kinds --------------------------------------------------------------------------------


def _stored_mistakes(context: CheckContext) -> dict[int, dict[str, Any]]:
    from .fixtures import load_mistakes

    numerical = context.kind == "gradient"
    return load_mistakes(context.module, context.probe, context.params, context.seed, numerical)


def _pristine(context: CheckContext, **extra: Any) -> dict[str, Any]:
    if context.offline:  # no reference here: the known answers stored from it
        from .fixtures import FixtureError, load_expected

        numerical = bool(extra.get("numerical", False))
        try:
            return load_expected(
                context.module, context.probe, context.params, context.seed, numerical
            )
        except FixtureError as error:
            raise _GraderError(str(error)) from error
    try:
        return run_pristine(context.module, context.probe, context.params, context.seed, **extra)
    except Exception as error:
        raise _GraderError(f"probe {context.module}.{context.probe}: {error!r}") from error


def _agreement(context: CheckContext, outcome: CallOutcome) -> tuple[bool, str, dict[str, Any]]:
    expected = _pristine(context)
    rtol = float(context.options.get("rtol", 1e-7))
    atol = float(context.options.get("atol", 1e-10))
    return _compare_all(context, outcome, expected, rtol, atol)


def _gradient(context: CheckContext, outcome: CallOutcome) -> tuple[bool, str, dict[str, Any]]:
    numerical = _pristine(context, numerical=True)
    tol = float(context.options.get("tol", context.options.get("gradcheck_tol", 1e-5)))
    names = context.options.get("arrays") or [n for n in numerical if "grad" in n]
    batch = _batch_size(context, numerical)
    problems: list[str] = []
    failed: list[str] = []
    details: dict[str, Any] = {}
    for name in names:
        got = outcome.arrays.get(name)
        want = np.asarray(numerical[name], dtype=np.float64)
        if got is None:
            problems.append(f"{name} is missing from the outputs")
            continue
        if outcome.types.get(name, "ndarray") != "ndarray":
            problems.append(f"{name} should be a NumPy array; got a {outcome.types[name]}")
            failed.append(name)
            continue
        if got.shape != want.shape or got.dtype.kind not in "biufc":
            problems.append(diagnose(name, got, want, batch) or f"{name} has the wrong shape")
            failed.append(name)
            continue
        result = compare_gradients(got, want, name=name, tol=tol)
        details[name] = result.to_dict()
        if not result.passed:
            hint = diagnose(name, got, want, batch)
            problems.append(str(result) + (f". {hint}" if hint else ""))
            failed.append(name)
    if not problems:
        return True, "", details
    message = "; ".join(problems)
    mistake = _known_mistake(context, outcome, failed)
    if mistake:
        message = f"{message}. Likely: {mistake}"
    return False, message, details


def _fixture(context: CheckContext, outcome: CallOutcome) -> tuple[bool, str, dict[str, Any]]:
    expected: Any = context.options.get("expected")
    if expected is None:
        function = getattr(probe_module(context.module), f"{context.probe}__expected", None)
        if function is None:
            raise _GraderError(f"no known answers for probe {context.probe}")
        expected = function(**context.params)
    expected = {k: np.asarray(v, dtype=np.float64) for k, v in dict(expected).items()}
    rtol = float(context.options.get("rtol", 1e-6))
    atol = float(context.options.get("atol", 1e-9))
    return _compare_all(context, outcome, expected, rtol, atol)


def _property(context: CheckContext, outcome: CallOutcome) -> tuple[bool, str, dict[str, Any]]:
    judge = getattr(probe_module(context.module), f"{context.probe}__judge", None)
    if judge is None:
        raise _GraderError(f"no judge for probe {context.probe}")
    expected = _pristine(context)
    try:
        verdicts = judge(outcome.arrays, expected, **context.params)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        return False, f"the outputs do not have the expected form: {error}", {}
    failures = [message for _, ok, message in verdicts if not ok]
    details = {name: bool(ok) for name, ok, _ in verdicts}
    return not failures, "; ".join(failures), details


def _training(context: CheckContext, outcome: CallOutcome) -> tuple[bool, str, dict[str, Any]]:
    metric_fn: Callable[..., float] | None = getattr(
        probe_module(context.module), f"{context.probe}__metric", None
    )
    if metric_fn is None or context.labels is None:
        raise _GraderError(f"no metric or labels for probe {context.probe}")
    metric = str(context.options.get("metric", "accuracy"))
    threshold = context.options.get("threshold")
    if threshold is None:
        raise _GraderError("a training check needs a threshold")
    try:
        value = float(metric_fn(outcome.arrays, context.labels, **context.params))
    except (ValueError, IndexError, KeyError, TypeError) as error:
        return False, f"the model's outputs do not have the expected form: {error}", {}
    higher = metric in HIGHER_IS_BETTER
    passed = bool(np.isfinite(value)) and (
        value >= float(threshold) if higher else value <= float(threshold)
    )
    details = {"metric": metric, "value": value, "threshold": float(threshold)}
    if passed:
        return True, f"{metric} {value:.4g} (needs {'≥' if higher else '≤'} {threshold})", details
    if not np.isfinite(value):
        return False, f"{metric} is {value}: training diverged (NaN or inf)", details
    message = (
        f"{metric} {value:.4g} after training with your code; needs "
        f"{'≥' if higher else '≤'} {threshold}"
    )
    if bool(np.any(outcome.arrays.get("budget_exhausted", False))):
        budget = context.params.get("budget")
        message += (
            f" — training stopped at its time budget{f' of {budget} s' if budget else ''} "
            "before finishing: is your code much slower than it needs to be (Python loops "
            "over elements)?"
        )
    return False, message, details


_JUDGES: dict[str, Callable[[CheckContext, CallOutcome], tuple[bool, str, dict[str, Any]]]] = {
    "agreement": _agreement,
    "gradient": _gradient,
    "fixture": _fixture,
    "property": _property,
    "training": _training,
}
