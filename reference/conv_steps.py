"""Chapter 5, step by step: convolution in 1-D, over a batch, in 2-D, and with channels.

The book builds the convolution one dimension at a time, each step with its two gradients.
Every function here uses "same" zero padding (``K // 2`` zeros on each side of each spatial
axis), stride 1 and an odd filter size ``K``, so the output has the input's (spatial) shape.

In 1-D, with ``x_pad`` the padded input and ``g = ∂L/∂out``::

    out[o]       = Σ_k w[k] · x_pad[o + k]            a window of the input times the filter
    ∂L/∂w[k]     = Σ_o x_pad[o + k] · g[o]            each filter tap sees one shifted input
    ∂L/∂x[i]     = Σ_k w[K−1−k] · g_pad[i + k]        the padded gradient, the filter FLIPPED

The same three lines hold in 2-D (two offsets ``i, j``) and with channels (a sum over the input
channels ``c`` for the output, over the output channels ``o`` for the input gradient). Each
function is vectorised: numpy's ``sliding_window_view`` gives every window as a view (no copy)
and one ``@`` or ``einsum`` does all the sums at once — no Python loop over positions.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv_1d",
    "conv_1d_batch",
    "conv_2d",
    "conv_2d_multichannel",
]


def _check_filter(param: ndarray, ndim: int) -> int:
    """Return the filter size K of ``param``; raise ValueError unless it is odd and square."""
    if param.ndim != ndim:
        raise ValueError(f"expected a filter with {ndim} dimensions, got shape {param.shape}")
    sizes = param.shape[-2:] if ndim >= 2 else param.shape
    if len(set(sizes)) != 1:
        raise ValueError(f"filters must be square, got a {sizes[0]}×{sizes[1]} filter")
    K = sizes[0]
    if K % 2 == 0:
        raise ValueError(f"'same' padding needs an odd filter size, got K={K}")
    return K


def _check_input(input_: ndarray, ndim: int, what: str) -> None:
    if input_.ndim != ndim:
        raise ValueError(f"expected {what} with {ndim} dimensions, got shape {input_.shape}")


def _ones_if_none(output_grad: ndarray | None, like: ndarray) -> ndarray:
    """The book's default output gradient: ones, the gradient of ``sum(out)``."""
    return np.ones_like(like, dtype=np.float64) if output_grad is None else output_grad


# ---------------------------------------------------------------------------------------------
# 1-D, one observation: input [L], filter [K]


def _pad_1d(input_: ndarray, num: int) -> ndarray:
    """Add ``num`` zeros on each side: [L] -> [L + 2·num]."""
    ### BEGIN SOLUTION
    return np.pad(input_, (num, num))
    ### END SOLUTION


