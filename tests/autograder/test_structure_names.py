"""Names for slips of a function's structure, each proven by an edit (or read from the code):
a ``return`` indented into a loop, an addition whose right side holds its target already, a
size computed through a float, a squeeze that names no axis, a value derived from a parameter
once and kept, and code that ignores how its object was set up.

The bodies are written for other exercises than the held-out sets that showed these slips.
"""

from __future__ import annotations

from .grading_helpers import PROVEN, said_of


def test_a_return_indented_into_the_loop_is_moved_out(tmp_path):
    """Backpropagation through time that returns after its last step's gradient only."""
    body = (
        "x_seq_in_grad = np.empty((N, T, D))\n"
        "H_grad = np.zeros((N, self.hidden_size))\n"
        "for t in reversed(range(T)):\n"
        "    x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(\n"
        "        x_seq_out_grad[:, t, :], H_grad, self.params\n"
        "    )\n"
        "    return x_seq_in_grad\n"
    )
    said = said_of(tmp_path, "chapter6.rnn_layer_backward", "rnn_layers:RNNLayer.backward", body)
    assert "is inside the loop, so the function returns on the loop's first pass" in said
    assert PROVEN in said


def test_an_addition_that_holds_its_target_already_is_made_a_replacement(tmp_path):
    """Momentum's velocity, decayed and added to itself: v += m·v + lr·g keeps all of v too
    (dropping a term cannot fix it, for m < 1)."""
    body = (
        "velocity += np.multiply(self.momentum, velocity) + np.multiply(self.lr, grad)\n"
        "np.subtract(param, velocity, out=param)\n"
    )
    said = said_of(tmp_path, "chapter4.sgd_momentum", "optimizers:SGDMomentum._update_rule", body)
    assert "counts the old `velocity` twice" in said
    assert "velocity[...] = …" in said
    assert PROVEN in said


def test_a_size_computed_through_a_float_gets_the_keys_floor_division(tmp_path):
    """col2im's padding rounded up from a float: 2 rows of zeros for K = 3, not 1."""
    body = (
        "p = int(K / 2 + 0.5)\n"
        "patches = cols.reshape(N, C, K, K, H, W)\n"
        "padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        padded[:, :, i : i + H, j : j + W] += patches[:, :, i, j]\n"
        "return padded[:, :, p : p + H, p : p + W]\n"
    )
    said = said_of(tmp_path, "chapter5.col2im", "im2col:col2im", body)
    assert "`p` is computed as `int(K / 2 + 0.5)` where `K // 2` belongs" in said
    assert "floor division" in said


def test_a_squeeze_that_names_no_axis_is_quoted_when_a_batch_of_one_loses_its_axis(tmp_path):
    body = (
        "import torch\n"
        "x = torch.squeeze(self.linear(x))\n"
        "if self.activation is not None:\n"
        "    x = self.activation(x)\n"
        "if self.dropout is not None:\n"
        "    x = self.dropout(x)\n"
        "return x\n"
    )
    said = said_of(tmp_path, "chapter7.dense_layer", "pytorch.layers:DenseLayer.forward", body)
    assert "`torch.squeeze(self.linear(x))`" in said
    assert "names no axis, so it removes every axis of size 1" in said


def test_a_matrix_derived_from_the_parameter_once_is_stale_after_a_step(tmp_path):
    """The weights copied on the first call: an optimizer's step changes ``param`` in place
    and the copy never sees it."""
    body = (
        "if not hasattr(self, '_weights'):\n"
        "    self._weights = self.param.copy()\n"
        "return self.input_ @ self._weights\n"
    )
    said = said_of(
        tmp_path, "chapter3.weight_multiply_forward", "operations:WeightMultiply._output", body
    )
    assert "`self._weights` is read where `self.param` belongs" in said


