"""A loop that runs as far as another size (:mod:`dlfs.autograder.grading.loopextent`): the
range's end said as the axis the loop's variable indexes, and proven.

The mistake is a learner's, written for this test: a batched 1-D filter gradient whose loop
over the outputs runs as far as a "valid" convolution's (no padding, carried over from
signal processing)."""

from __future__ import annotations

from dlfs.autograder.grading.loopextent import _edits
from dlfs.autograder.grading.source import Source

from .grading_helpers import PROVEN, graded_body, said_of

VALID = (
    "K = _check_filter(param, 1)\n"
    "output_grad = _ones_if_none(output_grad, input_)\n"
    "x_pad = _pad_1d_batch(input_, K // 2)\n"
    "grad = np.zeros(K)\n"
    "for k in range(K):\n"
    "    for o in range({end}):\n"
    "        grad[k] += np.sum(x_pad[:, o + k] * output_grad[:, o])\n"
    "return grad\n"
)
TARGET = ("chapter5.conv_1d_batch_backward", "conv_steps:_param_grad_1d_batch")


def test_a_loop_as_long_as_a_valid_convolution_is_said_as_the_axis_it_indexes(tmp_path):
    said = said_of(tmp_path, *TARGET, VALID.format(end="input_.shape[1] - K + 1"))
    assert "`input_.shape[1] - K + 1` should be `output_grad.shape[1]`" in said, said
    assert PROVEN in said and "`x_pad.shape[1]`" not in said, said


def test_the_same_loop_over_every_output_is_right(tmp_path):
    result = graded_body(tmp_path, *TARGET, VALID.format(end="input_.shape[1]"))
    assert result.score == result.max_score, [c.message for c in result.checks]


def test_each_axis_the_variable_indexes_is_proposed_once_and_no_other():
    code = (
        "def f(x, out, w):\n"
        "    for i in range(3):\n"
        "        for j in range(0, len(w)):\n"
        "            out[i, j] = x[..., i] + w[j] * x[i + 1, j:j + 2]\n"
    )
    proposed = {edit.args[0] for edit, _ in _edits(Source("f.py", code, "f:f").node)}
    assert proposed == {"out.shape[0]", "x.shape[0]", "out.shape[1]", "w.shape[0]", "x.shape[1]"}
