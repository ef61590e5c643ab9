"""A corpus of code as learners write it: mistakes, and correct bodies unlike the reference's.

Each mistake is ``id: (exercise, target, body, words)``: the body is written as a learner
writes it (not a mutation of the reference), and ``words`` must appear in the exercise's
message: the grader must name the mistake, not only flag it. Each correct alternative is
``id: (exercise, target, body)`` and must get full marks.
"""

from __future__ import annotations

MISTAKES: dict[str, tuple[str, str, str, str]] = {
    # --- chapter 1 ----------------------------------------------------------------------------
    "ch1_sigmoid_sign_in_exponent": (
        "chapter1.sigmoid",
        "foundations:sigmoid",
        "return 1 / (1 + np.exp(x))",
        "σ(−x)",
    ),
    "ch1_leaky_relu_is_relu": (
        "chapter1.leaky_relu",
        "foundations:leaky_relu",
        "return np.where(x > 0, x, 0)",
        "plain ReLU",
    ),
    "ch1_leaky_relu_in_place_on_integers": (
        "chapter1.leaky_relu",
        "foundations:leaky_relu",
        "out = x.copy()\nout[out < 0] *= 0.2\nreturn out",
        "integer",
    ),
    "ch1_leaky_relu_floor_not_slope": (
        "chapter1.leaky_relu",
        "foundations:leaky_relu",
        "return np.maximum(x, 0.2)",
        "stands where `0.2 * x` belongs",
    ),
    "ch1_add_backward_slope_at_one_input": (
        "chapter1.multiple_inputs_add_backward",
        "foundations:multiple_inputs_add_backward",
        "_check_same_shape(x, y)\nslope = deriv(sigma, y)\nreturn slope, slope",
        "where `y + x` belongs",
    ),
    "ch1_deriv_forward_difference": (
        "chapter1.deriv",
        "foundations:deriv",
        "return (func(input_ + delta) - func(input_)) / delta",
        "central difference",
    ),
    "ch1_chain_outer_derivative_at_x": (
        "chapter1.chain_deriv_2",
        "foundations:chain_deriv_2",
        "return deriv(f1, input_range) * deriv(f2, input_range)",
        "at f1(x)",
    ),
    "ch1_matrix_backward_forgot_transpose": (
        "chapter1.matrix_function_backward_1",
        "matrix_functions:matrix_function_backward_1",
        "N = np.dot(X, W)\nreturn np.dot(deriv(sigma, N), W)",
        "`W` should be transposed here (`W.T`)",
    ),
    # --- chapter 2 ----------------------------------------------------------------------------
    "ch2_loss_is_a_sum": (
        "chapter2.forward_linear_regression",
        "linear_regression:forward_linear_regression",
        "N = X_batch @ weights['W']\n"
        "P = N + weights['B']\n"
        "loss = float(np.sum((y_batch - P) ** 2))\n"
        "return loss, {'X': X_batch, 'N': N, 'P': P, 'y': y_batch}",
        "mean of the squared errors",
    ),
    "ch2_book_linear_gradients": (
        "chapter2.loss_gradients",
        "linear_regression:loss_gradients",
        "batch_size = forward_info['X'].shape[0]\n"
        "dLdP = -2 * (forward_info['y'] - forward_info['P'])\n"
        "dPdN = np.ones_like(forward_info['N'])\n"
        "dPdB = np.ones_like(weights['B'])\n"
        "dLdN = dLdP * dPdN\n"
        "dNdW = np.transpose(forward_info['X'], (1, 0))\n"
        "dLdW = np.dot(dNdW, dLdN)\n"
        "dLdB = (dLdP * dPdB).sum(axis=0)\n"
        "return {'W': dLdW, 'B': dLdB}",
        "the book's code",
    ),
    "ch2_bias_gradient_without_keepdims": (
        "chapter2.loss_gradients",
        "linear_regression:loss_gradients",
        "P, y = forward_info['P'], forward_info['y']\n"
        "dLdP = -2.0 * (y - P) / P.shape[0]\n"
        "return {'W': forward_info['X'].T @ dLdP, 'B': np.sum(dLdP, axis=0)}",
        "keepdims=True",
    ),
    "ch2_book_network_gradients": (
        "chapter2.loss_gradients_nn",
        "two_layer_network:loss_gradients",
        "dLdP = -(forward_info['y'] - forward_info['P'])\n"
        "dLdB2 = dLdP.sum(axis=0)\n"
        "dLdW2 = np.dot(forward_info['O1'].T, dLdP)\n"
        "dLdO1 = np.dot(dLdP, weights['W2'].T)\n"
        "s = sigmoid(forward_info['N1'])\n"
        "dLdN1 = dLdO1 * s * (1 - s)\n"
        "dLdB1 = dLdN1.sum(axis=0)\n"
        "dLdW1 = np.dot(forward_info['X'].T, dLdN1)\n"
        "return {'W2': dLdW2, 'B2': dLdB2.sum(axis=0), 'W1': dLdW1, 'B1': dLdB1.sum(axis=0)}",
        "the book's code: ∂L/∂P = −(y − P) leaves out the factor 2",
    ),
    "ch2_rmse_without_root": (
        "chapter2.rmse",
        "regression_metrics:rmse",
        "return float(np.mean((preds - actuals) ** 2))",
        "square root",
    ),
    "ch2_mae_without_abs": (
        "chapter2.mae",
        "regression_metrics:mae",
        "return float(np.mean(preds - actuals))",
        "np.abs",
    ),
    # --- chapter 3 ----------------------------------------------------------------------------
    "ch3_bias_grad_without_keepdims": (
        "chapter3.bias_add_backward",
        "operations:BiasAdd._param_grad",
        "return output_grad.sum(axis=0)",
        "keepdims=True",
    ),
    "ch3_sigmoid_grad_from_input": (
        "chapter3.sigmoid_backward",
        "activations:Sigmoid._input_grad",
        "return output_grad * self.input_ * (1 - self.input_)",
        "self.output, not x",
    ),
    "ch3_mse_forward_not_averaged": (
        "chapter3.mse_forward",
        "losses:MeanSquaredError._output",
        "return float(np.sum((self.prediction - self.target) ** 2))",
        "divide by N",
    ),
    "ch3_mse_backward_without_2": (
        "chapter3.mse_backward",
        "losses:MeanSquaredError._input_grad",
        "return (self.prediction - self.target) / self.prediction.shape[0]",
        "factor of 2",
    ),
    "ch3_mse_normalised_as_the_book": (
        "chapter3.mse_backward",
        "losses:MeanSquaredError._input_grad",
        "return 2.0 * (q - self.target) / q.shape[0]",
        "the book's bug",
    ),
    "ch3_weights_grad_without_transpose": (
        "chapter3.weight_multiply_backward",
        "operations:WeightMultiply._param_grad",
        "return self.input_ @ output_grad",
        "has shapes",
    ),
    "ch3_batches_drop_the_last": (
        "chapter3.generate_batches",
        "trainer:Trainer.generate_batches",
        "for start in range(0, X.shape[0] - size + 1, size):\n"
        "    idx = np.arange(start, start + size)\n"
        "    rows = idx if order is None else order[idx]\n"
        "    yield X[rows], y[rows]",
        "the last, smaller batch",
    ),
    "ch3_seed_every_layer_alike": (
        "chapter3.seed_layers",
        "network:NeuralNetwork._seed_layers",
        "for layer in self.layers:\n    layer.rng = np.random.default_rng(self.seed)",
        "the book's bug",
    ),
    "ch3_epochs_numbered_from_zero": (
        "chapter3.early_stopping",
        "trainer:Trainer.fit",
        "keep = None\n"
        "for n in range(epochs):\n"
        "    history.train_losses.append(self._train_epoch(X_train, y_train, batch_size, rng))\n"
        "    better = True\n"
        "    if n % eval_every == 0:\n"
        "        better = self._evaluate(n, X_test, y_test, history)\n"
        "        if better and early_stopping:\n"
        "            keep = [np.copy(p) for p in self.net.params()]\n"
        "        history.stopped_early = early_stopping and not better\n"
        "    self._end_epoch(n, epochs, history, callbacks)\n"
        "    if history.stopped_early:\n"
        "        for p, kept in zip(self.net.params(), keep or []):\n"
        "            p[...] = kept\n"
        "        break",
        "counts off by one",
    ),
    "ch3_early_stopping_as_the_book": (
        "chapter3.early_stopping",
        "trainer:Trainer.fit",
        "from copy import deepcopy\n"
        "for e in range(epochs):\n"
        "    if (e + 1) % eval_every == 0:\n"
        "        last_model = deepcopy(self.net)\n"
        "    history.train_losses.append(self._train_epoch(X_train, y_train, batch_size, rng))\n"
        "    if (e + 1) % eval_every == 0:\n"
        "        improved = self._evaluate(e + 1, X_test, y_test, history)\n"
        "        if early_stopping and not improved:\n"
        "            self.net = last_model\n"
        "            self.optim.net = self.net\n"
        "            history.stopped_early = True\n"
        "    self._end_epoch(e + 1, epochs, history, callbacks)\n"
        "    if history.stopped_early:\n"
        "        break",
        "the book's early-stopping bug",
    ),
    # --- chapter 4 ----------------------------------------------------------------------------
    "ch4_tanh_grad_from_input": (
        "chapter4.tanh",
        "activations:Tanh._input_grad",
        "return output_grad * (1 - self.input_ ** 2)",
        "self.output",
    ),
    "ch4_relu_book_mask": (
        "chapter4.relu",
        "activations:ReLU._input_grad",
        "return output_grad * (self.output >= 0)",
        "the book's bug: the mask output >= 0",
    ),
    "ch4_cross_entropy_book_term": (
        "chapter4.softmax_cross_entropy_forward",
        "losses:SoftmaxCrossEntropy._output",
        "self.softmax_preds = softmax(self.prediction, axis=1)\n"
        "p = np.clip(self.softmax_preds, self.eps, 1 - self.eps)\n"
        "loss = -self.target * np.log(p) - (1 - self.target) * np.log(1 - p)\n"
        "return float(np.sum(loss) / self.prediction.shape[0])",
        "the book's extra term",
    ),
    "ch4_softmax_over_the_wrong_axis": (
        "chapter4.softmax",
        "losses:softmax",
        "e = np.exp(x - np.max(x, axis=axis, keepdims=True))\n"
        "return e / e.sum(axis=0, keepdims=True)",
        "wrong axis",
    ),
    "ch4_cross_entropy_grad_not_averaged": (
        "chapter4.softmax_cross_entropy_backward",
        "losses:SoftmaxCrossEntropy._input_grad",
        "return self.softmax_preds - self.target",
        ("divide by it", "has 6 times the right value (N = 6, the size of axis 0 of se"),
    ),
    "ch4_glorot_uniform_limit_as_std": (
        "chapter4.glorot",
        "layers:init_scale",
        "return float(np.sqrt(6.0 / (n_in + n_out)))",
        "uniform",
    ),
    "ch4_decay_over_all_epochs": (
        "chapter4.lr_decay",
        "optimizers:Optimizer._setup_decay",
        "if self.decay_type == 'exponential':\n"
        "    self.decay_per_epoch = (self.final_lr / self.lr) ** (1.0 / self.max_epochs)\n"
        "else:\n"
        "    self.decay_per_epoch = (self.lr - self.final_lr) / self.max_epochs",
        "max_epochs − 1",
    ),
    # --- chapter 5 ----------------------------------------------------------------------------
    "ch5_kernel_not_flipped": (
        "chapter5.conv_2d_backward",
        "conv_steps:_input_grad_2d",
        "windows = sliding_window_view(_pad_2d(output_grad, K // 2), (K, K), axis=(1, 2))\n"
        "return np.einsum('nhwij,ij->nhw', windows, param)",
        "the kernel is not flipped",
    ),
    "ch5_conv_op_input_grad_unflipped": (
        "chapter5.conv_operation_backward",
        "conv:Conv2DOperation._input_grad",
        "cols = im2col(output_grad, self.param_size)\n"
        "weights = self.param.reshape(self.param.shape[0], -1)\n"
        "return (weights @ cols).reshape(self.input_.shape)",
        "the book's Conv2D_Op bug: the kernel is not flipped",
    ),
    "ch5_avg_pool_grad_not_divided": (
        "chapter5.avg_pool",
        "pooling:AvgPool2D._input_grad",
        "input_grad = np.zeros_like(self.input_)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        input_grad[self._at(i, j)] += output_grad\n"
        "return input_grad",
        "the window's size",
    ),
    "ch5_max_pool_grad_to_every_element": (
        "chapter5.max_pool",
        "pooling:MaxPool2D._input_grad",
        "input_grad = np.zeros_like(self.input_)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        input_grad[self._at(i, j)] += output_grad\n"
        "return input_grad",
        "only the largest",
    ),
    "ch5_max_pool_grad_to_every_tied_maximum": (
        "chapter5.max_pool",
        "pooling:MaxPool2D._input_grad",
        "input_grad = np.zeros_like(self.input_)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        at = self._at(i, j)\n"
        "        input_grad[at] += output_grad * (self.input_[at] == self.output)\n"
        "return input_grad",
        ("its maximum twice", "`output_grad * (self.input_[at] == self.output)`"),
    ),
    "ch5_conv_param_grad_first_image_only": (
        "chapter5.conv_operation_backward",
        "conv:Conv2DOperation._param_grad",
        "N, C_out = output_grad.shape[:2]\n"
        "C_in, K = self.param.shape[0], self.param_size\n"
        "grads = output_grad[0].reshape(C_out, -1) @ self._columns()[0].T\n"
        "return grads.reshape(C_out, C_in, K, K).transpose(1, 0, 2, 3)",
        "the first image",
    ),
    "ch5_flatten_grad_not_reshaped": (
        "chapter5.flatten",
        "conv:Flatten._input_grad",
        "return output_grad",
        "reshape",
    ),
    "ch5_conv_param_grad_as_the_book": (
        "chapter5.conv_operation_backward",
        "conv:Conv2DOperation._param_grad",
        "import numpy as np\n"
        "batch_size, _, img_size, _ = self.input_.shape\n"
        "in_channels, out_channels = self.param.shape[:2]\n"
        "K, pad = self.param_size, self.param_size // 2\n"
        "padded = np.pad(self.input_, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
        "patches = np.stack([padded[:, :, h:h + K, w:w + K]\n"
        "                    for h in range(img_size) for w in range(img_size)])\n"
        "in_patches_reshape = patches.reshape(batch_size * img_size * img_size, -1).T\n"
        "out_grad_reshape = output_grad.transpose(0, 2, 3, 1).reshape(\n"
        "    batch_size * img_size * img_size, -1)\n"
        "return (in_patches_reshape @ out_grad_reshape).reshape(\n"
        "    in_channels, K, K, out_channels).transpose(0, 3, 1, 2)",
        "the book's Conv2D_Op._param_grad",
    ),
    # --- chapter 6 ----------------------------------------------------------------------------
    "ch6_rnn_node_hidden_without_its_activation": (
        "chapter6.rnn_node_forward",
        "rnn_nodes:RNNNode.forward",
        "self.Z = np.hstack([x_in, H_in])\n"
        "pre = self.Z @ params_dict['W_f']['value'] + params_dict['B_f']['value']\n"
        "self.H_out = pre\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out",
        "`pre` is read where `np.tanh(pre)` belongs",
    ),
    "ch6_lstm_layer_hidden_thrown_away": (
        "chapter6.lstm_layer_forward",
        "rnn_layers:LSTMLayer.forward",
        "outs = []\n"
        "for t in range(T):\n"
        "    step = self.nodes[t]\n"
        "    y, _h, C_in = step.forward(x_seq_in[:, t, :], H_in, C_in, self.params)\n"
        "    outs.append(y)\n"
        "x_seq_out = np.stack(outs, axis=1)",
        "the state is never carried",
    ),
    "ch6_gru_forward_as_the_book": (
        "chapter6.gru_node_forward",
        "rnn_nodes:GRUNode.forward",
        "H = H_in.shape[1]\n"
        "D = x_in.shape[1]\n"
        "W, B = params_dict['W_ru']['value'], params_dict['B_ru']['value']\n"
        "self.H_in = H_in\n"
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        "X_r = x_in @ W[:D, :H]\n"
        "H_r = H_in @ W[D:, :H]\n"
        "self.r = sigmoid(X_r + H_r + B[:, :H])\n"
        "self.u = sigmoid(X_r + H_r + B[:, H:])\n"
        "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
        "W_h, B_h = params_dict['W_h']['value'], params_dict['B_h']['value']\n"
        "self.h_bar = np.tanh(self.Z_h @ W_h + B_h)\n"
        "self.H_out = self.u * H_in + (1 - self.u) * self.h_bar\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out",
        "the book's GRU bug",
    ),
    "ch6_gru_backward_as_the_book": (
        "chapter6.gru_node_backward",
        "rnn_nodes:GRUNode.backward",
        "W_ru, W_h, W_v = (params_dict[k]['value'] for k in ('W_ru', 'W_h', 'W_v'))\n"
        "H = H_out_grad.shape[1]\n"
        "D = self.Z.shape[1] - H\n"
        "params_dict['B_v']['deriv'] += x_out_grad.sum(axis=0)\n"
        "params_dict['W_v']['deriv'] += np.dot(self.H_out.T, x_out_grad)\n"
        "du = self.H_in * H_out_grad - self.h_bar * H_out_grad\n"
        "dh_bar = (1 - self.u) * H_out_grad\n"
        "dh_bar_int = dh_bar * (1 - self.h_bar ** 2)\n"
        "params_dict['B_h']['deriv'] += dh_bar_int.sum(axis=0)\n"
        "params_dict['W_h']['deriv'] += np.dot(self.Z_h.T, dh_bar_int)\n"
        "dZ_h = np.dot(dh_bar_int, W_h.T)\n"
        "dX_in = dZ_h[:, :D]\n"
        "dr = dZ_h[:, D:] * self.H_in\n"
        "dH_in = dZ_h[:, D:] * self.r\n"
        "du_int = self.u * (1 - self.u) * du\n"
        "dr_int = self.r * (1 - self.r) * dr\n"
        "dA = np.concatenate([dr_int, du_int], axis=1)\n"
        "params_dict['B_ru']['deriv'] += dA.sum(axis=0)\n"
        "params_dict['W_ru']['deriv'] += np.dot(self.Z.T, dA)\n"
        "dZ = np.dot(dA, W_ru.T)\n"
        "return dX_in + dZ[:, :D], dH_in + dZ[:, D:]",
        "the book's GRU backward",
    ),
    "ch6_autodiff_backward_as_the_book": (
        "chapter6.number_with_grad_backward",
        "autodiff:NumberWithGrad.backward",
        "if backward_grad is None:\n"
        "    self.grad = 1\n"
        "elif self.grad is None:\n"
        "    self.grad = backward_grad\n"
        "else:\n"
        "    self.grad += backward_grad\n"
        "if self.creation_op == 'add':\n"
        "    self.depends_on[0].backward(self.grad)\n"
        "    self.depends_on[1].backward(self.grad)\n"
        "if self.creation_op == 'mul':\n"
        "    self.depends_on[0].backward(self.depends_on[1].num * self.grad)\n"
        "    self.depends_on[1].backward(self.depends_on[0].num * self.grad)",
        "the book's bug",
    ),
    "ch6_rnn_backward_assigns_deriv": (
        "chapter6.rnn_node_backward",
        "rnn_nodes:RNNNode.backward",
        "params_dict['W_v']['deriv'] = self.H_out.T @ x_out_grad\n"
        "params_dict['B_v']['deriv'] = x_out_grad.sum(axis=0, keepdims=True)\n"
        "dH = x_out_grad @ params_dict['W_v']['value'].T + H_out_grad\n"
        "dA = dH * (1 - self.H_out ** 2)\n"
        "params_dict['W_f']['deriv'] = self.Z.T @ dA\n"
        "params_dict['B_f']['deriv'] = dA.sum(axis=0, keepdims=True)\n"
        "dZ = dA @ params_dict['W_f']['value'].T\n"
        "D = self.Z.shape[1] - self.H_out.shape[1]\n"
        "return dZ[:, :D], dZ[:, D:]",
        "instead of adding to it",
    ),
    "ch6_lstm_gates_in_another_order": (
        "chapter6.lstm_node_forward",
        "rnn_nodes:LSTMNode.forward",
        "H = H_in.shape[1]\n"
        "self.C_in = C_in\n"
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        "A = self.Z @ params_dict['W_fioc']['value'] + params_dict['B_fioc']['value']\n"
        "i, f, o = (sigmoid(A[:, k * H:(k + 1) * H]) for k in range(3))\n"
        "c_bar = np.tanh(A[:, 3 * H:])\n"
        "self.gates = np.concatenate([f, i, o, c_bar], axis=1)\n"
        "self.C_out = f * C_in + i * c_bar\n"
        "self.tanh_C = np.tanh(self.C_out)\n"
        "self.H_out = o * self.tanh_C\n"
        "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
        "return self.x_out, self.H_out, self.C_out",
        "order",
    ),
    "ch6_adagrad_without_root": (
        "chapter6.adagrad",
        "rnn_optimizers:AdaGrad._update_rule",
        "sum_square += grad ** 2\nparam -= self.lr / (sum_square + self.eps) * grad",
        "square root",
    ),
    "ch6_clip_gradient_not_in_place": (
        "chapter6.clip_gradient",
        "rnn_optimizers:RNNOptimizer._clip_gradient",
        "grad = np.clip(grad, -self.clip_value, self.clip_value)",
        ("in place", "never updates `grad` itself, which the reference changes in "),
    ),
    # --- chapter 7 ----------------------------------------------------------------------------
    "ch7_train_batch_without_zero_grad": (
        "chapter7.train_batch",
        "pytorch.trainer:PyTorchTrainer.train_batch",
        "output = prediction_of(self.model(X_batch))\n"
        "loss = self.loss(output, y_batch)\n"
        "loss.backward()\n"
        "self.optim.step()\n"
        "return float(loss.item())",
        "zero_grad",
    ),
    "ch7_evaluate_stays_in_eval_mode": (
        "chapter7.evaluate",
        "pytorch.trainer:PyTorchTrainer.evaluate",
        "self.model.eval()\n"
        "with torch.no_grad():\n"
        "    output = prediction_of(self.model(X))\n"
        "    return float(self.loss(output, y))",
        "the book's bug",
    ),
    "ch7_evaluate_tracks_gradients": (
        "chapter7.evaluate",
        "pytorch.trainer:PyTorchTrainer.evaluate",
        "was_training = self.model.training\n"
        "self.model.eval()\n"
        "total = 0.0\n"
        "for start in range(0, X.shape[0], batch_size):\n"
        "    X_chunk, y_chunk = X[start:start + batch_size], y[start:start + batch_size]\n"
        "    output = prediction_of(self.model(X_chunk))\n"
        "    total += float(self.loss(output, y_chunk)) * X_chunk.shape[0]\n"
        "self.model.train(was_training)\n"
        "return total / X.shape[0]",
        "torch.no_grad()",
    ),
    "ch7_lstm_state_not_detached": (
        "chapter7.lstm_layer",
        "pytorch.lstm:LSTMLayer.forward",
        "batch_size = x.shape[0]\n"
        "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
        "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
        "out, (h_n, c_n) = self.lstm(x, (h_0, c_0))\n"
        "if self.training:\n"
        "    self.h_init = h_n[0].mean(dim=0, keepdim=True)\n"
        "    self.c_init = c_n[0].mean(dim=0, keepdim=True)\n"
        "out = self.fc(out)\n"
        "if self.dropout is not None:\n"
        "    out = self.dropout(out)\n"
        "return out",
        (
            "`h_n[0].mean(dim=0, keepdim=True).detach()`",
            "`c_n[0].mean(dim=0, keepdim=True).detach()`",
        ),
    ),
    "ch7_dense_layer_skips_the_activation": (
        "chapter7.dense_layer",
        "pytorch.layers:DenseLayer.forward",
        "x = self.linear(x)\nif self.dropout is not None:\n    x = self.dropout(x)\nreturn x",
        "activation",
    ),
    "ch7_conv_layer_never_flattens": (
        "chapter7.conv_layer",
        "pytorch.layers:ConvLayer.forward",
        "x = self.conv(x)\n"
        "if self.activation is not None:\n"
        "    x = self.activation(x)\n"
        "if self.dropout is not None:\n"
        "    x = self.dropout(x)\n"
        "return x",
        "flatten",
    ),
    "ch7_train_batch_ignores_the_models_tuple": (
        "chapter7.train_batch",
        "pytorch.trainer:PyTorchTrainer.train_batch",
        "self.optim.zero_grad()\n"
        "loss = self.loss(self.model(X_batch), y_batch)\n"
        "loss.backward()\n"
        "self.optim.step()\n"
        "return float(loss.item())",
        "prediction_of(output)",
    ),
    "ch7_train_batch_returns_the_tensor": (
        "chapter7.train_batch",
        "pytorch.trainer:PyTorchTrainer.train_batch",
        "self.optim.zero_grad()\n"
        "loss = self.loss(prediction_of(self.model(X_batch)), y_batch)\n"
        "loss.backward()\n"
        "self.optim.step()\n"
        "return loss",
        "loss.item()",
    ),
}
"""Mistakes learners make, written as they write them."""