def test_code_that_ignores_how_its_object_was_set_up_is_not_called_stale(tmp_path):
    """The activation written in (Tanh) where the layer's own belongs: the check builds a layer
    with Tanh and one without on the same numbers, and the second gives the first's values —
    not a value kept from before, but a setting not followed."""
    body = (
        "import torch\n"
        "x = self.linear(x).tanh()\n"
        "if self.dropout is not None:\n"
        "    x = self.dropout(x)\n"
        "return x\n"
    )
    said = said_of(tmp_path, "chapter7.dense_layer", "pytorch.layers:DenseLayer.forward", body)
    assert "holds what an earlier call computed" not in said
    assert "does not follow a setting of its object" in said


def test_a_term_too_many_is_named_before_a_regrouping_that_zeroes_it(tmp_path):
    """Binary cross-entropy summed over every class: regrouped as y·(log p + (1 − y)·…) it
    passes too, since y·(1 − y) is zero for one-hot targets, but the term is the mistake."""
    body = (
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "p = np.clip(self.softmax_preds, self.eps, 1 - self.eps)\n"
        "each = -(self.target * np.log(p) + (1 - self.target) * np.log(1 - p))\n"
        "return float(each.sum() / self.prediction.shape[0])\n"
    )
    exercise = "chapter4.softmax_cross_entropy_forward"
    said = said_of(tmp_path, exercise, "losses:SoftmaxCrossEntropy._output", body)
    assert "has the extra term `(1 - self.target) * np.log(1 - p)`" in said
    assert "groups the wrong way" not in said


def test_states_unpacked_the_wrong_way_round_are_named_not_the_call_they_cancel_in(tmp_path):
    """H and C unpacked swapped: swapping the call's arguments back cancels it for every
    output, but leaves the layer's start_H holding the cell state."""
    body = (
        "x_seq_out = np.empty((N, T, self.output_size))\n"
        "for t, node in enumerate(self.nodes[:T]):\n"
        "    out, C_in, H_in = node.forward(x_seq_in[:, t, :], H_in, C_in, self.params)\n"
        "    x_seq_out[:, t, :] = out\n"
    )
    said = said_of(tmp_path, "chapter6.lstm_layer_forward", "rnn_layers:LSTMLayer.forward", body)
    assert "`out, C_in, H_in = …` unpacks in the wrong order" in said
    assert "has its arguments the wrong way round" not in said


def test_a_keyword_the_key_never_passes_is_proposed_away(tmp_path):
    """A 1-D signal padded by reflection, not with zeros."""
    body = 'return np.pad(input_, (num, num), mode="reflect")\n'
    said = said_of(tmp_path, "chapter5.conv_1d", "conv_steps:_pad_1d", body)
    assert "`pad(…, mode='reflect')` does what this step should not" in said
    assert PROVEN in said


def test_a_size_argument_computed_otherwise_from_the_same_names_gets_the_keys(tmp_path):
    """2-D padding of a full convolution, K − 1 rows of zeros, cropped to the image's size."""
    body = (
        "windows = sliding_window_view(_pad_2d(input_, K - 1), (K, K), axis=(1, 2))\n"
        "H, W = input_.shape[1:]\n"
        "return np.einsum('nhwij,ij->nhw', windows[:, :H, :W], param)\n"
    )
    said = said_of(tmp_path, "chapter5.conv_2d", "conv_steps:conv_2d", body)
    assert "`_pad_2d` is given `K - 1` where `K // 2` belongs" in said


def test_a_loop_variable_read_where_the_other_belongs_is_named(tmp_path):
    """col2im adding patch (i, j) i columns across instead of j."""
    body = (
        "p = K // 2\n"
        "patches = cols.reshape(N, C, K, K, H, W)\n"
        "padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        padded[:, :, i : i + H, i : i + W] += patches[:, :, i, j]\n"
        "return padded[:, :, p : p + H, p : p + W]\n"
    )
    said = said_of(tmp_path, "chapter5.col2im", "im2col:col2im", body)
    assert "reads `i` in two places and the loop variable `j` in none" in said
    assert PROVEN in said


