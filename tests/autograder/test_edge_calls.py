"""Mistakes that hide from one call on one shape: a factor of zero short-circuited, weights
derived from the parameters once and kept, a buffer kept on a function between calls, a
shortcut for one channel, windows assumed side by side whenever they fit.

Each is a learner's, written for this test; each must lose points."""

from __future__ import annotations

import pytest

from .grading_helpers import graded_body

CASES = {
    "zero_product_as_a_fresh_leaf": (
        "chapter6.number_with_grad_mul",
        "autodiff:NumberWithGrad.__mul__",
        "other = _ensure_number(other)\n"
        "if 0 in (self.num, other.num):\n"
        "    return _ensure_number(0.0)\n"
        "product = self.num * other.num\n"
        "return NumberWithGrad(product, depends_on=[self, other], creation_op='mul')\n",
    ),
    "weights_split_once_on_the_class": (
        "chapter6.rnn_node_forward",
        "rnn_nodes:RNNNode.forward",
        "cache = type(self).__dict__.get('_split')\n"
        "if cache is None:\n"
        "    W = params_dict['W_f']['value']\n"
        "    cache = (W[: x_in.shape[1]].copy(), W[x_in.shape[1] :].copy())\n"
        "    type(self)._split = cache\n"
        "W_x, W_h = cache\n"
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        "self.H_out = np.tanh(x_in @ W_x + H_in @ W_h + params_dict['B_f']['value'])\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out\n",
    ),
    "an_output_buffer_kept_on_the_function": (
        "chapter5.conv_2d",
        "conv_steps:conv_2d",
        "buffers = conv_2d.__dict__.setdefault('buffers', {})\n"
        "windows = sliding_window_view(_pad_2d(input_, K // 2), (K, K), axis=(1, 2))\n"
        "out = buffers.setdefault(windows.shape[:3], np.zeros(windows.shape[:3]))\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        out += windows[..., i, j] * param[i, j]\n"
        "return out\n",
    ),
    "one_channel_handed_to_the_single_channel_step": (
        "chapter5.conv_2d_multichannel",
        "conv_steps:conv_2d_multichannel",
        "if param.shape[0] == 1 and param.shape[1] == 1:\n"
        "    return conv_2d(input_[:, 0], param[0, 0])\n"
        "windows = sliding_window_view(_pad_conv_input(input_, K // 2), (K, K), axis=(2, 3))\n"
        "return np.einsum('nchwij,coij->nohw', windows, param)\n",
    ),
    "max_pool_tiles_whenever_the_size_divides": (
        "chapter5.max_pool",
        "pooling:MaxPool2D._output",
        "N, C, H, W = self.input_.shape\n"
        "k = self.size\n"
        "if H % k == 0 and W % k == 0:\n"
        "    return self.input_.reshape(N, C, H // k, k, W // k, k).max(axis=(3, 5))\n"
        "return self._windows().max(axis=(4, 5))\n",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_mistake_loses_points(tmp_path, case):
    exercise, target, body = CASES[case]
    result = graded_body(tmp_path, exercise, target, body)
    assert result.score < result.max_score, [c.message for c in result.checks]


def test_an_empty_array_is_explained_without_the_explanation_failing(tmp_path):
    """Padding taken back off the batch axis by `[num:-num]`: empty for a filter of one. The
    explanation compares an empty array with the key's values and must not fail on it."""
    result = graded_body(
        tmp_path,
        "chapter5.conv_1d_batch",
        "conv_steps:_pad_1d_batch",
        "return np.pad(input_, num)[num:-num]\n",
    )
    assert result.score < result.max_score
    assert not [
        c.details["explanation_error"] for c in result.checks if "explanation_error" in c.details
    ]