BOOK_BUGS = {
    "chapter 2: the network's dLdP lacks the factor 2 and the batch average": (
        "ch2_book_network_gradients"
    ),
    "ReLU backward uses the mask output >= 0": "ch4_relu_book_mask",
    "SoftmaxCrossEntropy forward adds Σ(1−y)·log(1−p)": "ch4_cross_entropy_book_term",
    "MeanSquaredError(normalize=True): the normalisation is not differentiated": (
        "ch3_mse_normalised_as_the_book"
    ),
    "Conv2D_Op._input_grad does not flip the kernel": "ch5_conv_op_input_grad_unflipped",
    "Conv2D_Op._param_grad is wrong for batch > 1": "ch5_conv_param_grad_as_the_book",
    "GRUNode: the update gate uses the reset gate's projections": "ch6_gru_forward_as_the_book",
    "GRUNode: backward misses the u·dh path": "ch6_gru_backward_as_the_book",
    "NumberWithGrad.backward re-sends the accumulated gradient": (
        "ch6_autodiff_backward_as_the_book"
    ),
    "Trainer early stopping restores the wrong snapshot": "ch3_early_stopping_as_the_book",
    "PyTorchTrainer never returns the model to training mode": ("ch7_evaluate_stays_in_eval_mode"),
    "every Dense re-seeds NumPy with the same seed": "ch3_seed_every_layer_alike",
}
"""The ten bugs of the book's code (../shared/BOOK_API.md), each as a case above."""


CORRECT: dict[str, tuple[str, str, str]] = {
    "ch1_sigmoid_via_tanh": (
        "chapter1.sigmoid",
        "foundations:sigmoid",
        "return 0.5 * (1 + np.tanh(x / 2))",
    ),
    "ch1_leaky_relu_where": (
        "chapter1.leaky_relu",
        "foundations:leaky_relu",
        "return np.where(x > 0, x, 0.2 * x)",
    ),
    "ch2_rmse_via_linalg": (
        "chapter2.rmse",
        "regression_metrics:rmse",
        "e = (preds - actuals).ravel()\nreturn float(np.linalg.norm(e) / np.sqrt(e.size))",
    ),
    "ch3_weight_grads_einsum": (
        "chapter3.weight_multiply_backward",
        "operations:WeightMultiply._param_grad",
        "return np.einsum('nd,nh->dh', self.input_, output_grad)",
    ),
    "ch3_batches_with_a_loop_of_slices": (
        "chapter3.generate_batches",
        "trainer:Trainer.generate_batches",
        "idx = np.arange(X.shape[0]) if order is None else np.asarray(order)\n"
        "i = 0\n"
        "while i < X.shape[0]:\n"
        "    rows = idx[i:i + size]\n"
        "    yield X[rows], y[rows]\n"
        "    i += size",
    ),
    "ch3_seed_layers_by_offset": (
        "chapter3.seed_layers",
        "network:NeuralNetwork._seed_layers",
        "for i, layer in enumerate(self.layers):\n"
        "    layer.rng = np.random.default_rng([self.seed, i])",
    ),
    "ch4_softmax_logsumexp": (
        "chapter4.softmax",
        "losses:softmax",
        "m = x.max(axis=axis, keepdims=True)\n"
        "lse = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))\n"
        "return np.exp(x - lse)",
    ),
    "ch4_tanh_grad_from_cosh": (
        "chapter4.tanh",
        "activations:Tanh._input_grad",
        "return output_grad / np.cosh(self.input_) ** 2",
    ),
    "ch5_avg_pool_grad_loop": (
        "chapter5.avg_pool",
        "pooling:AvgPool2D._input_grad",
        "grad = np.zeros_like(self.input_)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        share = output_grad / (self.size * self.size)\n"
        "        grad[self._at(i, j)] = grad[self._at(i, j)] + share\n"
        "return grad",
    ),
    "ch5_max_pool_ties_shared": (
        "chapter5.max_pool",
        "pooling:MaxPool2D._input_grad",
        "input_grad = np.zeros_like(self.input_)\n"
        "count = np.zeros_like(self.output)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        count += self.input_[self._at(i, j)] == self.output\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        at = self._at(i, j)\n"
        "        input_grad[at] += output_grad * (self.input_[at] == self.output) / count\n"
        "return input_grad",
    ),
    "ch6_adagrad_book_eps": (
        "chapter6.adagrad",
        "rnn_optimizers:AdaGrad._update_rule",
        "sum_square += self.eps + np.power(grad, 2)\n"
        "param -= np.divide(self.lr, np.sqrt(sum_square)) * grad",
    ),
}
"""Correct bodies written differently from the reference's."""


# --- set A: written by an author who never saw the grader ---------------------------------------
# The independently written set A (its cases keep their ids), from angles the cases above do
# not take: habits from PyTorch and TensorFlow (NHWC, (out, in) weights, PyTorch gate orders),
# formulas from blog posts, loops where the reference vectorises. The words are what the
# grader proves: a mistake an edit of the code undid, the line that departs, or a known
# mistake matched.

