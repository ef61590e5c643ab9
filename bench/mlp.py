"""One MNIST epoch of the book's chapter 4 network: the reference beside PyTorch, float64.

784 → Dense(89, Tanh) → Dense(10, Linear), softmax cross-entropy, plain SGD (lr 0.1), batch
60, 60,000 shuffled rows of 784 features (random data: the time does not depend on the
values). Ours is ``Trainer.fit`` for one epoch on a ``NeuralNetwork`` (its evaluation is on
100 rows, negligible); PyTorch's is the same loop written the usual way: ``nn.Linear``,
``nn.Tanh``, ``nn.CrossEntropyLoss``, ``torch.optim.SGD``, a ``randperm`` shuffle, and
``zero_grad / forward / backward / step`` per batch.

Both use the threads they find (NumPy's BLAS and PyTorch's intra-op pool), or as many as
``OPENBLAS_NUM_THREADS`` says (``common.match_torch_threads``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from common import BenchResult, match_torch_threads

from dlfs.reference import SGD, Dense, Linear, NeuralNetwork, SoftmaxCrossEntropy, Tanh, Trainer

N, D, H, C = 60_000, 784, 89, 10
BATCH = 60
LR = 0.1
REPEAT = 5


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    labels = rng.integers(0, C, size=N)
    return X, labels


def _ours(X: np.ndarray, labels: np.ndarray) -> Callable[[], object]:
    y = np.eye(C)[labels]
    net = NeuralNetwork(
        [Dense(H, Tanh(), weight_init="glorot"), Dense(C, Linear(), weight_init="glorot")],
        SoftmaxCrossEntropy(),
        seed=1,
    )
    trainer = Trainer(net, SGD(LR))

    def epoch() -> None:
        trainer.fit(X, y, X[:100], y[:100], epochs=1, eval_every=1, batch_size=BATCH)

    return epoch


def _torch(X: np.ndarray, labels: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(labels)
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(D, H), torch.nn.Tanh(), torch.nn.Linear(H, C)
    ).double()
    criterion = torch.nn.CrossEntropyLoss()
    optim = torch.optim.SGD(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(1)

    def epoch() -> None:
        order = torch.randperm(N, generator=generator)
        for start in range(0, N, BATCH):
            rows = order[start : start + BATCH]
            optim.zero_grad()
            loss = criterion(model(X_t[rows]), y_t[rows])
            loss.backward()
            optim.step()

    return epoch


def _interleaved_best(steps: list[Callable[[], object]], repeat: int) -> list[float]:
    """The best time of each step over ``repeat`` rounds, the steps taking turns in each
    round (after one warm-up round), so that a busy machine slows both alike."""
    best = [float("inf")] * len(steps)
    for round_ in range(repeat + 1):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            step()
            if round_ > 0:
                best[i] = min(best[i], time.perf_counter() - start)
    return best


def run() -> list[BenchResult]:
    """Time one epoch each way: the best of ``REPEAT`` rounds, ours and PyTorch's in turn."""
    match_torch_threads()
    X, labels = _data()
    steps = [_ours(X, labels)]
    torch_epoch = _torch(X, labels)
    if torch_epoch is not None:
        steps.append(torch_epoch)
    times = _interleaved_best(steps, REPEAT)
    torch_s = times[1] if torch_epoch is not None else None
    shapes = f"{N}×{D} → {H} tanh → {C}, batch {BATCH}, float64"
    return [BenchResult("MLP epoch, MNIST-sized (ch. 4)", shapes, times[0], torch_s)]
