"""Tests of the recurrent nodes: numerical gradient checks of every input and parameter,
and the book's GRU bugs caught by the same checks."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import GradCheckResult, check_gradient
from dlfs.reference.rnn_layers import GRULayer, LSTMLayer, RNNLayer
from dlfs.reference.rnn_nodes import GRUNode, LSTMNode, RNNNode, sigmoid

N, D, H, V = 4, 3, 5, 6
LAYERS = {RNNNode: RNNLayer, GRUNode: GRULayer, LSTMNode: LSTMLayer}


def _params(node_class: type, rng: np.random.Generator) -> dict:
    """A params_dict of the node's parameter shapes, values N(0, 0.5²)."""
    shapes = LAYERS[node_class](H, V)._param_shapes(D)
    params = {}
    for name, shape in shapes.items():
        value = rng.normal(scale=0.5, size=shape)
        params[name] = {"value": value, "deriv": np.zeros_like(value)}
    return params


def _check_node(node, params: dict, rng: np.random.Generator) -> list[GradCheckResult]:
    """Check ∂L/∂(every input and parameter) for L = Σ outputs ⊙ G, G random."""
    lstm = isinstance(node, LSTMNode)
    inputs = {"x_in": rng.standard_normal((N, D)), "H_in": rng.standard_normal((N, H))}
    if lstm:
        inputs["C_in"] = rng.standard_normal((N, H))
    out_grads = [rng.standard_normal((N, V)), rng.standard_normal((N, H))]
    if lstm:
        out_grads.append(rng.standard_normal((N, H)))

    def loss() -> float:
        outputs = node.forward(*inputs.values(), params)
        return float(sum(np.sum(o * g) for o, g in zip(outputs, out_grads, strict=True)))

    loss()
    input_grads = node.backward(*out_grads, params)
    results = [
        check_gradient(loss, x, g, name)
        for (name, x), g in zip(inputs.items(), input_grads, strict=True)
    ]
    for name, param in params.items():
        results.append(check_gradient(loss, param["value"], param["deriv"].copy(), name))
    return results


@pytest.mark.parametrize("node_class", [RNNNode, GRUNode, LSTMNode])
def test_node_gradients_pass_the_numerical_check(node_class, rng):
    """Are the gradients of x_in, H_in (C_in) and every parameter right?"""
    results = _check_node(node_class(), _params(node_class, rng), rng)
    expected = {"x_in", "H_in"} | ({"C_in"} if node_class is LSTMNode else set())
    assert expected <= {r.name for r in results}
    for result in results:
        assert result.passed, str(result)


@pytest.mark.parametrize("node_class", [RNNNode, GRUNode, LSTMNode])
def test_backward_adds_to_deriv(node_class, rng):
    """Does backward add its gradients to params_dict[...]['deriv'] rather than overwrite?"""
    params = _params(node_class, rng)
    node = node_class()
    inputs = [rng.standard_normal((N, D)), rng.standard_normal((N, H))]
    if node_class is LSTMNode:
        inputs.append(rng.standard_normal((N, H)))
    outputs = node.forward(*inputs, params)
    grads = [np.ones_like(o) for o in outputs]
    node.backward(*grads, params)
    once = {k: p["deriv"].copy() for k, p in params.items()}
    node.backward(*grads, params)
    for name, param in params.items():
        np.testing.assert_allclose(param["deriv"], 2 * once[name])


def test_node_output_shapes(rng):
    """Do the nodes return [N, V] outputs and [N, H] states?"""
    x, h, c = rng.standard_normal((N, D)), np.zeros((N, H)), np.zeros((N, H))
    for node_class in (RNNNode, GRUNode):
        x_out, H_out = node_class().forward(x, h, _params(node_class, rng))
        assert x_out.shape == (N, V) and H_out.shape == (N, H)
    x_out, H_out, C_out = LSTMNode().forward(x, h, c, _params(LSTMNode, rng))
    assert (x_out.shape, H_out.shape, C_out.shape) == ((N, V), (N, H), (N, H))


def test_lstm_with_open_forget_gate_keeps_the_cell(rng):
    """With f = 1 and i = 0, is C_out = C_in (the cell's memory passes through)?"""
    params = _params(LSTMNode, rng)
    params["W_fioc"]["value"][:] = 0.0
    params["B_fioc"]["value"][:] = 0.0
    params["B_fioc"]["value"][0, :H] = 50.0  # forget gate open
    params["B_fioc"]["value"][0, H : 2 * H] = -50.0  # input gate shut
    C_in = rng.standard_normal((N, H))
    _, _, C_out = LSTMNode().forward(rng.standard_normal((N, D)), np.zeros((N, H)), C_in, params)
    np.testing.assert_allclose(C_out, C_in, atol=1e-12)


def test_sigmoid_is_stable_and_right():
    """Is σ right, and finite without warnings for large |x|?"""
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    with np.errstate(all="raise"):
        s = sigmoid(x)
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-x[1:4])), rtol=1e-14)
    assert s[0] == 0.0 and s[-1] == 1.0


def test_backward_refuses_gradients_of_the_wrong_shape(rng):
    """Does backward name the shapes when a gradient's shape is wrong?"""
    params = _params(RNNNode, rng)
    node = RNNNode()
    node.forward(rng.standard_normal((N, D)), np.zeros((N, H)), params)
    with pytest.raises(ValueError, match=r"\(4, 7\)"):
        node.backward(np.zeros((N, V + 1)), np.zeros((N, H)), params)


# ---- the book's GRU, reproduced in our layout: the same checks fail it ----------------------


class _GRUWithoutDirectPath(GRUNode):
    """The book's backward: H_in_grad misses the u ⊙ dH path of H_out = u ⊙ H_in + …."""

    def backward(self, x_out_grad, H_out_grad, params_dict):
        x_in_grad, H_in_grad = super().backward(x_out_grad, H_out_grad, params_dict)
        dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad
        return x_in_grad, H_in_grad - dH * self.u


class _GRUUpdateFromResetProjections(GRUNode):
    """The book's forward: the update gate uses the reset gate's projections (with its own
    bias), while backward still differentiates the update gate's own weights."""

    def forward(self, x_in, H_in, params_dict):
        super().forward(x_in, H_in, params_dict)
        H = H_in.shape[1]
        W, B = params_dict["W_ru"]["value"], params_dict["B_ru"]["value"]
        self.u = sigmoid(self.Z @ W[:, :H] + B[:, H:])
        self.H_out = self.h_bar + self.u * (H_in - self.h_bar)
        self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]
        return self.x_out, self.H_out


def test_the_books_gru_backward_fails_the_check(rng):
    """Would the book's GRU backward, missing u ⊙ dH, fail the H_in check (and only it)?"""
    results = {r.name: r for r in _check_node(_GRUWithoutDirectPath(), _params(GRUNode, rng), rng)}
    assert not results["H_in"].passed
    assert all(r.passed for name, r in results.items() if name != "H_in")


def test_the_books_gru_update_gate_fails_the_check(rng):
    """Would the book's update gate, built from the reset gate's projections, fail?"""
    results = {
        r.name: r for r in _check_node(_GRUUpdateFromResetProjections(), _params(GRUNode, rng), rng)
    }
    assert not results["W_ru"].passed
