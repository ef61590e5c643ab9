"""What a piece keeps between calls, and what two pieces of one kind share.

Two angles the checks did not take before: state kept from an earlier call of the same object
(a dropout mask drawn once and reused, a generator seeded afresh on every call, so each pass
draws the same mask) and state shared by every instance (values kept on the class or in a
module's buffer, so a second instance's forward overwrites what the first stored for its
backward). Each must lose points and say why; storing on the instance, however it is written,
keeps full marks.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.api import grade

from .grading_helpers import reference_workspace, replace_body

MASK_ONCE_PER_SHAPE = (
    "if inference:\n"
    "    return self.input_\n"
    "if getattr(self, 'mask', None) is None or self.mask.shape != self.input_.shape:\n"
    "    self.mask = (self.rng.random(self.input_.shape) < self.keep_prob) / self.keep_prob\n"
    "return self.input_ * self.mask\n"
)
MASK_FROM_A_GENERATOR_SEEDED_EACH_CALL = (
    "if inference:\n"
    "    return self.input_\n"
    "rng = np.random.default_rng(12345)\n"
    "self.mask = rng.binomial(1, self.keep_prob, self.input_.shape) / self.keep_prob\n"
    "return self.input_ * self.mask\n"
)
MASK_BY_BINOMIAL = (
    "if inference:\n"
    "    return self.input_\n"
    "self.mask = self.rng.binomial(1, self.keep_prob, size=self.input_.shape) / self.keep_prob\n"
    "return self.input_ * self.mask\n"
)
PROBABILITIES_ON_THE_CLASS = (
    "shifted = self.prediction - self.prediction.max(axis=1, keepdims=True)\n"
    "p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
    "SoftmaxCrossEntropy.softmax_preds = p\n"
    "p = np.clip(p, self.eps, 1 - self.eps)\n"
    "return float(-np.sum(self.target * np.log(p)) / self.prediction.shape[0])\n"
)
PROBABILITIES_ON_THE_INSTANCE_BESIDE_A_CLASS_DEFAULT = (
    "type(self).softmax_preds = None  # a default on the class, shadowed below\n"
    "shifted = self.prediction - self.prediction.max(axis=1, keepdims=True)\n"
    "self.softmax_preds = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
    "p = np.clip(self.softmax_preds, self.eps, 1 - self.eps)\n"
    "return float(-np.sum(self.target * np.log(p)) / self.prediction.shape[0])\n"
)
HIDDEN_STATE_IN_A_SHARED_BUFFER = (
    "buffer = type(self).__dict__.get('scratch')\n"
    "shape = (x_in.shape[0], params_dict['W_f']['value'].shape[1])\n"
    "if buffer is None or buffer.shape != shape:\n"
    "    buffer = np.empty(shape)\n"
    "    type(self).scratch = buffer\n"
    "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
    "np.tanh(self.Z @ params_dict['W_f']['value'] + params_dict['B_f']['value'], out=buffer)\n"
    "self.H_out = buffer\n"
    "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
    "return self.x_out, self.H_out\n"
)


def _graded(workspace, exercise):
    (result,) = grade(exercise, path=workspace, record=False).exercises
    return result


def _messages(result) -> str:
    return "\n".join(check.message for check in result.checks if check.message)


@pytest.mark.parametrize(
    "body",
    [MASK_ONCE_PER_SHAPE, MASK_FROM_A_GENERATOR_SEEDED_EACH_CALL],
    ids=["drawn_once_per_shape", "seeded_each_call"],
)
def test_a_dropout_mask_reused_across_passes_loses_points_and_says_so(tmp_path, body):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "dropout:Dropout._output", body)
    result = _graded(workspace, "chapter4.dropout")
    assert result.score < result.max_score
    assert "dropped the same elements" in _messages(result)


def test_a_mask_drawn_another_way_each_pass_keeps_full_marks(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "dropout:Dropout._output", MASK_BY_BINOMIAL)
    result = _graded(workspace, "chapter4.dropout")
    assert result.score == result.max_score, _messages(result)


def test_probabilities_kept_on_the_class_are_named_with_their_line(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "losses:SoftmaxCrossEntropy._output", PROBABILITIES_ON_THE_CLASS)
    result = _graded(workspace, "chapter4.softmax_cross_entropy_forward")
    assert result.score < result.max_score
    text = _messages(result)
    assert "a second SoftmaxCrossEntropy's forward" in text
    assert "class SoftmaxCrossEntropy" in text and "losses.py:" in text
    assert "not in a line of yours" not in text


def test_a_class_default_shadowed_by_the_instance_keeps_full_marks(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "losses:SoftmaxCrossEntropy._output",
        PROBABILITIES_ON_THE_INSTANCE_BESIDE_A_CLASS_DEFAULT,
    )
    result = _graded(workspace, "chapter4.softmax_cross_entropy_forward")
    assert result.score == result.max_score, _messages(result)


def test_a_hidden_state_written_into_a_buffer_every_node_shares_is_named(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "rnn_nodes:RNNNode.forward", HIDDEN_STATE_IN_A_SHARED_BUFFER)
    result = _graded(workspace, "chapter6.rnn_node_forward")
    assert result.score < result.max_score
    text = _messages(result)
    assert "a second RNNNode's forward" in text and "scratch" in text, text