MISTAKES.update(
    {
        "A_c1_add_backward_sigma_at_each_input": (
            "chapter1.multiple_inputs_add_backward",
            "foundations:multiple_inputs_add_backward",
            "_check_same_shape(x, y)\n"
            "dsdx = deriv(sigma, x)\n"
            "dsdy = deriv(sigma, y)\n"
            "return dsdx, dsdy",
            ("`x` is read where `x + y` belongs", "the same in line"),
        ),
        "A_c1_chain2_composition_reversed": (
            "chapter1.chain_deriv_2",
            "foundations:chain_deriv_2",
            "_check_chain(chain, 2)\n"
            "f1, f2 = chain\n"
            "df2dx = deriv(f2, input_range)\n"
            "df1du = deriv(f1, f2(input_range))\n"
            "return df2dx * df1du",
            ("`f1` and `f2` are the wrong way round", "`deriv(f1, input_range)` is right"),
        ),
        "A_c1_chain3_inner_order": (
            "chapter1.chain_deriv_3",
            "foundations:chain_deriv_3",
            "_check_chain(chain, 3)\n"
            "f1, f2, f3 = chain\n"
            "df1 = deriv(f1, input_range)\n"
            "df2 = deriv(f2, f1(input_range))\n"
            "df3 = deriv(f3, f1(f2(input_range)))\n"
            "return df1 * df2 * df3",
            ("in the wrong order", "`f2(f1(input_range))` is right"),
        ),
        "A_c1_deriv_forward_difference": (
            "chapter1.deriv",
            "foundations:deriv",
            "if not delta > 0:\n"
            '    raise ValueError(f"delta must be positive, got delta={delta!r}")\n'
            "return (func(input_ + delta) - func(input_)) / delta",
            "`input_` should be `input_ - delta`",
        ),
        "A_c1_leaky_relu_inplace_mask": (
            "chapter1.leaky_relu",
            "foundations:leaky_relu",
            "x[x < 0] *= 0.2\nreturn x",
            "a float result was written in place into an integer array",
        ),
        "A_c1_matmul_backward_reshape": (
            "chapter1.matmul_backward_first",
            "matrix_functions:matmul_backward_first",
            "_check_matmul(X, W)\nD, M = W.shape\nreturn W.reshape(M, D)",
            "should be transposed here",
        ),
        "A_c1_matrix_backward_elementwise": (
            "chapter1.matrix_function_backward_1",
            "matrix_functions:matrix_function_backward_1",
            "_check_matmul(X, W)\nN = X @ W\ndSdN = deriv(sigma, N)\nreturn dSdN * W.T",
            "multiplies element by element where a matrix product (@) bel",
        ),
        "A_c1_sigmoid_exp_over_one_plus_exp": (
            "chapter1.sigmoid",
            "foundations:sigmoid",
            "e = np.exp(x)\nreturn e / (1.0 + e)",
            "`np.exp(x)`",
        ),
        "A_c2_linreg_grad_bias_mean": (
            "chapter2.loss_gradients",
            "linear_regression:loss_gradients",
            'P, y = forward_info["P"], forward_info["y"]\n'
            "dLdP = -2.0 * (y - P) / P.size\n"
            'dLdW = forward_info["X"].T @ dLdP\n'
            "dLdB = np.mean(dLdP, axis=0, keepdims=True)\n"
            'return {"W": dLdW, "B": dLdB}',
            "`np.mean(dLdP, axis=0, keepdims=True)`",
        ),
        "A_c2_linreg_sum_loss": (
            "chapter2.forward_linear_regression",
            "linear_regression:forward_linear_regression",
            "_check_shapes(X_batch, y_batch, weights)\n"
            'N = np.dot(X_batch, weights["W"])\n'
            'P = N + weights["B"]\n'
            "loss = float(np.sum((y_batch - P) ** 2))\n"
            'return loss, {"X": X_batch, "N": N, "P": P, "y": y_batch}',
            "the loss is the mean of the squared errors, not their sum",
        ),
        "A_c2_mae_abs_of_mean": (
            "chapter2.mae",
            "regression_metrics:mae",
            "_check_same_shape(preds, actuals)\nreturn float(np.abs(np.mean(preds - actuals)))",
            ("in the wrong order", "`np.mean(np.abs(preds - actuals))` is right"),
        ),
        "A_c2_net_forward_ravel_broadcast": (
            "chapter2.forward_loss",
            "two_layer_network:forward_loss",
            "_check_shapes(X, y, weights)\n"
            'M1 = np.dot(X, weights["W1"])\n'
            'N1 = M1 + weights["B1"]\n'
            "O1 = sigmoid(N1)\n"
            'M2 = np.dot(O1, weights["W2"])\n'
            'P = M2 + weights["B2"]\n'
            "loss = float(np.mean((y - P.ravel()) ** 2))\n"
            'return loss, {"X": X, "M1": M1, "N1": N1, "O1": O1, "M2": M2, "P": P, "y": y}',
            ("`P.ravel()` is a step too many", "`P` alone is right"),
        ),
        "A_c2_net_grads_sigmoid_of_O1": (
            "chapter2.loss_gradients_nn",
            "two_layer_network:loss_gradients",
            'P, y = forward_info["P"], forward_info["y"]\n'
            "dLdP = -2.0 * (y - P) / P.shape[0]\n"
            'dLdW2 = forward_info["O1"].T @ dLdP\n'
            "dLdB2 = dLdP.sum(axis=0, keepdims=True)\n"
            'dLdO1 = dLdP @ weights["W2"].T\n'
            's = sigmoid(forward_info["O1"])\n'
            "dLdN1 = dLdO1 * s * (1 - s)\n"
            'dLdW1 = forward_info["X"].T @ dLdN1\n'
            "dLdB1 = dLdN1.sum(axis=0, keepdims=True)\n"
            'return {"W1": dLdW1, "B1": dLdB1, "W2": dLdW2, "B2": dLdB2}',
            "takes the sigmoid's derivative at its input",
        ),
        "A_c2_rmse_sqrt_inside_mean": (
            "chapter2.rmse",
            "regression_metrics:rmse",
            "_check_same_shape(preds, actuals)\n"
            "errors = preds - actuals\n"
            "return float(np.mean(np.sqrt(errors ** 2)))",
            ("in the wrong order", "`np.sqrt(np.mean(errors ** 2))` is right"),
        ),
        "A_c3_batches_drop_last": (
            "chapter3.generate_batches",
            "trainer:Trainer.generate_batches",
            "if X.shape[0] != y.shape[0]:\n"
            "    raise ValueError(\n"
            '        f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must have as many"\n'
            "    )\n"
            "if order is None:\n"
            "    order = np.arange(X.shape[0])\n"
            "for b in range(X.shape[0] // size):\n"
            "    rows = order[b * size : (b + 1) * size]\n"
            "    yield X[rows], y[rows]",
            "the last, smaller batch is missing: range",
        ),
        "A_c3_bias_forward_inplace": (
            "chapter3.bias_add_forward",
            "operations:BiasAdd._output",
            "self.input_ += self.param\nreturn self.input_",
            "changed input_ in place",
        ),
        "A_c3_bias_param_grad_mean": (
            "chapter3.bias_add_backward",
            "operations:BiasAdd._param_grad",
            "return output_grad.mean(axis=0, keepdims=True)",
            "has 1/5 of the right value (N = 5, the size of axis 0 of out",
        ),
        "A_c3_epoch_global_permutation": (
            "chapter3.train_epoch",
            "trainer:Trainer._train_epoch",
            "perm = np.random.permutation(X_train.shape[0])\n"
            "losses = []\n"
            "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, perm):\n"
            "    losses.append(self.net.train_batch(X_batch, y_batch))\n"
            "    self.optim.step()\n"
            "return float(np.mean(losses))",
            "(the same seed must give the same numbers)",
        ),
        "A_c3_fit_no_restore": (
            "chapter3.early_stopping",
            "trainer:Trainer.fit",
            "_check_fit_args(X_train, y_train, X_test, y_test, epochs, eval_every, batch_size)\n"
            "start = time.perf_counter()\n"
            "rng = np.random.default_rng(seed)\n"
            "if restart:\n"
            "    self.net.restart()\n"
            "    self.optim.reset()\n"
            '    self.best_loss = float("inf")\n'
            "self.optim.net = self.net\n"
            "self.optim.max_epochs = epochs\n"
            "self.optim._setup_decay()\n"
            "history = TrainingHistory()\n"
            "for epoch in range(1, epochs + 1):\n"
            "    history.train_losses.append(self._train"
            "_epoch(X_train, y_train, batch_size, rng))\n"
            "    if epoch % eval_every == 0:\n"
            "        improved = self._evaluate(epoch, X_test, y_test, history)\n"
            "        history.stopped_early = early_stopping and not improved\n"
            "    self._end_epoch(epoch, epochs, history, callbacks)\n"
            "    if history.stopped_early:\n"
            "        break\n"
            "history.seconds = time.perf_counter() - start\n"
            "return history",
            "training stopped, but the network kept the last epoch's para",
        ),
        "A_c3_mse_backward_normalize_forgotten": (
            "chapter3.mse_backward",
            "losses:MeanSquaredError._input_grad",
            "q = self.normalized\nreturn 2.0 * (q - self.target) / q.shape[0]",
            "the book's bug: the gradient does not go back through the no",
        ),
        "A_c3_mse_mean_over_all": (
            "chapter3.mse_forward",
            "losses:MeanSquaredError._output",
            "q = self.prediction\n"
            "if self.normalize:\n"
            "    q = q / q.sum(axis=1, keepdims=True)\n"
            "self.normalized = q\n"
            "return float(np.mean((q - self.target) ** 2))",
            "the squared errors are averaged over every element",
        ),
        "A_c3_seed_layers_same_seed": (
            "chapter3.seed_layers",
            "network:NeuralNetwork._seed_layers",
            "if self.seed is None:\n"
            "    return\n"
            "for layer in self.layers:\n"
            "    layer.rng = np.random.default_rng(self.seed)",
            "layers 1 and 2 start with the same weights: every ",
        ),
        "A_c3_sgd_rebinds": (
            "chapter3.sgd",
            "optimizers:SGD._update_rule",
            "param = param - self.lr * grad",
            "never updates `param` itself, which the reference changes in",
        ),
        "A_c3_sigmoid_backward_sigmoid_again": (
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "s = 1.0 / (1.0 + np.exp(-self.output))\nreturn output_grad * s * (1.0 - s)",
            "belongs: the value after the activation (sigmoid) where the value before",
        ),
        "A_c3_weight_forward_star": (
            "chapter3.weight_multiply_forward",
            "operations:WeightMultiply._output",
            "return self.input_ * self.param",
            "multiplies element by element where a matrix product (@) bel",
        ),
        "A_c3_weight_param_grad_out_in": (
            "chapter3.weight_multiply_backward",
            "operations:WeightMultiply._param_grad",
            "return output_grad.T @ self.input_",
            "is the transpose of the right value: a product in the wrong ",
        ),
        "A_c4_decay_linear_over_all_epochs": (
            "chapter4.lr_decay",
            "optimizers:Optimizer._setup_decay",
            "if self.decay_type is None:\n"
            "    return\n"
            "steps = max(self.max_epochs - 1, 1)\n"
            'if self.decay_type == "exponential":\n'
            "    self.decay_per_epoch = (self.final_lr / self.lr) ** (1.0 / steps)\n"
            "else:\n"
            "    self.decay_per_epoch = (self.lr - self.final_lr) / self.max_epochs",
            "lr reaches final_lr after max_epochs decays, one epoch too l",
        ),
        "A_c4_dropout_global_binomial": (
            "chapter4.dropout",
            "dropout:Dropout._output",
            "if inference:\n"
            "    return self.input_\n"
            "self.mask = np.random.binomial(1, self.keep_prob,"
            " size=self.input_.shape) / self.keep_prob\n"
            "return self.input_ * self.mask",
            "(the same seed must give the same numbers)",
        ),
        "A_c4_glorot_he": (
            "chapter4.glorot",
            "layers:init_scale",
            "if weight_init not in WEIGHT_INITS:\n"
            "    raise ValueError(\n"
            '        f"weight_init must be one of {WEIGHT_INITS},'
            ' got weight_init={weight_init!r}"\n'
            "    )\n"
            'if weight_init == "standard":\n'
            "    return 1.0\n"
            "return float(np.sqrt(2.0 / n_in))",
            "`2.0 / n_in`",
        ),
        "A_c4_momentum_pytorch_convention": (
            "chapter4.sgd_momentum",
            "optimizers:SGDMomentum._update_rule",
            "velocity *= self.momentum\nvelocity += grad\nparam -= self.lr * velocity",
            "`velocity`",
        ),
        "A_c4_momentum_velocity_rebound": (
            "chapter4.sgd_momentum",
            "optimizers:SGDMomentum._update_rule",
            "velocity = self.momentum * velocity + self.lr * grad\nparam -= velocity",
            "never updates `velocity` itself, which the reference changes",
        ),
        "A_c4_relu_backward_ge_zero": (
            "chapter4.relu",
            "activations:ReLU._input_grad",
            "return output_grad * (self.input_ >= 0)",
            "the mask input_ >= 0 lets the gradient through at 0: ReLU's",
        ),
        "A_c4_relu_backward_inplace": (
            "chapter4.relu",
            "activations:ReLU._input_grad",
            "output_grad[self.input_ <= 0] = 0\nreturn output_grad",
            "changed output_grad in place",
        ),
        "A_c4_sce_no_clip": (
            "chapter4.softmax_cross_entropy_forward",
            "losses:SoftmaxCrossEntropy._output",
            "self.softmax_preds = softmax(self.prediction, axis=1)\n"
            "log_p = np.log(self.softmax_preds)\n"
            "return float(-np.sum(self.target * log_p) / self.prediction.shape[0])",
            "np.clip(self.softmax_preds, self.eps, 1.0 - self.eps)",
        ),
        "A_c4_softmax_global_max": (
            "chapter4.softmax",
            "losses:softmax",
            "shifted = x - np.max(x)\n"
            "e = np.exp(shifted)\n"
            "return e / e.sum(axis=axis, keepdims=True)",
            "`np.max(x)`",
        ),
        "A_c4_tanh_forward_exp_formula": (
            "chapter4.tanh",
            "activations:Tanh._output",
            "e_pos = np.exp(self.input_)\n"
            "e_neg = np.exp(-self.input_)\n"
            "return (e_pos - e_neg) / (e_pos + e_neg)",
            "should be `np.tanh(self.input_)`",
        ),
        "A_c5_avgpool_grad_not_divided": (
            "chapter5.avg_pool",
            "pooling:AvgPool2D._input_grad",
            "input_grad = np.zeros(self.input_.shape)\n"
            "for i in range(self.size):\n"
            "    for j in range(self.size):\n"
            "        input_grad[self._at(i, j)] += output_grad\n"
            "return input_grad",
            "the input gradient is window² times too large: each of a win",
        ),
        "A_c5_col2im_assigns": (
            "chapter5.col2im",
            "im2col:col2im",
            "_check(tuple(input_shape), K)\n"
            "N, C, H, W = input_shape\n"
            "if cols.shape != (N, C * K * K, H * W):\n"
            "    raise ValueError(\n"
            '        f"columns of shape {cols.shape} do not fit'
            ' images of shape {tuple(input_shape)} "\n'
            '        f"with K={K}: expected {(N, C * K * K, H * W)}"\n'
            "    )\n"
            "p = K // 2\n"
            "patches = cols.reshape(N, C, K, K, H, W)\n"
            "padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)\n"
            "for i in range(K):\n"
            "    for j in range(K):\n"
            "        padded[:, :, i : i + H, j : j + W] = patches[:, :, i, j]\n"
            "return padded[:, :, p : p + H, p : p + W]",
            ("overwrites what earlier passes of the loop put there", "+= …"),
        ),
        "A_c5_conv1d_np_convolve": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            '_check_input(input_, 1, "a signal")\n'
            "K = _check_filter(param, 1)\n"
            'return np.convolve(input_, param, mode="same")',
            "should be read reversed here",
        ),
        "A_c5_conv2d_filter_transposed": (
            "chapter5.conv_2d",
            "conv_steps:conv_2d",
            '_check_input(input_, 3, "a batch of images")\n'
            "K = _check_filter(param, 2)\n"
            "windows = sliding_window_view(_pad_2d(input_, K // 2), (K, K), axis=(1, 2))\n"
            'return np.einsum("nhwij,ji->nhw", windows, param)',
            "`param` should be transposed here (`param.T`)",
        ),
        "A_c5_convop_forward_no_transpose": (
            "chapter5.conv_operation_forward",
            "conv:Conv2DOperation._output",
            "N, _, H, W = self.input_.shape\n"
            "C_out = self.param.shape[1]\n"
            "weights = self.param.reshape(C_out, -1)\n"
            "return (weights @ self._columns()).reshape(N, C_out, H, W)",
            "`self.param.transpose(1, 0, 2, 3)` first",
        ),
        "A_c5_convop_input_grad_no_flip": (
            "chapter5.conv_operation_backward",
            "conv:Conv2DOperation._input_grad",
            "import numpy as np\n"
            "from numpy.lib.stride_tricks import sliding_window_view\n"
            "K = self.param_size\n"
            "p = K // 2\n"
            "g = np.pad(output_grad, ((0, 0), (0, 0), (p, p), (p, p)))\n"
            "windows = sliding_window_view(g, (K, K), axis=(2, 3))\n"
            'return np.einsum("nohwij,coij->nchw", windows, self.param)',
            "should be read reversed along its last two axes (rotated by ",
        ),
        "A_c5_flatten_channels_last": (
            "chapter5.flatten",
            "conv:Flatten._output",
            "return self.input_.transpose(0, 2, 3, 1).reshape(self.input_.shape[0], -1)",
            "`self.input_.transpose(0, 2, 3, 1)`",
        ),
        "A_c5_im2col_rows_ijc": (
            "chapter5.im2col",
            "im2col:im2col",
            "_check(input_.shape, K)\n"
            "N, C, H, W = input_.shape\n"
            "p = K // 2\n"
            "padded = np.pad(input_, ((0, 0), (0, 0), (p, p), (p, p)))\n"
            "windows = sliding_window_view(padded, (K, K), axis=(2, 3))\n"
            "cols = windows.transpose(0, 4, 5, 1, 2, 3)\n"
            "return np.ascontiguousarray(cols).reshape(N, C * K * K, H * W)",
            "is reshaped before its axes are put in the order the reshape needs",
        ),
        "A_c5_input_grad_1d_no_flip": (
            "chapter5.conv_1d_backward",
            "conv_steps:_input_grad_1d",
            "K = _check_filter(param, 1)\n"
            "output_grad = _ones_if_none(output_grad, input_)\n"
            "windows = sliding_window_view(_pad_1d(output_grad, K // 2), K)\n"
            "return windows @ param",
            "should be read reversed here",
        ),
        "A_c5_input_grad_2d_flip_rows_only": (
            "chapter5.conv_2d_backward",
            "conv_steps:_input_grad_2d",
            "K = _check_filter(param, 2)\n"
            "output_grad = _ones_if_none(output_grad, input_)\n"
            "windows = sliding_window_view(_pad_2d(output_grad, K // 2), (K, K), axis=(1, 2))\n"
            'return np.einsum("nhwij,ij->nhw", windows, param[::-1])',
            "is reversed along axis 1: the order of a loop, an index coun",
        ),
        "A_c5_maxpool_reshape_trick": (
            "chapter5.max_pool",
            "pooling:MaxPool2D._output",
            "N, C, H, W = self.input_.shape\n"
            "s = self.size\n"
            "return self.input_.reshape(N, C, H // s, s, W // s, s).max(axis=(3, 5))",
            "ValueError: cannot reshape array of size",
        ),
        "A_c5_multichannel_pytorch_layout": (
            "chapter5.conv_2d_multichannel",
            "conv_steps:conv_2d_multichannel",
            "K = _check_channels(input_, param)\n"
            "padded = _pad_conv_input(input_, K // 2)\n"
            "windows = sliding_window_view(padded, (K, K), axis=(2, 3))\n"
            'return np.einsum("nchwij,ocij->nohw", windows, param)',
            "ValueError: operands could not be broadcast together with rema",
        ),
        "A_c5_pad1d_right_only": (
            "chapter5.conv_1d",
            "conv_steps:_pad_1d",
            "return np.concatenate([input_, np.zeros(2 * num, dtype=input_.dtype)])",
            "`np.concatenate([input_, np.zeros(2 * num, dtype=input_.dtype)])`",
        ),
        "A_c5_pad2d_batch_axis": (
            "chapter5.conv_2d",
            "conv_steps:_pad_2d",
            "return np.pad(input_, ((num, num), (num, num), (0, 0)))",
            "`((num, num), (num, num), (0, 0))` has its elements the wrong way round",
        ),
        "A_c5_param_grad_1d_batch_mean": (
            "chapter5.conv_1d_batch_backward",
            "conv_steps:_param_grad_1d_batch",
            "K = _check_filter(param, 1)\n"
            "output_grad = _ones_if_none(output_grad, input_)\n"
            "windows = sliding_window_view(_pad_1d_batch(input_, K // 2), K, axis=1)\n"
            'per_obs = np.einsum("nl,nlk->nk", output_grad, windows)\n'
            "return per_obs.mean(axis=0)",
            "has 1/4 of the right value (N = 4, the size of axis 0 of inp",
        ),
        "A_c5_param_grad_1d_border_dropped": (
            "chapter5.conv_1d_backward",
            "conv_steps:_param_grad_1d",
            "K = _check_filter(param, 1)\n"
            "output_grad = _ones_if_none(output_grad, input_)\n"
            "p = K // 2\n"
            "L = input_.shape[0]\n"
            "windows = sliding_window_view(input_, K)\n"
            "return output_grad[p : L - p] @ windows",
            "`input_` should be `_pad_1d(input_, K // 2)`",
        ),
        "A_c6_adagrad_is_rmsprop": (
            "chapter6.adagrad",
            "rnn_optimizers:AdaGrad._update_rule",
            "sum_square = self.sum_squares.setdefault(key, np.zeros_like(param))\n"
            "sum_square *= 0.9\n"
            "sum_square += 0.1 * grad * grad\n"
            "param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)",
            "`sum_square *= 0.9` should not be there",
        ),
        "A_c6_adagrad_sum_rebound": (
            "chapter6.adagrad",
            "rnn_optimizers:AdaGrad._update_rule",
            "sum_square = self.sum_squares.setdefault(key, np.zeros_like(param))\n"
            "sum_square = sum_square + grad ** 2\n"
            "param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)",
            "never updates `self.sum_squares[(0, 'W')]` itself, which the",
        ),
        "A_c6_add_no_wrap": (
            "chapter6.number_with_grad_add",
            "autodiff:NumberWithGrad.__add__",
            "return NumberWithGrad(self.num + other.num,"
            ' depends_on=[self, other], creation_op="add")',
            "AttributeError: 'int' object has no attribute 'num'",
        ),
        "A_c6_backward_overwrites_grad": (
            "chapter6.number_with_grad_backward",
            "autodiff:NumberWithGrad.backward",
            "topo, done = [], {id(self)}\n"
            "stack = [(self, iter(self.depends_on))]\n"
            "while stack:\n"
            "    node, parents = stack[-1]\n"
            "    for parent in parents:\n"
            "        if id(parent) not in done:\n"
            "            done.add(id(parent))\n"
            "            stack.append((parent, iter(parent.depends_on)))\n"
            "            break\n"
            "    else:\n"
            "        stack.pop()\n"
            "        topo.append(node)\n"
            "upstream = {id(self): 1 if backward_grad is None else backward_grad}\n"
            "for node in reversed(topo):\n"
            "    g = upstream.pop(id(node), 0)\n"
            "    node.grad = g\n"
            '    if node.creation_op == "add":\n'
            "        local = [1, 1]\n"
            '    elif node.creation_op == "mul":\n'
            "        local = [node.depends_on[1].num, node.depends_on[0].num]\n"
            "    else:\n"
            "        continue\n"
            "    for parent, d in zip(node.depends_on, local):\n"
            "        upstream[id(parent)] = upstream.get(id(parent), 0) + g * d",
            "`self.grad`",
        ),
        "A_c6_backward_recursive_sort": (
            "chapter6.number_with_grad_backward",
            "autodiff:NumberWithGrad.backward",
            "order = []\n"
            "seen = set()\n"
            "\n"
            "def visit(node):\n"
            "    if id(node) in seen:\n"
            "        return\n"
            "    seen.add(id(node))\n"
            "    for parent in node.depends_on:\n"
            "        visit(parent)\n"
            "    order.append(node)\n"
            "\n"
            "visit(self)\n"
            "grads = {id(self): 1 if backward_grad is None else backward_grad}\n"
            "for node in reversed(order):\n"
            "    g = grads.pop(id(node), 0)\n"
            "    node.grad = g if node.grad is None else node.grad + g\n"
            '    if node.creation_op == "add":\n'
            "        for parent in node.depends_on:\n"
            "            grads[id(parent)] = grads.get(id(parent), 0) + g\n"
            '    elif node.creation_op == "mul":\n'
            "        a, b = node.depends_on\n"
            "        grads[id(a)] = grads.get(id(a), 0) + g * b.num\n"
            "        grads[id(b)] = grads.get(id(b), 0) + g * a.num",
            "deeper than Python's limit (about 1000 calls)",
        ),
        "A_c6_gru_backward_reset_missing_H": (
            "chapter6.gru_node_backward",
            "rnn_nodes:GRUNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            "p = params_dict\n"
            'p["W_v"]["deriv"] += self.H_out.T @ x_out_grad\n'
            'p["B_v"]["deriv"] += np.sum(x_out_grad, axis=0, keepdims=True)\n'
            'dH = x_out_grad @ p["W_v"]["value"].T + H_out_grad\n'
            "H = dH.shape[1]\n"
            "D = self.Z.shape[1] - H\n"
            "d_hbar = dH * (1.0 - self.u)\n"
            "dA_h = d_hbar * (1.0 - self.h_bar ** 2)\n"
            'p["W_h"]["deriv"] += self.Z_h.T @ dA_h\n'
            'p["B_h"]["deriv"] += np.sum(dA_h, axis=0, keepdims=True)\n'
            'dZ_h = dA_h @ p["W_h"]["value"].T\n'
            "d_rH = dZ_h[:, D:]\n"
            "dA_r = d_rH * self.r * (1.0 - self.r)\n"
            "du = dH * (self.H_in - self.h_bar)\n"
            "dA_u = du * self.u * (1.0 - self.u)\n"
            "dA = np.concatenate([dA_r, dA_u], axis=1)\n"
            'p["W_ru"]["deriv"] += self.Z.T @ dA\n'
            'p["B_ru"]["deriv"] += np.sum(dA, axis=0, keepdims=True)\n'
            'dZ = dA @ p["W_ru"]["value"].T\n'
            "dx = dZ[:, :D] + dZ_h[:, :D]\n"
            "dH_in = dZ[:, D:] + d_rH * self.r + dH * self.u\n"
            "return dx, dH_in",
            "`d_rH * self.r * (1.0 - self.r)` misses the factor `self.H_i",
        ),
        "A_c6_gru_forward_reset_after_projection": (
            "chapter6.gru_node_forward",
            "rnn_nodes:GRUNode.forward",
            "H = H_in.shape[1]\n"
            "D = x_in.shape[1]\n"
            "self.H_in = H_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "gates = sigmoid(self.Z @"
            ' params_dict["W_ru"]["value"] + params_dict["B_ru"]["value"])\n'
            "self.r, self.u = gates[:, :H], gates[:, H:]\n"
            'W_h = params_dict["W_h"]["value"]\n'
            "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
            'A_h = x_in @ W_h[:D] + self.r * (H_in @ W_h[D:]) + params_dict["B_h"]["value"]\n'
            "self.h_bar = np.tanh(A_h)\n"
            "self.H_out = self.h_bar + self.u * (H_in - self.h_bar)\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "`self.r * H_in @ W_h[D:]` is right",
        ),
        "A_c6_gru_forward_update_swapped": (
            "chapter6.gru_node_forward",
            "rnn_nodes:GRUNode.forward",
            "H = H_in.shape[1]\n"
            "self.H_in = H_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "gates = sigmoid(self.Z @"
            ' params_dict["W_ru"]["value"] + params_dict["B_ru"]["value"])\n'
            "self.r, self.u = gates[:, :H], gates[:, H:]\n"
            "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
            "self.h_bar = np.tanh(self.Z_h @"
            ' params_dict["W_h"]["value"] + params_dict["B_h"]["value"])\n'
            "self.H_out = self.u * self.h_bar + (1.0 - self.u) * H_in\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "`self.h_bar` and `H_in` are the wrong way round",
        ),
        "A_c6_lstm_backward_no_cell_grad": (
            "chapter6.lstm_node_backward",
            "rnn_nodes:LSTMNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            "assert_same_shape(self.C_out, C_out_grad)\n"
            'params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad\n'
            'params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)\n'
            'dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad\n'
            "H = dH.shape[1]\n"
            "f, i = self.gates[:, :H], self.gates[:, H : 2 * H]\n"
            "o, c_bar = self.gates[:, 2 * H : 3 * H], self.gates[:, 3 * H :]\n"
            "dC = dH * o * (1.0 - self.tanh_C ** 2)\n"
            "dA = np.concatenate(\n"
            "    [\n"
            "        dC * self.C_in * f * (1 - f),\n"
            "        dC * c_bar * i * (1 - i),\n"
            "        dH * self.tanh_C * o * (1 - o),\n"
            "        dC * i * (1 - c_bar ** 2),\n"
            "    ],\n"
            "    axis=1,\n"
            ")\n"
            'params_dict["W_fioc"]["deriv"] += self.Z.T @ dA\n'
            'params_dict["B_fioc"]["deriv"] += dA.sum(axis=0, keepdims=True)\n'
            'dZ = dA @ params_dict["W_fioc"]["value"].T\n'
            "D = self.Z.shape[1] - H\n"
            "return dZ[:, :D], dZ[:, D:], dC * f",
            "`dH * o * (1.0 - self.tanh_C ** 2)` misses the term `C_out_g",
        ),
        "A_c6_lstm_backward_tanh_of_cell_missing": (
            "chapter6.lstm_node_backward",
            "rnn_nodes:LSTMNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            "assert_same_shape(self.C_out, C_out_grad)\n"
            'params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad\n'
            'params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)\n'
            'dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad\n'
            "H = dH.shape[1]\n"
            "g = self.gates\n"
            "f, i, o, c_bar = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]\n"
            "dC = C_out_grad + dH * o * (1.0 - self.C_out ** 2)\n"
            "df = dC * self.C_in * f * (1.0 - f)\n"
            "di = dC * c_bar * i * (1.0 - i)\n"
            "do = dH * self.tanh_C * o * (1.0 - o)\n"
            "dc = dC * i * (1.0 - c_bar ** 2)\n"
            "dA = np.hstack([df, di, do, dc])\n"
            'params_dict["W_fioc"]["deriv"] += self.Z.T @ dA\n'
            'params_dict["B_fioc"]["deriv"] += dA.sum(axis=0, keepdims=True)\n'
            'dZ = dA @ params_dict["W_fioc"]["value"].T\n'
            "D = self.Z.shape[1] - H\n"
            "return dZ[:, :D], dZ[:, D:], dC * f",
            "where tanh's derivative at its input, 1 − tanh(`self.C_out`)² belongs",
        ),
        "A_c6_lstm_forward_cell_inplace": (
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "H = H_in.shape[1]\n"
            "self.C_in = C_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]\n'
            "f, i, o = sigmoid(A[:, :H]), sigmoid(A[:, H : 2 * H]), sigmoid(A[:, 2 * H : 3 * H])\n"
            "c_bar = np.tanh(A[:, 3 * H :])\n"
            "self.gates = np.concatenate([f, i, o, c_bar], axis=1)\n"
            "C_in *= f\n"
            "C_in += i * c_bar\n"
            "self.C_out = C_in\n"
            "self.tanh_C = np.tanh(self.C_out)\n"
            "self.H_out = o * self.tanh_C\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out, self.C_out",
            "`C_in`",
        ),
        "A_c6_lstm_forward_pytorch_gate_order": (
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "H = H_in.shape[1]\n"
            "self.C_in = C_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]\n'
            "i = sigmoid(A[:, :H])\n"
            "f = sigmoid(A[:, H : 2 * H])\n"
            "c_bar = np.tanh(A[:, 2 * H : 3 * H])\n"
            "o = sigmoid(A[:, 3 * H :])\n"
            "self.gates = np.concatenate([f, i, o, c_bar], axis=1)\n"
            "self.C_out = f * C_in + i * c_bar\n"
            "self.tanh_C = np.tanh(self.C_out)\n"
            "self.H_out = o * self.tanh_C\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out, self.C_out",
            "the gates are read from W_fioc in the order i, f, c, o: its",
        ),
        "A_c6_lstm_layer_states_unpacked_swapped": (
            "chapter6.lstm_layer_forward",
            "rnn_layers:LSTMLayer.forward",
            "self._prepare_forward(x_seq_in)\n"
            "N, T, _ = x_seq_in.shape\n"
            "H_in = np.repeat(self.start_H, N, axis=0)\n"
            "C_in = np.repeat(self.start_C, N, axis=0)\n"
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "for t in range(T):\n"
            "    x_seq_out[:, t, :], C_in, H_in = self.nodes[t].forward(\n"
            "        x_seq_in[:, t, :], H_in, C_in, self.params\n"
            "    )\n"
            "self.start_H = self._carry(H_in)\n"
            "self.start_C = self._carry(C_in)\n"
            "return x_seq_out",
            "`x_seq_out[:, t, :], C_in, H_in = self.nodes[t].forward(`",
        ),
        "A_c6_mul_tagged_add": (
            "chapter6.number_with_grad_mul",
            "autodiff:NumberWithGrad.__mul__",
            "other = _ensure_number(other)\n"
            "return NumberWithGrad(self.num * other.num,"
            ' depends_on=[self, other], creation_op="add")',
            "op: got 1, expected 2 (error 1.00e+00 > tolerance ",
        ),
        "A_c6_rnn_backward_assigns_derivs": (
            "chapter6.rnn_node_backward",
            "rnn_nodes:RNNNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            'dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad\n'
            "dA = dH * (1 - self.H_out * self.H_out)\n"
            'params_dict["W_v"]["deriv"] = self.H_out.T @ x_out_grad\n'
            'params_dict["B_v"]["deriv"] = x_out_grad.sum(axis=0, keepdims=True)\n'
            'params_dict["W_f"]["deriv"] = self.Z.T @ dA\n'
            'params_dict["B_f"]["deriv"] = dA.sum(axis=0, keepdims=True)\n'
            'dZ = dA @ params_dict["W_f"]["value"].T\n'
            "H = self.H_out.shape[1]\n"
            "return dZ[:, :-H], dZ[:, -H:]",
            "the parameter gradients replace params_dict[name]['deriv'] i",
        ),
        "A_c6_rnn_backward_no_next_state_grad": (
            "chapter6.rnn_node_backward",
            "rnn_nodes:RNNNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            'W_v = params_dict["W_v"]["value"]\n'
            'params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad\n'
            'params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)\n'
            "dH = x_out_grad @ W_v.T\n"
            "dA = dH * (1.0 - self.H_out ** 2)\n"
            'params_dict["W_f"]["deriv"] += self.Z.T @ dA\n'
            'params_dict["B_f"]["deriv"] += dA.sum(axis=0, keepdims=True)\n'
            'dZ = dA @ params_dict["W_f"]["value"].T\n'
            "D = self.Z.shape[1] - self.H_out.shape[1]\n"
            "return dZ[:, :D], dZ[:, D:]",
            "`x_out_grad @ W_v.T` misses the term `H_out_grad`",
        ),
        "A_c6_rnn_forward_state_first": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            "self.Z = np.concatenate([H_in, x_in], axis=1)\n"
            "self.H_out = np.tanh(self.Z @"
            ' params_dict["W_f"]["value"] + params_dict["B_f"]["value"])\n'
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "`[H_in, x_in]` has its elements the wrong way round",
        ),
        "A_c6_rnn_layer_backward_forward_in_time": (
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "self._prepare_backward(x_seq_out_grad)\n"
            "N, T, D = self.input_shape\n"
            "x_seq_in_grad = np.zeros((N, T, D))\n"
            "H_grad = np.zeros((N, self.hidden_size))\n"
            "for t in range(T):\n"
            "    x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(\n"
            "        x_seq_out_grad[:, t, :], H_grad, self.params\n"
            "    )\n"
            "return x_seq_in_grad",
            "runs in the wrong order: it must run backwards (reversed(ran",
        ),
        "A_c6_rnn_layer_state_not_carried": (
            "chapter6.rnn_layer_forward",
            "rnn_layers:RNNLayer.forward",
            "self._prepare_forward(x_seq_in)\n"
            "N, T, _ = x_seq_in.shape\n"
            "H_in = np.repeat(self.start_H, N, axis=0)\n"
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "for t in range(T):\n"
            "    x_seq_out[:, t, :], H_t ="
            " self.nodes[t].forward(x_seq_in[:, t, :], H_in, self.params)\n"
            "self.start_H = self._carry(H_in)\n"
            "return x_seq_out",
            "throws away a result that the loop's next pass needs in `H_in`",
        ),
        "A_c6_rnn_sgd_ascent": (
            "chapter6.rnn_sgd",
            "rnn_optimizers:RNNSGD._update_rule",
            "param += self.lr * grad",
            "has the wrong sign here (a + where a − belongs, or the rever",
        ),
        "A_c7_conv_flatten_batch": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.flatten()\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
            "`x = x.flatten()`",
        ),
        "A_c7_conv_flatten_channels_last": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
            "`x.permute(0, 2, 3, 1)`",
        ),
        "A_c7_decoder_channels_last_view": (
            "chapter7.decoder",
            "pytorch.autoencoder:Decoder.forward",
            "check_input_dim(x, 2)\n"
            "x = self.dense1(x)\n"
            "x = x.view(-1, 28, 28, 7).permute(0, 3, 1, 2)\n"
            "x = self.conv1(x)\n"
            "return self.conv2(x)",
            "`x.view(-1, 28, 28, 7).permute(0, 3, 1, 2)`",
        ),
        "A_c7_dense_dropout_before_activation": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "x = self.linear(x)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "return x",
            (
                "two statements are in the wrong order",
                "`if self.activation is not None:` must come before `if self.dropout is not None:`",
            ),
        ),
        "A_c7_dense_functional_dropout": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "x = self.linear(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.dropout is not None:\n"
            "    x = nn.functional.dropout(x, p=self.dropout.p)\n"
            "return x",
            "`nn.functional.dropout(x, p=self.dropout.p)`",
        ),
        "A_c7_encoder_convs_no_grad": (
            "chapter7.encoder",
            "pytorch.autoencoder:Encoder.forward",
            "import torch\n"
            "check_input_dim(x, 4)\n"
            "with torch.no_grad():\n"
            "    features = self.conv2(self.conv1(x))\n"
            "return self.dense1(features)",
            "`self.conv1(x)`",
        ),
        "A_c7_evaluate_no_eval_mode": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "X, y = as_tensor(X), as_tensor(y)\n"
            "total = 0.0\n"
            "with torch.no_grad():\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        out = prediction_of(self.model(X[start : start + batch_size]))\n"
            "        total += float(self.loss(out, y[start : start + batch_size])) * out.shape[0]\n"
            "return total / X.shape[0]",
            "`self.model(X[start : start + batch_size])`",
        ),
        "A_c7_evaluate_unweighted_chunks": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "self.model.eval()\n"
            "losses = []\n"
            "with torch.no_grad():\n"
            "    for start in range(0, len(X), batch_size):\n"
            "        pred = prediction_of(self.model(X[start : start + batch_size]))\n"
            "        losses.append(self.loss(pred, y[start : start + batch_size]).item())\n"
            "self.model.train(was_training)\n"
            "return sum(losses) / len(losses)",
            "`sum(losses)`",
        ),
        "A_c7_lstm_state_ignored": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "out, _ = self.lstm(x)\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
            "`self.h_init`",
        ),
        "A_c7_lstm_time_major": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "batch_size = x.shape[0]\n"
            "h_0 = self.h_init.repeat(batch_size, 1).unsqueeze(0)\n"
            "c_0 = self.c_init.repeat(batch_size, 1).unsqueeze(0)\n"
            "out, (h_n, c_n) = self.lstm(x.transpose(0, 1), (h_0, c_0))\n"
            "out = out.transpose(0, 1)\n"
            "if self.training:\n"
            "    self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()\n"
            "    self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
            "`x.transpose(0, 1)`",
        ),
        "A_c7_train_loss_rebuilt_from_item": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.optim.zero_grad()\n"
            "output = prediction_of(self.model(X_batch))\n"
            "loss = torch.tensor(self.loss(output, y_batch).item(), requires_grad=True)\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return loss.item()",
            "`torch.tensor(self.loss(output, y_batch).item(), requires_grad=True)`",
        ),
        "A_c7_train_no_zero_grad": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "output = prediction_of(self.model(X_batch))\n"
            "loss = self.loss(output, y_batch)\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return loss.item()",
            "the gradients of earlier batches are added to this one's: ca",
        ),
        "A_c7_train_tuple_output": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.optim.zero_grad()\n"
            "output = self.model(X_batch)\n"
            "loss = self.loss(output, y_batch)\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return float(loss)",
            "`prediction_of(output)`",
        ),
    }
)

