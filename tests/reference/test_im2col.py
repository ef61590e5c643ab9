"""The appendix: im2col unfolds the patches, col2im is its adjoint."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference.conv_steps import conv_2d_multichannel
from dlfs.reference.im2col import col2im, im2col

SHAPES = [((2, 3, 5, 6), 3), ((1, 1, 4, 4), 1), ((3, 2, 6, 5), 5), ((2, 1, 3, 7), 3)]


def test_im2col_of_a_known_image():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    cols = im2col(x, 3)
    assert cols.shape == (1, 9, 9)
    # The centre pixel's patch is the whole image; the corner's has zeros where the pad is.
    np.testing.assert_array_equal(cols[0, :, 4], np.arange(1.0, 10.0))
    np.testing.assert_array_equal(cols[0, :, 0], [0, 0, 0, 0, 1, 2, 0, 4, 5])


@pytest.mark.parametrize(("shape", "K"), SHAPES)
def test_im2col_is_contiguous_and_laid_out_like_a_filter(rng, shape, K):
    x = rng.standard_normal(shape)
    cols = im2col(x, K)
    N, C, H, W = shape
    assert cols.shape == (N, C * K * K, H * W)
    assert cols.flags.c_contiguous
    p = K // 2
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, c, i, j, h, w = N - 1, C - 1, K - 1, 0, H // 2, W - 1
    assert cols[n, (c * K + i) * K + j, h * W + w] == x_pad[n, c, h + i, w + j]


@pytest.mark.parametrize(("shape", "K"), SHAPES)
def test_a_matrix_product_over_the_columns_is_the_convolution(rng, shape, K):
    x = rng.standard_normal(shape)
    w = rng.standard_normal((shape[1], 4, K, K))
    out = w.transpose(1, 0, 2, 3).reshape(4, -1) @ im2col(x, K)
    np.testing.assert_allclose(out.reshape(shape[0], 4, *shape[2:]), conv_2d_multichannel(x, w))


@pytest.mark.parametrize(("shape", "K"), SHAPES)
def test_col2im_is_the_adjoint_of_im2col(rng, shape, K):
    """⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for every x and y: col2im is im2col's transpose."""
    x = rng.standard_normal(shape)
    y = rng.standard_normal(im2col(x, K).shape)
    assert np.sum(im2col(x, K) * y) == pytest.approx(np.sum(x * col2im(y, shape, K)), rel=1e-12)


def test_col2im_counts_how_many_patches_hold_each_pixel():
    counts = col2im(np.ones((1, 9, 16)), (1, 1, 4, 4), 3)[0, 0]
    np.testing.assert_array_equal(counts[0], [4, 6, 6, 4])
    np.testing.assert_array_equal(counts[1], [6, 9, 9, 6])


def test_even_filters_and_bad_shapes_are_refused(rng):
    with pytest.raises(ValueError, match="odd filter size K >= 1, got K=2"):
        im2col(rng.standard_normal((1, 1, 4, 4)), 2)
    with pytest.raises(ValueError, match=r"\[N, C, H, W\], got shape \(4, 4\)"):
        im2col(rng.standard_normal((4, 4)), 3)
    with pytest.raises(ValueError, match=r"expected \(1, 9, 16\)"):
        col2im(np.ones((1, 9, 15)), (1, 1, 4, 4), 3)
