"""Chapter 5: the book's convolutional network on MNIST, one epoch.

Conv2D(16 filters, 5×5, Tanh, Glorot, dropout 0.8, flatten) → Dense(10, Linear), softmax
cross-entropy, SGD with momentum 0.9 at lr 0.1, batch 60, one epoch, seed 20190402 for the
network and the shuffle; images standardised with the training set's global mean and std and
shaped [N, 1, 28, 28]. The book's Dense keeps its default init (std 1 over 12 544 inputs);
a second row gives the Dense layer Glorot's init too, to show what that changes.

Besides the final test accuracy and loss, the run records every batch's training loss and,
every 100 batches, the accuracy on the first 1 000 test images (as the book's
``conv_testing`` printout does), and plots them with the 16 learned filters.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import global_standardize, load_mnist, one_hot

from ..activations import Linear, Tanh
from ..conv_layer import Conv2D
from ..layers import Dense
from ..losses import SoftmaxCrossEntropy
from ..metrics import calc_accuracy_model
from ..network import NeuralNetwork
from ..optimizers import SGDMomentum
from ..trainer import Trainer
from .common import ExperimentResult, save_curves

__all__ = ["BOOK_ACCURACY", "BOOK_VAL_LOSS", "SEED", "run"]

SEED = 20190402
BOOK_ACCURACY = 0.9031
BOOK_VAL_LOSS = 3.615
PROBE_EVERY = 100
PROBE_IMAGES = 1000


class _RecordingNetwork(NeuralNetwork):
    """The network, also recording each training batch's loss and, every ``PROBE_EVERY``
    batches, the accuracy on a few test images (the time spent probing is kept apart)."""

    def __init__(self, *args, probe: tuple[ndarray, ndarray], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.probe = probe
        self.batch_losses: list[float] = []
        self.probe_batches: list[int] = []
        self.probe_accuracies: list[float] = []
        self.probe_seconds = 0.0

    def train_batch(self, x_batch: ndarray, y_batch: ndarray, inference: bool = False) -> float:
        loss = super().train_batch(x_batch, y_batch, inference)
        self.batch_losses.append(loss)
        if len(self.batch_losses) % PROBE_EVERY == 0:
            start = time.perf_counter()
            self.probe_batches.append(len(self.batch_losses))
            self.probe_accuracies.append(calc_accuracy_model(self, *self.probe))
            self.probe_seconds += time.perf_counter() - start
        return loss


def _mnist(quick: bool) -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray]:
    """[N, 1, 28, 28] standardised images, one-hot [N, 10] targets, and the [M] test labels."""
    X_train, y_train, X_test, y_test = load_mnist()
    if quick:
        X_train, y_train, X_test, y_test = (
            X_train[:3000],
            y_train[:3000],
            X_test[:500],
            y_test[:500],
        )
    X_train, X_test = global_standardize(X_train, X_test)
    X_train = X_train.reshape(-1, 1, 28, 28)
    X_test = X_test.reshape(-1, 1, 28, 28)
    return X_train, one_hot(y_train, 10), X_test, one_hot(y_test, 10), y_test


def _train(
    data: tuple[ndarray, ...], dense_init: str
) -> tuple[_RecordingNetwork, float, float, float]:
    """Train the book's network once; return it, its accuracy, loss and epoch time."""
    X_train, y_train, X_test, y_test, labels = data
    net = _RecordingNetwork(
        [
            Conv2D(16, 5, dropout=0.8, weight_init="glorot", activation=Tanh(), flatten=True),
            Dense(10, Linear(), weight_init=dense_init),
        ],
        SoftmaxCrossEntropy(),
        seed=SEED,
        probe=(X_test[:PROBE_IMAGES], labels[:PROBE_IMAGES]),
    )
    trainer = Trainer(net, SGDMomentum(0.1, momentum=0.9))
    history = trainer.fit(
        X_train, y_train, X_test, y_test, epochs=1, eval_every=1, batch_size=60, seed=SEED
    )
    accuracy = calc_accuracy_model(net, X_test, labels)
    val_loss = history.val_losses[-1]
    return net, accuracy, val_loss, history.seconds - net.probe_seconds


