"""Dense: gradients with every activation, Glorot's scale, dropout, arguments, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient, check_layer
from dlfs.reference import Dense, Dropout, Linear, ReLU, Sigmoid, Tanh, init_scale


@pytest.mark.parametrize("activation", [Sigmoid, Linear, Tanh, ReLU])
@pytest.mark.parametrize("weight_init", ["standard", "glorot"])
def test_dense_gradients(rng, activation, weight_init):
    """Do the input and parameter gradients of a Dense layer match central differences?"""
    layer = Dense(4, activation(), weight_init=weight_init, seed=3)
    results = check_layer(layer, 0.3 * rng.standard_normal((5, 6)))
    assert len(results) == 3  # input_, W, B
    for result in results:
        assert result.passed, str(result)


def test_dense_gradient_with_dropout(rng):
    """With the dropout mask held fixed, are the parameter gradients right?"""
    layer = Dense(4, Tanh(), dropout=0.7, seed=1)
    x = rng.standard_normal((6, 3))
    G = rng.standard_normal((6, 4))
    layer.forward(x)  # builds the operations

    def loss() -> float:
        layer.operations[-1].rng = np.random.default_rng(2)
        return float(np.sum(layer.forward(x) * G))

    loss()
    assert isinstance(layer.operations[-1], Dropout)
    input_grad = layer.backward(G)
    grads = [g.copy() for g in layer.param_grads]
    assert check_gradient(loss, x, input_grad, "input_").passed
    for param, grad in zip(layer.params, grads, strict=True):
        result = check_gradient(loss, param, grad, "param")
        assert result.passed, str(result)


def test_layer_without_dropout_has_no_dropout_operation(rng):
    layer = Dense(3, seed=0)
    layer.forward(rng.standard_normal((2, 4)))
    assert len(layer.operations) == 3
    assert isinstance(layer.activation, Sigmoid)


def test_shapes_and_shared_parameter_arrays(rng):
    """Are W [D, H] and B [1, H], and the very arrays the operations use?"""
    layer = Dense(5, seed=0)
    out = layer.forward(rng.standard_normal((7, 3)))
    assert out.shape == (7, 5)
    W, B = layer.params
    assert W.shape == (3, 5) and B.shape == (1, 5)
    assert layer.operations[0].param is W and layer.operations[1].param is B


def test_init_scale():
    assert init_scale("standard", 784, 89) == 1.0
    assert init_scale("glorot", 784, 89) == pytest.approx(np.sqrt(2 / 873))


@pytest.mark.parametrize(("weight_init", "std"), [("standard", 1.0), ("glorot", np.sqrt(2 / 800))])
def test_initial_weights_have_the_promised_spread(weight_init, std):
    """Is the sample std of 150 000 initial weights within 1% of the promised one?"""
    layer = Dense(300, weight_init=weight_init, seed=4)
    layer.forward(np.zeros((1, 500)))
    W = layer.params[0]
    assert abs(W.mean()) < 0.01 * std
    assert W.std() == pytest.approx(std, rel=0.01)


def test_unknown_weight_init_is_refused():
    with pytest.raises(ValueError, match="got weight_init='xavier'"):
        Dense(3, weight_init="xavier")
    with pytest.raises(ValueError, match="got weight_init='he'"):
        init_scale("he", 3, 4)


@pytest.mark.parametrize("dropout", [0.0, 1.2])
def test_dropout_outside_the_unit_interval_is_refused(dropout):
    with pytest.raises(ValueError, match="keep_prob must lie in"):
        Dense(3, dropout=dropout)


def test_too_few_neurons_are_refused():
    with pytest.raises(ValueError, match="neurons=0"):
        Dense(0)


def test_a_non_matrix_input_is_refused():
    with pytest.raises(ValueError, match=r"2-D input \[N, D\], got shape \(2, 3, 4\)"):
        Dense(3).forward(np.zeros((2, 3, 4)))


def test_same_seed_same_weights():
    a, b = Dense(4, seed=9), Dense(4, seed=9)
    x = np.ones((1, 3))
    a.forward(x), b.forward(x)
    for p, q in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(p, q)


def test_each_layer_gets_its_own_activation(rng):
    """Two layers given the same activation object must not overwrite each other's state."""
    act = Tanh()
    first, second = Dense(4, act, seed=0), Dense(4, act, seed=1)
    assert first.activation is not second.activation
    x = rng.standard_normal((3, 4))
    second.forward(first.forward(x))
    for result in check_layer(first, x):
        assert result.passed, str(result)
