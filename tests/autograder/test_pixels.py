"""Pixels as they come, and images that are not square: checks where code right on the
square float images of the other checks goes wrong, and the names that go with them.

Each mistake here is written for an exercise or in a form the held-out sets that showed the
gap did not use (an average pool's running sum started from a copy, a 2-D convolution's
buffer made with the input's dtype, a multichannel convolution that swaps height and width).
"""

from __future__ import annotations

from .grading_helpers import PROVEN, graded_body


def _failed(result, name: str) -> str:
    check = next(c for c in result.checks if c.name == name)
    assert not check.passed, f"{name} passed: {check.message}"
    return check.message


def test_a_buffer_with_the_inputs_dtype_truncates_integer_images_and_is_named(tmp_path):
    """The 2-D convolution summed into ``np.empty(…, dtype=input_.dtype)``: right on floats."""
    body = (
        "N, H, W = input_.shape\n"
        "K = param.shape[0]\n"
        "p = K // 2\n"
        "x_pad = np.pad(input_, ((0, 0), (p, p), (p, p)))\n"
        "out = np.empty((N, H, W), dtype=input_.dtype)\n"
        "out[...] = 0\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        out += param[i, j] * x_pad[:, i : i + H, j : j + W]\n"
        "return out\n"
    )
    result = graded_body(tmp_path, "chapter5.conv_2d", "conv_steps:conv_2d", body)
    said = _failed(result, "pixels as integers")
    assert sum(not c.passed for c in result.checks) == 1, "only integer images show it"
    assert "`np.empty((N, H, W), dtype=input_.dtype)` makes an array of `input_`'s dtype" in said
    assert "dtype=float" in said
    assert PROVEN in said


def test_a_copy_of_integer_pixels_as_an_accumulator_is_named(tmp_path):
    """An average pool whose running sum starts as a copy of the first offset's pixels."""
    body = (
        "total = self.input_[self._at(0, 0)].copy()\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        if i or j:\n"
        "            total += self.input_[self._at(i, j)]\n"
        "total = total / self.size**2\n"
        "out = self.input_[self._at(0, 0)].copy()\n"
        "out[...] = total\n"
        "return out\n"
    )
    result = graded_body(tmp_path, "chapter5.avg_pool", "pooling:AvgPool2D._output", body)
    said = _failed(result, "images of integers")
    assert ".copy()` makes an array of" in said
    assert ".astype(float)" in said
    assert PROVEN in said


def test_sizes_taken_from_one_side_show_only_on_an_image_wider_than_tall(tmp_path):
    """A multichannel convolution that takes the image's size from its height alone."""
    body = (
        "N, C_in, size, _ = input_.shape\n"
        "K = param.shape[2]\n"
        "x_pad = _pad_conv_input(input_, K // 2)\n"
        "out = np.zeros((N, param.shape[1], size, size))\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        patch = x_pad[:, :, i : i + size, j : j + size]\n"
        "        out += np.einsum('nchw,co->nohw', patch, param[:, :, i, j])\n"
        "return out\n"
    )
    result = graded_body(
        tmp_path, "chapter5.conv_2d_multichannel", "conv_steps:conv_2d_multichannel", body
    )
    failed = [c.name for c in result.checks if not c.passed]
    assert failed == ["images wider than tall"], failed


def test_integer_pixels_do_not_fail_code_that_computes_in_floats(tmp_path):
    """A buffer of floats, filled from integer pixels: full marks."""
    body = (
        "N, H, W = input_.shape\n"
        "K = param.shape[0]\n"
        "x_pad = _pad_2d(input_.astype(float), K // 2)\n"
        "out = np.zeros((N, H, W))\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        out += param[i, j] * x_pad[:, i : i + H, j : j + W]\n"
        "return out\n"
    )
    result = graded_body(tmp_path, "chapter5.conv_2d", "conv_steps:conv_2d", body)
    assert result.score == result.max_score, [c.message for c in result.checks if not c.passed]