def test_a_reduction_over_every_element_is_given_its_axis(tmp_path):
    """Softmax normalised by the sum of the whole batch: every row must sum to one alone."""
    body = "shifted = np.exp(x - x.max(axis=axis, keepdims=True))\nreturn shifted / shifted.sum()\n"
    said = said_of(tmp_path, "chapter4.softmax", "losses:softmax", body)
    assert "`shifted.sum()` reduces every element to one number" in said
    assert "keepdims=True" in said


def test_a_formula_of_the_key_is_not_written_in_as_an_argument(tmp_path):
    """Glorot's uniform limit where the normal's scale belongs: the key's own formula would be
    the exercise's whole answer, so it is not proposed in the learner's call."""
    body = "return float(np.sqrt(6.0 / (n_out + n_in)))\n"
    said = said_of(tmp_path, "chapter4.glorot", "layers:init_scale", body)
    assert "2.0 / (n_in + n_out)" not in said


def test_an_argument_never_read_is_said_where_nothing_was_proven(tmp_path):
    """Dropout that drops at inference too: its ``inference`` flag is never looked at."""
    body = (
        "keep = self.rng.random(self.input_.shape) < self.keep_prob\n"
        "self.mask = keep / self.keep_prob\n"
        "return self.input_ * self.mask\n"
    )
    said = said_of(tmp_path, "chapter4.dropout", "dropout:Dropout._output", body)
    assert "`_output` never reads its argument `inference`" in said


def test_a_factor_too_many_is_named_before_the_constant_it_amounts_to(tmp_path):
    """The learning rate applied twice: 0.1 times the right step, and the factor is lr."""
    body = "param -= self.lr * (self.lr * grad)\n"
    said = said_of(tmp_path, "chapter6.rnn_sgd", "rnn_optimizers:RNNSGD._update_rule", body)
    assert "has the extra factor `self.lr`" in said


def test_a_step_taken_before_what_it_needs_is_moved_after_it(tmp_path):
    """Momentum written with [...] assignments, the parameter stepped first: it moves with
    the last step's velocity, two statements too early."""
    body = (
        "param[...] = param - velocity\n"
        "velocity[...] = self.momentum * velocity\n"
        "velocity[...] = velocity + self.lr * grad\n"
    )
    exercise, target = "chapter4.sgd_momentum", "optimizers:SGDMomentum._update_rule"
    said = said_of(tmp_path, exercise, target, body)
    assert "`param[...] = param - velocity` runs too early" in said
    assert PROVEN in said


def test_python_and_on_arrays_is_made_numpys(tmp_path):
    """Gradient clipping that asks which elements lie inside the bounds with ``and``."""
    body = (
        "inside = grad >= -self.clip_value and grad <= self.clip_value\n"
        "grad[~inside] = np.sign(grad[~inside]) * self.clip_value\n"
    )
    target = "rnn_optimizers:RNNOptimizer._clip_gradient"
    said = said_of(tmp_path, "chapter6.clip_gradient", target, body)
    assert "asks Python for the truth of whole arrays" in said
    assert "(grad >= -self.clip_value) & (grad <= self.clip_value)" in said
    assert PROVEN in said


def test_a_comparison_the_wrong_way_round_is_turned(tmp_path):
    """ReLU that keeps the negative inputs: the mask compares the wrong way."""
    body = "return self.input_ * (self.input_ < 0)\n"
    said = said_of(tmp_path, "chapter4.relu", "activations:ReLU._output", body)
    assert "`self.input_ < 0` compares the wrong way round: `self.input_ > 0` is right" in said
    assert PROVEN in said


def test_a_copy_into_the_parameter_that_runs_too_early_is_moved_after_what_it_needs(tmp_path):
    """Momentum's step copied into the parameter before the velocity is updated: what a call
    changes in place (``np.copyto``'s first argument, ``out=``) counts as written there, as
    ``param -= …`` does, so the statement that runs too early is found."""
    body = (
        "np.copyto(param, param - velocity)\n"
        "np.multiply(velocity, self.momentum, out=velocity)\n"
        "velocity += self.lr * grad\n"
    )
    said = said_of(tmp_path, "chapter4.sgd_momentum", "optimizers:SGDMomentum._update_rule", body)
    assert "`np.copyto(param, param - velocity)` runs too early" in said
    assert PROVEN in said


