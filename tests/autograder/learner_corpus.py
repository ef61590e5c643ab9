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
        "in `np.dot(deriv(sigma, N), W)`. Likely: a product of arrays whose inner sizes differ",
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
        "divide by N",
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
        "its maximum twice",
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
        "in place",
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
        ".detach()",
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
