"""The appendix: convolution as one matrix multiplication.

``im2col`` copies every K×K patch of the zero-padded input into a column, so that the whole
convolution becomes one matrix product (a GEMM, which BLAS runs at full speed)::

    cols = im2col(x, K)                                   [N, C_in·K·K, H·W]
    out  = W.transpose(1, 0, 2, 3).reshape(C_out, -1) @ cols   -> [N, C_out, H·W]

``col2im`` is its adjoint (its transpose as a linear map): it adds every column's entries back
onto the pixels they were read from. It turns the gradient with respect to the columns into
the gradient with respect to the input, and carries the backward pass of the convolution.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["col2im", "im2col"]


def _check(shape: tuple[int, ...], K: int) -> None:
    if len(shape) != 4:
        raise ValueError(f"expected a batch of images [N, C, H, W], got shape {shape}")
    if K < 1 or K % 2 == 0:
        raise ValueError(f"'same' padding needs an odd filter size K >= 1, got K={K}")


def im2col(input_: ndarray, K: int) -> ndarray:
    """Unfold every K×K patch of the "same"-padded images into a column.

    With ``x_pad`` the input padded by ``K // 2`` zeros on all four sides::

        cols[n, (c·K + i)·K + j, h·W + w] = x_pad[n, c, h + i, w + j]

    Row index ``(c, i, j)`` is C-order over ``[C, K, K]`` (the layout of one filter), column
    index ``(h, w)`` C-order over the output pixels.

    Args:
        input_: [N, C, H, W] batch of images.
        K: the (odd) filter size.
    Returns:
        [N, C·K·K, H·W] contiguous array.
    """
    _check(input_.shape, K)
    ### BEGIN SOLUTION
    N, C, H, W = input_.shape
    p = K // 2
    padded = np.pad(input_, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(padded, (K, K), axis=(2, 3))  # [N, C, H, W, K, K], a view
    # One copy into [N, C, K, K, H, W] order: each row of the result is a contiguous image.
    return np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * K * K, H * W)
    ### END SOLUTION


def col2im(cols: ndarray, input_shape: tuple[int, ...], K: int) -> ndarray:
    """The adjoint of ``im2col``: sum every column's entries back onto their pixels.

    ``x_pad[n, c, h + i, w + j] += cols[n, (c·K + i)·K + j, h·W + w]`` for every ``(i, j)``
    and pixel ``(h, w)``, then the padding is cut away. A pixel lies in up to K·K patches, so
    its gradient is the sum of K·K entries.

    NumPy adds long contiguous runs fast and short ones slowly. A patch added straight into
    the padded images goes row by row (their rows are 2·(K // 2) longer than a patch's); so for
    each column offset j, the K patches ``(i, j)`` are first summed, each i rows down, in
    ``down`` [N, C, H + 2·(K // 2), W], whose rows are as long as a patch's (one run per image
    and channel), and ``down`` is then added j columns across: K·K fast additions and K slow
    ones instead of K·K slow ones.

    Args:
        cols: [N, C·K·K, H·W] e.g. ∂L/∂cols.
        input_shape: ``(N, C, H, W)`` of the images ``im2col`` unfolded.
        K: the (odd) filter size.
    Returns:
        [N, C, H, W] array.
    """
    _check(tuple(input_shape), K)
    N, C, H, W = input_shape
    if cols.shape != (N, C * K * K, H * W):
        raise ValueError(
            f"columns of shape {cols.shape} do not fit images of shape {tuple(input_shape)} "
            f"with K={K}: expected {(N, C * K * K, H * W)}"
        )
    ### BEGIN SOLUTION
    p = K // 2
    patches = cols.reshape(N, C, K, K, H, W)
    padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    down = np.empty((N, C, H + 2 * p, W), dtype=cols.dtype)
    for j in range(K):
        down.fill(0)
        for i in range(K):  # the patches (i, j), each i rows down
            down[:, :, i : i + H] += patches[:, :, i, j]
        padded[:, :, :, j : j + W] += down  # their sum, j columns across
    return padded[:, :, p : p + H, p : p + W]
    ### END SOLUTION
