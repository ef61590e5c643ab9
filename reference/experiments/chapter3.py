"""Chapter 3: the framework on Boston housing — linear regression, one and two hidden layers.

The book's settings: SGD lr 0.01, 50 epochs, evaluation every 10, batch 32, seed 20190501,
mean squared error, early stopping on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import boston_split, load_boston

from ..activations import Linear, Sigmoid
from ..layers import Dense, Layer
from ..losses import MeanSquaredError
from ..metrics import eval_regression_model
from ..network import NeuralNetwork
from ..optimizers import SGD
from ..trainer import Trainer
from .common import ExperimentResult, save_curves

__all__ = ["run"]

SEED = 20190501
# The book's results are single runs; these seeds show how much one run varies.
SPREAD_SEEDS = range(SEED + 1, SEED + 11)

# name, the layers, the book's final validation loss (MAE, RMSE)
ROWS: list[tuple[str, Callable[[], list[Layer]], float, float, float]] = [
    ("Dense(1, Linear)", lambda: [Dense(1, Linear())], 25.087, 3.52, 5.01),
    (
        "Dense(13, Sigmoid) → Dense(1, Linear)",
        lambda: [Dense(13, Sigmoid()), Dense(1, Linear())],
        16.215,
        2.60,
        4.03,
    ),
    (
        "Dense(13, Sigmoid) → Dense(13, Sigmoid) → Dense(1, Linear)",
        lambda: [Dense(13, Sigmoid()), Dense(13, Sigmoid()), Dense(1, Linear())],
        14.655,
        2.45,
        3.83,
    ),
]


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Train the book's three Boston models; plot their validation losses.

    Args:
        out_dir: where ``chapter3_val_loss.png`` goes.
        quick: 5 epochs, evaluated every epoch: a smoke run, not the book's.
    Returns:
        One result per model: the final validation loss (MSE) with the book's seed; in
        ``extra`` MAE, RMSE, the loss with the book's re-seeded initial weights and (unless
        quick) the spread of both over ten more seeds.
    """
    features, target, _ = load_boston()
    X_train, X_test, y_train, y_test = boston_split(features, target)
    data = (X_train, y_train, X_test, y_test)
    epochs, eval_every = (5, 1) if quick else (50, 10)

    results = []
    curves = {}
    for name, layers, book_loss, book_mae, book_rmse in ROWS:
        start = time.perf_counter()
        net = NeuralNetwork(layers(), MeanSquaredError(), seed=SEED)
        history = Trainer(net, SGD(lr=0.01)).fit(
            X_train, y_train, X_test, y_test, epochs, eval_every, batch_size=32, seed=SEED
        )
        val_loss = net.loss.forward(net.forward(X_test, inference=True), y_test)
        mae, rmse = eval_regression_model(net, X_test, y_test)
        book_init = _val_loss(layers, SEED, data, epochs, eval_every, book_init=True)
        spread, book_spread = [], []
        if not quick:
            spread = [_val_loss(layers, seed, data) for seed in SPREAD_SEEDS]
            book_spread = [_val_loss(layers, s, data, book_init=True) for s in SPREAD_SEEDS]
        curves[name] = (history.eval_epochs, history.val_losses)
        note = "stopped early at the first rise; best model kept" if history.stopped_early else ""
        results.append(
            ExperimentResult(
                chapter="chapter3",
                name=name,
                metric="val loss (MSE)",
                book=book_loss,
                ours=val_loss,
                higher_is_better=False,
                seconds=time.perf_counter() - start,
                note=note,
                extra={
                    "mae": mae,
                    "rmse": rmse,
                    "book_mae": book_mae,
                    "book_rmse": book_rmse,
                    "epochs_trained": history.epochs,
                    "best_epoch": history.best_epoch,
                    "book_init_val_loss": book_init,
                    "seed_spread": spread,
                    "book_init_seed_spread": book_spread,
                    "quick": quick,
                },
            )
        )
    for r in results:
        r.note = (
            f"MAE {r.extra['mae']:.2f} / RMSE {r.extra['rmse']:.2f} "
            f"(book {r.extra['book_mae']:.2f} / {r.extra['book_rmse']:.2f})"
            + (f"; {r.note}" if r.note else "")
        )
        r.note += (
            "; the book's re-seeded initial weights, all else equal: "
            f"{r.extra['book_init_val_loss']:.2f}"
        )
        for label, key in (("ours", "seed_spread"), ("re-seeded", "book_init_seed_spread")):
            values = r.extra[key]
            if values:
                r.note += (
                    f"; {label} over {len(values)} other seeds: mean {np.mean(values):.2f}, "
                    f"range {min(values):.2f}–{max(values):.2f}"
                )
    save_curves(
        out_dir / "chapter3_val_loss.png",
        curves,
        "Boston housing: validation loss (MSE), SGD lr 0.01, batch 32",
        "epoch",
        "validation MSE",
    )
    save_curves(
        out_dir / "chapter3_book_vs_ours.png",
        {
            "book": (range(1, len(results) + 1), [r.book for r in results]),
            "ours": (range(1, len(results) + 1), [r.ours for r in results]),
        },
        "Final validation loss: 1 = linear, 2 = one hidden layer, 3 = two",
        "model",
        "validation MSE",
    )
    return results


def _book_init(net: NeuralNetwork, seed: int) -> None:
    """The book's initial weights: every layer re-seeds NumPy with the network's seed and
    draws W, then B, from N(0, 1), so layers of the same shape start equal."""
    for layer in net.layers:
        draw = np.random.RandomState(seed)
        for param in layer.params:
            param[...] = draw.normal(0.0, 1.0, size=param.shape)


def _val_loss(
    layers: Callable[[], list[Layer]],
    seed: int,
    data: tuple[ndarray, ...],
    epochs: int = 50,
    eval_every: int = 10,
    book_init: bool = False,
) -> float:
    """The final validation loss of one run with the book's settings and ``seed``."""
    X_train, y_train, X_test, y_test = data
    net = NeuralNetwork(layers(), MeanSquaredError(), seed=seed)
    if book_init:
        net.forward(X_train[:1])  # builds the layers
        _book_init(net, seed)
    Trainer(net, SGD(lr=0.01)).fit(
        X_train, y_train, X_test, y_test, epochs, eval_every, 32, seed=seed, restart=not book_init
    )
    return net.loss.forward(net.forward(X_test, inference=True), y_test)
