"""Chapter 5 step by step: 1-D, batched 1-D, 2-D and multichannel convolutions and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient
from dlfs.reference import conv_steps as cs

# (forward, input gradient, parameter gradient, input shape, parameter shape) of each step.
STEPS = {
    "1d": (cs.conv_1d, cs._input_grad_1d, cs._param_grad_1d),
    "1d_batch": (cs.conv_1d_batch, cs._input_grad_1d_batch, cs._param_grad_1d_batch),
    "2d": (cs.conv_2d, cs._input_grad_2d, cs._param_grad_2d),
    "2d_multichannel": (
        cs.conv_2d_multichannel,
        cs._input_grad_2d_multichannel,
        cs._param_grad_2d_multichannel,
    ),
}

CASES = [
    ("1d", (7,), (3,)),
    ("1d", (5,), (1,)),
    ("1d", (9,), (5,)),
    ("1d_batch", (3, 8), (3,)),
    ("1d_batch", (2, 6), (5,)),
    ("2d", (2, 5, 7), (3, 3)),
    ("2d", (3, 6, 4), (1, 1)),
    ("2d", (2, 7, 6), (5, 5)),
    ("2d_multichannel", (2, 3, 5, 6), (3, 2, 3, 3)),
    ("2d_multichannel", (3, 2, 4, 5), (2, 4, 1, 1)),
    ("2d_multichannel", (2, 1, 6, 5), (1, 2, 5, 5)),
]


def _loop_conv_1d(x, w):
    """The book's loops, as the definition to test against."""
    K = len(w)
    x_pad = np.concatenate([np.zeros(K // 2), x, np.zeros(K // 2)])
    return np.array([sum(w[k] * x_pad[o + k] for k in range(K)) for o in range(len(x))])


def _loop_conv_multichannel(x, w):
    N, _, H, W = x.shape
    C_out, K = w.shape[1], w.shape[2]
    p = K // 2
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, C_out, H, W))
    for o in range(C_out):
        for h in range(H):
            for v in range(W):
                patch = x_pad[:, :, h : h + K, v : v + K]  # [N, C_in, K, K]
                out[:, o, h, v] = np.einsum("ncij,cij->n", patch, w[:, o])
    return out


def test_pad_1d_adds_num_zeros_on_each_side():
    np.testing.assert_array_equal(cs._pad_1d(np.array([1.0, 2.0]), 2), [0, 0, 1, 2, 0, 0])


def test_the_pads_of_every_step_add_zeros_only_around_the_spatial_axes(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    assert cs._pad_1d_batch(x[0, 0], 1).shape == (4, 7)
    assert cs._pad_2d(x[0], 2).shape == (3, 8, 9)
    padded = cs._pad_conv_input(x, 1)
    assert padded.shape == (2, 3, 6, 7)
    np.testing.assert_array_equal(padded[:, :, 1:-1, 1:-1], x)
    assert padded.sum() == pytest.approx(x.sum())


def test_conv_1d_matches_the_books_loops_on_a_known_case():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    w = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(cs.conv_1d(x, w), [3, 6, 9, 12, 9])
    w = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(cs.conv_1d(x, w), _loop_conv_1d(x, w))


def test_the_steps_agree_with_each_other(rng):
    """Is each step the previous one applied to every observation / channel?"""
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((2, 4, 3, 3))
    np.testing.assert_allclose(
        cs.conv_1d_batch(x[:, 0, 0], w[0, 0, 0]),
        np.stack([cs.conv_1d(row, w[0, 0, 0]) for row in x[:, 0, 0]]),
    )
    by_channel = sum(cs.conv_2d(x[:, c], w[c, 1]) for c in range(2))
    np.testing.assert_allclose(cs.conv_2d_multichannel(x, w)[:, 1], by_channel, atol=1e-12)
    np.testing.assert_allclose(cs.conv_2d_multichannel(x, w), _loop_conv_multichannel(x, w))


@pytest.mark.parametrize(("step", "x_shape", "w_shape"), CASES)
def test_every_step_passes_the_gradient_check(rng, step, x_shape, w_shape):
    """Do the input and parameter gradients match central differences of Σ out · G?"""
    forward, input_grad, param_grad = STEPS[step]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    G = rng.standard_normal(forward(x, w).shape)

    def loss() -> float:
        return float(np.sum(forward(x, w) * G))

    for result in (
        check_gradient(loss, x, input_grad(x, w, G), "input_"),
        check_gradient(loss, w, param_grad(x, w, G), "param"),
    ):
        assert result.passed, str(result)


@pytest.mark.parametrize(("step", "x_shape", "w_shape"), CASES[:6])
def test_the_default_output_grad_is_that_of_the_sum(rng, step, x_shape, w_shape):
    forward, input_grad, param_grad = STEPS[step]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    ones = np.ones(forward(x, w).shape)
    np.testing.assert_allclose(input_grad(x, w), input_grad(x, w, ones))
    np.testing.assert_allclose(param_grad(x, w), param_grad(x, w, ones))


def test_the_input_grad_needs_the_flipped_filter(rng):
    """Is an unflipped filter caught? (It is right only for symmetric filters.)"""
    x = rng.standard_normal((2, 5, 6))
    w = rng.standard_normal((3, 3))
    G = rng.standard_normal(x.shape)
    unflipped = cs._input_grad_2d(x, w[::-1, ::-1].copy(), G)
    result = check_gradient(lambda: float(np.sum(cs.conv_2d(x, w) * G)), x, unflipped)
    assert not result.passed


@pytest.mark.parametrize(
    ("function", "x_shape", "w_shape"),
    [
        (cs.conv_1d, (5,), (4,)),
        (cs.conv_1d_batch, (2, 5), (2,)),
        (cs.conv_2d, (2, 5, 5), (2, 2)),
        (cs.conv_2d_multichannel, (2, 1, 5, 5), (1, 3, 4, 4)),
    ],
)
def test_even_filters_are_refused(rng, function, x_shape, w_shape):
    with pytest.raises(ValueError, match=r"odd filter size, got K=\d"):
        function(rng.standard_normal(x_shape), rng.standard_normal(w_shape))


def test_non_square_filters_are_refused(rng):
    with pytest.raises(ValueError, match="must be square, got a 3×5 filter"):
        cs.conv_2d(rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 5)))


def test_mismatched_channels_are_refused(rng):
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"C_in=3 channels .* expect 2"):
        cs.conv_2d_multichannel(x, w)
    with pytest.raises(ValueError, match=r"C_in=3 channels"):
        cs._param_grad_2d_multichannel(x, w)


def test_inputs_of_the_wrong_rank_are_refused(rng):
    with pytest.raises(ValueError, match=r"3 dimensions, got shape \(5, 5\)"):
        cs.conv_2d(rng.standard_normal((5, 5)), rng.standard_normal((3, 3)))