def conv_1d(input_: ndarray, param: ndarray) -> ndarray:
    """1-D convolution with "same" padding: ``out[o] = Σ_k param[k] · x_pad[o + k]``.

    Args:
        input_: [L] signal.
        param: [K] filter, K odd; ``x_pad`` is ``input_`` with K // 2 zeros on each side.
    Returns:
        [L] output.
    """
    _check_input(input_, 1, "a signal")
    K = _check_filter(param, 1)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d(input_, K // 2), K)  # [L, K]: windows[o] = x_pad[o:o+K]
    return windows @ param
    ### END SOLUTION


def _input_grad_1d(input_: ndarray, param: ndarray, output_grad: ndarray | None = None) -> ndarray:
    """∂L/∂input_ of ``conv_1d``: ``∂L/∂x[i] = Σ_k param[K−1−k] · g_pad[i + k]``.

    The output gradient ``g``, padded like the input, convolved with the flipped filter.

    Args:
        input_: [L] signal.
        param: [K] filter.
        output_grad: [L] ∂L/∂out; ones (the gradient of ``sum(out)``) if None.
    Returns:
        [L] gradient.
    """
    K = _check_filter(param, 1)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d(output_grad, K // 2), K)  # [L, K]
    return windows @ param[::-1]
    ### END SOLUTION


def _param_grad_1d(input_: ndarray, param: ndarray, output_grad: ndarray | None = None) -> ndarray:
    """∂L/∂param of ``conv_1d``: ``∂L/∂param[k] = Σ_o x_pad[o + k] · g[o]``.

    Args:
        input_: [L] signal.
        param: [K] filter.
        output_grad: [L] ∂L/∂out; ones if None.
    Returns:
        [K] gradient.
    """
    K = _check_filter(param, 1)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d(input_, K // 2), K)  # [L, K]
    return output_grad @ windows
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 1-D, a batch: input [N, L], one filter [K] shared by every observation


def _pad_1d_batch(input_: ndarray, num: int) -> ndarray:
    """Pad every observation with ``num`` zeros on each side: [N, L] -> [N, L + 2·num]."""
    ### BEGIN SOLUTION
    return np.pad(input_, ((0, 0), (num, num)))
    ### END SOLUTION


def conv_1d_batch(input_: ndarray, param: ndarray) -> ndarray:
    """``conv_1d`` of every observation: ``out[n, o] = Σ_k param[k] · x_pad[n, o + k]``.

    Args:
        input_: [N, L] batch of signals.
        param: [K] filter, K odd.
    Returns:
        [N, L] output.
    """
    _check_input(input_, 2, "a batch of signals")
    K = _check_filter(param, 1)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d_batch(input_, K // 2), K, axis=1)  # [N, L, K]
    return windows @ param
    ### END SOLUTION


def _input_grad_1d_batch(
    input_: ndarray, param: ndarray, output_grad: ndarray | None = None
) -> ndarray:
    """∂L/∂input_ of ``conv_1d_batch``: ``Σ_k param[K−1−k] · g_pad[n, i + k]``.

    Args:
        input_: [N, L] batch.
        param: [K] filter.
        output_grad: [N, L] ∂L/∂out; ones if None.
    Returns:
        [N, L] gradient, one row per observation (nothing is summed over the batch).
    """
    K = _check_filter(param, 1)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d_batch(output_grad, K // 2), K, axis=1)  # [N, L, K]
    return windows @ param[::-1]
    ### END SOLUTION


def _param_grad_1d_batch(
    input_: ndarray, param: ndarray, output_grad: ndarray | None = None
) -> ndarray:
    """∂L/∂param of ``conv_1d_batch``: ``Σ_n Σ_o x_pad[n, o + k] · g[n, o]``.

    The filter is shared by the whole batch, so its gradient sums over the batch.

    Args:
        input_: [N, L] batch.
        param: [K] filter.
        output_grad: [N, L] ∂L/∂out; ones if None.
    Returns:
        [K] gradient.
    """
    K = _check_filter(param, 1)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_1d_batch(input_, K // 2), K, axis=1)  # [N, L, K]
    return np.einsum("nl,nlk->k", output_grad, windows)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 2-D, a batch of one-channel images: input [N, H, W], one filter [K, K]


def _pad_2d(input_: ndarray, num: int) -> ndarray:
    """Pad every image with ``num`` zeros on all four sides: [N, H, W] -> [N, H+2num, W+2num]."""
    ### BEGIN SOLUTION
    return np.pad(input_, ((0, 0), (num, num), (num, num)))
    ### END SOLUTION


def conv_2d(input_: ndarray, param: ndarray) -> ndarray:
    """2-D convolution: ``out[n, h, w] = Σ_{i,j} param[i, j] · x_pad[n, h + i, w + j]``.

    Args:
        input_: [N, H, W] batch of images.
        param: [K, K] filter, K odd.
    Returns:
        [N, H, W] output.
    """
    _check_input(input_, 3, "a batch of images")
    K = _check_filter(param, 2)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_2d(input_, K // 2), (K, K), axis=(1, 2))  # [N,H,W,K,K]
    return np.einsum("nhwij,ij->nhw", windows, param)
    ### END SOLUTION


def _input_grad_2d(input_: ndarray, param: ndarray, output_grad: ndarray | None = None) -> ndarray:
    """∂L/∂input_ of ``conv_2d``: ``Σ_{i,j} param[K−1−i, K−1−j] · g_pad[n, h + i, w + j]``.

    The padded output gradient convolved with the filter flipped along both axes.

    Args:
        input_: [N, H, W] batch.
        param: [K, K] filter.
        output_grad: [N, H, W] ∂L/∂out; ones if None.
    Returns:
        [N, H, W] gradient.
    """
    K = _check_filter(param, 2)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_2d(output_grad, K // 2), (K, K), axis=(1, 2))
    return np.einsum("nhwij,ij->nhw", windows, param[::-1, ::-1])
    ### END SOLUTION


def _param_grad_2d(input_: ndarray, param: ndarray, output_grad: ndarray | None = None) -> ndarray:
    """∂L/∂param of ``conv_2d``: ``Σ_{n,h,w} x_pad[n, h + i, w + j] · g[n, h, w]``.

    Args:
        input_: [N, H, W] batch.
        param: [K, K] filter.
        output_grad: [N, H, W] ∂L/∂out; ones if None.
    Returns:
        [K, K] gradient, summed over the batch.
    """
    K = _check_filter(param, 2)
    output_grad = _ones_if_none(output_grad, input_)
    ### BEGIN SOLUTION
    windows = sliding_window_view(_pad_2d(input_, K // 2), (K, K), axis=(1, 2))  # [N,H,W,K,K]
    return np.einsum("nhwij,nhw->ij", windows, output_grad)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------
# 2-D with channels: input [N, C_in, H, W], filters [C_in, C_out, K, K] (the book's layout)


def _check_channels(input_: ndarray, param: ndarray) -> int:
    _check_input(input_, 4, "a batch of images [N, C_in, H, W]")
    K = _check_filter(param, 4)
    if input_.shape[1] != param.shape[0]:
        raise ValueError(
            f"the input has C_in={input_.shape[1]} channels but the filters "
            f"[C_in, C_out, K, K] of shape {param.shape} expect {param.shape[0]}"
        )
    return K


def _pad_conv_input(input_: ndarray, num: int) -> ndarray:
    """Pad every channel of every image: [N, C, H, W] -> [N, C, H + 2num, W + 2num]."""
    ### BEGIN SOLUTION
    return np.pad(input_, ((0, 0), (0, 0), (num, num), (num, num)))
    ### END SOLUTION


def conv_2d_multichannel(input_: ndarray, param: ndarray) -> ndarray:
    """``out[n, o, h, w] = Σ_{c,i,j} param[c, o, i, j] · x_pad[n, c, h + i, w + j]``.

    Each output channel ``o`` sums the 2-D convolutions of every input channel ``c`` with its
    own filter ``param[c, o]``.

    Args:
        input_: [N, C_in, H, W] batch of images.
        param: [C_in, C_out, K, K] filters, K odd.
    Returns:
        [N, C_out, H, W] output.
    """
    K = _check_channels(input_, param)
    ### BEGIN SOLUTION
    padded = _pad_conv_input(input_, K // 2)
    windows = sliding_window_view(padded, (K, K), axis=(2, 3))  # [N, C_in, H, W, K, K]
    return np.einsum("nchwij,coij->nohw", windows, param, optimize=True)
    ### END SOLUTION


def _input_grad_2d_multichannel(
    input_: ndarray, param: ndarray, output_grad: ndarray | None = None
) -> ndarray:
    """∂L/∂input_: ``Σ_{o,i,j} param[c, o, K−1−i, K−1−j] · g_pad[n, o, h + i, w + j]``.

    The padded output gradient convolved with the flipped filters, summed over the output
    channels ``o`` (the filters' two channel axes swap roles).

    Args:
        input_: [N, C_in, H, W] batch.
        param: [C_in, C_out, K, K] filters.
        output_grad: [N, C_out, H, W] ∂L/∂out; ones if None.
    Returns:
        [N, C_in, H, W] gradient.
    """
    K = _check_channels(input_, param)
    if output_grad is None:
        output_grad = np.ones((input_.shape[0], param.shape[1], *input_.shape[2:]))
    ### BEGIN SOLUTION
    padded = _pad_conv_input(output_grad, K // 2)
    windows = sliding_window_view(padded, (K, K), axis=(2, 3))  # [N, C_out, H, W, K, K]
    return np.einsum("nohwij,coij->nchw", windows, param[:, :, ::-1, ::-1], optimize=True)
    ### END SOLUTION


def _param_grad_2d_multichannel(
    input_: ndarray, param: ndarray, output_grad: ndarray | None = None
) -> ndarray:
    """∂L/∂param: ``∂L/∂param[c, o, i, j] = Σ_{n,h,w} x_pad[n, c, h + i, w + j] · g[n, o, h, w]``.

    Args:
        input_: [N, C_in, H, W] batch.
        param: [C_in, C_out, K, K] filters.
        output_grad: [N, C_out, H, W] ∂L/∂out; ones if None.
    Returns:
        [C_in, C_out, K, K] gradient, summed over the batch.
    """
    K = _check_channels(input_, param)
    if output_grad is None:
        output_grad = np.ones((input_.shape[0], param.shape[1], *input_.shape[2:]))
    ### BEGIN SOLUTION
    padded = _pad_conv_input(input_, K // 2)
    windows = sliding_window_view(padded, (K, K), axis=(2, 3))  # [N, C_in, H, W, K, K]
    return np.einsum("nchwij,nohw->coij", windows, output_grad, optimize=True)
    ### END SOLUTION
