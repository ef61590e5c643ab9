"""Comparing the learner's arrays with the expected ones, and naming a known mistake.

A failed comparison's message names the array, the worst element, the error against its
tolerance and, where the evidence fits, the likely mistake: a generic one (``diagnose``) or a
known wrong implementation of the probe whose outputs the learner's match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy import ndarray

from ..sandbox.protocol import CallOutcome
from .diagnose import diagnose, scale_factor, shape_guess

__all__ = ["batch_size", "compare_all", "compare_arrays", "family", "input_view", "known_mistake"]

Verdict = tuple[bool, str, dict[str, Any]]
"""``(passed, message, details)``."""

SCALE_SHARE = 0.1
"""An element may differ by ``atol + rtol·(|expected| + SCALE_SHARE·max|expected|)``.

Rounding is relative to the magnitudes that were summed, not to the result: a value that
cancels to near zero moves, between two correct summation orders (the learner's loop and the
reference's GEMM, or the same code on another CPU or BLAS against stored answers), by about
1e-16 of the array's scale — seen up to 1.3e-9 of it between two x86-64 machines for float64
chapters, which ``atol`` alone (1e-10 by default) does not cover. A tenth of ``rtol`` of the
array's largest magnitude covers it and blurs no mistake: a missing factor or term moves
values by a large part of the scale."""


def batch_size(
    params: Mapping[str, Any],
    expected: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
) -> int | None:
    """The batch size N of a probe call: a parameter, else the first axis of the probe's
    main input, else the first axis that every 2-D or larger float output shares (None when
    they disagree: then no factor is blamed on N)."""
    for key in ("batch_size", "n", "N"):
        if isinstance(params.get(key), int):
            return int(params[key])
    main = _main_input(inputs)
    if main is not None and main.ndim >= 2:
        return int(main.shape[0])
    firsts = {
        int(value.shape[0])
        for value in expected.values()
        if isinstance(value, np.ndarray) and value.ndim >= 2 and value.dtype.kind == "f"
    }
    return firsts.pop() if len(firsts) == 1 else None


def _form_problem(
    name: str, got: ndarray, want: ndarray, expected: Any, got_type: str
) -> str | None:
    """Why ``got`` cannot be compared with ``want`` element by element (None: it can)."""
    if isinstance(expected, np.ndarray) and want.ndim > 0 and got_type != "ndarray":
        return f"{name} should be a NumPy array; your code returned a {got_type}"
    if want.ndim == 0 and got_type in ("list", "tuple", "dict") and got.ndim > 0:
        return f"{name} should be a number (a float); your code returned a {got_type}"
    if got.dtype.kind not in "biufc":
        return f"{name} should be numeric; got dtype {got.dtype}"
    return None


def compare_arrays(
    name: str,
    got: ndarray,
    expected: Any,
    rtol: float,
    atol: float,
    got_type: str = "ndarray",
    batch: int | None = None,
) -> Verdict:
    """Compare one learner array with the expected value.

    Returns:
        ``(passed, message, details)``; the message names the worst element and the error
        against its tolerance, and the likely mistake where ``diagnose`` recognises one.
    """
    want = np.asarray(expected)
    problem = _form_problem(name, got, want, expected, got_type)
    if problem:
        return False, problem, {}
    if got.shape != want.shape:
        details = {"shape": list(got.shape), "expected_shape": list(want.shape)}
        said = diagnose(name, got, want, batch) or ""
        guess = shape_guess(said)
        if guess:
            details["diagnosis"] = guess
        return False, said, details
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
    verdict = _compare_values(name, got, want, rtol, atol, batch)
    if verdict[0] and want.dtype == np.float64 and got.dtype.kind == "f" and got.itemsize < 8:
        return False, _narrowed(name, got.dtype), {"dtype": str(got.dtype)}
    return verdict


def _narrowed(name: str, dtype: np.dtype) -> str:
    """Why an array whose values pass fails all the same: it is float32 (or float16) where
    the reference's is float64. The course works in float64, where a gradient check's central
    differences need every digit; a float32 habit carried over from PyTorch loses them."""
    return (
        f"{name} is {dtype} where the reference's is float64: computed in lower precision "
        f"(astype(np.{dtype}) or dtype=np.{dtype}?). Its values agree to single precision "
        "only; the course works in float64 throughout: keep the input's dtype"
    )


def _compare_values(
    name: str, got: ndarray, want: ndarray, rtol: float, atol: float, batch: int | None
) -> Verdict:
    g = got.astype(np.float64)
    e = want.astype(np.float64)
    tolerance = atol + rtol * (np.abs(e) + SCALE_SHARE * _scale(e))
    diff = np.abs(g - e)
    diff = np.where(np.isfinite(g), diff, np.inf)
    ratio = diff / np.maximum(tolerance, 1e-300)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))
    details = {
        "shape": list(g.shape),
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
    elif _single_precision(g, e, diff):
        message += (
            f"; {name} agrees to about 7 digits only, and every value of it is a float32: "
            "computed in single precision (astype(np.float32))? The reference works in float64"
        )
    hint = diagnose(name, got, want, batch)  # its dtypes: integer codes are not quantities
    details["factor"] = [scale_factor(g, e), batch]  # a guess from it must hold in every check
    if hint:
        message += f". {hint}"
        details["diagnosis"] = hint
    return False, message, details


def _single_precision(got: ndarray, expected: ndarray, diff: ndarray) -> bool:
    """Whether float64 values are float32's in disguise (``float(np.float32 …)``): each one
    exactly a float32 and off by no more than float32's rounding. A float64 computation
    lands on a float32 about once in 2²⁹ values; two or more non-zero ones are evidence."""
    if expected.dtype != np.float64 or not np.all(np.isfinite(got)):
        return False
    nonzero = got[got != 0]
    if nonzero.size == 0 or (nonzero.size < 2 and got.size > 1):
        return False
    exact = np.all(nonzero.astype(np.float32).astype(np.float64) == nonzero)
    near = np.all(diff <= 1e-5 * (np.abs(expected) + _scale(expected)) + 1e-30)
    return bool(exact and near)


def _scale(values: ndarray) -> float:
    """The largest finite magnitude of ``values`` (0 for none)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def compare_all(
    outcome: CallOutcome,
    expected: Mapping[str, Any],
    rtol: float,
    atol: float,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any] | None = None,
) -> tuple[bool, list[str], list[str], dict[str, Any]]:
    """Compare every expected array: ``(passed, problems, failed names, details)``."""
    batch = batch_size(params, expected, inputs)
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
        if not ok:  # a guess must hold in every check of the same settings (judge)
            info["family"] = family(params)
        details[name] = info
        if not ok:
            problems.append(message)
            failed.append(name)
    return not problems, problems, failed, details


