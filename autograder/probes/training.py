"""What the training checks share: the data sets' inputs and labels, the budgeted training
loop, and the metrics.

A training probe gets its inputs (never the test labels) as ``data``; the grader keeps the
labels and measures the probe's outputs with a metric here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.datasets import boston_split, global_standardize, load_boston, load_mnist, one_hot

__all__ = [
    "accuracy",
    "boston",
    "fit_network",
    "mnist",
    "mnist_images",
    "rmse",
    "train_within_budget",
]

Data = tuple[dict[str, ndarray], dict[str, ndarray]]
"""``(inputs for the worker, labels for the grader)``."""


def boston(**_: Any) -> Data:
    """Boston housing, split as the book splits it (354 rows to train, 152 to test)."""
    features, target, _names = load_boston()
    X_train, X_test, y_train, y_test = boston_split(features, target)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test}, {"y_test": y_test}


def mnist(n_train: int = 12000, n_test: int = 2000, **_: Any) -> Data:
    """The first MNIST images, flattened and standardised, with one-hot training labels."""
    X_train, y_train, X_test, y_test = load_mnist(flatten=True)
    X_train, X_test = global_standardize(X_train[:n_train], X_test[:n_test])
    inputs = {"X_train": X_train, "y_train": one_hot(y_train[:n_train], 10), "X_test": X_test}
    return inputs, {"y_test": y_test[:n_test]}


def mnist_images(n_train: int = 5000, n_test: int = 1000, **_: Any) -> Data:
    """The first MNIST images as one-channel images [N, 1, 28, 28], standardised."""
    X_train, y_train, X_test, y_test = load_mnist()
    X_train, X_test = global_standardize(X_train[:n_train], X_test[:n_test])
    inputs = {
        "X_train": X_train[:, None],  # global_standardize gave float64
        "y_train": one_hot(y_train[:n_train], 10),
        "X_test": X_test[:, None],
    }
    return inputs, {"y_test": y_test[:n_test]}


def rmse(got: dict[str, ndarray], labels: dict[str, ndarray], **_: Any) -> float:
    """The root mean squared error of ``got["predictions"]`` against the test targets."""
    preds = np.asarray(got["predictions"], dtype=np.float64)
    y_test = labels["y_test"]
    if preds.shape != y_test.shape:
        raise ValueError(f"predictions of shape {preds.shape}, expected {y_test.shape}")
    return float(np.sqrt(np.mean((preds - y_test) ** 2)))


def accuracy(got: dict[str, ndarray], labels: dict[str, ndarray], **_: Any) -> float:
    """The share of test images whose highest score in ``got["scores"]`` is the label."""
    scores = np.asarray(got["scores"])
    if scores.shape != (labels["y_test"].shape[0], 10):
        raise ValueError(f"scores of shape {scores.shape}, expected ({labels['y_test'].size}, 10)")
    return float(np.mean(np.argmax(scores, axis=1) == labels["y_test"]))


def train_within_budget(
    steps: Callable[[int], Iterable[Any]], step: Callable[[Any], None], epochs: int, budget: float
) -> bool:
    """Run ``step(batch)`` for every batch of ``steps(epoch)``, epoch after epoch, until done or
    until ``budget`` seconds have passed; return whether the budget ran out."""
    start = time.monotonic()
    for epoch in range(epochs):
        for batch in steps(epoch):
            step(batch)
            if time.monotonic() - start > budget:
                return True
    return False


def fit_network(
    ref: Any,
    net: Any,
    optim: Any,
    data: dict[str, ndarray],
    epochs: int,
    budget: float,
    batch: int,
    fixed: Sequence[Any] = (),
) -> dict[str, ndarray]:
    """Train ``net`` with ``optim`` on ``data``'s training set (shuffled with a fixed seed,
    the book's ``Trainer.generate_batches``) within ``budget`` seconds; its test scores.
    The layers in ``fixed`` keep their starting parameters (their gradients are zeroed
    before each step), so that only the others can learn."""
    trainer = ref.Trainer(net, optim)
    optim.net = net
    X, y = data["X_train"], data["y_train"]
    order = np.random.default_rng(1)

    def batches(_: int) -> Iterable[tuple[ndarray, ndarray]]:
        return trainer.generate_batches(X, y, batch, order.permutation(X.shape[0]))

    def step(pair: tuple[ndarray, ndarray]) -> None:
        net.train_batch(*pair)
        for layer in fixed:
            for grad in layer.param_grads:
                grad[...] = 0.0
        optim.step()

    exhausted = train_within_budget(batches, step, epochs, budget)
    X_test = data["X_test"]
    scores = [net.forward(X_test[i : i + 500], inference=True) for i in range(0, len(X_test), 500)]
    return {"scores": np.concatenate(scores), "budget_exhausted": np.array(exhausted)}