def test_a_number_written_where_an_argument_belongs_is_not_called_stale(tmp_path):
    """The step written into the differences: the checks' second call, on the same arrays
    with another ``delta``, gives what the first gave — not a value kept from before, a
    number that does not follow ``delta``."""
    body = "return (func(input_ + 0.001) - func(input_ - 0.001)) / (2 * delta)\n"
    said = said_of(tmp_path, "chapter1.deriv", "foundations:deriv", body)
    assert "earlier call computed" not in said
    assert "`0.001` is written in where `delta` belongs" in said
    assert PROVEN in said


def test_a_leftover_line_that_overwrites_an_argument_is_deleted_not_moved(tmp_path):
    """A debugging line that replaces the output gradient by ones: moving it after the line
    that reads it would pass too, but only because nothing reads it there — it is deleted."""
    body = (
        "output_grad = np.ones(input_.shape)  # first see that the shapes work\n"
        "padded = _pad_2d(output_grad, K // 2)\n"
        "windows = sliding_window_view(padded, (K, K), axis=(1, 2))\n"
        "return np.einsum('nhwij,ij->nhw', windows, param[::-1, ::-1])\n"
    )
    said = said_of(tmp_path, "chapter5.conv_2d_backward", "conv_steps:_input_grad_2d", body)
    assert "first see that the shapes work` should not be there" in said
    assert "wrong order" not in said
    assert PROVEN in said


def test_a_derivative_taken_at_the_output_names_the_value_not_the_checks_function(tmp_path):
    """σ's slope taken at S = σ(N) where N belongs: ``1 − S²`` in its place passes too, but
    only for the check's tanh; reading ``N`` there is right for every σ."""
    body = (
        "N = X @ W\n"
        "S = sigma(N)\n"
        "L = np.sum(S)\n"
        "dSdN = deriv(sigma, S)\n"
        "return (np.ones_like(S) * dSdN) @ W.T\n"
    )
    said = said_of(
        tmp_path,
        "chapter1.matrix_function_backward_sum_1",
        "matrix_functions:matrix_function_backward_sum_1",
        body,
    )
    assert "`S` is read where `N` belongs" in said
    assert "tanh's derivative" not in said
    assert PROVEN in said


def test_a_number_given_where_the_functions_own_argument_belongs_is_named(tmp_path):
    """Softmax normalised along axis 1 whatever ``axis`` it is given: the function's own
    argument of that name belongs in the keyword."""
    body = (
        "e = np.exp(x - x.max(axis=axis, keepdims=True))\nreturn e / e.sum(axis=1, keepdims=True)\n"
    )
    said = said_of(tmp_path, "chapter4.softmax", "losses:softmax", body)
    assert "`axis=1` writes in a number where the function's own argument `axis` belongs" in said
    assert PROVEN in said


def test_a_line_made_harmless_by_the_proven_edit_is_named_as_a_line_too_many(tmp_path):
    """An input rescaled from [0, 1] to [−1, 1] before the sigmoid: regrouping `2 * x - 1` as
    `(2 - 1) * x` passes, but only because it makes the line do nothing — it should not be
    there."""
    body = "x = self.input_\nx = 2 * x - 1\nreturn 1.0 / (1.0 + np.exp(-x))\n"
    said = said_of(tmp_path, "chapter3.sigmoid_forward", "activations:Sigmoid._output", body)
    assert "`x = 2 * x - 1` should not be there" in said
    assert "groups the wrong way" not in said
    assert PROVEN in said


