"""Does the grader name the book's known bugs and the common mistakes it recognises?

(The learner-written corpus, tests/autograder/learner_corpus.py, holds the book's bugs as
typed and most common slips; these are the cases that need a test of their own shape.)

Each case writes a wrong body into a copy of the reference and grades that one exercise: the
exercise must lose points and its message must name the mistake.
"""

from __future__ import annotations

import pytest

from dlfs.autograder.api import grade

from .grading_helpers import reference_workspace, regions_by_target, replace_body

CASES = {
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
        "`np.sum(output_grad, axis=0, keepdims=True)`",
    ),
    "output_grad_changed_in_place": (
        "chapter3.sigmoid_backward",
        "activations:Sigmoid._input_grad",
        "output_grad *= self.output * (1.0 - self.output)\nreturn output_grad",
        "changed output_grad in place",
    ),
    "input_changed_in_place_forward": (
        "chapter3.sigmoid_forward",
        "activations:Sigmoid._output",
        "np.negative(self.input_, out=self.input_)\n"
        "np.exp(self.input_, out=self.input_)\n"
        "return 1.0 / (1.0 + self.input_)",
        "changed input_ in place",
    ),
    "input_changed_in_place": (
        "chapter4.relu",
        "activations:ReLU._output",
        "np.maximum(self.input_, 0, out=self.input_)\nreturn self.input_",
        "changed input_ in place",
    ),
    "forgotten_transpose": (
        "chapter3.weight_multiply_backward",
        "operations:WeightMultiply._input_grad",
        "return output_grad @ self.param",
        "`self.param` should be transposed here",
    ),
    "sum_without_keepdims": (
        "chapter4.softmax",
        "losses:softmax",
        "exps = np.exp(x - np.max(x, axis=axis, keepdims=True))\n"
        "return exps / np.sum(exps, axis=axis)",
        "keepdims=True",
    ),
    "sgd_not_in_place": (
        "chapter3.sgd",
        "optimizers:SGD._update_rule",
        "param = param - self.lr * grad",
        "update them in place",
    ),
    "dropout_scaled_twice": (
        "chapter4.dropout",
        "dropout:Dropout._output",
        "if inference:\n"
        "    return self.input_ * self.keep_prob\n"
        "keep = self.rng.random(self.input_.shape) < self.keep_prob\n"
        "self.mask = keep / self.keep_prob\n"
        "return self.input_ * self.mask",
        "inference must then be the input unchanged",
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
        "the update gate u is the reset gate r",
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


CORRECT = {
    "dropout_book_convention": (
        "chapter4.dropout",
        "dropout:Dropout._output",
        "if inference:\n"
        "    return self.input_ * self.keep_prob\n"
        "self.mask = (self.rng.random(self.input_.shape) < self.keep_prob).astype(float)\n"
        "return self.input_ * self.mask",
    ),
    "lstm_layer_book_carries_state_through_evaluation": (
        "chapter7.lstm_layer",
        "pytorch.lstm:LSTMLayer.forward",
        "batch_size = x.shape[0]\n"
        "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
        "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
        "out, (h_n, c_n) = self.lstm(x, (h_0, c_0))\n"
        "self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()\n"
        "self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()\n"
        "out = self.fc(out)\n"
        "if self.dropout is not None:\n"
        "    out = self.dropout(out)\n"
        "return out",
    ),
    "cross_entropy_stable_log_softmax": (
        "chapter4.softmax_cross_entropy_forward",
        "losses:SoftmaxCrossEntropy._output",
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "shifted = self.prediction - self.prediction.max(axis=1, keepdims=True)\n"
        "log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "return float(-np.sum(self.target * log_p) / self.prediction.shape[0])",
    ),
}
"""Correct code written differently from the reference, and the book's own code where it is
right, also where the course prefers another convention."""


@pytest.mark.parametrize("case", sorted(CORRECT))
def test_correct_code_in_another_convention_passes(case, tmp_path, data_dir):
    exercise, target, body = CORRECT[case]
    if exercise.startswith("chapter7"):
        pytest.importorskip("torch")
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, target, body)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    assert result.passed, result.message


def test_a_helper_of_the_learners_own_outside_the_body_is_graded_with_it(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, "foundations:sigmoid", "return _logistic(x)")
    path = workspace / "foundations.py"
    helper = "\n\ndef _logistic(x):\n    return 1.0 / (1.0 + np.exp(_negate(x)))\n"
    helper += "\n\ndef _negate(x):\n    return -x\n"
    path.write_text(path.read_text(encoding="utf-8") + helper, encoding="utf-8")
    (result,) = grade("chapter1.sigmoid", path=workspace, record=False).exercises
    assert result.passed, result.message
    (wrong,) = grade("chapter1.leaky_relu", path=workspace, record=False).exercises
    assert wrong.passed  # the other exercises of the file are untouched


