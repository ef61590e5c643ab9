"""No wrong cause beside a fact: a proof said where the learner's slip is, not at the course's
lines around it; whole numbers found in the helper that makes them; the learner's own
conversion named where an inserted one would bypass it; the key's form of a statement where a
factor alone says nothing of the code; a call the key never makes, as a step too many; an
argument read only for its shape is no value the answer depends on.

Each mistake is a learner's, written for this test from angles no held-out set took: an LSTM
layer that keeps its state in other names, a padding helper with an integer buffer, a product
of autodiff nodes that rounds a plain number, a learning rate written in, a cell gradient
clipped "for safety"."""

from __future__ import annotations

from dlfs.autograder.grading.ignored import ignored_arguments
from dlfs.autograder.grading.source import Source

from .grading_helpers import PROVEN, said_of


def test_an_edit_of_the_courses_lines_after_the_region_is_never_the_name(tmp_path):
    """The state kept in `H` and `C`, never handed back in `H_in` and `C_in`, which the
    course's lines after the region carry to the next batch: reading `H` there would pass,
    but those lines are the course's."""
    body = (
        "x_seq_out = np.empty((N, T, self.output_size))\n"
        "H, C = H_in, C_in\n"
        "for t in range(T):\n"
        "    x_seq_out[:, t, :], H, C = self.nodes[t].forward(\n"
        "        x_seq_in[:, t, :], H, C, self.params\n"
        "    )\n"
    )
    said = said_of(tmp_path, "chapter6.lstm_layer_forward", "rnn_layers:LSTMLayer.forward", body)
    assert "`H_in` is read where `H` belongs" not in said, said
    assert "`C_in` is read where `C` belongs" not in said, said


def test_an_integer_buffer_in_a_helper_is_named_in_the_helper(tmp_path):
    body = (
        "N, H, W = input_.shape\n"
        "padded = np.zeros((N, H + 2 * num, W + 2 * num), dtype=np.int32)\n"
        "padded[:, num : num + H, num : num + W] = input_\n"
        "return padded\n"
    )
    said = said_of(tmp_path, "chapter5.conv_2d", "conv_steps:_pad_2d", body)
    assert "makes an array of whole numbers" in said and PROVEN in said, said


def test_the_learners_own_conversion_is_named_not_a_conversion_inserted(tmp_path):
    body = (
        "if isinstance(other, (int, float)):\n"
        "    other = NumberWithGrad(round(other))\n"
        "return NumberWithGrad(self.num * other.num, depends_on=[self, other], creation_op='mul')\n"
    )
    said = said_of(
        tmp_path, "chapter6.number_with_grad_mul", "autodiff:NumberWithGrad.__mul__", body
    )
    assert "`round(other)`" in said and PROVEN in said, said
    assert "which your code never does" not in said, said


def test_a_learning_rate_written_in_is_named_as_the_keys_name_not_a_factor(tmp_path):
    body = "sum_square += grad * grad\nparam -= 0.05 * grad / (np.sqrt(sum_square) + self.eps)\n"
    said = said_of(tmp_path, "chapter6.adagrad", "rnn_optimizers:AdaGrad._update_rule", body)
    assert "`0.05` should be `self.lr`" in said and PROVEN in said, said
    assert "a constant factor is off" not in said, said


def test_a_clip_the_key_never_makes_is_a_step_too_many(tmp_path):
    """The cell's gradient clipped in place "for safety" before it is used."""
    from dlfs.autograder.paths import reference_root

    key = (reference_root() / "rnn_nodes.py").read_text(encoding="utf-8")
    start = key.index("dC = C_out_grad + dH * o * (1.0 - self.tanh_C * self.tanh_C)")
    begin = key.rindex("### BEGIN SOLUTION", 0, start)
    end = key.index("### END SOLUTION", start)
    region = key[begin + len("### BEGIN SOLUTION") : end].strip("\n").splitlines()
    indent = len(region[0]) - len(region[0].lstrip())
    lines = [line[indent:] for line in region]
    at = next(i for i, line in enumerate(lines) if line.startswith("dC = C_out_grad"))
    lines.insert(at + 1, "np.clip(dC, -1.0, 1.0, out=dC)")
    said = said_of(
        tmp_path,
        "chapter6.lstm_node_backward",
        "rnn_nodes:LSTMNode.backward",
        "\n".join(lines) + "\n",
    )
    clip = "`np.clip(dC, -1.0, 1.0, out=dC)`"
    assert f"{clip} should not be there" in said or f"{clip} is a step too many" in said, said
    assert PROVEN in said, said


def test_an_argument_read_only_for_its_shape_is_not_said_to_matter():
    head = "def f(x, weights):\n"
    mine = Source("m.py", head + "    return x * 2\n", "m:f")
    shape_only = Source("k.py", head + "    return x * np.ones_like(weights['B'])\n", "k:f")
    valued = Source("k.py", head + "    return x * weights['B']\n", "k:f")
    assert ignored_arguments([mine], [shape_only]) == ""
    assert "`weights`" in ignored_arguments([mine], [valued])


def test_a_forward_that_changes_its_input_is_not_blamed_on_the_backward(tmp_path):
    """Dropout's mask multiplied into the input through `out=`: the backward through the same
    mask is right, and the message says what the forward did instead."""
    body = (
        "if inference:\n"
        "    return self.input_\n"
        "self.mask = (self.rng.random(self.input_.shape) < self.keep_prob) / self.keep_prob\n"
        "return np.multiply(self.input_, self.mask, out=self.input_)\n"
    )
    said = said_of(tmp_path, "chapter4.dropout", "dropout:Dropout._output", body)
    assert "changed its input in place" in said, said
    assert "the same mask the forward pass used" not in said, said


def test_a_factor_too_many_that_the_key_binds_otherwise_is_said_at_its_binding(tmp_path):
    """The derivative of the bias add taken as twos: `dLdN = dLdP * dPdN` has a factor too
    many, and the binding of `dPdN` is where the key has ones."""
    body = (
        "P, y = forward_info['P'], forward_info['y']\n"
        "dLdP = -2.0 * (y - P) / P.size\n"
        "dPdN = 2 * np.ones_like(forward_info['N'])\n"
        "dLdN = dLdP * dPdN\n"
        "dNdW = np.transpose(forward_info['X'], (1, 0))\n"
        "dLdW = np.dot(dNdW, dLdN)\n"
        "dPdB = np.ones_like(weights['B'])\n"
        "dLdB = np.sum(dLdP * dPdB, axis=0, keepdims=True)\n"
        "return {'W': dLdW, 'B': dLdB}\n"
    )
    said = said_of(tmp_path, "chapter2.loss_gradients", "linear_regression:loss_gradients", body)
    assert "(`dPdN = 2 * np.ones_like(forward_info['N'])`)" in said and PROVEN in said, said
    assert "has the extra factor `dPdN`" not in said, said
