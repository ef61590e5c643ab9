"""Pooling (an extension of chapter 5): the maximum or the mean of every window.

Supported: square windows of any ``size >= 1`` and any ``stride >= 1`` (``stride`` defaults to
``size``: non-overlapping windows, the usual 2×2 / stride 2), no padding. Like PyTorch's
default (``ceil_mode=False``), rows and columns that do not fill a whole window are dropped::

    H_out = (H − size) // stride + 1,   W_out = (W − size) // stride + 1

Both passes loop over the offsets ``(i, j)`` inside a window, never over pixels:
``x[self._at(i, j)]`` is a strided view holding pixel ``(i, j)`` of every window of every
image and channel, so each step is one elementwise operation on [N, C, H_out, W_out] arrays.
(``MaxPool2D`` takes its maximum in two such steps, across then down, with the views
``_cols(j)`` and ``_rows(i)``.) Overlapping windows (``stride < size``) are handled too:
their gradients add up. (The helpers ``_windows`` and ``_add_at_windows`` offer the other
route, a view of every whole window: simpler to write, several times slower.)
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from .base import Operation

__all__ = ["AvgPool2D", "MaxPool2D"]


class _Pool2D(Operation):
    """Shared plumbing: the window size and stride, and views of each offset in the windows."""

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

    def _output_size(self) -> tuple[int, int]:
        """``(H_out, W_out)``: the number of whole windows down and across."""
        H, W = self.input_.shape[2:]
        return (H - self.size) // self.stride + 1, (W - self.size) // self.stride + 1

    def _cols(self, j: int) -> tuple[slice, ...]:
        """An index picking column ``j`` of every window, on every row: ``x[self._cols(j)]`` is
        the [N, C, H, W_out] view ``x[n, c, h, w·stride + j]``."""
        W_out, s = self._output_size()[1], self.stride
        return (slice(None), slice(None), slice(None), slice(j, j + s * W_out, s))

    def _rows(self, i: int) -> tuple[slice, ...]:
        """An index picking row ``i`` of every window: for an [N, C, H, W_out] array ``a``,
        ``a[self._rows(i)]`` is the [N, C, H_out, W_out] view ``a[n, c, h·stride + i, w]``."""
        H_out, s = self._output_size()[0], self.stride
        return (slice(None), slice(None), slice(i, i + s * H_out, s))

    def _at(self, i: int, j: int) -> tuple[slice, ...]:
        """An index picking pixel ``(i, j)`` of every window: ``x[self._at(i, j)]`` is the
        [N, C, H_out, W_out] view ``x[n, c, h·stride + i, w·stride + j]``."""
        H_out, W_out = self._output_size()
        s = self.stride
        return (slice(None), slice(None), slice(i, i + s * H_out, s), slice(j, j + s * W_out, s))

    def _tiles(self, a: ndarray) -> ndarray:
        """For windows side by side (``stride == size``): the part of an [N, C, H, W] array
        ``a`` the windows cover, a view [N, C, H_out, size, W_out·size] whose row ``i`` of axis
        3 is row ``i`` of every window (its columns stay contiguous)."""
        H_out, W_out = self._output_size()
        N, C = a.shape[:2]
        covered = a[:, :, : H_out * self.size, : W_out * self.size]
        return covered.reshape(N, C, H_out, self.size, W_out * self.size)

    def _spread(self, a: ndarray) -> ndarray:
        """An [N, C, H_out, W_out] array repeated across each window's columns, ready to
        broadcast against ``self._tiles``: [N, C, H_out, 1, W_out·size]."""
        return np.repeat(a, self.size, axis=-1)[:, :, :, None, :]

    def _windows(self) -> ndarray:
        """Every pooling window of the input, a view: [N, C, H_out, W_out, size, size]."""
        windows = sliding_window_view(self.input_, (self.size, self.size), axis=(2, 3))
        return windows[:, :, :: self.stride, :: self.stride]

    def _add_at_windows(self, grad: ndarray, windows_grad: ndarray) -> ndarray:
        """Add ``windows_grad`` [N, C, H_out, W_out, size, size] onto ``grad`` [N, C, H, W]
        at the pixels each window entry came from; return ``grad``."""
        for i in range(self.size):
            for j in range(self.size):
                grad[self._at(i, j)] += windows_grad[..., i, j]
        return grad


class MaxPool2D(_Pool2D):
    """The maximum of every ``size × size`` window; the gradient goes to the maximum only.

    Args:
        size: the window's side.
        stride: the step between windows; ``size`` if None.
    """

    def _output(self, inference: bool = False) -> ndarray:
        """``out[n, c, h, w] = max_{i,j} x[n, c, h·stride + i, w·stride + j]``.

        The elementwise maximum of the ``size²`` views ``self.input_[self._at(i, j)]``. Faster,
        in two steps (a maximum is separable: the largest of a window is the largest of its
        rows' largest): first across, ``across[n, c, h, w] = max_j x[n, c, h, w·stride + j]``
        ([N, C, H, W_out], the maximum of the ``size`` views ``self.input_[self._cols(j)]``),
        then down, ``out = max_i across[self._rows(i)]``. That is 2·size maxima instead of
        size², and the first step reads whole rows of the input, not every other one.

        Returns:
            [N, C, H_out, W_out] output; see the module's docstring for H_out, W_out.
        """
        ### BEGIN SOLUTION
        across = self.input_[self._cols(0)]
        for j in range(1, self.size):
            across = np.maximum(across, self.input_[self._cols(j)])
        output = across[self._rows(0)]
        for i in range(1, self.size):
            output = np.maximum(output, across[self._rows(i)])
        # A 1×1 window is the pixel itself: copy it, so that the output is not the input.
        return output if self.size > 1 else output.copy()
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """Each window's gradient goes, whole, to the (first) pixel holding its maximum.

        Visit the offsets ``(i, j)`` in row-major order: where ``self.input_[self._at(i, j)]``
        equals the window's maximum ``self.output`` and no earlier offset did, that pixel
        takes the window's ``output_grad`` (the first maximum on ties, as PyTorch does). With
        overlapping windows (``stride < size``) a pixel can be the maximum of several: add.
        Otherwise each pixel is in one window at most: assign the product, no addition.

        Faster, for windows side by side (``stride == size``, the usual case): compare every
        pixel with its window's maximum at once, ``self._tiles(self.input_)`` against
        ``self._spread(self.output)``. Where that finds exactly one maximum per window (no
        ties; a window holding NaN finds none, so only without NaN) the pixels found take
        ``self._spread(output_grad)``; otherwise the visit above decides.

        Args:
            output_grad: [N, C, H_out, W_out] ∂L/∂out.
        Returns:
            [N, C, H, W] ∂L/∂input_, zero off the maxima.
        """
        ### BEGIN SOLUTION
        if self.stride == self.size and not np.isnan(self.output).any():
            at_max = self._tiles(self.input_) == self._spread(self.output)
            if np.count_nonzero(at_max) == self.output.size:  # one maximum per window
                input_grad = np.zeros_like(self.input_, dtype=output_grad.dtype)
                np.multiply(at_max, self._spread(output_grad), out=self._tiles(input_grad))
                return input_grad
        overlapping = self.stride < self.size
        input_grad = np.zeros_like(self.input_, dtype=output_grad.dtype)  # no window: zero
        taken = None  # [N, C, H_out, W_out]: where an earlier offset held the maximum
        for i in range(self.size):
            for j in range(self.size):
                at = self._at(i, j)
                at_max = self.input_[at] == self.output
                first = at_max if taken is None else at_max > taken  # True > False: here only
                if overlapping:
                    input_grad[at] += output_grad * first
                else:
                    input_grad[at] = output_grad * first
                taken = first if taken is None else taken | first
        return input_grad
        ### END SOLUTION


class AvgPool2D(_Pool2D):
    """The mean of every ``size × size`` window.

    Args:
        size: the window's side.
        stride: the step between windows; ``size`` if None.
    """

    def _output(self, inference: bool = False) -> ndarray:
        """``out[n, c, h, w] = mean_{i,j} x[n, c, h·stride + i, w·stride + j]``.

        The sum of the ``size²`` views ``self.input_[self._at(i, j)]``, over ``size²``.

        Returns:
            [N, C, H_out, W_out] output; see the module's docstring for H_out, W_out.
        """
        ### BEGIN SOLUTION
        shape = (*self.input_.shape[:2], *self._output_size())
        output = np.zeros(shape, dtype=np.result_type(self.input_.dtype, np.float32))
        for i in range(self.size):
            for j in range(self.size):
                output += self.input_[self._at(i, j)]
        return output / self.size**2
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """Each window's gradient, divided by ``size²``, goes to every pixel of the window.

        Add ``output_grad / size²`` onto ``self._at(i, j)`` of a zero array, for every offset.

        Args:
            output_grad: [N, C, H_out, W_out] ∂L/∂out.
        Returns:
            [N, C, H, W] ∂L/∂input_ (zero on rows and columns no window covers).
        """
        ### BEGIN SOLUTION
        share = output_grad / self.size**2
        input_grad = np.zeros_like(self.input_, dtype=share.dtype)
        for i in range(self.size):
            for j in range(self.size):
                input_grad[self._at(i, j)] += share
        return input_grad
        ### END SOLUTION
