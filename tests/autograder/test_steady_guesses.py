"""A guess from a factor holds in every failing check or is not said
(:func:`dlfs.autograder.grading.judge.steady_guesses`).

One input's sizes can make any slip look like a factor: a norm divided by n where √n belongs is
half the right value for n = 4 and a third for n = 9. The guess "a missing factor of 2" is a
coincidence of the first input, and the other checks show it."""

from __future__ import annotations

import numpy as np

from dlfs.autograder.grading.compare import compare_arrays, family
from dlfs.autograder.grading.judge import steady_guesses
from dlfs.autograder.results import CheckResult


def _check(
    name: str, got: np.ndarray, want: np.ndarray, batch: int | None, settings: dict | None = None
) -> CheckResult:
    passed, message, info = compare_arrays(name, got, want, 1e-7, 1e-9, batch=batch)
    info["family"] = family(settings or {})  # as compare_all records it
    return CheckResult("agreement", "agreement", 0.0, 1.0, passed, message, details={name: info})


def test_a_factor_that_changes_with_the_input_is_no_guess_to_say():
    """Root-mean-square error written as the norm over n: ×½ for n = 4, ×⅓ for n = 9."""
    checks = []
    for n in (4, 9, 25):
        errors = np.linspace(0.5, 2.0, n)
        right = np.sqrt(np.mean(errors**2))
        checks.append(_check("rmse", np.array(np.linalg.norm(errors) / n), np.array(right), None))
    assert "factor of 2" in checks[0].message  # the first input alone suggests it
    steady_guesses(checks)
    assert all("factor" not in c.message for c in checks), [c.message for c in checks]
    assert all("diagnosis" not in c.details["rmse"] for c in checks)


def test_a_factor_that_holds_in_every_check_is_said_and_so_is_the_batch_size():
    """Twice the gradient in every check stays said; so does N times too large for each N
    (the batch size of each check's input), and a guess of another kind (all zeros)."""
    rng = np.random.default_rng(0)
    twice = [_check("dW", 2 * w, w, None) for w in (rng.normal(size=(3, 4)), rng.normal(size=5))]
    summed = [
        _check("dW", n * w, w, n)
        for n, w in ((4, rng.normal(size=(4, 3))), (8, rng.normal(size=(8, 2))))
    ]
    zeros = [_check("out", np.zeros((3, 2)), rng.normal(size=(3, 2)), None)]
    for checks, words in ((twice, "twice"), (summed, "batch size"), (zeros, "all zeros")):
        steady_guesses(checks)
        assert all(words in c.message for c in checks), [c.message for c in checks]


def test_checks_of_other_settings_are_not_compared():
    """A check with normalised targets computes another loss: its factor says nothing of the
    plain checks' (twice the gradient there, something else here)."""
    rng = np.random.default_rng(1)
    plain = [_check("dW", 2 * w, w, None) for w in (rng.normal(size=(3, 4)), rng.normal(size=5))]
    other = _check("dW", 3.7 * rng.normal(size=4), rng.normal(size=4), None, {"normalize": True})
    steady_guesses([*plain, other])
    assert all("twice" in c.message for c in plain), [c.message for c in plain]


def test_a_guess_of_another_kind_holds_in_every_check_too():
    """An output of whole numbers near zero cut to 0 in one check, not in the others: no
    "result never returned"; a batch of one that looks summed without keepdims, where a
    bigger batch shows the elements merely laid out otherwise: no keepdims guess."""
    rng = np.random.default_rng(2)
    right = [rng.normal(size=6) * 0.3, rng.normal(size=6) * 3]
    cut = [_check("output", np.trunc(r), r, None) for r in right]
    assert "all zeros" in " ".join(c.message for c in cut) or not np.trunc(right[0]).any()
    steady_guesses(cut)
    assert all("all zeros" not in c.message for c in cut), [c.message for c in cut]
    flat = [
        _check("output", r.ravel(), r, None)
        for r in (rng.normal(size=(1, 5)), rng.normal(size=(6, 5)))
    ]
    assert "keepdims" in flat[0].message
    steady_guesses(flat)
    assert all("keepdims" not in c.message for c in flat), [c.message for c in flat]