CORRECT.update(
    {
        "A_c1_chain3_loop": (
            "chapter1.chain_deriv_3",
            "foundations:chain_deriv_3",
            "_check_chain(chain, 3)\n"
            "f1, f2, f3 = chain\n"
            "result = np.ones(np.shape(input_range))\n"
            "point = input_range\n"
            "for f in (f1, f2, f3):\n"
            "    result = result * deriv(f, point)\n"
            "    point = f(point)\n"
            "return result",
        ),
        "A_c1_matrix_sum_backward_einsum": (
            "chapter1.matrix_function_backward_sum_1",
            "matrix_functions:matrix_function_backward_sum_1",
            "_check_matmul(X, W)\n"
            'dLdN = deriv(sigma, np.einsum("nd,dm->nm", X, W))\n'
            'return np.einsum("nm,dm->nd", dLdN, W)',
        ),
        "A_c1_sigmoid_stable_branches": (
            "chapter1.sigmoid",
            "foundations:sigmoid",
            "x = np.asarray(x, dtype=float)\n"
            "z = np.exp(-np.abs(x))\n"
            "return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))",
        ),
        "A_c2_linreg_grad_per_row_mean": (
            "chapter2.loss_gradients",
            "linear_regression:loss_gradients",
            'P, y = forward_info["P"], forward_info["y"]\n'
            'X = forward_info["X"]\n'
            "per_row = -2.0 * (y - P)\n"
            "dLdW = (X * per_row).mean(axis=0).reshape(-1, 1)\n"
            "dLdB = per_row.mean(axis=0, keepdims=True)\n"
            'return {"W": dLdW, "B": dLdB}',
        ),
        "A_c2_linreg_info_dict_first": (
            "chapter2.forward_linear_regression",
            "linear_regression:forward_linear_regression",
            "_check_shapes(X_batch, y_batch, weights)\n"
            'info = {"X": X_batch, "y": y_batch}\n'
            'info["N"] = X_batch @ weights["W"]\n'
            'info["P"] = info["N"] + weights["B"]\n'
            'err = info["P"] - y_batch\n'
            "return float((err * err).mean()), info",
        ),
        "A_c2_net_forward_inline_sigmoid": (
            "chapter2.forward_loss",
            "two_layer_network:forward_loss",
            "_check_shapes(X, y, weights)\n"
            'M1 = X @ weights["W1"]\n'
            'N1 = M1 + weights["B1"]\n'
            "O1 = 1.0 / (1.0 + np.exp(-N1))\n"
            'M2 = O1 @ weights["W2"]\n'
            'P = M2 + weights["B2"]\n'
            "loss = float(np.mean((y - P) ** 2))\n"
            "return loss, dict(X=X, M1=M1, N1=N1, O1=O1, M2=M2, P=P, y=y)",
        ),
        "A_c2_net_grads_broadcast_outer": (
            "chapter2.loss_gradients_nn",
            "two_layer_network:loss_gradients",
            'P, y = forward_info["P"], forward_info["y"]\n'
            "n = y.shape[0]\n"
            "g = 2.0 * (P - y) / n\n"
            'O1 = forward_info["O1"]\n'
            'grads = {"W2": O1.T @ g, "B2": g.sum(axis=0, keepdims=True)}\n'
            'dN1 = (g * weights["W2"].T) * O1 * (1 - O1)\n'
            'grads["W1"] = forward_info["X"].T @ dN1\n'
            'grads["B1"] = dN1.sum(axis=0, keepdims=True)\n'
            "return grads",
        ),
        "A_c2_rmse_norm": (
            "chapter2.rmse",
            "regression_metrics:rmse",
            "_check_same_shape(preds, actuals)\n"
            "diff = np.asarray(preds - actuals, dtype=float)\n"
            "return float(np.linalg.norm(diff.ravel()) / np.sqrt(diff.size))",
        ),
        "A_c3_batches_while": (
            "chapter3.generate_batches",
            "trainer:Trainer.generate_batches",
            "if X.shape[0] != y.shape[0]:\n"
            "    raise ValueError(\n"
            '        f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must have as many"\n'
            "    )\n"
            "start = 0\n"
            "while start < X.shape[0]:\n"
            "    stop = min(start + size, X.shape[0])\n"
            "    idx = slice(start, stop) if order is None else order[start:stop]\n"
            "    yield X[idx], y[idx]\n"
            "    start = stop",
        ),
        "A_c3_linear_output_copy": (
            "chapter3.linear",
            "activations:Linear._output",
            "return self.input_.copy()",
        ),
        "A_c3_sigmoid_forward_exp": (
            "chapter3.sigmoid_forward",
            "activations:Sigmoid._output",
            "return 1.0 / (1.0 + np.exp(-self.input_))",
        ),
        "A_c3_weight_input_grad_einsum": (
            "chapter3.weight_multiply_backward",
            "operations:WeightMultiply._input_grad",
            'return np.einsum("nh,dh->nd", output_grad, self.param)',
        ),
        "A_c4_decay_lr_explicit": (
            "chapter4.lr_decay",
            "optimizers:Optimizer._decay_lr",
            "if self.decay_type is None:\n"
            "    return\n"
            'if self.decay_type == "linear":\n'
            "    self.lr = self.lr - self.decay_per_epoch\n"
            "else:\n"
            "    self.lr = self.lr * self.decay_per_epoch",
        ),
        # the book's dropout (unscaled while training, × keep_prob at inference): a convention
        "A_c4_dropout_not_inverted": (
            "chapter4.dropout",
            "dropout:Dropout._output",
            "if inference:\n"
            "    return self.input_ * self.keep_prob\n"
            "self.mask = self.rng.random(self.input_.shape) < self.keep_prob\n"
            "return self.input_ * self.mask",
        ),
        "A_c4_softmax_logsumexp": (
            "chapter4.softmax",
            "losses:softmax",
            "z = x - np.max(x, axis=axis, keepdims=True)\n"
            "lse = np.log(np.sum(np.exp(z), axis=axis, keepdims=True))\n"
            "return np.exp(z - lse)",
        ),
        "A_c5_conv1d_batch_loop": (
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            '_check_input(input_, 2, "a batch of signals")\n'
            "K = _check_filter(param, 1)\n"
            "out = np.empty(input_.shape, dtype=np.result_type(input_, param))\n"
            "for n in range(input_.shape[0]):\n"
            "    out[n] = conv_1d(input_[n], param)\n"
            "return out",
        ),
        "A_c5_conv1d_double_loop": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            '_check_input(input_, 1, "a signal")\n'
            "K = _check_filter(param, 1)\n"
            "x_pad = _pad_1d(input_, K // 2)\n"
            "out = np.zeros(input_.shape[0], dtype=np.result_type(input_, param))\n"
            "for o in range(out.shape[0]):\n"
            "    for k in range(K):\n"
            "        out[o] += param[k] * x_pad[o + k]\n"
            "return out",
        ),
        "A_c5_input_grad_1d_batch_loop": (
            "chapter5.conv_1d_batch_backward",
            "conv_steps:_input_grad_1d_batch",
            "K = _check_filter(param, 1)\n"
            "output_grad = _ones_if_none(output_grad, input_)\n"
            "grads = np.zeros(output_grad.shape)\n"
            "for n in range(output_grad.shape[0]):\n"
            "    grads[n] = _input_grad_1d(input_[n], param, output_grad[n])\n"
            "return grads",
        ),
        "A_c5_maxpool_windows": (
            "chapter5.max_pool",
            "pooling:MaxPool2D._output",
            "return self._windows().max(axis=(-2, -1))",
        ),
        "A_c5_multichannel_param_grad_loops": (
            "chapter5.conv_2d_multichannel_backward",
            "conv_steps:_param_grad_2d_multichannel",
            "K = _check_channels(input_, param)\n"
            "if output_grad is None:\n"
            "    output_grad = np.ones((input_.shape[0], param.shape[1], *input_.shape[2:]))\n"
            "C_in, C_out = param.shape[0], param.shape[1]\n"
            "grad = np.zeros(param.shape)\n"
            "for c in range(C_in):\n"
            "    for o in range(C_out):\n"
            "        grad[c, o] = _param_grad_2d(input_[:, c], param[c, o], output_grad[:, o])\n"
            "return grad",
        ),
        "A_c6_add_parents_reversed": (
            "chapter6.number_with_grad_add",
            "autodiff:NumberWithGrad.__add__",
            "other = _ensure_number(other)\n"
            'return NumberWithGrad(other.num + self.num, [other, self], "add")',
        ),
        "A_c6_clip_max_min": (
            "chapter6.clip_gradient",
            "rnn_optimizers:RNNOptimizer._clip_gradient",
            "np.maximum(grad, -self.clip_value, out=grad)\n"
            "np.minimum(grad, self.clip_value, out=grad)",
        ),
        "A_c6_lstm_layer_backward_while": (
            "chapter6.lstm_layer_backward",
            "rnn_layers:LSTMLayer.backward",
            "self._prepare_backward(x_seq_out_grad)\n"
            "N, T, D = self.input_shape\n"
            "grads_in = np.zeros((N, T, D))\n"
            "dH = np.zeros((N, self.hidden_size))\n"
            "dC = np.zeros_like(dH)\n"
            "t = T - 1\n"
            "while t >= 0:\n"
            "    dx, dH, dC = self.nodes[t].backward(x_seq_out_grad[:, t], dH, dC, self.params)\n"
            "    grads_in[:, t] = dx\n"
            "    t -= 1\n"
            "return grads_in",
        ),
        "A_c6_mul_parents_reversed": (
            "chapter6.number_with_grad_mul",
            "autodiff:NumberWithGrad.__mul__",
            "other = _ensure_number(other)\n"
            'node = NumberWithGrad(self.num * other.num, creation_op="mul")\n'
            "node.depends_on = [other, self]\n"
            "return node",
        ),
        "A_c6_rnn_forward_split_products": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            'W_f = params_dict["W_f"]["value"]\n'
            "D = x_in.shape[1]\n"
            "self.Z = np.hstack((x_in, H_in))\n"
            'A = x_in @ W_f[:D] + H_in @ W_f[D:] + params_dict["B_f"]["value"]\n'
            "self.H_out = np.tanh(A)\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
        ),
        "A_c7_conv_reshape_rows": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "out = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    out = self.activation(out)\n"
            "if self.flatten:\n"
            "    out = out.reshape(out.shape[0], -1)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
        ),
        "A_c7_dense_manual_affine": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "out = x @ self.linear.weight.T + self.linear.bias\n"
            "if self.activation is not None:\n"
            "    out = self.activation(out)\n"
            "return out if self.dropout is None else self.dropout(out)",
        ),
        "A_c7_encoder_nested_calls": (
            "chapter7.encoder",
            "pytorch.autoencoder:Encoder.forward",
            "check_input_dim(x, 4)\nreturn self.dense1(self.conv2(self.conv1(x)))",
        ),
        "A_c7_train_model_zero_grad": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.model.zero_grad()\n"
            "prediction = prediction_of(self.model(X_batch))\n"
            "batch_loss = self.loss(prediction, y_batch)\n"
            "batch_loss.backward()\n"
            "self.optim.step()\n"
            "return batch_loss.item()",
        ),
    }
)