def test_a_matrix_read_where_one_of_the_transposed_shape_belongs_is_named(tmp_path):
    """∂N/∂X taken as the input transposed: X [1, 3] read where W [3, 1] belongs, which no
    same-shaped substitution can show."""
    body = "dNdX = np.transpose(X)\nreturn dNdX\n"
    said = said_of(
        tmp_path, "chapter1.matmul_backward_first", "matrix_functions:matmul_backward_first", body
    )
    assert "`X` is read where `W` belongs" in said
    assert PROVEN in said


def test_a_value_cut_to_a_whole_number_is_kept_as_it_is(tmp_path):
    """An average pool that turns its averages back into whole pixels (`.astype(np.int64)`):
    every fraction is lost."""
    body = (
        "shape = (*self.input_.shape[:2], *self._output_size())\n"
        "total = np.zeros(shape)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        total += self.input_[self._at(i, j)]\n"
        "return (total / self.size**2).astype(np.int64)\n"
    )
    said = said_of(tmp_path, "chapter5.avg_pool", "pooling:AvgPool2D._output", body)
    assert "cuts `total / self.size ** 2` to a whole number" in said
    assert PROVEN in said


def test_a_whole_number_setting_read_where_another_belongs_is_named(tmp_path):
    """Max pooling that steps its windows by their size: right wherever the stride is the
    size, wrong for overlapping windows. Only the step's two reads change, not the size's."""
    body = (
        "from numpy.lib.stride_tricks import sliding_window_view\n"
        "k = self.size\n"
        "windows = sliding_window_view(self.input_, (k, k), axis=(2, 3))\n"
        "return windows[:, :, :: self.size, :: self.size].max(axis=(4, 5))\n"
    )
    said = said_of(tmp_path, "chapter5.max_pool", "pooling:MaxPool2D._output", body)
    assert "`self.size` is read where `self.stride` belongs (its 2 reads in one index)" in said
    assert PROVEN in said


def test_a_setting_kept_on_the_object_read_where_another_belongs_is_named(tmp_path):
    """SGD that steps with the learning rate it was made with: right until a decay schedule
    changes ``self.lr``."""
    body = "np.subtract(param, np.multiply(self.initial_lr, grad), out=param)\n"
    said = said_of(tmp_path, "chapter3.sgd", "optimizers:SGD._update_rule", body)
    assert "`self.initial_lr` is read where `self.lr` belongs" in said
    assert PROVEN in said


def test_a_value_rounded_for_printing_is_kept_as_it_is(tmp_path):
    """An RMSE rounded to three decimals, as it would be printed: off by less than 5e-4,
    which only the checks' tolerance sees."""
    body = "return np.round(np.sqrt(np.mean((preds - actuals) ** 2)), 3)\n"
    said = said_of(tmp_path, "chapter2.rmse", "regression_metrics:rmse", body)
    assert "rounds `np.sqrt(np.mean((preds - actuals) ** 2))`" in said
    assert PROVEN in said


def test_a_join_along_numpys_default_axis_is_given_the_axis_it_needs(tmp_path):
    """An LSTM step whose Z stacks the rows of x and H (np.concatenate joins along axis 0
    unless told): it raises wherever D differs from H, and the raising line is named."""
    body = (
        "H = H_in.shape[1]\n"
        "self.C_in = C_in\n"
        "self.Z = np.concatenate((x_in, H_in))\n"
        'A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]\n'
        "self.gates = np.concatenate([sigmoid(A[:, : 3 * H]), np.tanh(A[:, 3 * H :])], axis=1)\n"
        "f, i, o, c_bar = np.split(self.gates, 4, axis=1)\n"
        "self.C_out = f * C_in + i * c_bar\n"
        "self.tanh_C = np.tanh(self.C_out)\n"
        "self.H_out = o * self.tanh_C\n"
        'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
        "return self.x_out, self.H_out, self.C_out\n"
    )
    said = said_of(tmp_path, "chapter6.lstm_node_forward", "rnn_nodes:LSTMNode.forward", body)
    assert "joins along axis 0, NumPy's default: it should join along axis=1" in said
    assert PROVEN in said
