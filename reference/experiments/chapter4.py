"""Chapter 4: the extensions on MNIST — losses, momentum, learning-rate decay, Glorot, dropout.

The book's settings: a hidden layer of 89 neurons and 10 outputs, batch 60, seed 20190119
(for the network and the shuffles), inputs minus the training set's global mean over its
global std, one-hot targets, early stopping on (stop at the first rise of the validation
loss, keep the best evaluated model).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import global_standardize, load_mnist, one_hot

from ..activations import Linear, ReLU, Sigmoid, Tanh
from ..dropout import Dropout
from ..layers import Dense, Layer
from ..losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from ..metrics import calc_accuracy_model
from ..network import NeuralNetwork
from ..optimizers import SGD, Optimizer, SGDMomentum
from ..trainer import Trainer, TrainingHistory
from .common import ExperimentResult, save_curves

__all__ = ["ROWS", "Row", "epoch_seconds", "run"]

SEED = 20190119


@dataclass(frozen=True)
class Row:
    """One model of the book's table: how to build it and train it, and what the book got."""

    name: str
    layers: Callable[[], list[Layer]]
    loss: Callable[[], Loss]
    optim: Callable[[], Optimizer]
    epochs: int
    eval_every: int
    book: float
    note: str = ""
    # a second run with one thing changed, for comparison: (its name, the change)
    variant: tuple[str, Callable[[NeuralNetwork], None]] | None = None


class _BookDropout(Dropout):
    """The book's dropout convention, for comparison only: the training output is not
    scaled, the inference output is multiplied by keep_prob."""

    def _output(self, inference: bool = False) -> ndarray:
        if inference:
            return self.input_ * self.keep_prob
        self.mask = (self.rng.random(self.input_.shape) < self.keep_prob).astype(np.float64)
        return self.input_ * self.mask


def _book_dropout(net: NeuralNetwork) -> None:
    """Swap every dropout of a built network for the book's convention (same generator)."""
    for layer in net.layers:
        for i, op in enumerate(layer.operations):
            if isinstance(op, Dropout):
                layer.operations[i] = _BookDropout(op.keep_prob, seed=op.rng)


BOOK_DROPOUT = ("the book's dropout convention, all else equal", _book_dropout)
INVERTED_NOTE = (
    "inverted dropout: with the book's learning rates the layer after a dropout steps "
    "1/keep_prob² = 1.56× as far as under the book's convention"
)


def _next_seed(net: NeuralNetwork) -> None:
    """Draw the network's initial weights and dropout masks from the next seed instead."""
    net.seed = SEED + 1
    net.restart()


NEXT_SEED = (f"with seed {SEED + 1} for the network, all else equal", _next_seed)
SEED_NOTE = "early stopping at the first rise of the val loss makes this row seed-sensitive"


def _glorot_tanh(hidden: int, dropout: float = 1.0) -> list[Layer]:
    return [
        Dense(hidden, Tanh(), dropout=dropout, weight_init="glorot"),
        Dense(10, Linear(), weight_init="glorot"),
    ]


def _deep(dropout: float) -> list[Layer]:
    return [
        Dense(178, Tanh(), dropout=dropout, weight_init="glorot"),
        Dense(46, Tanh(), dropout=dropout, weight_init="glorot"),
        Dense(10, Linear(), weight_init="glorot"),
    ]


def _momentum_exp() -> Optimizer:
    return SGDMomentum(0.2, final_lr=0.05, decay_type="exponential", momentum=0.9)


def _momentum_linear() -> Optimizer:
    return SGDMomentum(0.15, final_lr=0.05, decay_type="linear", momentum=0.9)