# --- set C (issue 19): mistakes that no relation of the numbers names, only an edit of the code:
# another function called, two operations nested the other way round, arguments or operands
# swapped, statements in the wrong order / one too many, a size off by one. Written before
# looking at what the grader says about them.
MISTAKES.update(
    {
        "C_c2_mae_builtin_abs_of_the_mean": (
            "chapter2.mae",
            "regression_metrics:mae",
            "return float(abs(np.mean(preds - actuals)))",
            ("in the wrong order", "`np.mean(abs(preds - actuals))`"),
        ),
        "C_c2_mae_squares": (
            "chapter2.mae",
            "regression_metrics:mae",
            "diff = actuals - preds\nreturn float(np.square(diff).mean())",
            "where `np.abs` belongs",
        ),
        "C_c3_mse_sum_then_square": (
            "chapter3.mse_forward",
            "losses:MeanSquaredError._output",
            "diff = q - self.target\nreturn float(np.sum(diff) ** 2 / len(q))",
            ("in the wrong order", "`np.sum(diff ** 2)`"),
        ),
        "C_c3_train_epoch_steps_before_the_batch": (
            "chapter3.train_epoch",
            "trainer:Trainer._train_epoch",
            "order = rng.permutation(X_train.shape[0])\n"
            "batch_losses = []\n"
            "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, order):\n"
            "    self.optim.step()\n"
            "    batch_losses.append(self.net.train_batch(X_batch, y_batch))\n"
            "return float(np.mean(batch_losses))",
            ("two statements are in the wrong order", "`self.optim.step()`"),
        ),
        "C_c4_glorot_root_of_the_numerator": (
            "chapter4.glorot",
            "layers:init_scale",
            "return float(np.sqrt(2.0) / (n_in + n_out))",
            ("in the wrong order", "`np.sqrt(2.0 / (n_in + n_out))`"),
        ),
        "C_c4_glorot_ratio_inverted": (
            "chapter4.glorot",
            "layers:init_scale",
            "fan = n_in + n_out\nreturn float(np.sqrt(fan / 2))",
            ("the wrong way round", "`2 / fan`"),
        ),
        "C_c4_momentum_step_before_the_velocity_update": (
            "chapter4.sgd_momentum",
            "optimizers:SGDMomentum._update_rule",
            "velocity *= self.momentum\nparam -= velocity\nvelocity += self.lr * grad",
            ("two statements are in the wrong order", "`velocity += self.lr * grad`"),
        ),
        "C_c4_tanh_backward_applies_tanh_again": (
            "chapter4.tanh",
            "activations:Tanh._input_grad",
            "return output_grad * (1 - np.tanh(self.output) ** 2)",
            "takes tanh's derivative at its input, 1 − tanh(`self.output`)², where",
        ),
        "C_c5_param_grad_1d_product_order": (
            "chapter5.conv_1d_backward",
            "conv_steps:_param_grad_1d",
            "x_padded = _pad_1d(input_, K // 2)\n"
            "patches = sliding_window_view(x_padded, K)\n"
            "return patches @ output_grad",
            "`output_grad @ patches`",
        ),
        "C_c5_conv_1d_loop_valid_length": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            "x_pad = _pad_1d(input_, K // 2)\n"
            "n_out = len(x_pad) - K\n"
            "out = np.zeros(n_out)\n"
            "for o in range(n_out):\n"
            "    out[o] = np.dot(x_pad[o : o + K], param)\n"
            "return out",
            "`len(x_pad) - K` is off by one",
        ),
        "C_c5_flatten_reshape_arguments_swapped": (
            "chapter5.flatten",
            "conv:Flatten._output",
            "batch = self.input_.shape[0]\nreturn self.input_.reshape(-1, batch)",
            ("the wrong way round", "`self.input_.reshape(batch, -1)`"),
        ),
        "C_c6_rnn_node_sigmoid_for_tanh": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'pre = self.Z @ params_dict["W_f"]["value"] + params_dict["B_f"]["value"]\n'
            "self.H_out = sigmoid(pre)\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "where `np.tanh` belongs",
        ),
        "C_c6_rnn_node_tanh_before_the_bias": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            "Z = np.hstack((x_in, H_in))\n"
            "self.Z = Z\n"
            'self.H_out = np.tanh(Z @ params_dict["W_f"]["value"]) + params_dict["B_f"]["value"]\n'
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "in the wrong order",
        ),
        "C_c6_gru_gates_through_tanh": (
            "chapter6.gru_node_forward",
            "rnn_nodes:GRUNode.forward",
            "H = H_in.shape[1]\n"
            "self.H_in = H_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'W_ru, B_ru = params_dict["W_ru"]["value"], params_dict["B_ru"]["value"]\n'
            "gates = np.tanh(self.Z @ W_ru + B_ru)\n"
            "self.r = gates[:, :H]\n"
            "self.u = gates[:, H:]\n"
            "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
            'self.h_bar = np.tanh(self.Z_h @ params_dict["W_h"]["value"]'
            ' + params_dict["B_h"]["value"])\n'
            "self.H_out = self.u * H_in + (1 - self.u) * self.h_bar\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out",
            "where `sigmoid` belongs",
        ),
        "C_c6_lstm_candidate_through_sigmoid": (
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "H = H_in.shape[1]\n"
            "self.C_in = C_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]\n'
            "f = sigmoid(A[:, :H])\n"
            "i = sigmoid(A[:, H : 2 * H])\n"
            "o = sigmoid(A[:, 2 * H : 3 * H])\n"
            "c_bar = sigmoid(A[:, 3 * H :])\n"
            "self.gates = np.concatenate([f, i, o, c_bar], axis=1)\n"
            "self.C_out = f * C_in + i * c_bar\n"
            "self.tanh_C = np.tanh(self.C_out)\n"
            "self.H_out = o * self.tanh_C\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out, self.C_out",
            "where `np.tanh` belongs",
        ),
        "C_c6_clip_bounds_swapped": (
            "chapter6.clip_gradient",
            "rnn_optimizers:RNNOptimizer._clip_gradient",
            "np.clip(grad, self.clip_value, -self.clip_value, out=grad)",
            (
                "the wrong way round",
                "`np.clip(grad, -self.clip_value, self.clip_value, out=grad)`",
            ),
        ),
        "C_c6_adagrad_step_before_accumulating": (
            "chapter6.adagrad",
            "rnn_optimizers:AdaGrad._update_rule",
            "param -= self.lr * grad / (np.sqrt(sum_square) + self.eps)\nsum_square += grad ** 2",
            ("two statements are in the wrong order", "`sum_square += grad ** 2`"),
        ),
        "C_c6_rnn_layer_backward_starts_a_step_early": (
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "x_seq_in_grad = np.zeros((N, T, D))\n"
            "H_grad = np.zeros((N, self.hidden_size))\n"
            "for t in range(T - 2, -1, -1):\n"
            "    x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(\n"
            "        x_seq_out_grad[:, t, :], H_grad, self.params\n"
            "    )\n"
            "return x_seq_in_grad",
            "off by one",
        ),
        "C_c3_train_epoch_never_steps": (
            "chapter3.train_epoch",
            "trainer:Trainer._train_epoch",
            "losses = []\n"
            "order = rng.permutation(len(X_train))\n"
            "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, order):\n"
            "    loss = self.net.train_batch(X_batch, y_batch)\n"
            "    losses.append(loss)\n"
            "return float(np.mean(losses))",
            "`self.optim.step()` is never called",
        ),
        "C_c7_evaluate_never_switches_to_eval": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "weighted = 0.0\n"
            "with torch.no_grad():\n"
            "    for start in range(0, len(X), batch_size):\n"
            "        chunk = X[start : start + batch_size]\n"
            "        pred = prediction_of(self.model(chunk))\n"
            "        target = y[start : start + batch_size]\n"
            "        weighted += self.loss(pred, target).item() * len(chunk)\n"
            "self.model.train(was_training)\n"
            "return weighted / len(X)",
            "`self.model.eval()` is never called",
        ),
        "C_c6_rnn_sgd_clips_in_the_update": (
            "chapter6.rnn_sgd",
            "rnn_optimizers:RNNSGD._update_rule",
            "step = np.clip(grad, -1.0, 1.0)\nstep = self.lr * step\nparam -= step",
            "`np.clip(grad, -1.0, 1.0)` is a step too many",
        ),
        "C_c7_train_step_before_backward": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.optim.zero_grad()\n"
            "prediction = prediction_of(self.model(X_batch))\n"
            "batch_loss = self.loss(prediction, y_batch)\n"
            "self.optim.step()\n"
            "batch_loss.backward()\n"
            "return batch_loss.item()",
            ("two statements are in the wrong order", "`batch_loss.backward()`"),
        ),
        "C_c7_train_zero_grad_after_backward": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "out = prediction_of(self.model(X_batch))\n"
            "loss = self.loss(out, y_batch)\n"
            "loss.backward()\n"
            "self.optim.zero_grad()\n"
            "self.optim.step()\n"
            "return loss.item()",
            ("in the wrong order", "`self.optim.zero_grad()`"),
        ),
        "C_c7_dense_dropout_before_activation": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "out = self.linear(x)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "if self.activation is not None:\n"
            "    out = self.activation(out)\n"
            "return out",
            "two statements are in the wrong order",
        ),
        "C_c7_dense_hard_coded_relu": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "h = self.linear(x)\n"
            "if self.activation is not None:\n"
            "    h = nn.functional.relu(h)\n"
            "if self.dropout is not None:\n"
            "    h = self.dropout(h)\n"
            "return h",
            "where `self.activation` belongs",
        ),
        "C_c7_decoder_extra_relu": (
            "chapter7.decoder",
            "pytorch.autoencoder:Decoder.forward",
            "x = self.dense1(x)\n"
            "x = nn.functional.relu(x)\n"
            "x = x.view(-1, 7, 28, 28)\n"
            "x = self.conv1(x)\n"
            "return self.conv2(x)",
            "`nn.functional.relu` once too often",
        ),
        "C_c7_encoder_layers_in_the_wrong_order": (
            "chapter7.encoder",
            "pytorch.autoencoder:Encoder.forward",
            "x = self.conv2(x)\nx = self.conv1(x)\nreturn self.dense1(x)",
            ("two statements are in the wrong order", "`x = self.conv1(x)`"),
        ),
    }
)

