"""Does the grader name the book's known bugs and the common mistakes it recognises?

Each case writes a wrong body into a copy of the reference and grades that one exercise: the
exercise must lose points and its message must name the mistake.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.api import grade

from .grading_helpers import reference_workspace, replace_body

CASES = {
    "relu_book_bug": (
        "chapter4.relu",
        "activations:ReLU._input_grad",
        "return output_grad * (self.output >= 0)",
        "the book's bug: the mask output >= 0",
    ),
    "cross_entropy_book_term": (
        "chapter4.softmax_cross_entropy_forward",
        "losses:SoftmaxCrossEntropy._output",
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "p = np.clip(self.softmax_preds, self.eps, 1 - self.eps)\n"
        "return float(-np.sum(self.target * np.log(p) + (1 - self.target) * np.log(1 - p))"
        " / self.prediction.shape[0])",
        "the book's extra term",
    ),
    "linear_regression_missing_mean": (
        "chapter2.loss_gradients",
        "linear_regression:loss_gradients",
        "P, y = forward_info['P'], forward_info['y']\n"
        "dLdP = -2.0 * (y - P)\n"
        "dLdW = forward_info['X'].T @ dLdP\n"
        "return {'W': dLdW, 'B': dLdP.sum(axis=0, keepdims=True)}",
        "leaves out the 1/n",
    ),
    "bias_not_summed": (
        "chapter3.bias_add_backward",
        "operations:BiasAdd._param_grad",
        "return output_grad",
        "sum it over the batch",
    ),
    "kernel_not_flipped": (
        "chapter5.conv_2d_backward",
        "conv_steps:_input_grad_2d",
        "windows = sliding_window_view(_pad_2d(output_grad, K // 2), (K, K), axis=(1, 2))\n"
        "return np.einsum('nhwij,ij->nhw', windows, param)",
        "the kernel is not flipped",
    ),
    "sgd_not_in_place": (
        "chapter3.sgd",
        "optimizers:SGD._update_rule",
        "param = param - self.lr * grad",
        "update them in place",
    ),
    "dropout_book_convention": (
        "chapter4.dropout",
        "dropout:Dropout._output",
        "if inference:\n"
        "    return self.input_ * self.keep_prob\n"
        "self.mask = (self.rng.random(self.input_.shape) < self.keep_prob).astype(float)\n"
        "return self.input_ * self.mask",
        "the book's convention",
    ),
    "gru_update_gate_from_reset": (
        "chapter6.gru_node_forward",
        "rnn_nodes:GRUNode.forward",
        "H = H_in.shape[1]\n"
        "self.H_in = H_in\n"
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        "gates = sigmoid(self.Z @ params_dict['W_ru']['value'] + params_dict['B_ru']['value'])\n"
        "self.r = self.u = gates[:, :H]\n"
        "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
        "self.h_bar = np.tanh(self.Z_h @ params_dict['W_h']['value'] + "
        "params_dict['B_h']['value'])\n"
        "self.H_out = self.h_bar + self.u * (H_in - self.h_bar)\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out",
        "the book's GRU bug",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_mistake_is_named(case, tmp_path, data_dir):
    exercise, target, body, words = CASES[case]
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, target, body)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    assert result.score < result.max_score
    messages = " ".join(check.message for check in result.checks)
    assert words in messages, messages


def test_attempts_are_recorded_in_the_progress_store(tmp_path, monkeypatch):
    from dlfs.autograder.progress import ProgressStore
    from dlfs.autograder.stubs.generate import build_exercises

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    stubs = tmp_path / "stubs"
    build_exercises(stubs)
    report = grade("chapter1", path=stubs)
    with ProgressStore() as store:
        attempts = store.attempts()
    assert {a.exercise_id for a in attempts} == {e.id for e in report.exercises}
    assert all(a.status == "not_started" and a.score == 0 for a in attempts)
