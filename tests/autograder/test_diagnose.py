"""Does the grader name the likely mistake when the evidence fits?"""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.grading.compare import compare_arrays
from dlfs.autograder.grading.diagnose import diagnose, scale_factor


@pytest.fixture
def expected(rng):
    return rng.standard_normal((4, 3))


def test_the_right_answer_has_no_diagnosis(expected):
    assert diagnose("x", expected.copy(), expected, 4) is None


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (-1.0, "wrong sign"),
        (4.0, "4 times too large — the batch size"),
        (0.25, "4 times too small — the batch size"),
        (2.0, "twice"),
        (0.5, "half"),
        (3.7, "times 3.7"),
    ],
)
def test_a_scaled_answer_is_named(expected, factor, words):
    assert words in diagnose("input_grad", expected * factor, expected, batch_size=4)


def test_a_transposed_answer_is_named(expected):
    assert "transpose" in diagnose("W", expected.T, expected)


def test_rows_in_another_order_are_named(rng):
    targets = rng.standard_normal((8, 2))
    order = np.roll(np.arange(8), 3)
    said = diagnose("y_batches", targets, targets[order])  # a shuffle applied to X alone
    assert "the right rows in another order" in said
    assert diagnose("y", np.ones((8, 2)), np.ones((8, 2))) is None  # alike rows: no order
    assert diagnose("y", targets + 0.5, targets) is None


def test_one_slice_where_every_one_belongs_is_named(rng):
    sequence = rng.standard_normal((3, 5, 2))  # [N, T, V]: a prediction at every time step
    said = diagnose("predictions", sequence[:, 2], sequence)
    assert "the right answer at index 2 of axis 1 alone" in said
    assert "the right answer at" not in diagnose("p", rng.standard_normal((3, 2)), sequence)


def test_a_missing_sum_over_the_batch_is_named(expected):
    bias_grad = expected.sum(axis=0, keepdims=True)
    assert "sum it over the batch" in diagnose("param_grad", expected, bias_grad, 4)


def test_nan_and_zeros_are_named(expected):
    broken = expected.copy()
    broken[1, 2] = np.nan
    assert "nan at [1, 2]" in diagnose("output", broken, expected)
    assert "all zeros" in diagnose("output", np.zeros_like(expected), expected)


def test_scale_factor_needs_every_element_to_fit(expected):
    assert scale_factor(expected * 3, expected) == pytest.approx(3)
    noisy = expected * 3
    noisy[0, 0] += 1
    assert scale_factor(noisy, expected) is None


def test_compare_arrays_reports_the_worst_element_and_its_tolerance(expected):
    got = expected.copy()
    got[2, 1] += 0.5
    passed, message, details = compare_arrays("output", got, expected, rtol=1e-7, atol=1e-10)
    assert not passed
    assert "output at [2, 1]" in message
    assert "> tolerance" in message
    assert "1 of 12 elements off" in message
    assert details["worst_index"] == [2, 1]


