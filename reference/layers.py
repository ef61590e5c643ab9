"""Layers: a list of operations applied in turn (the book's ``lincoln.layers``)."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import Operation, ParamOperation, assert_same_shape

__all__ = ["Layer"]


class Layer:
    """A layer of ``neurons`` neurons built lazily, on its first forward pass.

    Subclasses write ``_setup_layer``, which creates ``self.params`` and ``self.operations``
    once the input's shape is known. Random choices use ``self.rng``; ``NeuralNetwork`` gives
    each of its layers its own generator spawned from the network's seed.
    """

    def __init__(self, neurons: int, seed: int | np.random.Generator | None = None) -> None:
        if neurons < 1:
            raise ValueError(f"a layer needs at least one neuron, got neurons={neurons!r}")
        self.neurons = neurons
        self.first = True
        self.rng = np.random.default_rng(seed)
        self.params: list[ndarray] = []
        self.param_grads: list[ndarray] = []
        self.operations: list[Operation] = []

    def _setup_layer(self, input_: ndarray) -> None:
        """Create the parameters and operations for an input like ``input_``."""
        raise NotImplementedError

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Pass ``input_`` forward through the operations in turn."""
        if self.first:
            self._setup_layer(input_)
            self.first = False
        self.input_ = input_
        for operation in self.operations:
            input_ = operation.forward(input_, inference)
        self.output = input_
        return self.output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Pass ``output_grad`` backward through the operations; store the parameter grads."""
        assert_same_shape(self.output, output_grad)
        for operation in reversed(self.operations):
            output_grad = operation.backward(output_grad)
        assert_same_shape(self.input_, output_grad)
        self._param_grads()
        return output_grad

    def _params(self) -> None:
        """Collect the parameters of the operations that have one into ``self.params``."""
        self.params = [op.param for op in self.operations if isinstance(op, ParamOperation)]

    def _param_grads(self) -> None:
        """Collect the parameter gradients into ``self.param_grads``."""
        self.param_grads = [
            op.param_grad for op in self.operations if isinstance(op, ParamOperation)
        ]
