"""Recurrent layers over sequences (chapter 6): ``RNNLayer``, ``GRULayer``, ``LSTMLayer``.

A layer maps a batch of sequences [N, T, D] to [N, T, V] (V = ``output_size``) with one node
per time step: step t reads x[:, t] and the hidden state left by step t − 1. ``backward``
runs backpropagation through time: the steps in reverse order, each handing the gradient of
its input state to the step before and adding its parameter gradients to the layer's
``params[name]["deriv"]``, so these hold the sums over all the steps.

The state a batch starts from is not learned: it starts at zeros and, as in the book, each
forward pass leaves the batch mean of its final state (H, and C for the LSTM) as the start
state of the next one (``carry_state=False`` always starts from zeros; ``reset_state()``
goes back to zeros). No gradient flows from one batch into the previous one: this is
truncated backpropagation through time.

Shapes: N batch, T time steps, D input features, H hidden units, V outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .rnn_nodes import GRUNode, LSTMNode, ParamsDict, RNNNode

__all__ = ["GRULayer", "LSTMLayer", "RNNLayer"]


class RNNLayer:
    """A vanilla recurrent layer: one ``RNNNode`` per time step (the book's ``RNNLayer``).

    Args:
        hidden_size: H, the size of the hidden state.
        output_size: V, the features each step outputs.
        weight_scale: the standard deviation of the random initial parameters; by default
            the book's 2 / (D + V), D being the input's feature count.
        seed: seeds ``self.rng``, the generator of the initial parameters.
        carry_state: start each batch from the previous batch's mean final state (the
            book's behaviour) rather than from zeros.

    Attributes:
        params: name -> {"value": ndarray, "deriv": ndarray}, created on the first forward.
        nodes: one node per time step of the longest sequence seen so far.
        start_H: [1, H] the state the next batch starts from.
    """

    node_class: type = RNNNode

    def __init__(
        self,
        hidden_size: int,
        output_size: int,
        weight_scale: float | None = None,
        seed: int | np.random.Generator | None = None,
        carry_state: bool = True,
    ) -> None:
        if hidden_size < 1:
            raise ValueError(f"hidden_size must be at least 1, got hidden_size={hidden_size!r}")
        if output_size < 1:
            raise ValueError(f"output_size must be at least 1, got output_size={output_size!r}")
        if weight_scale is not None and not weight_scale > 0:
            raise ValueError(f"weight_scale must be positive, got weight_scale={weight_scale!r}")
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.weight_scale = weight_scale
        self.rng = np.random.default_rng(seed)
        self.carry_state = carry_state
        self.first = True
        self.input_size = 0
        self.params: ParamsDict = {}
        self.nodes: list[Any] = []  # RNNNode, GRUNode or LSTMNode
        self.reset_state()

    # ---- plumbing: parameters, state, shapes -------------------------------------------

    def _param_shapes(self, input_size: int) -> dict[str, tuple[int, int]]:
        """The parameters' names and shapes for D = ``input_size`` (see ``RNNNode``)."""
        D, H, V = input_size, self.hidden_size, self.output_size
        return {"W_f": (D + H, H), "B_f": (1, H), "W_v": (H, V), "B_v": (1, V)}

    def _setup_layer(self, input_: ndarray) -> None:
        """Draw every parameter from N(0, weight_scale²) for input features D = input_[2]."""
        self.input_size = input_.shape[2]
        if self.weight_scale is None:
            self.weight_scale = 2.0 / (self.input_size + self.output_size)
        self.params = {}
        for name, shape in self._param_shapes(self.input_size).items():
            value = self.rng.normal(scale=self.weight_scale, size=shape)
            self.params[name] = {"value": value, "deriv": np.zeros_like(value)}

    def _clear_gradients(self) -> None:
        """Set every parameter's ``deriv`` to zero."""
        for param in self.params.values():
            param["deriv"].fill(0.0)

    def reset_state(self) -> None:
        """Start the next batch from the zero state."""
        self.start_H = np.zeros((1, self.hidden_size))

    def _prepare_forward(self, x_seq_in: ndarray) -> None:
        """Check the input's shape, set up on the first call, make a node per time step."""
        if x_seq_in.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} expects sequences of shape [N, T, D], "
                f"got shape {x_seq_in.shape}"
            )
        if self.first:
            self._setup_layer(x_seq_in)
            self.first = False
        elif x_seq_in.shape[2] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} was set up for {self.input_size} input features, "
                f"got input of shape {x_seq_in.shape}"
            )
        while len(self.nodes) < x_seq_in.shape[1]:
            self.nodes.append(self.node_class())
        self.input_shape = x_seq_in.shape

    def _prepare_backward(self, x_seq_out_grad: ndarray) -> None:
        """Check the output gradient's shape and zero the parameter gradients."""
        N, T, _ = self.input_shape
        if x_seq_out_grad.shape != (N, T, self.output_size):
            raise ValueError(
                f"the output gradient has shape {x_seq_out_grad.shape}, expected the last "
                f"output's shape {(N, T, self.output_size)}"
            )
        self._clear_gradients()

    def _carry(self, state: ndarray) -> ndarray:
        """The next batch's start state: the batch mean of ``state``, or zeros."""
        if not self.carry_state:
            return np.zeros((1, state.shape[1]))
        return state.mean(axis=0, keepdims=True)

    # ---- the time loop -----------------------------------------------------------------

    def forward(self, x_seq_in: ndarray) -> ndarray:
        """Run the sequences through ``self.nodes``, one node per time step.

        Step t gets x_seq_in[:, t] and H from step t − 1 (``self.start_H`` repeated over
        the batch at t = 0) and writes its output to x_seq_out[:, t].

        Args:
            x_seq_in: [N, T, D] the input sequences.
        Returns:
            [N, T, V] the output sequences.
        """
        self._prepare_forward(x_seq_in)
        N, T, _ = x_seq_in.shape
        H_in = np.repeat(self.start_H, N, axis=0)
        ### BEGIN SOLUTION
        x_seq_out = np.empty((N, T, self.output_size))
        for t in range(T):
            x_seq_out[:, t, :], H_in = self.nodes[t].forward(x_seq_in[:, t, :], H_in, self.params)
        ### END SOLUTION
        self.start_H = self._carry(H_in)
        return x_seq_out

    def backward(self, x_seq_out_grad: ndarray) -> ndarray:
        """Backpropagation through time: the nodes in reverse order.

        Step t gets x_seq_out_grad[:, t] and the gradient of its output state from step
        t + 1 (zeros at the last step), returns the gradients of its input and input state,
        and adds its parameter gradients to ``self.params[name]["deriv"]``.

        Args:
            x_seq_out_grad: [N, T, V] ∂L/∂output.
        Returns:
            [N, T, D] ∂L/∂input.
        """
        self._prepare_backward(x_seq_out_grad)
        N, T, D = self.input_shape
        ### BEGIN SOLUTION
        x_seq_in_grad = np.empty((N, T, D))
        H_grad = np.zeros((N, self.hidden_size))
        for t in reversed(range(T)):
            x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(
                x_seq_out_grad[:, t, :], H_grad, self.params
            )
        return x_seq_in_grad
        ### END SOLUTION


