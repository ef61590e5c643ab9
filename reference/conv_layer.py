"""The ``Conv2D`` layer (chapter 5): a convolution, an activation, optionally flatten, dropout."""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from .activations import Linear
from .base import Operation
from .conv import Conv2DOperation, Flatten
from .dropout import Dropout, check_keep_prob
from .layers import Layer, init_scale

__all__ = ["Conv2D"]

CONV_WEIGHT_INITS = ("normal", "standard", "glorot")


class Conv2D(Layer):
    """Convolution to ``out_channels`` channels, then ``activation`` (the book's ``Conv2D``).

    Input [N, C_in, H, W]; output [N, C_out, H, W], or [N, C_out·H·W] with ``flatten``. The
    filters W [C_in, C_out, K, K] are drawn on the first forward pass, when C_in is known,
    from a normal distribution with mean 0 and the standard deviation ``init_scale`` gives:
    1 for ``"normal"``, Glorot's √(2 / (C_in·K² + C_out·K²)) for ``"glorot"``. (The book's
    Glorot for convolutions is 2 / (C_in + C_out), with neither the square root nor the K²:
    0.118 instead of 0.069 for the chapter's 1 → 16 channels, 5×5.) Like the book's layer it
    has no bias.

    Args:
        out_channels: C_out, the number of filters.
        param_size: K, the filters' (odd) side.
        dropout: the probability of keeping each output while training, in (0, 1].
        weight_init: ``"normal"`` (std 1; ``"standard"`` is the same) or ``"glorot"``.
        activation: an activation operation, ``Linear()`` when None; each layer keeps its own
            copy, since an operation stores its input and output.
        flatten: reshape the output to [N, C_out·H·W] (to feed a ``Dense`` layer).
        seed: an int or Generator for the filters and the dropout masks; a ``NeuralNetwork``
            replaces it by a generator of its own seed's.
    """

    def __init__(
        self,
        out_channels: int,
        param_size: int,
        dropout: float = 1.0,
        weight_init: str = "normal",
        activation: Operation | None = None,
        flatten: bool = False,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(out_channels, seed)
        if param_size < 1 or param_size % 2 == 0:
            raise ValueError(
                f"'same' padding needs an odd filter size param_size >= 1, "
                f"got param_size={param_size!r}"
            )
        if weight_init not in CONV_WEIGHT_INITS:
            raise ValueError(
                f"weight_init must be one of {CONV_WEIGHT_INITS}, got weight_init={weight_init!r}"
            )
        self.out_channels = out_channels
        self.param_size = param_size
        self.dropout = check_keep_prob(dropout)
        self.weight_init = weight_init
        self.activation = Linear() if activation is None else copy.deepcopy(activation)
        self.flatten = flatten

    def _setup_layer(self, input_: ndarray) -> None:
        """Draw the filters [C_in, C_out, K, K]; build convolution, activation, flatten, dropout."""
        if input_.ndim != 4:
            raise ValueError(
                f"Conv2D expects images of shape [N, C_in, H, W], got shape {input_.shape}"
            )
        in_channels, K = input_.shape[1], self.param_size
        init = "standard" if self.weight_init == "normal" else self.weight_init
        scale = init_scale(init, in_channels * K * K, self.out_channels * K * K)
        self.params = [self.rng.normal(0.0, scale, size=(in_channels, self.out_channels, K, K))]
        self.operations = [Conv2DOperation(self.params[0]), self.activation]
        if self.flatten:
            self.operations.append(Flatten())
        if self.dropout < 1.0:
            self.operations.append(Dropout(self.dropout, seed=self.rng))

    def __repr__(self) -> str:
        return (
            f"Conv2D(out_channels={self.out_channels}, param_size={self.param_size}, "
            f"dropout={self.dropout}, weight_init={self.weight_init!r}, "
            f"activation={type(self.activation).__name__}(), flatten={self.flatten})"
        )
