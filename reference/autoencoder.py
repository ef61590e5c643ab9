"""A dense autoencoder built from the chapter 3–4 framework (chapter 7's idea, in NumPy).

The network maps an input to itself through a narrow middle layer, the *code*: the encoder
is the layers up to and including the code layer, the decoder the rest. Every layer is a
Tanh ``Dense``, so inputs belong in [−1, 1] (``to_tanh_range``); the loss is
``MeanSquaredError`` against the input itself. Train it with ``Trainer`` and any optimizer::

    net = DenseAutoencoder(input_size=784, hidden_sizes=(256,), code_size=32)
    X_train, X_test = to_tanh_range(X_train, X_test)
    Trainer(net, SGDMomentum(lr=0.001)).fit(X_train, X_train, X_test, X_test, ...)
    codes = net.encode(X_test)          # [M, 32]
    images = net.reconstruct(X_test)    # [M, 784]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy import ndarray

from .activations import Tanh
from .layers import Dense, Layer
from .losses import MeanSquaredError
from .network import NeuralNetwork

__all__ = ["DenseAutoencoder", "to_tanh_range"]


def to_tanh_range(X_train: ndarray, X_test: ndarray) -> tuple[ndarray, ndarray]:
    """Scale both sets linearly so that the training set spans exactly [−1, 1].

    x ↦ 2 (x − min) / (max − min) − 1 with the training set's min and max (the test set may
    fall slightly outside).

    Args:
        X_train: [N, D] training inputs.
        X_test: [M, D] test inputs.
    Returns:
        The two scaled arrays, float64, same shapes.
    """
    low, high = float(np.min(X_train)), float(np.max(X_train))
    if not high > low:
        raise ValueError(f"X_train is constant (min = max = {low!r}): nothing to scale")
    scale = 2.0 / (high - low)
    return (
        (np.asarray(X_train, dtype=np.float64) - low) * scale - 1.0,
        (np.asarray(X_test, dtype=np.float64) - low) * scale - 1.0,
    )


class DenseAutoencoder(NeuralNetwork):
    """D → hidden sizes → code → hidden sizes reversed → D, Tanh ``Dense`` layers, MSE loss.

    Args:
        input_size: D, the features of each input (784 for MNIST).
        hidden_sizes: the encoder's hidden layers, from the input inwards; the decoder
            mirrors them.
        code_size: the code's size, narrower than D.
        weight_init: ``"glorot"`` (the default: with std-1 weights and 784 inputs, Tanh
            saturates) or ``"standard"``.
        seed: the network's seed (see ``NeuralNetwork``).
    """

    def __init__(
        self,
        input_size: int = 784,
        hidden_sizes: Sequence[int] = (256,),
        code_size: int = 32,
        weight_init: str = "glorot",
        seed: int | None = 1,
    ) -> None:
        if not 1 <= code_size < input_size:
            raise ValueError(
                f"code_size must lie in [1, input_size={input_size}), got code_size={code_size!r}"
            )
        sizes = [*hidden_sizes, code_size]
        decoder_sizes = [*reversed(hidden_sizes), input_size]
        layers = [Dense(n, Tanh(), weight_init=weight_init) for n in sizes + decoder_sizes]
        super().__init__(layers, MeanSquaredError(), seed)
        self.input_size = input_size
        self.code_size = code_size
        self.n_encoder = len(sizes)

    @property
    def encoder(self) -> list[Layer]:
        """The layers from the input to the code."""
        return self.layers[: self.n_encoder]

    @property
    def decoder(self) -> list[Layer]:
        """The layers from the code to the reconstruction."""
        return self.layers[self.n_encoder :]

    def encode(self, X: ndarray) -> ndarray:
        """The codes of ``X`` [N, D]: [N, code_size], in (−1, 1), without dropout."""
        self._check_input(X)
        for layer in self.encoder:
            X = layer.forward(X, inference=True)
        return X

    def decode(self, codes: ndarray) -> ndarray:
        """The reconstructions [N, D] of ``codes`` [N, code_size]."""
        if codes.ndim != 2 or codes.shape[1] != self.code_size:
            raise ValueError(f"expected codes of shape [N, {self.code_size}], got {codes.shape}")
        for layer in self.decoder:
            codes = layer.forward(codes, inference=True)
        return codes

    def reconstruct(self, X: ndarray) -> ndarray:
        """``X`` [N, D] encoded and decoded: [N, D]."""
        self._check_input(X)
        return self.forward(X, inference=True)

    def _check_input(self, X: ndarray) -> None:
        if X.ndim != 2 or X.shape[1] != self.input_size:
            raise ValueError(f"expected inputs of shape [N, {self.input_size}], got {X.shape}")
