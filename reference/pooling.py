"""Pooling (an extension of chapter 5): the maximum or the mean of every window.

Supported: square windows of any ``size >= 1`` and any ``stride >= 1`` (``stride`` defaults to
``size``: non-overlapping windows, the usual 2×2 / stride 2), no padding. Like PyTorch's
default (``ceil_mode=False``), rows and columns that do not fill a whole window are dropped::

    H_out = (H − size) // stride + 1,   W_out = (W − size) // stride + 1

Windows are views from ``sliding_window_view``; the backward passes add the gradient into
the input with one strided slab per window offset (``size²`` additions, each over all images,
channels and windows at once), so overlapping windows (``stride < size``) are handled too.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from .base import Operation

__all__ = ["AvgPool2D", "MaxPool2D"]


class _Pool2D(Operation):
    """Shared plumbing: the window size and stride, and the windows of the input."""

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        stride = size if stride is None else stride
        if size < 1:
            raise ValueError(f"the pooling window needs size >= 1, got size={size!r}")
        if stride < 1:
            raise ValueError(f"the pooling stride must be >= 1, got stride={stride!r}")
        self.size = size
        self.stride = stride

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Check that ``input_`` is [N, C, H, W] with H, W >= size; then pool it."""
        if input_.ndim != 4:
            raise ValueError(f"expected images of shape [N, C, H, W], got shape {input_.shape}")
        if min(input_.shape[2:]) < self.size:
            raise ValueError(
                f"images of shape {input_.shape[2:]} are smaller than the window size={self.size}"
            )
        return super().forward(input_, inference)

    def _windows(self) -> ndarray:
        """Every pooling window of the input, a view: [N, C, H_out, W_out, size, size]."""
        windows = sliding_window_view(self.input_, (self.size, self.size), axis=(2, 3))
        return windows[:, :, :: self.stride, :: self.stride]

    def _add_at_windows(self, grad: ndarray, windows_grad: ndarray) -> ndarray:
        """Add ``windows_grad`` [N, C, H_out, W_out, size, size] onto the pixels it came from."""
        _, _, H_out, W_out = windows_grad.shape[:4]
        s = self.stride
        for i in range(self.size):
            for j in range(self.size):
                grad[:, :, i : i + s * H_out : s, j : j + s * W_out : s] += windows_grad[..., i, j]
        return grad


class MaxPool2D(_Pool2D):
    """The maximum of every ``size × size`` window; the gradient goes to the maximum only.

    Args:
        size: the window's side.
        stride: the step between windows; ``size`` if None.
    """

    def _output(self, inference: bool = False) -> ndarray:
        """``out[n, c, h, w] = max_{i,j} x[n, c, h·stride + i, w·stride + j]``.

        Returns:
            [N, C, H_out, W_out] output; see the module's docstring for H_out, W_out.
        """
        ### BEGIN SOLUTION
        return self._windows().max(axis=(4, 5))
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """Each window's gradient goes, whole, to the (first) pixel holding its maximum.

        With ``self._windows()`` [N, C, H_out, W_out, size, size]: a one-hot mask of each
        window's argmax (row-major, the first on ties, as PyTorch does) times ``output_grad``,
        added back onto the input's pixels (``self._add_at_windows`` does that last step).

        Args:
            output_grad: [N, C, H_out, W_out] ∂L/∂out.
        Returns:
            [N, C, H, W] ∂L/∂input_, zero off the maxima.
        """
        ### BEGIN SOLUTION
        windows = self._windows()
        flat = windows.reshape(*windows.shape[:4], -1)  # [N, C, H_out, W_out, size²], a copy
        first_max = flat.argmax(axis=-1)[..., None] == np.arange(flat.shape[-1])
        windows_grad = (first_max * output_grad[..., None]).reshape(windows.shape)
        return self._add_at_windows(np.zeros_like(self.input_), windows_grad)
        ### END SOLUTION


class AvgPool2D(_Pool2D):
    """The mean of every ``size × size`` window.

    Args:
        size: the window's side.
        stride: the step between windows; ``size`` if None.
    """

    def _output(self, inference: bool = False) -> ndarray:
        """``out[n, c, h, w] = mean_{i,j} x[n, c, h·stride + i, w·stride + j]``.

        Returns:
            [N, C, H_out, W_out] output; see the module's docstring for H_out, W_out.
        """
        ### BEGIN SOLUTION
        return self._windows().mean(axis=(4, 5))
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """Each window's gradient, divided by ``size²``, goes to every pixel of the window.

        Args:
            output_grad: [N, C, H_out, W_out] ∂L/∂out.
        Returns:
            [N, C, H, W] ∂L/∂input_ (zero on rows and columns no window covers).
        """
        ### BEGIN SOLUTION
        share = output_grad / self.size**2
        windows_grad = np.broadcast_to(share[..., None, None], (*share.shape, self.size, self.size))
        return self._add_at_windows(np.zeros_like(self.input_), windows_grad)
        ### END SOLUTION
