"""Convolution and pooling, forward + backward: ``Conv2DOperation`` beside PyTorch's conv2d.

The work of one training step of a convolutional layer, float64, on the CPU:

* the target case, a batch of 64 MNIST-sized images, 1 → 32 channels, 5×5 filters;
* a deeper layer's shape, 16 → 32 channels on 14×14 images, 3×3 filters;
* 2×2 max pooling, stride 2, of 64 × 32 channels of 28×28.

Each timed call is a forward pass and a backward pass with a fixed output gradient: ours
returns the input gradient and stores the filters' gradient; PyTorch's autograd computes
both (``torch.nn.functional.conv2d`` with ``padding=K // 2``, its filters laid out
[C_out, C_in, K, K]). PyTorch gets as many threads as NumPy's BLAS: ``OPENBLAS_NUM_THREADS``
when it is set (``OPENBLAS_NUM_THREADS=1 python bench/run.py conv`` compares one core each,
the fair measure on a machine others share), else each library's default.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from common import BenchResult, interleaved_best, match_torch_threads

from dlfs.reference.conv import Conv2DOperation
from dlfs.reference.pooling import MaxPool2D

# (name, input [N, C_in, H, W], C_out, K)
CONV_CASES = [
    ("conv2d f+b, MNIST batch", (64, 1, 28, 28), 32, 5),
    ("conv2d f+b, deeper layer", (64, 16, 14, 14), 32, 3),
]
POOL_SHAPE = (64, 32, 28, 28)
REPEAT = 3
ROUNDS = 8


def _arrays(shape: tuple[int, ...], C_out: int, K: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    W = rng.standard_normal((shape[1], C_out, K, K))
    G = rng.standard_normal((shape[0], C_out, *shape[2:]))
    return x, W, G


def _ours_conv(shape: tuple[int, ...], C_out: int, K: int) -> Callable[[], object]:
    x, W, G = _arrays(shape, C_out, K)
    op = Conv2DOperation(W)

    def step() -> None:
        op.forward(x)
        op.backward(G)

    return step


def _torch_conv(shape: tuple[int, ...], C_out: int, K: int) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    x, W, G = _arrays(shape, C_out, K)
    x_t = torch.tensor(x, requires_grad=True)
    W_t = torch.tensor(W.transpose(1, 0, 2, 3).copy(), requires_grad=True)
    G_t = torch.tensor(G)

    def step() -> None:
        x_t.grad = W_t.grad = None
        torch.nn.functional.conv2d(x_t, W_t, padding=K // 2).backward(G_t)

    return step


def _pool_steps() -> tuple[Callable[[], object], Callable[[], object] | None]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(POOL_SHAPE)
    G = rng.standard_normal((*POOL_SHAPE[:2], POOL_SHAPE[2] // 2, POOL_SHAPE[3] // 2))
    pool = MaxPool2D(2)

    def ours() -> None:
        pool.forward(x)
        pool.backward(G)

    try:
        import torch
    except ImportError:
        return ours, None
    x_t = torch.tensor(x, requires_grad=True)
    G_t = torch.tensor(G)

    def theirs() -> None:
        x_t.grad = None
        torch.nn.functional.max_pool2d(x_t, 2, 2).backward(G_t)

    return ours, theirs


def _shapes(shape: tuple[int, ...], C_out: int, K: int) -> str:
    N, C_in, H, W = shape
    return f"{N}×{C_in}×{H}×{W} → {C_out} ch, {K}×{K}, float64"


def run() -> list[BenchResult]:
    """Time each case, ours and PyTorch's in alternating rounds, in the same process."""
    match_torch_threads()
    results = []
    for name, shape, C_out, K in CONV_CASES:
        steps = _ours_conv(shape, C_out, K), _torch_conv(shape, C_out, K)
        ours_s, torch_s = interleaved_best(*steps, ROUNDS, REPEAT)
        results.append(BenchResult(name, _shapes(shape, C_out, K), ours_s, torch_s))
    N, C, H, W = POOL_SHAPE
    ours_s, torch_s = interleaved_best(*_pool_steps(), ROUNDS, REPEAT)
    results.append(
        BenchResult("max pool 2×2 f+b", f"{N}×{C}×{H}×{W}, stride 2, float64", ours_s, torch_s)
    )
    return results