CORRECT.update(
    {
        "C_c2_rmse_norm": (
            "chapter2.rmse",
            "regression_metrics:rmse",
            "return float(np.linalg.norm(preds - actuals) / np.sqrt(np.size(preds)))",
        ),
        "C_c2_mae_sum_over_size": (
            "chapter2.mae",
            "regression_metrics:mae",
            "return float(np.abs(actuals - preds).sum() / np.size(actuals))",
        ),
        "C_c3_mse_row_sums_averaged": (
            "chapter3.mse_forward",
            "losses:MeanSquaredError._output",
            "return float(np.mean(np.sum(np.square(q - self.target), axis=1)))",
        ),
        "C_c4_glorot_power_half": (
            "chapter4.glorot",
            "layers:init_scale",
            "return float((2 / (n_in + n_out)) ** 0.5)",
        ),
        "C_c4_momentum_one_expression": (
            "chapter4.sgd_momentum",
            "optimizers:SGDMomentum._update_rule",
            "velocity[...] = self.momentum * velocity + self.lr * grad\nparam -= velocity",
        ),
        "C_c5_conv_1d_loop": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            "x_pad = _pad_1d(input_, K // 2)\n"
            "out = np.zeros(len(input_))\n"
            "for o in range(len(input_)):\n"
            "    out[o] = np.dot(x_pad[o : o + K], param)\n"
            "return out",
        ),
        "C_c5_flatten_size_of_one_row": (
            "chapter5.flatten",
            "conv:Flatten._output",
            "n = self.input_.shape[0]\nreturn self.input_.reshape(n, self.input_[0].size)",
        ),
        "C_c6_adagrad_rate_first": (
            "chapter6.adagrad",
            "rnn_optimizers:AdaGrad._update_rule",
            "sum_square += np.square(grad)\n"
            "param -= self.lr / (np.sqrt(sum_square) + self.eps) * grad",
        ),
        "C_c6_rnn_layer_backward_counting_down": (
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "x_seq_in_grad = np.zeros((N, T, D))\n"
            "H_grad = np.zeros((N, self.hidden_size))\n"
            "for t in range(T - 1, -1, -1):\n"
            "    node = self.nodes[t]\n"
            "    step_grad, H_grad = node.backward(x_seq_out_grad[:, t], H_grad, self.params)\n"
            "    x_seq_in_grad[:, t] = step_grad\n"
            "return x_seq_in_grad",
        ),
        "C_c6_clip_by_masks": (
            "chapter6.clip_gradient",
            "rnn_optimizers:RNNOptimizer._clip_gradient",
            "grad[grad > self.clip_value] = self.clip_value\n"
            "grad[grad < -self.clip_value] = -self.clip_value",
        ),
        "C_c6_rnn_node_hstack_dot": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            'W_f, B_f = params_dict["W_f"]["value"], params_dict["B_f"]["value"]\n'
            'W_v, B_v = params_dict["W_v"]["value"], params_dict["B_v"]["value"]\n'
            "self.Z = np.hstack([x_in, H_in])\n"
            "self.H_out = np.tanh(np.dot(self.Z, W_f) + B_f)\n"
            "self.x_out = np.dot(self.H_out, W_v) + B_v\n"
            "return self.x_out, self.H_out",
        ),
        "C_c7_dense_steps_in_a_loop": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "x = self.linear(x)\n"
            "for step in (self.activation, self.dropout):\n"
            "    if step is not None:\n"
            "        x = step(x)\n"
            "return x",
        ),
        "C_c7_train_grads_set_to_none": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "for p in self.model.parameters():\n"
            "    p.grad = None\n"
            "loss = self.loss(prediction_of(self.model(X_batch)), y_batch)\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return loss.item()",
        ),
    }
)

# --- set E (issue 19, the lead): operators grouped the wrong way over several steps, a loop that
# overwrites what it should add up (with and without a total started before it), names unpacked
# in the wrong order, a constant too many. Written before looking at what the grader says.
MISTAKES.update(
    {
        "E_c1_chain3_unpacked_out_of_order": (  # the argument's documented order, mixed up
            "chapter1.chain_deriv_3",
            "foundations:chain_deriv_3",
            "_check_chain(chain, 3)\n"
            "f1, f3, f2 = chain\n"
            "u = f1(input_range)\n"
            "return deriv(f1, input_range) * deriv(f2, u) * deriv(f3, f2(u))",
            ("unpacks in the wrong order", "`f1, f2, f3 = …` is right"),
        ),
        "E_c6_gru_backward_direct_path_through_the_complement": (  # H_in's own path: u ⊙ dH
            "chapter6.gru_node_backward",
            "rnn_nodes:GRUNode.backward",
            "assert_same_shape(self.x_out, x_out_grad)\n"
            "assert_same_shape(self.H_out, H_out_grad)\n"
            'params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad\n'
            'params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)\n'
            'dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad\n'
            "H = dH.shape[1]\n"
            "D = self.Z.shape[1] - H\n"
            "keep = 1.0 - self.u\n"
            "dA_h = dH * keep * (1.0 - self.h_bar ** 2)\n"
            'params_dict["W_h"]["deriv"] += self.Z_h.T @ dA_h\n'
            'params_dict["B_h"]["deriv"] += dA_h.sum(axis=0, keepdims=True)\n'
            'dZ_h = dA_h @ params_dict["W_h"]["value"].T\n'
            "dA = np.concatenate(\n"
            "    [dZ_h[:, D:] * self.H_in * self.r * (1.0 - self.r),\n"
            "     dH * (self.H_in - self.h_bar) * self.u * keep],\n"
            "    axis=1,\n"
            ")\n"
            'params_dict["W_ru"]["deriv"] += self.Z.T @ dA\n'
            'params_dict["B_ru"]["deriv"] += dA.sum(axis=0, keepdims=True)\n'
            'dZ = dA @ params_dict["W_ru"]["value"].T\n'
            "x_in_grad = dZ[:, :D] + dZ_h[:, :D]\n"
            "H_in_grad = dZ[:, D:] + dZ_h[:, D:] * self.r + dH * keep\n"
            "return x_in_grad, H_in_grad",
            ("is read where `1 - keep` belongs", "two sides of a gate"),
        ),
        "E_c2_nn_grad_w2_from_the_pre_activation": (  # an entry read by the wrong key
            "chapter2.loss_gradients_nn",
            "two_layer_network:loss_gradients",
            'dLdP = -2.0 * (forward_info["y"] - forward_info["P"]) / forward_info["P"].size\n'
            'dLdW2 = forward_info["N1"].T @ dLdP\n'
            "dLdB2 = dLdP.sum(axis=0, keepdims=True)\n"
            'O1 = forward_info["O1"]\n'
            'dLdN1 = (dLdP @ weights["W2"].T) * O1 * (1.0 - O1)\n'
            'return {"W1": forward_info["X"].T @ dLdN1, "B1": dLdN1.sum(axis=0, keepdims=True),\n'
            '        "W2": dLdW2, "B2": dLdB2}',
            ("`forward_info['N1']` is read where `forward_info['O1']` belongs",),
        ),
        "E_c4_dropout_one_draw_per_observation": (  # [N, 1]: a whole row kept or dropped
            "chapter4.dropout",
            "dropout:Dropout._output",
            "if inference:\n"
            "    return self.input_\n"
            "rows = self.rng.random((self.input_.shape[0], 1)) < self.keep_prob\n"
            "self.mask = np.broadcast_to(rows, self.input_.shape) / self.keep_prob\n"
            "return self.input_ * self.mask",
            ("the mask is the same along axis 1 of the input",),
        ),
        "E_c6_backward_seed_gradient_by_or": (  # a Python habit: `x or default`
            "chapter6.number_with_grad_backward",
            "autodiff:NumberWithGrad.backward",
            "seen, order = set(), []\n"
            "todo = [(self, iter(self.depends_on))]\n"
            "seen.add(id(self))\n"
            "while todo:\n"
            "    node, parents = todo[-1]\n"
            "    parent = next(parents, None)\n"
            "    if parent is None:\n"
            "        order.append(todo.pop()[0])\n"
            "    elif id(parent) not in seen:\n"
            "        seen.add(id(parent))\n"
            "        todo.append((parent, iter(parent.depends_on)))\n"
            "start = backward_grad or 1.0\n"
            "incoming = {id(self): start}\n"
            "for node in order[::-1]:\n"
            "    g = incoming.pop(id(node), 0.0)\n"
            "    node.grad = g if node.grad is None else node.grad + g\n"
            "    if node.creation_op == 'add':\n"
            "        parts = [(p, g) for p in node.depends_on]\n"
            "    elif node.creation_op == 'mul':\n"
            "        a, b = node.depends_on\n"
            "        parts = [(a, g * b.num), (b, g * a.num)]\n"
            "    else:\n"
            "        parts = []\n"
            "    for p, share in parts:\n"
            "        incoming[id(p)] = incoming.get(id(p), 0.0) + share",
            ("replaces every falsy `backward_grad`", "is None"),
        ),
        "E_c1_deriv_no_parentheses_at_all": (
            "chapter1.deriv",
            "foundations:deriv",
            "return func(input_ + delta) - func(input_ - delta) / 2 * delta",
            ("groups the wrong way", "operator precedence"),
        ),
        "E_c3_sigmoid_backward_one_minus_unbracketed": (
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "s = self.output\nreturn output_grad * s * 1.0 - s",
            ("groups the wrong way", "`output_grad * s * (1.0 - s)`"),
        ),
        "E_c4_tanh_backward_unbracketed": (
            "chapter4.tanh",
            "activations:Tanh._input_grad",
            "return output_grad * 1 - self.output ** 2",
            ("groups the wrong way", "`output_grad * (1 - self.output ** 2)`"),
        ),
        "E_c5_param_grad_1d_loop_overwrites": (
            "chapter5.conv_1d_backward",
            "conv_steps:_param_grad_1d",
            "x_pad = _pad_1d(input_, K // 2)\n"
            "grad = np.zeros(K)\n"
            "for o in range(input_.shape[0]):\n"
            "    grad = x_pad[o : o + K] * output_grad[o]\n"
            "return grad",
            ("overwrites what earlier passes of the loop put there", "`grad += …`"),
        ),
        "E_c5_param_grad_1d_batch_last_observation": (
            "chapter5.conv_1d_batch_backward",
            "conv_steps:_param_grad_1d_batch",
            "x_pad = np.pad(input_, ((0, 0), (K // 2, K // 2)))\n"
            "for n in range(input_.shape[0]):\n"
            "    total = output_grad[n] @ sliding_window_view(x_pad[n], K)\n"
            "return total",
            ("overwrites what earlier passes of the loop put there", "`total += …`"),
        ),
        "E_c5_conv_1d_batch_shape_unpacked_backwards": (
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            "L, N = input_.shape\n"
            "x_pad = _pad_1d_batch(input_, K // 2)\n"
            "out = np.zeros((N, L))\n"
            "for k in range(K):\n"
            "    out += param[k] * x_pad[:, k : k + L]\n"
            "return out",
            ("unpacks in the wrong order", "`N, L = …`"),
        ),
        "E_c5_conv_1d_batch_length_of_the_filter": (
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            "N = input_.shape[0]\n"
            "L = param.shape[0]\n"
            "x_pad = np.pad(input_, ((0, 0), (K // 2, K // 2)))\n"
            "out = np.zeros((N, L))\n"
            "for k in range(K):\n"
            "    out += param[k] * x_pad[:, k : k + L]\n"
            "return out",
            ("the size of another array or axis", "`input_.shape[1]` is right"),
        ),
        "E_c4_tanh_lecun_scaled": (
            "chapter4.tanh",
            "activations:Tanh._output",
            "return np.tanh(self.input_) * 1.7159",
            ("too many", "`* 1.7159`"),
        ),
    }
)
CORRECT.update(
    {
        "E_c3_sigmoid_backward_difference_of_powers": (
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "return output_grad * (self.output - self.output ** 2)",
        ),
        "E_c5_param_grad_1d_loop_adds": (
            "chapter5.conv_1d_backward",
            "conv_steps:_param_grad_1d",
            "x_pad = _pad_1d(input_, K // 2)\n"
            "grad = np.zeros(K)\n"
            "for o in range(input_.shape[0]):\n"
            "    grad += x_pad[o : o + K] * output_grad[o]\n"
            "return grad",
        ),
        # a backward pass written with the learner's own forward pass (an identity, not a
        # finite difference): the input gradient of a convolution is a convolution of the
        # output gradient with the flipped filter
        "E_c5_input_grad_1d_by_the_forward_pass": (
            "chapter5.conv_1d_backward",
            "conv_steps:_input_grad_1d",
            "return conv_1d(output_grad, np.flip(param))",
        ),
        "E_c5_input_grad_multichannel_by_the_forward_pass": (
            "chapter5.conv_2d_multichannel_backward",
            "conv_steps:_input_grad_2d_multichannel",
            "flipped = np.flip(param, axis=(2, 3)).transpose(1, 0, 2, 3)\n"
            "return conv_2d_multichannel(output_grad, flipped)",
        ),
        "E_c5_conv_1d_batch_shape_unpacked": (
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            "N, L = input_.shape\n"
            "x_pad = _pad_1d_batch(input_, K // 2)\n"
            "out = np.zeros((N, L))\n"
            "for k in range(K):\n"
            "    out += param[k] * x_pad[:, k : k + L]\n"
            "return out",
        ),
    }
)

