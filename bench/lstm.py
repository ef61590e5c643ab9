"""One LSTM training step: the reference's ``LSTMLayer`` beside ``torch.nn.LSTM``.

The work of one step of the book's character model: vocabulary V = 62, hidden H = 256,
sequences of T = 25, batch N = 32, float64. Ours: ``LSTMLayer`` (whose output projection is
the dense layer) + ``RNNSoftmaxCrossEntropy`` forward and backward, then ``RNNSGD`` with
clipping. PyTorch's: ``nn.LSTM`` + ``nn.Linear`` + cross-entropy (summed) forward and
backward, ``clip_grad_value_`` and an ``SGD`` step. Both get the same one-hot batch, and
are timed in alternating rounds (the same load for both).

A second case times only the matrix products an ``LSTMNode`` step makes (Z W forward, Zᵀ dA
and dA Wᵀ backward, T times), with NumPy and with PyTorch on the same arrays: its ratio is
the BLAS's share of the first (NumPy's OpenBLAS against the BLAS PyTorch was built with:
``torch.__config__.show()`` names it, MKL in the CPU wheels), which no change to the code
around the products removes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import BenchResult, interleaved_best, match_torch_threads

from dlfs.datasets import one_hot_chars
from dlfs.reference.rnn_layers import LSTMLayer
from dlfs.reference.rnn_model import RNNModel, RNNSoftmaxCrossEntropy
from dlfs.reference.rnn_optimizers import RNNSGD

V, H, T, N = 62, 256, 25, 32
ROUNDS = 5
REPEAT = 2


def _batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    chars = rng.integers(0, V, size=(N, T + 1))
    return one_hot_chars(chars[:, :-1], V), one_hot_chars(chars[:, 1:], V), chars[:, 1:]


def _ours_step() -> Callable[[], object]:
    x, y, _ = _batch()
    model = RNNModel([LSTMLayer(H, V)], T, V, RNNSoftmaxCrossEntropy(), seed=0)
    optim = RNNSGD(lr=0.01)
    optim.model = model

    def step() -> None:
        model.single_step(x, y)
        optim.step()

    return step


def _torch_step() -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    x, _, targets = _batch()
    lstm = torch.nn.LSTM(V, H, batch_first=True, dtype=torch.float64)
    dense = torch.nn.Linear(H, V, dtype=torch.float64)
    params = [*lstm.parameters(), *dense.parameters()]
    optim = torch.optim.SGD(params, lr=0.01)
    x_t = torch.from_numpy(x)
    targets_t = torch.from_numpy(targets).reshape(-1)

    def step() -> None:
        optim.zero_grad()
        out, _ = lstm(x_t)
        scores = dense(out).reshape(-1, V)
        loss = torch.nn.functional.cross_entropy(scores, targets_t, reduction="sum")
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 2.0)
        optim.step()

    return step


def _products(mm: Callable[[Any, Any], Any], arrays: list[Any]) -> Callable[[], object]:
    """The matrix products of one step through ``LSTMNode``, T times: Z W forward; Zᵀ dA
    and dA Wᵀ backward (Z = [x_in, H_in] of [N, V + H], W of [V + H, 4H], dA of [N, 4H])."""
    Z, W, dA = arrays

    def products() -> None:
        for _ in range(T):
            mm(Z, W)
            mm(Z.T, dA)
            mm(dA, W.T)

    return products


def _blas() -> tuple[Callable[[], object], Callable[[], object] | None]:
    """The same products with NumPy's BLAS and with PyTorch's, on the same arrays."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((N, V + H), (V + H, 4 * H), (N, 4 * H))]
    try:
        import torch
    except ImportError:
        return _products(np.matmul, arrays), None
    tensors = [torch.from_numpy(a) for a in arrays]
    return _products(np.matmul, arrays), _products(torch.mm, tensors)


def run() -> list[BenchResult]:
    """Time one training step of each, the best of alternating rounds, in this process; and
    the step's matrix products alone, which say how much of the ratio is the BLAS (NumPy's
    OpenBLAS beside the library PyTorch was built with), not the code around them."""
    match_torch_threads()
    ours, theirs = interleaved_best(_ours_step(), _torch_step(), ROUNDS, REPEAT)
    shapes = f"V={V} H={H} T={T} N={N} float64"
    blas_ours, blas_theirs = interleaved_best(*_blas(), ROUNDS, REPEAT)
    return [
        BenchResult("LSTM train step", shapes, ours, theirs),
        BenchResult(
            "LSTM step's products only", f"{3 * T} products, {shapes}", blas_ours, blas_theirs
        ),
    ]


if __name__ == "__main__":
    from common import format_results

    print(format_results(run()))