def _plot_filters(path: Path, filters: ndarray, title: str) -> Path:
    """The filters [1, C_out, K, K] as a grid of grey images, each on its own scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = filters.shape[1]
    cols = 8
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows + 0.4))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < count:
            ax.imshow(filters[0, i], cmap="gray", interpolation="nearest")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _smooth(values: list[float], width: int = 20) -> tuple[ndarray, ndarray]:
    width = max(1, min(width, len(values)))
    smoothed = np.convolve(values, np.ones(width) / width, mode="valid")
    return np.arange(width, len(values) + 1), smoothed


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Train the book's MNIST CNN for one epoch (and the variant with a Glorot Dense layer).

    Args:
        out_dir: where the plots and ``chapter5_results.json`` go.
        quick: 3 000 training and 500 test images (50 batches): a smoke run, not the book's.
    Returns:
        Two rows (accuracy on the test set), with the test loss, the epoch time and the
        probe curve in ``extra``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _mnist(quick)
    rows = [
        (
            "Conv2D(16, 5×5, Tanh, Glorot, dropout 0.8) → Dense(10), momentum 0.9 lr 0.1, 1 epoch",
            "standard",
            BOOK_ACCURACY,
        ),
        ("the same with Glorot's init in the Dense layer too", "glorot", None),
    ]
    results, nets = [], []
    for name, dense_init, book in rows:
        start = time.perf_counter()
        net, accuracy, val_loss, epoch_seconds = _train(data, dense_init)
        nets.append(net)
        book_note = f" (book {BOOK_VAL_LOSS})" if book is not None else ""
        results.append(
            ExperimentResult(
                chapter="chapter5",
                name=name,
                metric="accuracy",
                book=book,
                ours=accuracy,
                seconds=time.perf_counter() - start,
                note=(
                    f"val loss {val_loss:.4f}{book_note}; one epoch of "
                    f"{data[0].shape[0]} images in {epoch_seconds:.1f} s (training and the "
                    "end-of-epoch test evaluation)"
                ),
                extra={
                    "val_loss": val_loss,
                    "book_val_loss": BOOK_VAL_LOSS if book is not None else None,
                    "epoch_seconds": epoch_seconds,
                    "train_images": int(data[0].shape[0]),
                    "probe_batches": net.probe_batches,
                    "probe_accuracies": net.probe_accuracies,
                    "quick": quick,
                },
            )
        )
    (out_dir / "chapter5_results.json").write_text(
        json.dumps(
            [
                {"result": r.to_dict(), "batch_losses": n.batch_losses}
                for r, n in zip(results, nets, strict=True)
            ],
            indent=1,
        )
    )
    labels = ["book's network", "Glorot Dense"]
    save_curves(
        out_dir / "chapter5_train_loss.png",
        {label: _smooth(n.batch_losses) for label, n in zip(labels, nets, strict=True)},
        "MNIST CNN, one epoch: training loss (mean of the last 20 batches)",
        "batch",
        "softmax cross-entropy",
        logy=True,
    )
    if nets[0].probe_batches:
        save_curves(
            out_dir / "chapter5_probe_accuracy.png",
            {
                label: (n.probe_batches, [100 * a for a in n.probe_accuracies])
                for label, n in zip(labels, nets, strict=True)
            },
            f"MNIST CNN: accuracy on the first {PROBE_IMAGES} test images during the epoch",
            "batch",
            "accuracy (%)",
        )
    _plot_filters(
        out_dir / "chapter5_filters.png",
        nets[0].layers[0].params[0],
        "the 16 learned 5×5 filters (book's network, after one epoch)",
    )
    return results
