"""The dense NumPy autoencoder: shapes, gradients, the [−1, 1] scaling, training."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_network
from dlfs.reference import SGDMomentum, Tanh, Trainer
from dlfs.reference.autoencoder import DenseAutoencoder, to_tanh_range


def test_layers_mirror_each_other() -> None:
    net = DenseAutoencoder(input_size=20, hidden_sizes=(12, 8), code_size=3)
    assert [layer.neurons for layer in net.encoder] == [12, 8, 3]
    assert [layer.neurons for layer in net.decoder] == [8, 12, 20]
    assert all(isinstance(layer.activation, Tanh) for layer in net.layers)


def test_encode_decode_reconstruct_shapes(rng: np.random.Generator) -> None:
    """Do encode, decode and reconstruct give [N, code] and [N, D], in (−1, 1)?"""
    net = DenseAutoencoder(input_size=20, hidden_sizes=(10,), code_size=4)
    X = rng.uniform(-1, 1, size=(7, 20))
    codes = net.encode(X)
    assert codes.shape == (7, 4)
    assert np.abs(codes).max() < 1
    reconstruction = net.reconstruct(X)
    assert reconstruction.shape == X.shape
    np.testing.assert_allclose(net.decode(codes), reconstruction)


def test_a_tiny_autoencoder_passes_the_gradient_check(rng: np.random.Generator) -> None:
    net = DenseAutoencoder(input_size=6, hidden_sizes=(5,), code_size=2, weight_init="standard")
    X = rng.uniform(-1, 1, size=(4, 6))
    results = check_network(net, X, X)
    assert len(results) == 8  # W and B of four layers
    assert all(r.passed for r in results), "\n".join(map(str, results))


def test_training_reduces_the_reconstruction_error(rng: np.random.Generator) -> None:
    """Does a short fit on low-rank data lower the test MSE?"""
    basis = rng.normal(size=(3, 16))
    X = np.tanh(rng.normal(size=(300, 3)) @ basis / 2)
    net = DenseAutoencoder(input_size=16, hidden_sizes=(12,), code_size=3, seed=2)
    net.forward(X[200:])
    before = net.loss.forward(net.reconstruct(X[200:]), X[200:])
    history = Trainer(net, SGDMomentum(lr=0.01)).fit(
        X[:200], X[:200], X[200:], X[200:], epochs=10, eval_every=5, batch_size=20, restart=False
    )
    assert history.val_losses[-1] < 0.5 * before


def test_to_tanh_range_maps_the_training_set_onto_minus_one_one() -> None:
    X_train = np.array([[0, 51, 255]], dtype=np.uint8)
    X_test = np.array([[0, 255, 127]], dtype=np.uint8)
    train, test = to_tanh_range(X_train, X_test)
    np.testing.assert_allclose(train, [[-1.0, -0.6, 1.0]])
    np.testing.assert_allclose(test, [[-1.0, 1.0, 127 / 127.5 - 1]])
    with pytest.raises(ValueError, match="constant"):
        to_tanh_range(np.ones((2, 2)), np.ones((2, 2)))


def test_argument_and_shape_errors_quote_the_value(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match="code_size=784"):
        DenseAutoencoder(input_size=784, code_size=784)
    net = DenseAutoencoder(input_size=8, hidden_sizes=(), code_size=2)
    with pytest.raises(ValueError, match=r"\(3, 9\)"):
        net.encode(np.zeros((3, 9)))
    with pytest.raises(ValueError, match=r"\(3, 5\)"):
        net.decode(np.zeros((3, 5)))
