"""Tests of the recurrent layers: backpropagation through time checked numerically, stacked
layers of different kinds, the state carried between batches, argument and shape errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from dlfs.autograder.gradcheck import GradCheckResult, check_gradient
from dlfs.reference.rnn_layers import GRULayer, LSTMLayer, RNNLayer

N, T, D, H, V = 3, 5, 4, 6, 7
LAYER_CLASSES = [RNNLayer, GRULayer, LSTMLayer]


def _check_stack(
    layers: Sequence[RNNLayer],
    x: np.ndarray,
    rng: np.random.Generator,
    before_forward: Callable[[], None] = lambda: None,
) -> list[GradCheckResult]:
    """Check ∂L/∂x and every layer's parameters for L = Σ stack(x) ⊙ G through time."""

    def forward() -> np.ndarray:
        before_forward()
        out = x
        for layer in layers:
            out = layer.forward(out)
        return out

    G = rng.standard_normal(forward().shape)

    def loss() -> float:
        return float(np.sum(forward() * G))

    loss()
    grad = G
    for layer in reversed(layers):
        grad = layer.backward(grad)
    results = [check_gradient(loss, x, grad, "input_")]
    for i, layer in enumerate(layers):
        for name, param in layer.params.items():
            deriv = param["deriv"].copy()
            results.append(check_gradient(loss, param["value"], deriv, f"layers[{i}].{name}"))
    return results


def _assert_all_passed(results: list[GradCheckResult]) -> None:
    for result in results:
        assert result.passed, str(result)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_bptt_gradients_pass_the_numerical_check(layer_class, rng):
    """Are a layer's input and parameter gradients right through all T steps?"""
    layer = layer_class(H, V, weight_scale=0.5, seed=1, carry_state=False)
    _assert_all_passed(_check_stack([layer], rng.standard_normal((N, T, D)), rng))


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_bptt_from_a_carried_start_state(layer_class, rng):
    """Are the gradients right when the batch starts from a nonzero carried state?"""
    layer = layer_class(H, V, weight_scale=0.5, seed=2)
    start_H = rng.standard_normal((1, H))
    start_C = rng.standard_normal((1, H))

    def restore() -> None:
        layer.start_H = start_H
        layer.start_C = start_C

    _assert_all_passed(_check_stack([layer], rng.standard_normal((N, T, D)), rng, restore))


@pytest.mark.parametrize(
    "first, second", [(GRULayer, LSTMLayer), (LSTMLayer, RNNLayer), (LSTMLayer, LSTMLayer)]
)
def test_stacked_layers_of_different_kinds(first, second, rng):
    """Do stacked layers of different kinds pass the check, all parameters included?"""
    layers = [first(H, 4, weight_scale=0.5, seed=3), second(5, V, weight_scale=0.5, seed=4)]
    for layer in layers:
        layer.carry_state = False
    results = _check_stack(layers, rng.standard_normal((N, T, D)), rng)
    assert {r.name for r in results} >= {"layers[0].W_v", "layers[1].W_v"}
    _assert_all_passed(results)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_output_shape_and_lazy_setup(layer_class, rng):
    """Is the output [N, T, V], with parameters created on the first forward?"""
    layer = layer_class(H, V, seed=0)
    assert layer.params == {}
    out = layer.forward(rng.standard_normal((N, T, D)))
    assert out.shape == (N, T, V)
    assert len(layer.nodes) == T
    assert layer.params["W_v"]["value"].shape == (H, V)


def test_default_weight_scale_is_the_books(rng):
    """Is the default weight scale the book's 2 / (D + V)?"""
    layer = LSTMLayer(64, 50, seed=0)
    layer.forward(rng.standard_normal((2, 3, 30)))
    assert layer.weight_scale == pytest.approx(2 / 80)
    assert np.std(layer.params["W_fioc"]["value"]) == pytest.approx(2 / 80, rel=0.02)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_same_seed_same_parameters(layer_class, rng):
    """Do two layers built with the same seed start from the same parameters?"""
    x = rng.standard_normal((N, T, D))
    a, b = layer_class(H, V, seed=7), layer_class(H, V, seed=7)
    np.testing.assert_array_equal(a.forward(x), b.forward(x))


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_state_is_carried_to_the_next_batch(layer_class, rng):
    """Does the next batch start from the batch mean of the last step's state?"""
    layer = layer_class(H, V, weight_scale=0.5, seed=5)
    x1, x2 = rng.standard_normal((N, T, D)), rng.standard_normal((2, T, D))
    layer.forward(x1)
    np.testing.assert_allclose(layer.start_H, layer.nodes[T - 1].H_out.mean(axis=0, keepdims=True))
    if layer_class is LSTMLayer:
        np.testing.assert_allclose(
            layer.start_C, layer.nodes[T - 1].C_out.mean(axis=0, keepdims=True)
        )
    carried = layer.forward(x2)
    layer.reset_state()
    assert not layer.start_H.any()
    fresh = layer.forward(x2)
    assert not np.allclose(carried, fresh)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_carry_state_false_always_starts_from_zeros(layer_class, rng):
    """With carry_state=False, is every forward pass the same function of its input?"""
    layer = layer_class(H, V, weight_scale=0.5, seed=6, carry_state=False)
    x = rng.standard_normal((N, T, D))
    np.testing.assert_array_equal(layer.forward(x), layer.forward(x))


def test_backward_gives_this_batchs_gradients_only(rng):
    """Does a second backward overwrite the parameter gradients, not add to them?"""
    layer = GRULayer(H, V, seed=0, carry_state=False)
    x, G = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, V))
    layer.forward(x)
    layer.backward(G)
    first = layer.params["W_ru"]["deriv"].copy()
    layer.forward(x)
    layer.backward(G)
    np.testing.assert_allclose(layer.params["W_ru"]["deriv"], first)


def test_shorter_sequences_after_longer_ones(rng):
    """Does a layer accept a sequence of a different length (sampling uses T = 1)?"""
    layer = LSTMLayer(H, V, seed=0)
    layer.forward(rng.standard_normal((N, T, D)))
    assert layer.forward(rng.standard_normal((1, 1, D))).shape == (1, 1, V)
    assert layer.forward(rng.standard_normal((1, T + 2, D))).shape == (1, T + 2, V)


@pytest.mark.parametrize("layer_class", LAYER_CLASSES)
def test_bad_shapes_raise(layer_class, rng):
    """Are a 2-D input, a changed feature count and a wrong gradient shape refused?"""
    layer = layer_class(H, V, seed=0)
    with pytest.raises(ValueError, match=r"\[N, T, D\], got shape \(3, 4\)"):
        layer.forward(np.zeros((3, 4)))
    layer.forward(rng.standard_normal((N, T, D)))
    with pytest.raises(ValueError, match=r"4 input features, got input of shape \(3, 5, 9\)"):
        layer.forward(np.zeros((N, T, 9)))
    with pytest.raises(ValueError, match=r"gradient has shape \(3, 5, 8\)"):
        layer.backward(np.zeros((N, T, V + 1)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden_size": 0, "output_size": 2}, "hidden_size=0"),
        ({"hidden_size": 2, "output_size": -1}, "output_size=-1"),
        ({"hidden_size": 2, "output_size": 2, "weight_scale": 0.0}, "weight_scale=0.0"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    """Are nonsensical sizes and scales refused, quoting the value?"""
    with pytest.raises(ValueError, match=message):
        LSTMLayer(**kwargs)
