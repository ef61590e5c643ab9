"""The convolution as an operation (the book's ``Conv2D_Op``), and ``Flatten``.

``Conv2DOperation`` runs the multichannel convolution of ``conv_steps`` as matrix products
over ``im2col``'s columns (the book's appendix). The columns are computed once per forward
pass and reused by ``_param_grad``; the input gradient goes back through ``col2im``. No
Python loop runs over images, channels or pixels (``col2im`` loops over the K·K filter
offsets only).
"""

from __future__ import annotations

from numpy import ndarray

from .base import Operation, ParamOperation, assert_same_shape
from .im2col import col2im, im2col

__all__ = ["Conv2DOperation", "Flatten"]


class Conv2DOperation(ParamOperation):
    """2-D convolution, "same" zero padding, stride 1 (the book's ``Conv2D_Op``).

    ``out[n, o, h, w] = Σ_{c,i,j} W[c, o, i, j] · x_pad[n, c, h + i, w + j]`` where ``x_pad``
    is the input with ``K // 2`` zeros on all four sides.

    Args:
        W: [C_in, C_out, K, K] filters (the book's layout; PyTorch's is [C_out, C_in, K, K]),
            K odd.
    """

    def __init__(self, W: ndarray) -> None:
        if W.ndim != 4 or W.shape[2] != W.shape[3]:
            raise ValueError(
                f"expected square filters of shape [C_in, C_out, K, K], got shape {W.shape}"
            )
        if W.shape[2] % 2 == 0:
            raise ValueError(f"'same' padding needs an odd filter size, got K={W.shape[2]}")
        super().__init__(W)
        self.param_size = W.shape[2]
        self._cols: ndarray | None = None

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Check the input's shape, forget the last pass's columns, and run the convolution."""
        if input_.ndim != 4:
            raise ValueError(f"expected images of shape [N, C_in, H, W], got shape {input_.shape}")
        if input_.shape[1] != self.param.shape[0]:
            raise ValueError(
                f"the input has C_in={input_.shape[1]} channels but the filters "
                f"[C_in, C_out, K, K] of shape {self.param.shape} expect {self.param.shape[0]}"
            )
        self._cols = None
        output = super().forward(input_, inference)
        if inference:
            # No backward pass follows: free the columns (K² times the input's size).
            self._cols = None
        return output

    def backward(self, output_grad: ndarray) -> ndarray:
        """``ParamOperation.backward``, the filters' gradient first.

        ``_param_grad`` is the columns' last use: they are freed before ``_input_grad`` makes
        ∂L/∂cols, an array of their size (K² times the input's), so that the two are never in
        memory together and a step's arrays stay within the processor's cache. (Another
        ``backward`` for the same forward pass computes the columns again.)
        """
        assert_same_shape(self.output, output_grad)
        self.param_grad = self._param_grad(output_grad)
        self._cols = None
        self.input_grad = self._input_grad(output_grad)
        assert_same_shape(self.param, self.param_grad)
        assert_same_shape(self.input_, self.input_grad)
        return self.input_grad

    def backward_param(self, output_grad: ndarray) -> None:
        """Only the filters' gradient (see ``ParamOperation.backward_param``); frees the columns."""
        super().backward_param(output_grad)
        self._cols = None

    def _columns(self) -> ndarray:
        """``im2col(self.input_, K)``, [N, C_in·K·K, H·W], computed once per forward pass."""
        if self._cols is None:
            self._cols = im2col(self.input_, self.param_size)
        return self._cols

    def _output(self, inference: bool = False) -> ndarray:
        """The convolution as one batched matrix product.

        ``out[n] = W_mat @ cols[n]`` with ``W_mat = W.transpose(1, 0, 2, 3)`` reshaped to
        [C_out, C_in·K·K] (row ``o`` is output channel ``o``'s filters, in im2col's row order)
        and ``cols = self._columns()`` [N, C_in·K·K, H·W].

        Returns:
            [N, C_out, H, W] output.
        """
        ### BEGIN SOLUTION
        N, _, H, W = self.input_.shape
        C_out = self.param.shape[1]
        weights = self.param.transpose(1, 0, 2, 3).reshape(C_out, -1)  # [C_out, C_in·K·K]
        return (weights @ self._columns()).reshape(N, C_out, H, W)
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂x: the padded output gradient convolved with the FLIPPED filters.

        ``∂L/∂x[n, c, h, w] = Σ_{o,i,j} W[c, o, K−1−i, K−1−j] · g_pad[n, o, h + i, w + j]``.
        As matrices: ∂L/∂cols[n] = W_matᵀ @ g[n] ([C_in·K·K, C_out] @ [C_out, H·W]), and
        ``col2im`` adds each column entry back onto the pixel it was read from — which is
        the flipped convolution above, with the flip done by the indexing.

        Args:
            output_grad: [N, C_out, H, W] ∂L/∂out.
        Returns:
            [N, C_in, H, W] ∂L/∂input_.
        """
        ### BEGIN SOLUTION
        N, C_out, H, W = output_grad.shape
        weights = self.param.transpose(1, 0, 2, 3).reshape(C_out, -1)  # [C_out, C_in·K·K]
        cols_grad = weights.T @ output_grad.reshape(N, C_out, H * W)  # [N, C_in·K·K, H·W]
        return col2im(cols_grad, self.input_.shape, self.param_size)
        ### END SOLUTION

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂W, summed over the batch (every image uses the same filters).

        ``∂L/∂W[c, o, i, j] = Σ_{n,h,w} x_pad[n, c, h + i, w + j] · g[n, o, h, w]``; as
        matrices ``Σ_n g[n] @ cols[n]ᵀ`` ([C_out, H·W] @ [H·W, C_in·K·K]) with
        ``cols = self._columns()``, reshaped back to the filters' layout.

        Args:
            output_grad: [N, C_out, H, W] ∂L/∂out.
        Returns:
            [C_in, C_out, K, K] ∂L/∂W.
        """
        ### BEGIN SOLUTION
        N, C_out = output_grad.shape[:2]
        C_in, K = self.param.shape[0], self.param_size
        grads = output_grad.reshape(N, C_out, -1) @ self._columns().transpose(0, 2, 1)
        return grads.sum(axis=0).reshape(C_out, C_in, K, K).transpose(1, 0, 2, 3)
        ### END SOLUTION


class Flatten(Operation):
    """Flatten every observation to one row: [N, ...] -> [N, D], D the product of the rest."""

    def _output(self, inference: bool = False) -> ndarray:
        """Reshape the input [N, C, H, W] (or any [N, ...]) to [N, C·H·W]."""
        ### BEGIN SOLUTION
        return self.input_.reshape(self.input_.shape[0], -1)
        ### END SOLUTION

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """Reshape ``output_grad`` [N, D] back to the input's shape [N, ...]."""
        ### BEGIN SOLUTION
        return output_grad.reshape(self.input_.shape)
        ### END SOLUTION