# --- set K (issue 19, item 3): mistakes that show only where a check looks ----------------------
# What forward stores for backward, a documented argument at a value other than its default,
# edge sizes (one epoch, an eval_every that does not divide the epochs, a signal shorter than
# its filter), and PyTorch's criteria that are not symmetric, models that return a tuple and
# dropout in training mode. Written before the checks that catch them.
MISTAKES.update(
    {
        "K_c6_rnn_layer_one_node_for_every_step": (
            "chapter6.rnn_layer_forward",
            "rnn_layers:RNNLayer.forward",
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "node = self.nodes[0]\n"
            "for t in range(T):\n"
            "    x_seq_out[:, t, :], H_in = node.forward(x_seq_in[:, t, :], H_in, self.params)",
            "no attribute 'x_out'",
        ),
        "K_c6_lstm_layer_one_node_for_every_step": (
            "chapter6.lstm_layer_forward",
            "rnn_layers:LSTMLayer.forward",
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "for t in range(T):\n"
            "    x_seq_out[:, t, :], H_in, C_in = self.nodes[0].forward(\n"
            "        x_seq_in[:, t, :], H_in, C_in, self.params\n"
            "    )",
            "no attribute 'x_out'",
        ),
        "K_c6_rnn_node_stores_the_pre_activation": (
            "chapter6.rnn_node_forward",
            "rnn_nodes:RNNNode.forward",
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "self.H_out = self.Z @ params_dict['W_f']['value'] + params_dict['B_f']['value']\n"
            "H_out = np.tanh(self.H_out)\n"
            "self.x_out = H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
            "return self.x_out, H_out",
            "after_forward",
        ),
        "K_c6_lstm_node_keeps_the_gates_before_their_activations": (
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "H = H_in.shape[1]\n"
            "self.C_in = C_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "self.gates = self.Z @ params_dict['W_fioc']['value'] +"
            " params_dict['B_fioc']['value']\n"
            "f = sigmoid(self.gates[:, :H])\n"
            "i = sigmoid(self.gates[:, H:2 * H])\n"
            "o = sigmoid(self.gates[:, 2 * H:3 * H])\n"
            "c_bar = np.tanh(self.gates[:, 3 * H:])\n"
            "self.C_out = f * C_in + i * c_bar\n"
            "self.tanh_C = np.tanh(self.C_out)\n"
            "self.H_out = o * self.tanh_C\n"
            "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
            "return self.x_out, self.H_out, self.C_out",
            "after_forward",
        ),
        "K_c6_gru_node_does_not_keep_H_in": (
            "chapter6.gru_node_forward",
            "rnn_nodes:GRUNode.forward",
            "H = H_in.shape[1]\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "gates = sigmoid(self.Z @ params_dict['W_ru']['value'] +"
            " params_dict['B_ru']['value'])\n"
            "self.r, self.u = gates[:, :H], gates[:, H:]\n"
            "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
            "self.h_bar = np.tanh(self.Z_h @ params_dict['W_h']['value'] +"
            " params_dict['B_h']['value'])\n"
            "self.H_out = self.u * H_in + (1 - self.u) * self.h_bar\n"
            "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
            "return self.x_out, self.H_out",
            "H_in",
        ),
        "K_c5_conv_forward_keeps_columns_one_row_a_pixel": (
            "chapter5.conv_operation_forward",
            "conv:Conv2DOperation._output",
            "N, _, H, W = self.input_.shape\n"
            "C_out = self.param.shape[1]\n"
            "self._cols = im2col(self.input_, self.param_size).transpose(0, 2, 1)\n"
            "weights = self.param.transpose(1, 0, 2, 3).reshape(C_out, -1)\n"
            "return (self._cols @ weights.T).transpose(0, 2, 1).reshape(N, C_out, H, W)",
            "stored",
        ),
        "K_c4_softmax_axis_one_whatever_axis_says": (
            "chapter4.softmax",
            "losses:softmax",
            "e = np.exp(x - np.max(x, axis=1, keepdims=True))\n"
            "return e / np.sum(e, axis=1, keepdims=True)",
            "axis",
        ),
        "K_c4_cross_entropy_eps_written_in": (
            "chapter4.softmax_cross_entropy_forward",
            "losses:SoftmaxCrossEntropy._output",
            "self.softmax_preds = softmax(self.prediction, axis=1)\n"
            "p = np.clip(self.softmax_preds, 1e-9, 1 - 1e-9)\n"
            "return float(-np.sum(self.target * np.log(p)) / self.prediction.shape[0])",
            "self.eps",
        ),
        "K_c4_momentum_written_in": (
            "chapter4.sgd_momentum",
            "optimizers:SGDMomentum._update_rule",
            "velocity *= 0.9\nvelocity += self.lr * grad\nparam -= velocity",
            "self.momentum",
        ),
        "K_c6_adagrad_eps_written_in": (
            "chapter6.adagrad",
            "rnn_optimizers:AdaGrad._update_rule",
            "sum_square += grad * grad\nparam -= self.lr * grad / (np.sqrt(sum_square) + 1e-7)",
            "self.eps",
        ),
        "K_c6_clip_value_written_in": (
            "chapter6.clip_gradient",
            "rnn_optimizers:RNNOptimizer._clip_gradient",
            "np.clip(grad, -2.0, 2.0, out=grad)",
            "self.clip_value",
        ),
        "K_c5_conv_1d_numpy_same_mode": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            "return np.convolve(input_, param[::-1], mode='same')",
            "shape",
        ),
        "K_c3_fit_epochs_in_rounds_of_eval_every": (
            "chapter3.early_stopping",
            "trainer:Trainer.fit",
            "best_params = None\n"
            "epoch = 0\n"
            "for _ in range(epochs // eval_every):\n"
            "    for _ in range(eval_every):\n"
            "        epoch += 1\n"
            "        history.train_losses.append(self._train_epoch(X_train, y_train, batch_size,"
            " rng))\n"
            "        if epoch % eval_every == 0:\n"
            "            improved = self._evaluate(epoch, X_test, y_test, history)\n"
            "            if early_stopping and improved:\n"
            "                best_params = [p.copy() for p in self.net.params()]\n"
            "            history.stopped_early = early_stopping and not improved\n"
            "        self._end_epoch(epoch, epochs, history, callbacks)\n"
            "        if history.stopped_early:\n"
            "            break\n"
            "    if history.stopped_early:\n"
            "        if best_params is not None:\n"
            "            for p, b in zip(self.net.params(), best_params):\n"
            "                np.copyto(p, b)\n"
            "        break",
            "epochs_trained",
        ),
        "K_c3_fit_callbacks_only_when_evaluating": (
            "chapter3.early_stopping",
            "trainer:Trainer.fit",
            "best_params = None\n"
            "for epoch in range(1, epochs + 1):\n"
            "    history.train_losses.append(self._train_epoch(X_train, y_train, batch_size,"
            " rng))\n"
            "    if epoch % eval_every == 0:\n"
            "        improved = self._evaluate(epoch, X_test, y_test, history)\n"
            "        if early_stopping and improved:\n"
            "            best_params = [p.copy() for p in self.net.params()]\n"
            "        history.stopped_early = early_stopping and not improved\n"
            "        self._end_epoch(epoch, epochs, history, callbacks)\n"
            "    else:\n"
            "        history.lrs.append(self.optim.lr)\n"
            "        if epoch < epochs:\n"
            "            self.optim._decay_lr()\n"
            "    if history.stopped_early:\n"
            "        if best_params is not None:\n"
            "            for p, b in zip(self.net.params(), best_params):\n"
            "                np.copyto(p, b)\n"
            "        break",
            "callback_epochs",
        ),
        "K_c7_conv_layer_dropout_before_the_activation": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.flatten(start_dim=1)\n"
            "return x",
            "after the activation",
        ),
        "K_c7_conv_layer_forgets_dropout": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "return x.flatten(start_dim=1) if self.flatten else x",
            "self.dropout",
        ),
        "K_c7_lstm_layer_dropout_before_the_dense_layer": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "batch_size = x.shape[0]\n"
            "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "out, (h_n, c_n) = self.lstm(x, (h_0, c_0))\n"
            "if self.training:\n"
            "    self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()\n"
            "    self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return self.fc(out)",
            "with_dropout",
        ),
        "K_c7_train_batch_criterion_arguments_swapped": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.optim.zero_grad()\n"
            "loss = self.loss(y_batch, prediction_of(self.model(X_batch)))\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return loss.item()",
            "(prediction, target)",
        ),
        "K_c7_evaluate_criterion_arguments_swapped": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "self.model.eval()\n"
            "total = 0.0\n"
            "with torch.no_grad():\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        out = prediction_of(self.model(X[start:start + batch_size]))\n"
            "        total += float(self.loss(y[start:start + batch_size], out)) * out.shape[0]\n"
            "self.model.train(was_training)\n"
            "return total / X.shape[0]",
            "(prediction, target)",
        ),
        "K_c7_evaluate_takes_the_tuple_for_the_prediction": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "self.model.eval()\n"
            "total = 0.0\n"
            "with torch.no_grad():\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        out = self.model(X[start:start + batch_size])\n"
            "        total += float(self.loss(out, y[start:start + batch_size])) * len(out)\n"
            "self.model.train(was_training)\n"
            "return total / X.shape[0]",
            "prediction_of",
        ),
    }
)

CORRECT.update(
    {
        "K_c6_rnn_layer_outputs_stacked": (
            "chapter6.rnn_layer_forward",
            "rnn_layers:RNNLayer.forward",
            "outs = []\n"
            "for t, node in enumerate(self.nodes[:T]):\n"
            "    out, H_in = node.forward(x_seq_in[:, t, :], H_in, self.params)\n"
            "    outs.append(out)\n"
            "x_seq_out = np.stack(outs, axis=1)",
        ),
        "K_c6_gru_node_convex_combination": (
            "chapter6.gru_node_forward",
            "rnn_nodes:GRUNode.forward",
            "H = H_in.shape[1]\n"
            "self.H_in = H_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            "gates = sigmoid(self.Z @ params_dict['W_ru']['value'] +"
            " params_dict['B_ru']['value'])\n"
            "self.r, self.u = gates[:, :H], gates[:, H:]\n"
            "self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)\n"
            "self.h_bar = np.tanh(self.Z_h @ params_dict['W_h']['value'] +"
            " params_dict['B_h']['value'])\n"
            "self.H_out = self.u * H_in + (1 - self.u) * self.h_bar\n"
            "self.x_out = self.H_out @ params_dict['W_v']['value'] + params_dict['B_v']['value']\n"
            "return self.x_out, self.H_out",
        ),
        "K_c4_softmax_log_sum_exp": (
            "chapter4.softmax",
            "losses:softmax",
            "m = x.max(axis=axis, keepdims=True)\n"
            "log_z = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))\n"
            "return np.exp(x - log_z)",
        ),
        "K_c5_conv_1d_numpy_correlate": (
            "chapter5.conv_1d",
            "conv_steps:conv_1d",
            "return np.correlate(_pad_1d(input_, K // 2), param, mode='valid')",
        ),
        "K_c7_conv_layer_dropout_before_flatten": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "if self.flatten:\n"
            "    x = x.reshape(x.shape[0], -1)\n"
            "return x",
        ),
        "K_c7_evaluate_tuple_by_hand": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "mode = self.model.training\n"
            "self.model.eval()\n"
            "losses, sizes = [], []\n"
            "with torch.inference_mode():\n"
            "    for X_chunk, y_chunk in zip(X.split(batch_size), y.split(batch_size)):\n"
            "        out = self.model(X_chunk)\n"
            "        if isinstance(out, tuple):\n"
            "            out = out[0]\n"
            "        losses.append(self.loss(out, y_chunk).item())\n"
            "        sizes.append(len(X_chunk))\n"
            "self.model.train(mode)\n"
            "return float(np.average(losses, weights=sizes))",
        ),
        "K_c7_train_batch_set_to_none": (
            "chapter7.train_batch",
            "pytorch.trainer:PyTorchTrainer.train_batch",
            "self.optim.zero_grad(set_to_none=True)\n"
            "out = self.model(X_batch)\n"
            "if isinstance(out, tuple):\n"
            "    out = out[0]\n"
            "loss = self.loss(out, y_batch)\n"
            "loss.backward()\n"
            "self.optim.step()\n"
            "return loss.item()",
        ),
        "K_c3_fit_while_loop": (
            "chapter3.early_stopping",
            "trainer:Trainer.fit",
            "best_params = None\n"
            "epoch = 0\n"
            "while epoch < epochs:\n"
            "    epoch += 1\n"
            "    history.train_losses.append(self._train_epoch(X_train, y_train, batch_size,"
            " rng))\n"
            "    if epoch % eval_every == 0:\n"
            "        improved = self._evaluate(epoch, X_test, y_test, history)\n"
            "        if early_stopping and improved:\n"
            "            best_params = [p.copy() for p in self.net.params()]\n"
            "        history.stopped_early = early_stopping and not improved\n"
            "    self._end_epoch(epoch, epochs, history, callbacks)\n"
            "    if history.stopped_early:\n"
            "        for p, b in zip(self.net.params(), best_params or []):\n"
            "            p[...] = b\n"
            "        break",
        ),
    }
)