def test_compare_arrays_allows_rounding_relative_to_the_arrays_scale():
    """A value that cancels to near zero carries the rounding of the magnitudes summed:
    another summation order (a loop for the reference's GEMM) or another CPU moves it by far
    more than ``rtol`` of itself. Such a move passes; a real mistake near zero does not."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((40, 300)), rng.standard_normal((300, 5))
    gemm = a @ b
    gemm[0, 0] = 1e-9  # an entry that cancelled
    looped = gemm.copy()
    looped[0, 0] += 3e-9 * np.abs(gemm).max() / 40  # its rounding, seen on another machine
    assert compare_arrays("out", looped, gemm, rtol=1e-7, atol=1e-10)[0]
    wrong = gemm.copy()
    wrong[0, 0] += 1e-4 * np.abs(gemm).max()
    assert not compare_arrays("out", wrong, gemm, rtol=1e-7, atol=1e-10)[0]


def test_compare_arrays_refuses_lists_and_integers(expected):
    passed, message, _ = compare_arrays("output", expected, expected, 1e-7, 1e-10, "list")
    assert not passed and "returned a list" in message
    passed, message, _ = compare_arrays("output", expected.astype(int), expected, 1e-7, 1e-10)
    assert not passed and "integer dtype" in message


def test_a_factor_no_one_writes_is_not_said():
    """1.008 times the right answer on one input is that input's coincidence (a derivative
    taken at the wrong point), not a constant someone wrote: nothing is said; 3 times is."""
    from dlfs.autograder.grading.diagnose import _scale_mistake

    assert _scale_mistake("dSdX", 1.008, batch_size=None) is None
    assert "times 3" in (_scale_mistake("dSdX", 3.0, batch_size=None) or "")


def test_a_shape_whose_axes_are_another_order_is_transposed_back_to_prove_it(rng):
    """PyTorch's (out, in, K, K) filters where (in, out, K, K) are stored: the grader finds
    the order of the axes that gives the right values, and says it only where one does."""
    want = rng.standard_normal((2, 3, 5, 5))
    said = diagnose("param_grad", want.transpose(1, 0, 2, 3), want, None)
    assert said is not None and "np.transpose(…, (1, 0, 2, 3)) gives the right answer" in said
    channels_last = rng.standard_normal((4, 3, 6, 6))
    said = diagnose("output", channels_last.transpose(0, 2, 3, 1), channels_last, 4)
    assert said is not None and "(0, 3, 1, 2)" in said
    other = diagnose("param_grad", rng.standard_normal((3, 2, 5, 5)), want, None)
    assert other is not None and "np.transpose" not in other  # unproven: not said


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            "Size of label 'o' for operand 1 (3) does not match previous terms (2).",
            "axis 'o' size 2 in an earlier operand and 3 in operand 1",
        ),
        ("mat1 and mat2 shapes cannot be multiplied (8x432 and 108x10)", "gets 432 features"),
        (
            "expected input[8, 28, 28, 1] to have 1 channels, but got 28 channels instead",
            "channels last",
        ),
    ],
)
def test_errors_of_another_librarys_layout_are_explained(error, words):
    from dlfs.autograder.grading.slips import explain_exception

    said = explain_exception(error)
    assert said is not None and words in said


def test_a_float32_array_fails_where_float64_is_expected_even_when_its_values_pass(rng):
    """The values round to the reference's within the check's tolerance; the dtype does not."""
    want = rng.standard_normal((3, 4))
    ok, message, _ = compare_arrays("output", want.astype(np.float32), want, 1e-5, 1e-7)
    assert not ok and "float32 where the reference's is float64" in message
    ok, message, _ = compare_arrays("output", want.astype(np.float16), want, 1e-2, 1e-2)
    assert not ok and "float16" in message
    ok, _, _ = compare_arrays("output", want.copy(), want, 1e-5, 1e-7)
    assert ok
    single = want.astype(np.float32)  # float32 asked (PyTorch's chapter): float32 passes
    assert compare_arrays("output", single.copy(), single, 1e-5, 1e-7)[0]
    assert compare_arrays("output", single.astype(np.float64), single, 1e-5, 1e-7)[0]


def test_values_computed_in_float32_are_said_to_be_so(rng):
    """A loss computed in float32 and returned as a Python float: 7 digits right, then off."""
    want = rng.standard_normal((6, 4))
    single = want.astype(np.float32).astype(np.float64)
    loss = np.asarray(float(want.astype(np.float32).sum()))
    ok, message, _ = compare_arrays("loss", loss, want.sum(), 1e-9, 0)
    assert not ok and "single precision" in message
    ok, message, _ = compare_arrays("x", single * (1 + 1e-6), want, 1e-9, 0)  # not float32s
    assert not ok and "single precision" not in message


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (  # a reshape of an encoder's output written for one image
            "RuntimeError: shape '[16, 7, 7]' is invalid for input of size 3136",
            "the batch axis is left out (4 rows here); keep it first, view(-1, 16, 7, 7)",
        ),
        (  # nn.GRU's state of one row for a batch of five
            "RuntimeError: Expected hidden size (1, 5, 12), got [1, 1, 12]",
            "one row where the batch has 5 sequences",
        ),
        (  # windows slid over the channels of [C, H, W] images
            "ValueError: window shape cannot be larger than input array shape",
            "axis= names other axes",
        ),
    ],
)
def test_the_numbers_of_an_error_message_say_the_mistake(error, words):
    from dlfs.autograder.grading.slips import explain_exception

    said = explain_exception(error)
    assert said is not None and words in said, said


def test_a_view_that_infers_an_axis_or_leaves_nothing_out_is_not_blamed_on_the_batch():
    from dlfs.autograder.grading.slips import explain_exception

    for error in (
        "RuntimeError: shape '[-1, 7, 28]' is invalid for input of size 10976",
        "RuntimeError: shape '[5, 7]' is invalid for input of size 36",  # no whole multiple
    ):
        said = explain_exception(error)
        assert said is None or "batch axis is left out" not in said, said
