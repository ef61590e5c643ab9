"""The recurrent layers against PyTorch: outputs and every gradient, float64, through time.

RNN and LSTM are compared with ``torch.nn.RNNCell`` / ``torch.nn.LSTMCell`` holding our
weights (PyTorch orders the LSTM's gates input, forget, candidate, output; ours forget, input,
output, candidate). PyTorch's ``GRUCell`` applies the reset gate after the hidden state's
projection, r ⊙ (W_hn h + b_hn), while ours (the book's) applies it before,
(r ⊙ h) W_hh, so our GRU is compared with explicit torch operations of the same equations.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import rel_error
from dlfs.reference.rnn_layers import GRULayer, LSTMLayer, RNNLayer

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

N, T, D, H, V = 4, 6, 5, 7, 3
TOL = 1e-8


def _t(array: np.ndarray, grad: bool = True):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def _run_ours(layer, rng):
    """Our layer from a nonzero start state: output, input gradient, parameter gradients."""
    x = rng.standard_normal((N, T, D))
    G = rng.standard_normal((N, T, V))
    layer.forward(x)  # set up, then start from a random state
    layer.start_H = rng.standard_normal((1, H))
    layer.start_C = rng.standard_normal((1, H))
    start_H, start_C = layer.start_H.copy(), layer.start_C.copy()
    out = layer.forward(x)
    x_grad = layer.backward(G)
    derivs = {name: p["deriv"].copy() for name, p in layer.params.items()}
    return x, G, start_H, start_C, out, x_grad, derivs


def _assert_close(ours: np.ndarray, theirs, name: str) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    assert ours.shape == theirs.shape, name
    error = float(rel_error(ours, theirs).max())
    assert error < TOL, f"{name}: relative error {error:.2e}"


def _dense_out(h_steps, params):
    W_v, B_v = params
    return torch.stack([h @ W_v + B_v for h in h_steps], dim=1)


def test_rnn_layer_agrees_with_torch_rnncell(rng):
    """Does RNNLayer match torch.nn.RNNCell (tanh) with the same weights, gradients included?"""
    layer = RNNLayer(H, V, weight_scale=0.4, seed=0)
    x, G, start_H, _, out, x_grad, derivs = _run_ours(layer, rng)
    p = {k: v["value"] for k, v in layer.params.items()}
    cell = torch.nn.RNNCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["W_f"][:D].T))
        cell.weight_hh.copy_(torch.from_numpy(p["W_f"][D:].T))
        cell.bias_ih.copy_(torch.from_numpy(p["B_f"][0]))
        cell.bias_hh.zero_()
    x_t, W_v, B_v = _t(x), _t(p["W_v"]), _t(p["B_v"])
    h, hs = _t(np.repeat(start_H, N, axis=0), grad=False), []
    for t in range(T):
        h = cell(x_t[:, t], h)
        hs.append(h)
    out_t = _dense_out(hs, (W_v, B_v))
    (out_t * _t(G, grad=False)).sum().backward()

    _assert_close(out, out_t, "output")
    _assert_close(x_grad, x_t.grad, "input_")
    W_f_grad = np.concatenate([cell.weight_ih.grad.numpy().T, cell.weight_hh.grad.numpy().T])
    _assert_close(derivs["W_f"], W_f_grad, "W_f")
    _assert_close(derivs["B_f"], cell.bias_ih.grad[None], "B_f")
    _assert_close(derivs["W_v"], W_v.grad, "W_v")
    _assert_close(derivs["B_v"], B_v.grad, "B_v")


def test_lstm_layer_agrees_with_torch_lstmcell(rng):
    """Does LSTMLayer match torch.nn.LSTMCell with the same weights, gradients included?"""
    layer = LSTMLayer(H, V, weight_scale=0.4, seed=1)
    x, G, start_H, start_C, out, x_grad, derivs = _run_ours(layer, rng)
    p = {k: v["value"] for k, v in layer.params.items()}
    # Our blocks are f, i, o, c̄; PyTorch's are i, f, g (= c̄), o.
    blocks = [1, 0, 3, 2]
    perm = np.concatenate([np.arange(b * H, (b + 1) * H) for b in blocks])
    cell = torch.nn.LSTMCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.from_numpy(p["W_fioc"][:D, perm].T))
        cell.weight_hh.copy_(torch.from_numpy(p["W_fioc"][D:, perm].T))
        cell.bias_ih.copy_(torch.from_numpy(p["B_fioc"][0, perm]))
        cell.bias_hh.zero_()
    x_t, W_v, B_v = _t(x), _t(p["W_v"]), _t(p["B_v"])
    h = _t(np.repeat(start_H, N, axis=0), grad=False)
    c = _t(np.repeat(start_C, N, axis=0), grad=False)
    hs = []
    for t in range(T):
        h, c = cell(x_t[:, t], (h, c))
        hs.append(h)
    out_t = _dense_out(hs, (W_v, B_v))
    (out_t * _t(G, grad=False)).sum().backward()

    _assert_close(out, out_t, "output")
    _assert_close(x_grad, x_t.grad, "input_")
    W_grad = np.empty_like(derivs["W_fioc"])
    W_grad[:D, perm] = cell.weight_ih.grad.numpy().T
    W_grad[D:, perm] = cell.weight_hh.grad.numpy().T
    B_grad = np.empty_like(derivs["B_fioc"])
    B_grad[0, perm] = cell.bias_ih.grad.numpy()
    _assert_close(derivs["W_fioc"], W_grad, "W_fioc")
    _assert_close(derivs["B_fioc"], B_grad, "B_fioc")
    _assert_close(derivs["W_v"], W_v.grad, "W_v")
    _assert_close(derivs["B_v"], B_v.grad, "B_v")
    _assert_close(layer.start_C, c.mean(dim=0, keepdim=True), "carried C")


def test_gru_layer_agrees_with_explicit_torch_ops(rng):
    """Does GRULayer match the same equations written with torch ops, under autograd?"""
    layer = GRULayer(H, V, weight_scale=0.4, seed=2)
    x, G, start_H, _, out, x_grad, derivs = _run_ours(layer, rng)
    params = {k: _t(v["value"]) for k, v in layer.params.items()}
    W_ru, B_ru, W_h, B_h = params["W_ru"], params["B_ru"], params["W_h"], params["B_h"]
    x_t = _t(x)
    h, hs = _t(np.repeat(start_H, N, axis=0), grad=False), []
    for t in range(T):
        x_step = x_t[:, t]
        r = torch.sigmoid(x_step @ W_ru[:D, :H] + h @ W_ru[D:, :H] + B_ru[:, :H])
        u = torch.sigmoid(x_step @ W_ru[:D, H:] + h @ W_ru[D:, H:] + B_ru[:, H:])
        h_bar = torch.tanh(x_step @ W_h[:D] + (r * h) @ W_h[D:] + B_h)
        h = u * h + (1 - u) * h_bar
        hs.append(h)
    out_t = _dense_out(hs, (params["W_v"], params["B_v"]))
    (out_t * _t(G, grad=False)).sum().backward()

    _assert_close(out, out_t, "output")
    _assert_close(x_grad, x_t.grad, "input_")
    for name, tensor in params.items():
        _assert_close(derivs[name], tensor.grad, name)


def test_our_gru_differs_from_torchs_gru_formula(rng):
    """Is the difference from torch.nn.GRUCell real (so the docstring's warning matters)?"""
    layer = GRULayer(H, V, weight_scale=0.4, seed=3, carry_state=False)
    x = rng.standard_normal((N, T, D))
    layer.forward(x)
    p = {k: v["value"] for k, v in layer.params.items()}
    cell = torch.nn.GRUCell(D, H, dtype=torch.float64)
    with torch.no_grad():  # PyTorch's blocks are r, z (= u), n
        cell.weight_ih.copy_(torch.from_numpy(np.concatenate([p["W_ru"][:D], p["W_h"][:D]], 1).T))
        cell.weight_hh.copy_(torch.from_numpy(np.concatenate([p["W_ru"][D:], p["W_h"][D:]], 1).T))
        cell.bias_ih.copy_(torch.from_numpy(np.concatenate([p["B_ru"][0], p["B_h"][0]])))
        cell.bias_hh.zero_()
        h = torch.zeros(N, H, dtype=torch.float64)
        for t in range(T):
            h = cell(torch.from_numpy(x[:, t]), h)
    assert not np.allclose(layer.nodes[T - 1].H_out, h.numpy(), rtol=1e-6)