# --- issue 19 item 3: a batch of one, gradients through a PyTorch forward (prefix N_) ---------
# Written before the checks that must catch them: a squeeze or a [0] that bites only when the
# batch holds one example, and a forward right in value whose graph is cut.

MISTAKES.update(
    {
        "N_c7_dense_forward_under_no_grad": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "import torch\n"
            "with torch.no_grad():\n"
            "    x = self.linear(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
            "graph",
        ),
        "N_c7_conv_activation_of_the_data": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x.data)\n"
            "if self.flatten:\n"
            "    x = x.flatten(start_dim=1)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
            "graph",
        ),
        "N_c7_decoder_detached_dense_output": (
            "chapter7.decoder",
            "pytorch.autoencoder:Decoder.forward",
            "check_input_dim(x, 2)\n"
            "x = self.dense1(x).detach()\n"
            "x = x.view(-1, 7, 28, 28)\n"
            "return self.conv2(self.conv1(x))",
            "graph",
        ),
        "N_c7_lstm_outputs_rebuilt_from_values": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "batch_size = x.shape[0]\n"
            "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "out, (h_n, c_n) = self.lstm(x, (h_0, c_0))\n"
            "if self.training:\n"
            "    self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()\n"
            "    self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return torch.tensor(out.tolist())",
            "graph",
        ),
        "N_c7_conv_flatten_after_squeeze": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.squeeze().flatten(start_dim=1)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
            "N = 1",
        ),
        "N_c7_encoder_codes_squeezed": (
            "chapter7.encoder",
            "pytorch.autoencoder:Encoder.forward",
            "check_input_dim(x, 4)\nreturn self.dense1(self.conv2(self.conv1(x))).squeeze(0)",
            "N = 1",
        ),
        "N_c7_encoder_single_image_unbatched": (
            "chapter7.encoder",
            "pytorch.autoencoder:Encoder.forward",
            "check_input_dim(x, 4)\n"
            "codes = self.dense1(self.conv2(self.conv1(x)))\n"
            "return codes[0] if len(codes) == 1 else codes",
            "N = 1",
        ),
        "N_c7_lstm_state_squeezed": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "batch_size = x.shape[0]\n"
            "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "out, (h_n, c_n) = self.lstm(x, (h_0, c_0))\n"
            "if self.training:\n"
            "    self.h_init = h_n.squeeze().mean(dim=0, keepdim=True).detach()\n"
            "    self.c_init = c_n.squeeze().mean(dim=0, keepdim=True).detach()\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
            "N = 1",
        ),
    }
)

CORRECT.update(
    {
        "N_c7_dense_functional_linear": (
            "chapter7.dense_layer",
            "pytorch.layers:DenseLayer.forward",
            "x = nn.functional.linear(x, self.linear.weight, self.linear.bias)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "return x if self.dropout is None else self.dropout(x)",
        ),
        "N_c7_conv_flatten_by_reshape": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.reshape(len(x), -1)\n"
            "if self.dropout is not None:\n"
            "    x = self.dropout(x)\n"
            "return x",
        ),
        "N_c7_lstm_state_squeeze_first_axis": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "n = x.size(0)\n"
            "state = (self.h_init.repeat(n, 1)[None], self.c_init.repeat(n, 1)[None])\n"
            "out, (h_n, c_n) = self.lstm(x, state)\n"
            "if self.training:\n"
            "    self.h_init = h_n.squeeze(0).mean(0, keepdim=True).detach()\n"
            "    self.c_init = c_n.squeeze(0).mean(0, keepdim=True).detach()\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
        ),
        "N_c7_decoder_unflatten": (
            "chapter7.decoder",
            "pytorch.autoencoder:Decoder.forward",
            "check_input_dim(x, 2)\n"
            "images = self.dense1(x).unflatten(1, (7, 28, 28))\n"
            "return self.conv2(self.conv1(images))",
        ),
    }
)

# A power left out of an activation's derivative, and a factor too many (a derivative applied
# twice): named by the squared operand and by the operand dropped, not by a model of either.
MISTAKES.update(
    {
        "P_c6_rnn_tanh_derivative_unsquared": (
            "chapter6.rnn_node_backward",
            "rnn_nodes:RNNNode.backward",
            "W_v = params_dict['W_v']\n"
            "W_v['deriv'] += self.H_out.T @ x_out_grad\n"
            "params_dict['B_v']['deriv'] += np.sum(x_out_grad, axis=0, keepdims=True)\n"
            "grad_H = x_out_grad @ W_v['value'].T + H_out_grad\n"
            "grad_A = grad_H * (1 - self.H_out)\n"
            "params_dict['W_f']['deriv'] += self.Z.T @ grad_A\n"
            "params_dict['B_f']['deriv'] += np.sum(grad_A, axis=0, keepdims=True)\n"
            "grad_Z = grad_A @ params_dict['W_f']['value'].T\n"
            "n_in = self.Z.shape[1] - self.H_out.shape[1]\n"
            "return grad_Z[:, :n_in], grad_Z[:, n_in:]",
            "its square `self.H_out ** 2` belongs",
        ),
        "P_c3_sigmoid_backward_derivative_twice": (
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "s = self.output\nlocal = s * (1.0 - s)\nreturn output_grad * local * local",
            "has the extra factor `local`",
        ),
    }
)

# A state kept from the batch before, found by a second batch on the same layer (every layer's
# gradient check runs one first), not by a model of this mistake.
MISTAKES.update(
    {
        "P_c6_rnn_layer_backward_state_grad_kept": (
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "x_seq_in_grad = np.zeros((N, T, D))\n"
            "if not hasattr(self, 'H_grad_next'):\n"
            "    self.H_grad_next = np.zeros((N, self.hidden_size))\n"
            "H_grad = self.H_grad_next\n"
            "for t in range(T - 1, -1, -1):\n"
            "    x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(\n"
            "        x_seq_out_grad[:, t, :], H_grad, self.params\n"
            "    )\n"
            "self.H_grad_next = H_grad\n"
            "return x_seq_in_grad",
            "holds what an earlier call left",
        ),
    }
)

# Integer images: the mean of integers written back into an integer array (a check on images
# of integers; every float check passes).
MISTAKES.update(
    {
        "P_c5_avg_pool_divides_in_place": (
            "chapter5.avg_pool",
            "pooling:AvgPool2D._output",
            "total = np.zeros_like(self.input_[self._at(0, 0)])\n"
            "for i in range(self.size):\n"
            "    for j in range(self.size):\n"
            "        total += self.input_[self._at(i, j)]\n"
            "np.divide(total, self.size**2, out=total)\n"
            "return total",
            "the floats written into it are cut to whole numbers",
        ),
    }
)

# A float32 habit carried over from PyTorch: values right to seven digits, the dtype not.
MISTAKES.update(
    {
        "Q_c5_max_pool_float32_habit": (
            "chapter5.max_pool",
            "pooling:MaxPool2D._output",
            "return self._windows().max(axis=(-2, -1)).astype(np.float32)",
            "float32 where the reference's is float64",
        ),
    }
)

# Where a held-out set found no check looking: the derivative of σ from e^(−x) (overflows),
# a generator shared by aliasing or NumPy's global one, one epoch of decay, one-pixel patches,
# a loss returned as a tensor. Each named by what the check found, not by a model of it.
MISTAKES.update(
    {
        "R_c3_sigmoid_backward_from_exp": (
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "z = np.exp(-self.input_)\nreturn output_grad * z / (1.0 + z) / (1.0 + z)",
            "holds nan",
        ),
        "R_c3_seed_layers_list_aliasing": (
            "chapter3.seed_layers",
            "network:NeuralNetwork._seed_layers",
            "rngs = [np.random.default_rng(self.seed)] * len(self.layers)\n"
            "for layer, rng in zip(self.layers, rngs):\n"
            "    layer.rng = rng",
            "the layers share one generator",
        ),
        "R_c3_seed_layers_global_reseeded": (
            "chapter3.seed_layers",
            "network:NeuralNetwork._seed_layers",
            "for i, layer in enumerate(self.layers):\n"
            "    np.random.seed(self.seed + i)\n"
            "    layer.rng = np.random.default_rng(np.random.randint(2**31))",
            "changed NumPy's global generator",
        ),
        "R_c4_lr_decay_exponential_one_epoch": (
            "chapter4.lr_decay",
            "optimizers:Optimizer._setup_decay",
            "if self.decay_type == 'exponential':\n"
            "    ratio = self.final_lr / self.lr\n"
            "    self.decay_per_epoch = np.power(ratio, 1 / (self.max_epochs - 1))\n"
            "else:\n"
            "    self.decay_per_epoch = (self.lr - self.final_lr) / steps",
            "ZeroDivisionError",
        ),
        "R_c5_col2im_crop_minus_p": (
            "chapter5.col2im",
            "im2col:col2im",
            "p = K // 2\n"
            "patches = cols.reshape(N, C, K, K, H, W)\n"
            "padded = np.zeros((N, C, H + 2 * p, W + 2 * p))\n"
            "for i in range(K):\n"
            "    for j in range(K):\n"
            "        at = (slice(None), slice(None), slice(i, i + H), slice(j, j + W))\n"
            "        np.add.at(padded, at, patches[:, :, i, j])\n"
            "return padded[..., p:-p, p:-p]",
            "p:-p",
        ),
        "R_c7_evaluate_returns_a_tensor": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "self.model.eval()\n"
            "losses = []\n"
            "with torch.no_grad():\n"
            "    for start in range(0, X.shape[0], batch_size):\n"
            "        out = prediction_of(self.model(X[start : start + batch_size]))\n"
            "        n = out.shape[0]\n"
            "        losses.append(self.loss(out, y[start : start + batch_size]) * n)\n"
            "self.model.train(was_training)\n"
            "return torch.stack(losses).sum() / X.shape[0]",
            "should return a Python float",
        ),
    }
)

MISTAKES.update(
    {
        # Keras's SpatialDropout2D carried over: whole channels dropped where the layer's
        # dropout drops units one by one (a check of the unflattened output finds it; its
        # first departing line is the call, not the scalar ``p`` it reads).
        "S_c7_conv_layer_dropout2d": (
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = self.conv(x)\n"
            "if self.activation is not None:\n"
            "    x = self.activation(x)\n"
            "if self.flatten:\n"
            "    x = x.flatten(start_dim=1)\n"
            "if self.dropout is not None:\n"
            "    x = nn.functional.dropout2d(x, self.dropout.p, self.training)\n"
            "return x",
            (
                "whole channels are dropped",
                "`nn.functional.dropout2d(x, self.dropout.p, self.training)`",
            ),
        ),
    }
)

MISTAKES.update(
    {
        # Mechanisms of this round, each from an angle its own tests had not taken.
        # Both elements of a returned pair carry the same slip (a product's rule for a sum).
        "S_c1_add_backward_product_rule_twice": (
            "chapter1.multiple_inputs_add_backward",
            "foundations:multiple_inputs_add_backward",
            "a = x + y\ndsda = deriv(sigma, a)\nreturn x * dsda, y * dsda",
            ("has the extra factor `x`", "the same in `y * dsda`"),
        ),
        # σ' written σ(1 + σ), the wrong sign beside the first departing factor.
        "S_c2_sigmoid_derivative_plus": (
            "chapter2.loss_gradients_nn",
            "two_layer_network:loss_gradients",
            'P, y = forward_info["P"], forward_info["y"]\n'
            'X, O1 = forward_info["X"], forward_info["O1"]\n'
            "dLdP = -2.0 * (y - P) / P.size\n"
            'dLdO1 = dLdP @ weights["W2"].T\n'
            "dLdN1 = dLdO1 * (1.0 + O1) * O1\n"
            "return {\n"
            '    "W1": X.T @ dLdN1, "B1": dLdN1.sum(axis=0, keepdims=True),\n'
            '    "W2": O1.T @ dLdP, "B2": dLdP.sum(axis=0, keepdims=True),\n'
            "}",
            "`1.0 + O1` adds where it should subtract",
        ),
        # The second layer fed the hidden layer before its sigmoid.
        "S_c2_second_layer_reads_pre_activation": (
            "chapter2.forward_loss",
            "two_layer_network:forward_loss",
            'M1 = X @ weights["W1"]\n'
            'N1 = M1 + weights["B1"]\n'
            "O1 = sigmoid(N1)\n"
            'M2 = N1 @ weights["W2"]\n'
            'P = M2 + weights["B2"]\n'
            "loss = float(np.mean((y - P) ** 2))\n"
            'return loss, {"X": X, "M1": M1, "N1": N1, "O1": O1, "M2": M2, "P": P, "y": y}',
            "`N1` is read where `O1` belongs",
        ),
        # A clip's lower bound written as zero: every negative gradient is lost.
        "S_c6_clip_from_zero": (
            "chapter6.clip_gradient",
            "rnn_optimizers:RNNOptimizer._clip_gradient",
            "grad[...] = np.clip(grad, 0.0, self.clip_value)",
            "where `-self.clip_value` belongs",
        ),
        # The state pair unpacked in a statement of its own, in the wrong order.
        "S_c7_lstm_state_unpacked_apart": (
            "chapter7.lstm_layer",
            "pytorch.lstm:LSTMLayer.forward",
            "batch_size = x.shape[0]\n"
            "h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()\n"
            "out, state = self.lstm(x, (h_0, c_0))\n"
            "c_n, h_n = state\n"
            "if self.training:\n"
            "    self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()\n"
            "    self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()\n"
            "out = self.fc(out)\n"
            "if self.dropout is not None:\n"
            "    out = self.dropout(out)\n"
            "return out",
            ("`c_n` and `h_n` are the wrong way round", "bound in the other order"),
        ),
        # np.flip with no axis reverses the filters' channels with their taps.
        "S_c5_multichannel_backward_flip_everything": (
            "chapter5.conv_2d_multichannel_backward",
            "conv_steps:_input_grad_2d_multichannel",
            "padded = _pad_conv_input(output_grad, K // 2)\n"
            "windows = sliding_window_view(padded, (K, K), axis=(2, 3))\n"
            'return np.einsum("nohwij,coij->nchw", windows, np.flip(param), optimize=True)',
            "is reversed along axes 0, 1",
        ),
    }
)

MISTAKES.update(
    {
        # evaluate's flags, each from a form of its own: the mode forced back to training,
        "S_c7_evaluate_forces_training_mode": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "self.model.train(False)\n"
            "with torch.no_grad():\n"
            "    out = [\n"
            "        float(self.loss(prediction_of(self.model(X[i : i + batch_size])),\n"
            "                        y[i : i + batch_size])) * len(X[i : i + batch_size])\n"
            "        for i in range(0, len(X), batch_size)\n"
            "    ]\n"
            "self.model.train(True)\n"
            "return sum(out) / len(X)",
            "remember the mode it was in",
        ),
        # the chunks' mean losses averaged with np.mean,
        "S_c7_evaluate_mean_of_chunk_means": (
            "chapter7.evaluate",
            "pytorch.trainer:PyTorchTrainer.evaluate",
            "was_training = self.model.training\n"
            "self.model.eval()\n"
            "with torch.no_grad():\n"
            "    chunks = [\n"
            "        self.loss(prediction_of(self.model(X[i : i + batch_size])),\n"
            "                  y[i : i + batch_size]).item()\n"
            "        for i in range(0, X.shape[0], batch_size)\n"
            "    ]\n"
            "self.model.train(was_training)\n"
            "return float(np.mean(chunks))",
            "a last, smaller chunk counts as much as a full one",
        ),
        # Flatten's backward written for images only.
        "S_c5_flatten_backward_images_only": (
            "chapter5.flatten",
            "conv:Flatten._input_grad",
            "n, c, h, w = self.input_.shape\nreturn output_grad.reshape(n, c, h, w)",
            "not enough values to unpack (expected 4, got 3)",
        ),
    }
)

MISTAKES.update(
    {
        # The forget gate computed and never used: the cell state carried whole.
        "S_c6_lstm_forward_forget_gate_unused": (
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "H = H_in.shape[1]\n"
            "self.C_in = C_in\n"
            "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
            'A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]\n'
            "A[:, : 3 * H] = sigmoid(A[:, : 3 * H])\n"
            "A[:, 3 * H :] = np.tanh(A[:, 3 * H :])\n"
            "self.gates = A\n"
            "f, i, o, c_bar = A[:, :H], A[:, H : 2 * H], A[:, 2 * H : 3 * H], A[:, 3 * H :]\n"
            "self.C_out = C_in + i * c_bar\n"
            "self.tanh_C = np.tanh(self.C_out)\n"
            "self.H_out = o * self.tanh_C\n"
            'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
            "return self.x_out, self.H_out, self.C_out",
            "`f` is computed but never used: `C_in` is read where `f * C_in` belongs",
        ),
    }
)
