"""Checks beyond the book's example: code that is right only for the sizes and settings the
book uses loses points.

Each mistake is a learner's, written for this test in another form than any held-out case: an
integer input kept as integers, the book's keep probability written in, a node's parents kept
in a set (a node times itself then has one parent), nodes run by how many there are rather
than how long the sequence is, a chain rule with the book's square built in, a flatten that
takes the image to be square, seeds for the book's three layers, and a gradient cached on the
operation."""

from __future__ import annotations

import pytest

from .grading_helpers import graded_body

CASES = {
    "integer_input_kept_as_integers": (
        "chapter1.sigmoid",
        "foundations:sigmoid",
        "out = x.copy()\nout[...] = 1.0 / (1.0 + np.exp(-x))\nreturn out\n",
    ),
    "the_books_keep_probability": (
        "chapter4.dropout",
        "dropout:Dropout._output",
        "if inference:\n"
        "    return self.input_\n"
        "self.mask = self.rng.binomial(1, 0.8, size=self.input_.shape) / 0.8\n"
        "return self.input_ * self.mask\n",
    ),
    "parents_in_a_set": (
        "chapter6.number_with_grad_mul",
        "autodiff:NumberWithGrad.__mul__",
        "other = _ensure_number(other)\n"
        "parents = list({id(n): n for n in (self, other)}.values())\n"
        "return NumberWithGrad(self.num * other.num, depends_on=parents, creation_op='mul')\n",
    ),
    "as_many_steps_as_nodes": (
        "chapter6.rnn_layer_forward",
        "rnn_layers:RNNLayer.forward",
        "x_seq_out = np.empty((N, T, self.output_size))\n"
        "for t in range(len(self.nodes)):\n"
        "    step = self.nodes[t].forward(x_seq_in[:, t, :], H_in, self.params)\n"
        "    x_seq_out[:, t, :], H_in = step\n",
    ),
    "the_books_square_in_the_chain": (
        "chapter1.chain_deriv_3",
        "foundations:chain_deriv_3",
        "f1, f2, f3 = chain\n"
        "u1 = f1(input_range)\n"
        "u2 = f2(u1)\n"
        "return deriv(f1, input_range) * deriv(np.square, u1) * deriv(f3, u2)\n",
    ),
    "seeds_for_three_layers": (
        "chapter3.seed_layers",
        "network:NeuralNetwork._seed_layers",
        "for i, layer in enumerate(self.layers[:3]):\n"
        "    layer.rng = np.random.default_rng(self.seed + i)\n",
    ),
    "a_gradient_cached_on_the_operation": (
        "chapter3.linear",
        "activations:Linear._input_grad",
        "if getattr(self, '_seen', None) is None:\n"
        "    self._seen = output_grad\n"
        "return self._seen\n",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_code_right_only_for_the_books_example_loses_points(case, tmp_path, data_dir):
    exercise, target, body = CASES[case]
    result = graded_body(tmp_path, exercise, target, body)
    assert result.score < result.max_score, [c.message for c in result.checks]


def test_a_flatten_that_takes_the_image_to_be_square_loses_points(tmp_path):
    pytest.importorskip("torch")
    body = (
        "x = self.conv(x)\n"
        "if self.activation is not None:\n"
        "    x = self.activation(x)\n"
        "if self.flatten:\n"
        "    x = x.reshape(x.shape[0], x.shape[1] * x.shape[3] ** 2)\n"
        "if self.dropout is not None:\n"
        "    x = self.dropout(x)\n"
        "return x\n"
    )
    result = graded_body(tmp_path, "chapter7.conv_layer", "pytorch.layers:ConvLayer.forward", body)
    assert result.score < result.max_score, [c.message for c in result.checks]
