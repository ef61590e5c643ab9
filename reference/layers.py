"""Layers: a list of operations applied in turn (the book's ``lincoln.layers``).

``Layer`` is the base; ``Dense`` (chapters 3–4) is ``input_ @ W + B``, an activation and
optionally dropout.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from .activations import Sigmoid
from .base import Operation, ParamOperation, assert_same_shape
from .dropout import Dropout, check_keep_prob
from .operations import BiasAdd, WeightMultiply

__all__ = ["WEIGHT_INITS", "Dense", "Layer", "init_scale"]

WEIGHT_INITS = ("standard", "glorot")


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

    def backward(self, output_grad: ndarray, input_grad: bool = True) -> ndarray | None:
        """Pass ``output_grad`` backward through the operations; store the parameter grads.

        Args:
            output_grad: ∂L/∂output, of the output's shape.
            input_grad: whether to compute ∂L/∂input_. A network's first layer does not need
                it: its input is the data, whose gradient nothing uses. Its first operation
                then computes only its parameter's gradient (``backward_param``), sparing
                the product that makes ∂L/∂input_ (as PyTorch does for inputs that do not
                require a gradient).
        Returns:
            ∂L/∂input_ of the input's shape, or None when it was not asked for.
        """
        assert_same_shape(self.output, output_grad)
        first, *rest = self.operations
        for operation in reversed(rest):
            output_grad = operation.backward(output_grad)
        if not input_grad and isinstance(first, ParamOperation):
            first.backward_param(output_grad)
            self._param_grads()
            return None
        output_grad = first.backward(output_grad)
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


def init_scale(weight_init: str, n_in: int, n_out: int) -> float:
    """The standard deviation of a layer's initial weights.

    Args:
        weight_init: ``"standard"`` (std 1) or ``"glorot"`` (std √(2 / (n_in + n_out)), which
            keeps the variance of the activations and of the gradients about the same from
            layer to layer).
        n_in: the number of inputs of each neuron (for a convolution, C_in · K · K).
        n_out: the number of outputs (for a convolution, C_out · K · K).
    Returns:
        The standard deviation, a float.
    """
    if weight_init not in WEIGHT_INITS:
        raise ValueError(
            f"weight_init must be one of {WEIGHT_INITS}, got weight_init={weight_init!r}"
        )
    if weight_init == "standard":
        return 1.0
    ### BEGIN SOLUTION
    return float(np.sqrt(2.0 / (n_in + n_out)))
    ### END SOLUTION


class Dense(Layer):
    """A fully connected layer: ``activation(input_ @ W + B)``, then dropout if asked for.

    Input [N, D], output [N, neurons]. W [D, neurons] and B [1, neurons] are drawn from a
    normal distribution with mean 0 and the standard deviation ``init_scale`` gives, on the
    first forward pass, when D is known.

    Args:
        neurons: the number of outputs H.
        activation: an activation operation, ``Sigmoid()`` when None. Each layer keeps its
            own copy, since an operation stores its input and output.
        dropout: the probability of keeping each output while training, in (0, 1]; 1 means
            no dropout.
        weight_init: ``"standard"`` (std 1) or ``"glorot"``.
        seed: an int or Generator for the initial weights and the dropout masks; a
            ``NeuralNetwork`` replaces it by a generator of its own seed's.
    """

    def __init__(
        self,
        neurons: int,
        activation: Operation | None = None,
        dropout: float = 1.0,
        weight_init: str = "standard",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(neurons, seed)
        if weight_init not in WEIGHT_INITS:
            raise ValueError(
                f"weight_init must be one of {WEIGHT_INITS}, got weight_init={weight_init!r}"
            )
        self.activation = Sigmoid() if activation is None else copy.deepcopy(activation)
        self.dropout = check_keep_prob(dropout)
        self.weight_init = weight_init

    def _setup_layer(self, input_: ndarray) -> None:
        """Draw W [D, neurons] and B [1, neurons]; build the list of operations."""
        if input_.ndim != 2:
            raise ValueError(f"Dense expects a 2-D input [N, D], got shape {input_.shape}")
        n_in = input_.shape[1]
        scale = init_scale(self.weight_init, n_in, self.neurons)
        self.params = [
            self.rng.normal(0.0, scale, size=(n_in, self.neurons)),
            self.rng.normal(0.0, scale, size=(1, self.neurons)),
        ]
        self.operations = [
            WeightMultiply(self.params[0]),
            BiasAdd(self.params[1]),
            self.activation,
        ]
        if self.dropout < 1.0:
            self.operations.append(Dropout(self.dropout, seed=self.rng))

    def __repr__(self) -> str:
        return (
            f"Dense(neurons={self.neurons}, activation={type(self.activation).__name__}(), "
            f"dropout={self.dropout}, weight_init={self.weight_init!r})"
        )