ROWS: list[Row] = [
    Row(
        "Tanh / Sigmoid, MSE, SGD 0.1",
        lambda: [Dense(89, Tanh()), Dense(10, Sigmoid())],
        MeanSquaredError,
        lambda: SGD(0.1),
        50,
        10,
        0.7280,
    ),
    Row(
        "Sigmoid / Linear, softmax CE, SGD 0.1, early stop",
        lambda: [Dense(89, Sigmoid()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        lambda: SGD(0.1),
        130,
        1,
        0.9104,
    ),
    Row(
        "Tanh / Linear, softmax CE, SGD 0.1",
        lambda: [Dense(89, Tanh()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        lambda: SGD(0.1),
        50,
        10,
        0.9092,
    ),
    Row(
        "ReLU / Linear, softmax CE, SGD 0.1",
        lambda: [Dense(89, ReLU()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        lambda: SGD(0.1),
        50,
        10,
        0.7184,
        "the book's ReLU backward passes every gradient",
    ),
    Row(
        "Tanh / Linear, softmax CE, momentum 0.9, lr 0.1",
        lambda: [Dense(89, Tanh()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        lambda: SGDMomentum(0.1, momentum=0.9),
        50,
        10,
        0.9536,
    ),
    Row(
        "Tanh / Linear, softmax CE, momentum, 0.15 → 0.05 linear",
        lambda: [Dense(89, Tanh()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        _momentum_linear,
        50,
        10,
        0.9598,
        SEED_NOTE,
        NEXT_SEED,
    ),
    Row(
        "Tanh / Linear, softmax CE, momentum, 0.2 → 0.05 exponential",
        lambda: [Dense(89, Tanh()), Dense(10, Linear())],
        SoftmaxCrossEntropy,
        _momentum_exp,
        50,
        10,
        0.9575,
    ),
    Row(
        "Tanh / Linear, Glorot, softmax CE, momentum, 0.15 → 0.05 linear",
        lambda: _glorot_tanh(89),
        SoftmaxCrossEntropy,
        _momentum_linear,
        50,
        10,
        0.9669,
        SEED_NOTE,
        NEXT_SEED,
    ),
    Row(
        "Tanh / Linear, Glorot, softmax CE, momentum, 0.2 → 0.05 exponential",
        lambda: _glorot_tanh(89),
        SoftmaxCrossEntropy,
        _momentum_exp,
        50,
        10,
        0.9648,
    ),
    Row(
        "Tanh(89, Glorot, dropout 0.8) / Linear, softmax CE, momentum, 0.2 → 0.05 exp",
        lambda: _glorot_tanh(89, dropout=0.8),
        SoftmaxCrossEntropy,
        _momentum_exp,
        50,
        10,
        0.9677,
        INVERTED_NOTE,
        BOOK_DROPOUT,
    ),
    Row(
        "Tanh(178) → Tanh(46) → Linear, Glorot, dropout 0.8, same optimizer",
        lambda: _deep(0.8),
        SoftmaxCrossEntropy,
        _momentum_exp,
        100,
        10,
        0.9734,
        INVERTED_NOTE,
        BOOK_DROPOUT,
    ),
    Row(
        "the same deep net without dropout",
        lambda: _deep(1.0),
        SoftmaxCrossEntropy,
        _momentum_exp,
        100,
        10,
        0.9608,
        SEED_NOTE,
        NEXT_SEED,
    ),
]


def _mnist(quick: bool) -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray]:
    """Standardised [N, 784] images, one-hot [N, 10] targets, and the [M] test labels."""
    X_train, y_train, X_test, y_test = load_mnist(flatten=True)
    if quick:
        X_train, y_train, X_test, y_test = (
            X_train[:2000],
            y_train[:2000],
            X_test[:500],
            y_test[:500],
        )
    X_train, X_test = global_standardize(X_train, X_test)
    return X_train, one_hot(y_train, 10), X_test, one_hot(y_test, 10), y_test


def epoch_seconds(X_train: ndarray, y_train: ndarray, epochs: int = 3) -> float:
    """The fastest of ``epochs`` training epochs of the book's 784-89-10 network (Tanh,
    softmax cross-entropy, SGD with momentum, batch 60), evaluation excluded."""
    net = NeuralNetwork([Dense(89, Tanh()), Dense(10, Linear())], SoftmaxCrossEntropy(), SEED)
    trainer = Trainer(net, SGDMomentum(0.1))
    times = [time.perf_counter()]
    trainer.fit(
        X_train,
        y_train,
        X_train[:60],
        y_train[:60],
        epochs,
        eval_every=epochs + 1,
        batch_size=60,
        seed=SEED,
        callbacks=[lambda epoch, history: times.append(time.perf_counter())],
    )
    return float(np.min(np.diff(times)))


def _train(
    row: Row,
    data: tuple[ndarray, ...],
    quick: bool,
    variant: Callable[[NeuralNetwork], None] | None = None,
) -> tuple[NeuralNetwork, TrainingHistory, list[float]]:
    """Train one row's model; ``variant`` changes the freshly built network first."""
    X_train, y_train, X_test, y_test, labels = data
    epochs, eval_every = (2, 1) if quick else (row.epochs, row.eval_every)
    net = NeuralNetwork(row.layers(), row.loss(), seed=SEED)
    if variant is not None:
        net.forward(X_train[:1], inference=True)  # builds the layers, draws no dropout mask
        variant(net)
    accuracies: list[float] = []  # at each evaluation, before early stopping restores

    def observe(epoch: int, history: TrainingHistory) -> None:
        if history.eval_epochs and history.eval_epochs[-1] == epoch:
            accuracies.append(calc_accuracy_model(net, X_test, labels))

    history = Trainer(net, row.optim()).fit(
        X_train,
        y_train,
        X_test,
        y_test,
        epochs,
        eval_every,
        batch_size=60,
        seed=SEED,
        restart=variant is None,
        callbacks=[observe],
    )
    return net, history, accuracies


def _stopping(history: TrainingHistory, accuracies: list[float]) -> str:
    """How training ended, and the accuracy of the last model trained if it was not kept."""
    if not history.stopped_early:
        return f"{history.epochs} epochs"
    return (
        f"stopped at epoch {history.epochs}, kept epoch {history.best_epoch} (best val loss); "
        f"the epoch-{history.epochs} model, which the book's notebook measures, has "
        f"{100 * accuracies[-1]:.2f}%"
    )


def _run_row(row: Row, data: tuple[ndarray, ...], quick: bool) -> tuple[ExperimentResult, dict]:
    X_test, y_test, labels = data[2:]
    start = time.perf_counter()
    net, history, accuracies = _train(row, data, quick)
    accuracy = calc_accuracy_model(net, X_test, labels)
    val_loss = net.loss.forward(net.forward(X_test, inference=True), y_test)
    seconds = time.perf_counter() - start
    notes = [f"val loss {val_loss:.4f}", _stopping(history, accuracies), row.note]
    extra: dict = {
        "val_loss": val_loss,
        "epochs_trained": history.epochs,
        "best_epoch": history.best_epoch,
        "stopped_early": history.stopped_early,
        "eval_accuracies": accuracies,
        "last_epoch_accuracy": accuracies[-1] if accuracies else None,
        "seconds_per_epoch": seconds / history.epochs,
        "quick": quick,
    }
    if row.variant is not None:
        name, change = row.variant
        other, other_history, other_accuracies = _train(row, data, quick, change)
        extra["variant"] = name
        extra["variant_accuracy"] = calc_accuracy_model(other, X_test, labels)
        extra["variant_eval_accuracies"] = other_accuracies
        notes.append(
            f"{name}: {100 * extra['variant_accuracy']:.2f}% "
            f"({_stopping(other_history, other_accuracies)})"
        )
    result = ExperimentResult(
        chapter="chapter4",
        name=row.name,
        metric="accuracy",
        book=row.book,
        ours=accuracy,
        seconds=seconds,
        note="; ".join(x for x in notes if x),
        extra=extra,
    )
    return result, history.to_dict()


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Train the book's twelve MNIST models; plot their validation and training losses.

    Each finished row is appended to ``out_dir/chapter4_results.jsonl`` as it completes (a
    full run takes a while), with its training history.

    Args:
        out_dir: where the plots and the JSON lines go.
        quick: 2 000 training and 500 test images, 2 epochs: a smoke run, not the book's.
    Returns:
        One result per row: test accuracy; validation loss, epochs and the time of one
        epoch of the 784-89-10 network in ``extra``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _mnist(quick)
    one_epoch = epoch_seconds(data[0], data[1], epochs=1 if quick else 3)
    log = out_dir / "chapter4_results.jsonl"
    log.write_text("")
    results, histories = [], []
    for row in ROWS:
        result, history = _run_row(row, data, quick)
        result.extra["mnist_epoch_seconds"] = one_epoch
        results.append(result)
        histories.append(history)
        with log.open("a") as f:
            f.write(json.dumps({"result": result.to_dict(), "history": history}) + "\n")
    results[0].note += (
        f"; one training epoch of 784-89-10, batch 60, float64: {one_epoch:.2f} s"
        f"{' (on 2 000 images)' if quick else ''}"
    )
    save_curves(
        out_dir / "chapter4_val_loss.png",
        {
            r.name: (h["eval_epochs"], h["val_losses"])
            for r, h in zip(results[1:], histories[1:], strict=True)
        },
        "MNIST: validation loss (softmax cross-entropy)",
        "epoch",
        "validation loss",
        logy=True,
    )
    save_curves(
        out_dir / "chapter4_accuracy.png",
        {
            r.name: (h["eval_epochs"], [100 * a for a in r.extra["eval_accuracies"]])
            for r, h in zip(results, histories, strict=True)
        },
        "MNIST: test accuracy at each evaluation",
        "epoch",
        "accuracy (%)",
    )
    save_curves(
        out_dir / "chapter4_train_loss.png",
        {
            r.name: (range(1, len(h["train_losses"]) + 1), h["train_losses"])
            for r, h in zip(results, histories, strict=True)
        },
        "MNIST: mean training batch loss per epoch",
        "epoch",
        "training loss",
        logy=True,
    )
    save_curves(
        out_dir / "chapter4_book_vs_ours.png",
        {
            "book": (range(1, len(results) + 1), [100 * r.book for r in results]),
            "ours": (range(1, len(results) + 1), [100 * r.ours for r in results]),
        },
        "MNIST test accuracy, the rows of the book's table in order",
        "row",
        "accuracy (%)",
    )
    return results
