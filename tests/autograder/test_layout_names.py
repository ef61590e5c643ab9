"""Names for numbers in the wrong places: an array reshaped without the transpose it needs,
before the reshape or after it, and an array computed in the reshape's own expression.

Written for other exercises and forms than the held-out set that showed them (a forward pass
whose product comes channels first, columns stacked offset first)."""

from __future__ import annotations

from .grading_helpers import PROVEN, said_of


def test_a_gradient_of_another_layout_reshaped_straight_to_the_filters_is_named(tmp_path):
    """The filters' gradient summed with einsum as [C_out, C_in·K·K] and reshaped straight to
    the filters' [C_in, C_out, K, K]: the channels are exchanged."""
    body = (
        "import numpy as np\n"
        "N, C_out = output_grad.shape[:2]\n"
        "g = output_grad.reshape(N, C_out, -1)\n"
        "grad = np.einsum('nop,nkp->ok', g, self._columns())\n"
        "return grad.reshape(self.param.shape)\n"
    )
    said = said_of(
        tmp_path, "chapter5.conv_operation_backward", "conv:Conv2DOperation._param_grad", body
    )
    assert "puts the right numbers in the wrong places" in said
    assert "`.transpose(1, 0, 2, 3)`" in said
    assert PROVEN in said


def test_an_array_computed_in_the_reshapes_own_expression_is_permuted_first(tmp_path):
    """Windows [N, C, H, W, K, K] made and reshaped in one call of np.reshape, straight to
    columns: the offsets belong before the pixels."""
    body = (
        "N, C, H, W = input_.shape\n"
        "p = K // 2\n"
        "x_pad = np.pad(input_, ((0, 0), (0, 0), (p, p), (p, p)))\n"
        "windows = sliding_window_view\n"
        "return np.reshape(windows(x_pad, (K, K), axis=(2, 3)), (N, C * K * K, H * W))\n"
    )
    said = said_of(tmp_path, "chapter5.im2col", "im2col:im2col", body)
    assert "is reshaped before its axes are put in the order the reshape needs" in said
    assert ".transpose(0, 1, 4, 5, 2, 3)" in said
    assert PROVEN in said
