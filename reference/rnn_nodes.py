"""One time step of a recurrent layer (chapter 6): ``RNNNode``, ``GRUNode``, ``LSTMNode``.

A node computes one step, ``(x_out, H_out) = node.forward(x_in, H_in, params_dict)``, and
stores what its backward pass needs. ``backward`` takes the gradients of the step's outputs,
*adds* the step's parameter gradients into ``params_dict[name]["deriv"]`` (a layer sums them
over its time steps) and returns the gradients of the step's inputs. Everything is
vectorised over the batch.

``params_dict`` maps each parameter's name to ``{"value": ndarray, "deriv": ndarray}``. Every
node reads its input and its previous hidden state side by side, Z = [x_in, H_in] of shape
[N, D + H], so that one matrix product does the work of the book's two (one for x_in, one
for H_in); gates that read the same Z are fused into one product too: the first D rows of a
weight matrix act on x_in, the last H rows on H_in.

Shapes: N batch, D input features, H hidden units, V outputs.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from .base import assert_same_shape

__all__ = ["GRUNode", "LSTMNode", "ParamsDict", "RNNNode", "sigmoid"]

ParamsDict = dict[str, dict[str, ndarray]]


def sigmoid(x: ndarray, out: ndarray | None = None) -> ndarray:
    """σ(x) = 1 / (1 + e^(−x)), elementwise, into ``out`` where given (``x`` itself is fine).

    Where x < −709, e^(−x) overflows to inf and 1 / inf = 0, σ's true limit (and where
    x > 745 it underflows to 0): neither is an error here. One ``np.exp``: NumPy's exp is
    2.6× faster than its tanh."""
    out = np.negative(x, out=out)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


class RNNNode:
    """The vanilla recurrent step (the book's ``RNNNode``).

    H_out = tanh(Z W_f + B_f) with Z = [x_in, H_in],   x_out = H_out W_v + B_v.

    Parameters: ``W_f`` [D + H, H], ``B_f`` [1, H], ``W_v`` [H, V], ``B_v`` [1, V].
    """

    def forward(
        self, x_in: ndarray, H_in: ndarray, params_dict: ParamsDict
    ) -> tuple[ndarray, ndarray]:
        """One step forward.

        Store Z = [x_in, H_in] in ``self.Z``, and ``self.H_out``, ``self.x_out``.

        Args:
            x_in: [N, D] this step's input.
            H_in: [N, H] the previous step's hidden state.
            params_dict: ``W_f``, ``B_f``, ``W_v``, ``B_v`` as above.
        Returns:
            x_out [N, V] and H_out [N, H].
        """
        ### BEGIN SOLUTION
        self.Z = np.concatenate([x_in, H_in], axis=1)
        self.H_out = np.tanh(self.Z @ params_dict["W_f"]["value"] + params_dict["B_f"]["value"])
        self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]
        return self.x_out, self.H_out
        ### END SOLUTION

    def backward(
        self, x_out_grad: ndarray, H_out_grad: ndarray, params_dict: ParamsDict
    ) -> tuple[ndarray, ndarray]:
        """One step backward: add the parameter gradients, return the input gradients.

        H_out feeds both x_out and the next step, so its gradient is the sum
        dH = x_out_grad W_vᵀ + H_out_grad. Through the tanh, dA = dH ⊙ (1 − H_out²); then
        ∂W_f = Zᵀ dA, ∂B_f = Σ_N dA, ∂W_v = H_outᵀ x_out_grad, ∂B_v = Σ_N x_out_grad, and
        dZ = dA W_fᵀ splits into x_in_grad (first D columns) and H_in_grad (last H).

        Args:
            x_out_grad: [N, V] ∂L/∂x_out.
            H_out_grad: [N, H] ∂L/∂H_out from the next step (zeros at the last step).
            params_dict: the parameters; their ``deriv`` arrays are added to.
        Returns:
            x_in_grad [N, D] and H_in_grad [N, H].
        """
        assert_same_shape(self.x_out, x_out_grad)
        assert_same_shape(self.H_out, H_out_grad)
        ### BEGIN SOLUTION
        params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad
        params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)
        dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad
        dA = dH * (1.0 - self.H_out * self.H_out)
        params_dict["W_f"]["deriv"] += self.Z.T @ dA
        params_dict["B_f"]["deriv"] += dA.sum(axis=0, keepdims=True)
        dZ = dA @ params_dict["W_f"]["value"].T
        D = self.Z.shape[1] - self.H_out.shape[1]
        return dZ[:, :D], dZ[:, D:]
        ### END SOLUTION


class GRUNode:
    """The gated recurrent unit, with a reset gate r and an update gate u (the book's).

    With Z = [x_in, H_in]:

        [r, u] = σ(Z W_ru + B_ru)                    reset and update gates, [N, H] each
        h̄ = tanh([x_in, r ⊙ H_in] W_h + B_h)         the candidate state
        H_out = u ⊙ H_in + (1 − u) ⊙ h̄,   x_out = H_out W_v + B_v

    (The reset gate scales H_in before its projection, as in the book and Cho et al. 2014;
    PyTorch's ``GRUCell`` scales the projection instead.) The book's code computes u from the
    reset gate's projections, and its backward drops the u ⊙ dH path into H_in_grad.

    Parameters: ``W_ru`` [D + H, 2H] (columns: reset, then update), ``B_ru`` [1, 2H],
    ``W_h`` [D + H, H], ``B_h`` [1, H], ``W_v`` [H, V], ``B_v`` [1, V].
    """

    def forward(
        self, x_in: ndarray, H_in: ndarray, params_dict: ParamsDict
    ) -> tuple[ndarray, ndarray]:
        """One step forward.

        Store ``self.Z`` = [x_in, H_in], ``self.Z_h`` = [x_in, r ⊙ H_in], ``self.H_in``,
        the gates ``self.r``, ``self.u``, the candidate ``self.h_bar``, ``self.H_out``, and
        ``self.x_out``.

        Args:
            x_in: [N, D] this step's input.
            H_in: [N, H] the previous step's hidden state.
            params_dict: ``W_ru``, ``B_ru``, ``W_h``, ``B_h``, ``W_v``, ``B_v`` as above.
        Returns:
            x_out [N, V] and H_out [N, H].
        """
        ### BEGIN SOLUTION
        H = H_in.shape[1]
        self.H_in = H_in
        self.Z = np.concatenate([x_in, H_in], axis=1)
        gates = sigmoid(self.Z @ params_dict["W_ru"]["value"] + params_dict["B_ru"]["value"])
        self.r, self.u = gates[:, :H], gates[:, H:]
        self.Z_h = np.concatenate([x_in, self.r * H_in], axis=1)
        self.h_bar = np.tanh(self.Z_h @ params_dict["W_h"]["value"] + params_dict["B_h"]["value"])
        self.H_out = self.h_bar + self.u * (H_in - self.h_bar)
        self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]
        return self.x_out, self.H_out
        ### END SOLUTION

    def backward(
        self, x_out_grad: ndarray, H_out_grad: ndarray, params_dict: ParamsDict
    ) -> tuple[ndarray, ndarray]:
        """One step backward: add the parameter gradients, return the input gradients.

        dH = x_out_grad W_vᵀ + H_out_grad. H_in reaches H_out three ways, and H_in_grad sums
        them: directly through u ⊙ H_in (u ⊙ dH), through r ⊙ H_in in the candidate, and
        through the gates' projections. From H_out = u ⊙ H_in + (1 − u) ⊙ h̄:
        du = dH ⊙ (H_in − h̄), dh̄ = dH ⊙ (1 − u). Then dA_h = dh̄ ⊙ (1 − h̄²),
        ∂W_h = Z_hᵀ dA_h, dZ_h = dA_h W_hᵀ = [dx, d(r ⊙ H_in)], dr = d(r ⊙ H_in) ⊙ H_in;
        the gates' pre-activation gradient is [dr ⊙ r(1 − r), du ⊙ u(1 − u)], ∂W_ru = Zᵀ of
        it, and its product with W_ruᵀ adds to dx and dH_in.

        Args:
            x_out_grad: [N, V] ∂L/∂x_out.
            H_out_grad: [N, H] ∂L/∂H_out from the next step (zeros at the last step).
            params_dict: the parameters; their ``deriv`` arrays are added to.
        Returns:
            x_in_grad [N, D] and H_in_grad [N, H].
        """
        assert_same_shape(self.x_out, x_out_grad)
        assert_same_shape(self.H_out, H_out_grad)
        ### BEGIN SOLUTION
        params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad
        params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)
        dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad
        H = dH.shape[1]
        D = self.Z.shape[1] - H

        # The candidate state.
        dA_h = dH * (1.0 - self.u) * (1.0 - self.h_bar * self.h_bar)
        params_dict["W_h"]["deriv"] += self.Z_h.T @ dA_h
        params_dict["B_h"]["deriv"] += dA_h.sum(axis=0, keepdims=True)
        dZ_h = dA_h @ params_dict["W_h"]["value"].T
        d_reset_H = dZ_h[:, D:]

        # The gates.
        dA = np.empty((dH.shape[0], 2 * H))
        dA[:, :H] = d_reset_H * self.H_in * self.r * (1.0 - self.r)
        dA[:, H:] = dH * (self.H_in - self.h_bar) * self.u * (1.0 - self.u)
        params_dict["W_ru"]["deriv"] += self.Z.T @ dA
        params_dict["B_ru"]["deriv"] += dA.sum(axis=0, keepdims=True)
        dZ = dA @ params_dict["W_ru"]["value"].T

        x_in_grad = dZ[:, :D] + dZ_h[:, :D]
        H_in_grad = dZ[:, D:] + d_reset_H * self.r + dH * self.u
        return x_in_grad, H_in_grad
        ### END SOLUTION


class LSTMNode:
    """The long short-term memory step, with a cell state C (the book's ``LSTMNode``).

    With Z = [x_in, H_in] and A = Z W_fioc + B_fioc split into four [N, H] blocks:

        f = σ(A_f), i = σ(A_i), o = σ(A_o)     forget, input and output gates
        c̄ = tanh(A_c)                          the candidate cell state
        C_out = f ⊙ C_in + i ⊙ c̄,   H_out = o ⊙ tanh(C_out),   x_out = H_out W_v + B_v

    The four gates' weights are one matrix, so one product computes all four projections.

    Parameters: ``W_fioc`` [D + H, 4H] (columns: forget, input, output, candidate),
    ``B_fioc`` [1, 4H], ``W_v`` [H, V], ``B_v`` [1, V].
    """

    def forward(
        self, x_in: ndarray, H_in: ndarray, C_in: ndarray, params_dict: ParamsDict
    ) -> tuple[ndarray, ndarray, ndarray]:
        """One step forward.

        Store ``self.Z``, ``self.C_in``, the activated gates side by side in ``self.gates``
        [N, 4H] (f, i, o, c̄), ``self.tanh_C`` = tanh(C_out), ``self.H_out``, ``self.C_out``
        and ``self.x_out``.

        Args:
            x_in: [N, D] this step's input.
            H_in: [N, H] the previous step's hidden state.
            C_in: [N, H] the previous step's cell state.
            params_dict: ``W_fioc``, ``B_fioc``, ``W_v``, ``B_v`` as above.
        Returns:
            x_out [N, V], H_out [N, H] and C_out [N, H].
        """
        ### BEGIN SOLUTION
        H = H_in.shape[1]
        self.C_in = C_in
        self.Z = np.concatenate([x_in, H_in], axis=1)
        A = self.Z @ params_dict["W_fioc"]["value"] + params_dict["B_fioc"]["value"]
        sigmoid(A[:, : 3 * H], out=A[:, : 3 * H])
        np.tanh(A[:, 3 * H :], out=A[:, 3 * H :])
        self.gates = A
        f, i, o, c_bar = A[:, :H], A[:, H : 2 * H], A[:, 2 * H : 3 * H], A[:, 3 * H :]
        self.C_out = f * C_in + i * c_bar
        self.tanh_C = np.tanh(self.C_out)
        self.H_out = o * self.tanh_C
        self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]
        return self.x_out, self.H_out, self.C_out
        ### END SOLUTION

    def backward(
        self,
        x_out_grad: ndarray,
        H_out_grad: ndarray,
        C_out_grad: ndarray,
        params_dict: ParamsDict,
    ) -> tuple[ndarray, ndarray, ndarray]:
        """One step backward: add the parameter gradients, return the input gradients.

        dH = x_out_grad W_vᵀ + H_out_grad; C_out feeds H_out and the next step, so
        dC = C_out_grad + dH ⊙ o ⊙ (1 − tanh²(C_out)). Then do = dH ⊙ tanh(C_out),
        df = dC ⊙ C_in, di = dC ⊙ c̄, dc̄ = dC ⊙ i, C_in_grad = dC ⊙ f; through the
        activations dA = [df ⊙ f(1 − f), di ⊙ i(1 − i), do ⊙ o(1 − o), dc̄ ⊙ (1 − c̄²)];
        ∂W_fioc = Zᵀ dA, ∂B_fioc = Σ_N dA, dZ = dA W_fiocᵀ = [x_in_grad, H_in_grad].

        Args:
            x_out_grad: [N, V] ∂L/∂x_out.
            H_out_grad: [N, H] ∂L/∂H_out from the next step (zeros at the last step).
            C_out_grad: [N, H] ∂L/∂C_out from the next step (zeros at the last step).
            params_dict: the parameters; their ``deriv`` arrays are added to.
        Returns:
            x_in_grad [N, D], H_in_grad [N, H] and C_in_grad [N, H].
        """
        assert_same_shape(self.x_out, x_out_grad)
        assert_same_shape(self.H_out, H_out_grad)
        assert_same_shape(self.C_out, C_out_grad)
        ### BEGIN SOLUTION
        params_dict["W_v"]["deriv"] += self.H_out.T @ x_out_grad
        params_dict["B_v"]["deriv"] += x_out_grad.sum(axis=0, keepdims=True)
        dH = x_out_grad @ params_dict["W_v"]["value"].T + H_out_grad
        H = dH.shape[1]
        g = self.gates
        f, i, o, c_bar = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]

        dC = C_out_grad + dH * o * (1.0 - self.tanh_C * self.tanh_C)
        dA = np.empty_like(g)
        dA[:, :H] = dC * self.C_in
        dA[:, H : 2 * H] = dC * c_bar
        dA[:, 2 * H : 3 * H] = dH * self.tanh_C
        dA[:, : 3 * H] *= g[:, : 3 * H] * (1.0 - g[:, : 3 * H])
        dA[:, 3 * H :] = dC * i * (1.0 - c_bar * c_bar)

        params_dict["W_fioc"]["deriv"] += self.Z.T @ dA
        params_dict["B_fioc"]["deriv"] += dA.sum(axis=0, keepdims=True)
        dZ = dA @ params_dict["W_fioc"]["value"].T
        D = self.Z.shape[1] - H
        return dZ[:, :D], dZ[:, D:], dC * f
        ### END SOLUTION
