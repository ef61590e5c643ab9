"""``NeuralNetwork`` (chapter 3): a list of layers and a loss."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy import ndarray

from .layers import Layer
from .losses import Loss

__all__ = ["NeuralNetwork"]


class NeuralNetwork:
    """Layers applied in turn, and the loss that trains them.

    Args:
        layers: the layers, input first.
        loss: the loss of the last layer's output against the target.
        seed: each layer gets its own generator, spawned from ``SeedSequence(seed)``, for its
            initial weights and dropout masks: the same seed gives the same network, and no
            two layers draw the same numbers. (The book re-seeds NumPy's global generator
            with the same seed in every layer, so layers of the same shape start equal.)
            None leaves the layers' own generators alone.
    """

    def __init__(self, layers: Sequence[Layer], loss: Loss, seed: int | None = 1) -> None:
        if not layers:
            raise ValueError(f"a network needs at least one layer, got layers={layers!r}")
        self.layers = list(layers)
        self.loss = loss
        self.seed = seed
        self._seed_layers()

    def _seed_layers(self) -> None:
        """Give each layer ``layer.rng``, its own generator for its initial weights and dropout
        masks, derived from ``self.seed``: the same seed must give the same network (also
        after ``restart``), and no two layers may draw the same numbers."""
        if self.seed is None:
            return
        ### BEGIN SOLUTION
        children = np.random.SeedSequence(self.seed).spawn(len(self.layers))
        for layer, child in zip(self.layers, children, strict=True):
            layer.rng = np.random.default_rng(child)
        ### END SOLUTION

    def restart(self) -> None:
        """Start afresh: every layer draws its initial weights again on the next forward,
        the same ones a new network with this seed would draw."""
        self._seed_layers()
        for layer in self.layers:
            layer.first = True

    def forward(self, x_batch: ndarray, inference: bool = False) -> ndarray:
        """The prediction for ``x_batch`` [N, D]: [N, C] (no dropout when ``inference``)."""
        x_out = x_batch
        for layer in self.layers:
            x_out = layer.forward(x_out, inference)
        return x_out

    def backward(self, loss_grad: ndarray) -> None:
        """Send ∂loss/∂prediction [N, C] back through the layers, last first.

        The first layer's input is the data: nothing uses its gradient, so the first layer
        computes only its parameters' gradients (``Layer.backward(..., input_grad=False)``).
        """
        grad = loss_grad
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        self.layers[0].backward(grad, input_grad=False)

    def train_batch(self, x_batch: ndarray, y_batch: ndarray, inference: bool = False) -> float:
        """Forward, loss, backward on one batch; return the loss. Does not update anything."""
        prediction = self.forward(x_batch, inference)
        batch_loss = self.loss.forward(prediction, y_batch)
        self.backward(self.loss.backward())
        return batch_loss

    def params(self) -> Iterator[ndarray]:
        """Every layer's parameters, in order (the arrays themselves, to update in place)."""
        for layer in self.layers:
            yield from layer.params

    def param_grads(self) -> Iterator[ndarray]:
        """The gradients of ``params()``, in the same order, from the last ``backward``."""
        for layer in self.layers:
            yield from layer.param_grads

    def __repr__(self) -> str:
        layers = ", ".join(repr(layer) for layer in self.layers)
        return f"NeuralNetwork([{layers}], loss={type(self.loss).__name__}(), seed={self.seed})"