class GRULayer(RNNLayer):
    """A layer of ``GRUNode`` steps; the same arguments and time loop as ``RNNLayer``."""

    node_class = GRUNode

    def _param_shapes(self, input_size: int) -> dict[str, tuple[int, int]]:
        """The parameters' names and shapes for D = ``input_size`` (see ``GRUNode``)."""
        D, H, V = input_size, self.hidden_size, self.output_size
        return {
            "W_ru": (D + H, 2 * H),
            "B_ru": (1, 2 * H),
            "W_h": (D + H, H),
            "B_h": (1, H),
            "W_v": (H, V),
            "B_v": (1, V),
        }


class LSTMLayer(RNNLayer):
    """A layer of ``LSTMNode`` steps, carrying a cell state C beside the hidden state H.

    The same arguments as ``RNNLayer``; ``start_C`` [1, H] is carried like ``start_H``.
    """

    node_class = LSTMNode

    def _param_shapes(self, input_size: int) -> dict[str, tuple[int, int]]:
        """The parameters' names and shapes for D = ``input_size`` (see ``LSTMNode``)."""
        D, H, V = input_size, self.hidden_size, self.output_size
        return {"W_fioc": (D + H, 4 * H), "B_fioc": (1, 4 * H), "W_v": (H, V), "B_v": (1, V)}

    def reset_state(self) -> None:
        """Start the next batch from zero hidden and cell states."""
        self.start_H = np.zeros((1, self.hidden_size))
        self.start_C = np.zeros((1, self.hidden_size))

    def forward(self, x_seq_in: ndarray) -> ndarray:
        """Run the sequences through ``self.nodes``, carrying H and C from step to step.

        Step t gets x_seq_in[:, t], and H and C from step t − 1 (``self.start_H`` and
        ``self.start_C`` repeated over the batch at t = 0).

        Args:
            x_seq_in: [N, T, D] the input sequences.
        Returns:
            [N, T, V] the output sequences.
        """
        self._prepare_forward(x_seq_in)
        N, T, _ = x_seq_in.shape
        H_in = np.repeat(self.start_H, N, axis=0)
        C_in = np.repeat(self.start_C, N, axis=0)
        ### BEGIN SOLUTION
        x_seq_out = np.empty((N, T, self.output_size))
        for t in range(T):
            x_seq_out[:, t, :], H_in, C_in = self.nodes[t].forward(
                x_seq_in[:, t, :], H_in, C_in, self.params
            )
        ### END SOLUTION
        self.start_H = self._carry(H_in)
        self.start_C = self._carry(C_in)
        return x_seq_out

    def backward(self, x_seq_out_grad: ndarray) -> ndarray:
        """Backpropagation through time, passing the gradients of H and C back a step.

        Args:
            x_seq_out_grad: [N, T, V] ∂L/∂output.
        Returns:
            [N, T, D] ∂L/∂input.
        """
        self._prepare_backward(x_seq_out_grad)
        N, T, D = self.input_shape
        ### BEGIN SOLUTION
        x_seq_in_grad = np.empty((N, T, D))
        H_grad = np.zeros((N, self.hidden_size))
        C_grad = np.zeros((N, self.hidden_size))
        for t in reversed(range(T)):
            x_seq_in_grad[:, t, :], H_grad, C_grad = self.nodes[t].backward(
                x_seq_out_grad[:, t, :], H_grad, C_grad, self.params
            )
        return x_seq_in_grad
        ### END SOLUTION