def known_mistake(
    outcome: CallOutcome,
    failed: list[str],
    mistakes: Iterable[tuple[str, Mapping[str, Any]]],
    right: Mapping[str, Any] | None = None,
) -> str | None:
    """The description of the first known mistake whose outputs match the learner's on
    every failed array it has, and differ from the ``right`` ones there (a sum where a mean
    belongs is the mean for a batch of one: it names nothing on those inputs)."""
    for description, wrong in mistakes:
        relevant = [name for name in failed if name in wrong]
        if right is not None and all(_alike(wrong[n], right.get(n)) for n in relevant):
            continue
        matched = [
            name
            for name in relevant
            if name in outcome.arrays
            and np.shape(wrong[name]) == outcome.arrays[name].shape
            and np.allclose(outcome.arrays[name], wrong[name], rtol=1e-5, atol=1e-8)
        ]
        if matched and len(matched) == len(relevant):
            return description
    return None


def _alike(a: Any, b: Any) -> bool:
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-8))


_INPUT_NAMES = ("x", "input_", "prediction", "X", "x_in")


def input_view(inputs: Mapping[str, Any] | None, index: list[int] | None, shape: tuple) -> str:
    """Where a failure came from, for the message: the input at the worst element when the
    input has the output's shape (an element-wise piece), else a small input whole ("")."""
    value = _main_input(inputs)
    if value is None:
        return ""
    name = next(key for key in _INPUT_NAMES if inputs and inputs.get(key) is value)
    if index and value.shape == tuple(shape) and len(index) == value.ndim:
        return f" where {name}{list(index)} = {value[tuple(index)]:.4g}"
    if value.size <= 8:
        text = np.array2string(value, precision=3, separator=", ", suppress_small=True)
        return f" (for {name} = {' '.join(text.split())})"
    return ""


def _main_input(inputs: Mapping[str, Any] | None) -> ndarray | None:
    """The probe's main input array (``x``, ``prediction``, ...), if it has one."""
    for name in _INPUT_NAMES:
        value = (inputs or {}).get(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value
    return None


def family(params: Mapping[str, Any]) -> str:
    """What a check computes, apart from its sizes: its settings that are flags or words
    (``normalize = true``), for comparing what two checks' outputs say."""
    return repr(sorted((k, v) for k, v in params.items() if isinstance(v, bool | str)))