WRONG = {
    "padding_k_over_3": (
        "chapter5.conv_1d_batch",
        "conv_steps:conv_1d_batch",
        "windows = sliding_window_view(_pad_1d_batch(input_, K // 3), K, axis=1)\n"
        "return windows @ param",
    ),
    "book_param_grad_padding_of_1": (
        "chapter5.conv_1d_batch_backward",
        "conv_steps:_param_grad_1d_batch",
        "windows = sliding_window_view(_pad_1d_batch(input_, 1), K, axis=1)\n"
        "return np.einsum('nl,nlk->k', output_grad, windows)",
    ),
    "epoch_sums_the_losses": (
        "chapter3.train_epoch",
        "trainer:Trainer._train_epoch",
        "order = rng.permutation(X_train.shape[0])\n"
        "losses = []\n"
        "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, order):\n"
        "    losses.append(self.net.train_batch(X_batch, y_batch))\n"
        "    self.optim.step()\n"
        "return float(np.sum(losses))",
    ),
    "epoch_never_shuffles": (
        "chapter3.train_epoch",
        "trainer:Trainer._train_epoch",
        "losses = []\n"
        "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size):\n"
        "    losses.append(self.net.train_batch(X_batch, y_batch))\n"
        "    self.optim.step()\n"
        "return float(np.mean(losses))",
    ),
    "cross_entropy_without_clipping": (
        "chapter4.softmax_cross_entropy_forward",
        "losses:SoftmaxCrossEntropy._output",
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "N = self.prediction.shape[0]\n"
        "return float(-np.sum(self.target * np.log(self.softmax_preds)) / N)",
    ),
}
"""Wrong code that checks with only one shape (one filter width, one batch, moderate
inputs) would pass."""


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_code_that_one_shape_would_hide_fails(case, tmp_path):
    exercise, target, body = WRONG[case]
    workspace = reference_workspace(tmp_path)
    replace_body(workspace, target, body)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    assert result.score < result.max_score
    assert any(c.passed for c in result.checks)  # right for a filter of 3, wrong elsewhere


def test_a_list_where_a_number_belongs_is_named(tmp_path):
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace, "regression_metrics:mae", "return [float(np.mean(np.abs(preds - actuals)))]"
    )
    (result,) = grade("chapter2.mae", path=workspace, record=False).exercises
    assert not result.passed
    assert "should be a number (a float); your code returned a list" in result.message


def test_only_started_exercises_are_recorded_in_the_progress_store(tmp_path, monkeypatch):
    """A run over stubs (or a notebook run top to bottom) records nothing: an attempt is a
    body the learner wrote, and a stub must not hide the status of work done elsewhere."""
    from dlfs.autograder.generate.exercises import build_exercises
    from dlfs.autograder.progress import ProgressStore

    monkeypatch.setenv("DLFS_HOME", str(tmp_path / "home"))
    stubs = tmp_path / "stubs"
    build_exercises(stubs)
    path = stubs / "foundations.py"
    stub = 'raise NotImplementedError("chapter1.sigmoid")'
    path.write_text(path.read_text().replace(stub, "return 1.0 / (1.0 + np.exp(-x))"))
    report = grade("chapter1", path=stubs)
    assert len(report.exercises) == 9
    with ProgressStore() as store:
        attempts = store.attempts()
    assert [(a.exercise_id, a.status) for a in attempts] == [("chapter1.sigmoid", "passed")]


@pytest.mark.parametrize(
    ("target", "exercise", "body", "said"),
    [
        (
            "activations:ReLU._output",
            "chapter4.relu",
            "x = self.input_\nx[x < 0] = 0\nreturn x",
            "through x: `x = self.input_` does not copy",
        ),
        (
            "activations:Sigmoid._input_grad",
            "chapter3.sigmoid_backward",
            "output_grad *= self.output * (1.0 - self.output)\nreturn output_grad",
            "changed output_grad in place",
        ),
    ],
)
def test_an_input_changed_in_place_names_its_line_and_why(tmp_path, target, exercise, body, said):
    """The write itself is caught, at its line: the message says where and, for
    ``x = self.input_``, why that gives the caller's array another name instead of a copy."""
    workspace = reference_workspace(tmp_path)
    path, _ = regions_by_target(workspace)[target]
    replace_body(workspace, target, body)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    assert result.score < result.max_score
    assert said in result.message, result.message
    text = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, t in enumerate(text, 1) if t.strip() == body.splitlines()[-2].strip())
    assert f"{path}:{line})" in result.message, result.message


def test_columns_read_where_a_second_backward_finds_them_freed_lose_that_check(tmp_path):
    """The operation frees its columns after a backward pass; `_param_grad` that reads
    `self._cols` itself, not `self._columns()`, fails a second backward for the same forward
    (and only that check)."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "conv:Conv2DOperation._param_grad",
        "N, C_out = output_grad.shape[:2]\n"
        "C_in, K = self.param.shape[0], self.param_size\n"
        "cols = self._cols\n"
        "grads = output_grad.reshape(N, C_out, -1) @ cols.transpose(0, 2, 1)\n"
        "return grads.sum(axis=0).reshape(C_out, C_in, K, K).transpose(1, 0, 2, 3)\n",
    )
    (result,) = grade("chapter5.conv_operation_backward", path=workspace, record=False).exercises
    failed = [c.name for c in result.checks if not c.passed]
    assert failed == ["a second backward pass for the same forward"], failed
