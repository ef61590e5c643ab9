"""The template every operation follows (the book's ``lincoln.base``).

``Operation.forward`` and ``Operation.backward`` do the bookkeeping: they store the input and
the output, and check that every gradient has the shape of the array it is the gradient of.
Subclasses write only the math: ``_output`` and ``_input_grad`` (and, for operations with a
parameter, ``_param_grad``).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

__all__ = ["Operation", "ParamOperation", "assert_same_shape"]


def assert_same_shape(array: ndarray, array_grad: ndarray) -> None:
    """Raise ``ValueError`` unless ``array_grad`` is an array with the shape of ``array``."""
    if not isinstance(array_grad, np.ndarray):
        raise ValueError(
            f"expected a gradient as a numpy array of shape {np.shape(array)}, "
            f"got {type(array_grad).__name__}"
        )
    if array.shape != array_grad.shape:
        raise ValueError(
            f"gradient of shape {array_grad.shape} does not match its array's shape {array.shape}"
        )


class Operation:
    """One step of a neural network: ``output = f(input_)`` and its backward pass."""

    input_: ndarray
    output: ndarray
    input_grad: ndarray

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Store ``input_`` and compute the output with ``self._output``."""
        self.input_ = input_
        self.output = self._output(inference)
        return self.output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Given ∂L/∂output, return ∂L/∂input_ computed by ``self._input_grad``."""
        assert_same_shape(self.output, output_grad)
        self.input_grad = self._input_grad(output_grad)
        assert_same_shape(self.input_, self.input_grad)
        return self.input_grad

    def _output(self, inference: bool) -> ndarray:
        """The output computed from ``self.input_``; every subclass writes it."""
        raise NotImplementedError

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂input_ from ∂L/∂output; every subclass writes it."""
        raise NotImplementedError


class ParamOperation(Operation):
    """An operation with a parameter ``param``, whose gradient it also computes."""

    param_grad: ndarray

    def __init__(self, param: ndarray) -> None:
        super().__init__()
        self.param = param

    def backward(self, output_grad: ndarray) -> ndarray:
        """Compute and store ∂L/∂input_ and ∂L/∂param; return ∂L/∂input_."""
        assert_same_shape(self.output, output_grad)
        self.input_grad = self._input_grad(output_grad)
        self.param_grad = self._param_grad(output_grad)
        assert_same_shape(self.input_, self.input_grad)
        assert_same_shape(self.param, self.param_grad)
        return self.input_grad

    def backward_param(self, output_grad: ndarray) -> None:
        """Compute and store ∂L/∂param only, for an input whose gradient nothing uses (the
        data a network's first operation reads): ``backward`` without ``_input_grad``."""
        assert_same_shape(self.output, output_grad)
        self.param_grad = self._param_grad(output_grad)
        assert_same_shape(self.param, self.param_grad)

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        """∂L/∂param from ∂L/∂output; every subclass writes it."""
        raise NotImplementedError
