"""An addition at an index array where an index repeats (:mod:`dlfs.autograder.grading.addat`):
NumPy's buffered ``+=`` keeps one sum per repeated element; ``np.add.at`` is named, proven.

The mistake is a learner's, written for this test: the 1-D input gradient scattered window by
window, every window at once, through an index array whose windows overlap."""

from __future__ import annotations

from .grading_helpers import PROVEN, graded_body, said_of

SCATTERED = (
    "p = K // 2\n"
    "grad = np.zeros(input_.shape[0] + 2 * p)\n"
    "where = np.arange(input_.shape[0])[:, None] + np.arange(K)\n"
    "grad[where] {op} output_grad[:, None] * param\n"
    "return grad[p : p + input_.shape[0]]\n"
)


def test_a_scatter_through_overlapping_windows_is_said_to_need_add_at(tmp_path):
    body = SCATTERED.format(op="+=")
    said = said_of(tmp_path, "chapter5.conv_1d_backward", "conv_steps:_input_grad_1d", body)
    assert "adds once where an index repeats" in said and PROVEN in said, said
    assert "np.add.at(grad, where, output_grad[:, None] * param)" in said, said


def test_the_same_scatter_with_add_at_is_right(tmp_path):
    body = SCATTERED.replace("grad[where] {op} ", "np.add.at(grad, where, ").replace(
        "* param\n", "* param)\n", 1
    )
    result = graded_body(tmp_path, "chapter5.conv_1d_backward", "conv_steps:_input_grad_1d", body)
    assert result.score == result.max_score, [c.message for c in result.checks]
