"""Chapter 7: the PyTorch track's four experiments, and a dense autoencoder in NumPy.

The book's settings, row by row (``../shared/BOOK_RESULTS.md``):

* Boston housing: ``BostonModel`` (Tanh 13, dropout keeping 0.8), SGD lr 0.001 momentum 0.9,
  100 epochs, batch 32, MSE; the book's test MSE 14.368.
* MNIST: ``MNIST_ConvNet``, SGD lr 0.01 momentum 0.9, batch 60, 1 epoch; 96.98%.
* Next character: ``NextCharacterModel`` with hidden size = vocabulary, sequences of 50,
  Adam lr 0.001 weight decay 1e-5, batch 32, 1 epoch on tiny Shakespeare; val loss 2.331.
* The convolutional ``Autoencoder``, code size 28 (and 2), inputs scaled to [−1, 1], SGD lr
  0.01 momentum 0.9, batch 60, 1 epoch, MSE; 0.0693 (code size 2: 0.2426).

Then the same idea from scratch: a ``DenseAutoencoder`` (784 → 256 → 28 → 256 → 784, Tanh),
trained by the chapter 3–4 ``Trainer`` with ``SGDMomentum``; plots of its reconstructions and
of its codes in two dimensions, coloured by digit (t-SNE when scikit-learn is installed, else
the codes' first two principal components).

PyTorch runs in float32, its default. Run with ``OMP_NUM_THREADS=1`` on a shared machine.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray

from dlfs.datasets import boston_split, global_standardize, load_boston, load_mnist, load_text

from ..autoencoder import DenseAutoencoder, to_tanh_range
from ..optimizers import SGDMomentum
from ..trainer import Trainer
from .common import ExperimentResult, save_curves

if TYPE_CHECKING:
    import torch

    from ..pytorch.trainer import FitHistory

__all__ = ["run"]

CHAPTER = "chapter7"
SEED = 20190325  # the torch seed of every model's initial weights and of its shuffles
LSTM_SEED = 121718  # the book's LSTMTrainer default
BOOK = {
    "boston": 14.368,
    "convnet": 0.9698,
    "lstm": 2.331,
    "autoencoder": 0.0693,
    "autoencoder_2": 0.2426,
}
# The NumPy autoencoder: not in the book, so no book figure.
# (The loss sums over 784 pixels, so the step is 784 times that of a per-pixel mean: hence the
# small rate. 0.0005 beat 0.0001, 0.0002, 0.002, 0.005 and 0.001 → 0.0001 on short runs.)
NUMPY_AE = {"hidden_sizes": (256,), "code_size": 28, "lr": 0.0005}
NUMPY_AE_EPOCHS = 12


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Run the chapter's experiments; save the plots under ``out_dir``.

    Args:
        out_dir: where the PNGs go.
        quick: small subsets and a few batches each: a smoke run of seconds, not the book's.
    Returns:
        One result per experiment, the book's figure beside ours; without PyTorch (the
        optional extra), only the NumPy autoencoder's.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    mnist = _mnist(quick)
    results = []
    if importlib.util.find_spec("torch") is not None:
        results += [
            _boston(out_dir, quick),
            _convnet(mnist, quick),
            _lstm(out_dir, quick),
            _conv_autoencoder(mnist, 28, out_dir, quick),
            _conv_autoencoder(mnist, 2, out_dir, quick),
        ]
    results.append(_numpy_autoencoder(mnist, out_dir, quick))
    return results


def _mnist(quick: bool) -> dict[str, ndarray]:
    """MNIST, standardised as in the book, and the same images scaled to [−1, 1]."""
    X_train, y_train, X_test, y_test = load_mnist(flatten=True)
    if quick:
        X_train, y_train, X_test, y_test = X_train[:600], y_train[:600], X_test[:500], y_test[:500]
    standard_train, standard_test = global_standardize(X_train, X_test)
    unit_train, unit_test = to_tanh_range(X_train, X_test)
    return {
        "X_train": standard_train,
        "X_test": standard_test,
        "y_train": y_train,
        "y_test": y_test,
        "unit_train": unit_train,
        "unit_test": unit_test,
    }


def _images(X: ndarray) -> torch.Tensor:
    """[N, 784] float64 → [N, 1, 28, 28] float32 tensor."""
    import torch

    return torch.from_numpy(X.reshape(-1, 1, 28, 28).astype(np.float32))


def _boston_fit(
    data: tuple[ndarray, ...], keep: float, seed: int, epochs: int, eval_every: int
) -> tuple[torch.nn.Module, FitHistory]:
    """One run of the book's Boston settings: the model and its ``FitHistory``."""
    import torch

    from ..pytorch import BostonModel, PyTorchTrainer

    torch.manual_seed(seed)
    model = BostonModel(hidden_size=13, hidden_dropout=keep)
    optim = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    trainer = PyTorchTrainer(model, optim, torch.nn.MSELoss())
    return model, trainer.fit(*data, epochs, eval_every, batch_size=32, seed=seed)


def _boston(out_dir: Path, quick: bool) -> ExperimentResult:
    start = time.perf_counter()
    features, target, _ = load_boston()
    X_train, X_test, y_train, y_test = boston_split(features, target)
    data = (X_train, y_train, X_test, y_test)
    epochs, eval_every = (5, 1) if quick else (100, 10)
    _, history = _boston_fit(data, 0.8, SEED, epochs, eval_every)
    # The book's trainer switches dropout off at its first evaluation (after epoch 1) for
    # good: the same model trained without dropout shows what that changes. One run is noisy
    # on 354 rows, so both are also run with more seeds.
    seeds = [] if quick else range(SEED + 1, SEED + 6)
    _, no_dropout = _boston_fit(data, 1.0, SEED, epochs, eval_every)
    spread = [_boston_fit(data, 0.8, s, epochs, eval_every)[1].val_loss[-1] for s in seeds]
    spread_off = [_boston_fit(data, 1.0, s, epochs, eval_every)[1].val_loss[-1] for s in seeds]
    save_curves(
        out_dir / "chapter7_boston_val_loss.png",
        {
            "dropout 0.8 (kept on)": (history.eval_epochs, history.val_loss),
            "no dropout (as the book's trainer ran)": (no_dropout.eval_epochs, no_dropout.val_loss),
        },
        "Boston housing with PyTorch: test MSE, SGD 0.001 momentum 0.9, batch 32",
        "epoch",
        "test MSE",
    )
    note = (
        f"RMSE {np.sqrt(history.val_loss[-1]):.2f}, dropout on throughout; the book's trainer "
        f"ran without dropout after epoch 1 (it never calls train() again): without dropout "
        f"{no_dropout.val_loss[-1]:.2f}"
    )
    if spread:
        note += (
            f"; mean of {len(spread) + 1} seeds {np.mean([history.val_loss[-1], *spread]):.2f} "
            f"with dropout, {np.mean([no_dropout.val_loss[-1], *spread_off]):.2f} without"
        )
    return ExperimentResult(
        chapter=CHAPTER,
        name="Boston, Tanh(13, dropout 0.8) → 1 (PyTorch)",
        metric="test MSE",
        book=BOOK["boston"],
        ours=history.val_loss[-1],
        higher_is_better=False,
        seconds=time.perf_counter() - start,
        note=note,
        extra={
            "epochs": epochs,
            "val_loss": history.val_loss,
            "no_dropout": no_dropout.val_loss[-1],
            "seed_spread": spread,
            "seed_spread_no_dropout": spread_off,
            "quick": quick,
        },
    )


def _accuracy(model: torch.nn.Module, X: torch.Tensor, y: ndarray, batch_size: int = 1000) -> float:
    """The fraction of ``X``'s images whose highest logit is the label (in eval mode)."""
    import torch

    model.eval()
    with torch.no_grad():
        predictions = [
            model(X[i : i + batch_size]).argmax(dim=1).numpy() for i in range(0, len(X), batch_size)
        ]
    model.train()
    return float(np.mean(np.concatenate(predictions) == y))


def _convnet(mnist: dict[str, ndarray], quick: bool) -> ExperimentResult:
    import torch

    from ..pytorch import MNIST_ConvNet, PyTorchTrainer

    start = time.perf_counter()
    X_train, X_test = _images(mnist["X_train"]), _images(mnist["X_test"])
    torch.manual_seed(SEED)
    model = MNIST_ConvNet()
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = PyTorchTrainer(model, optim, torch.nn.CrossEntropyLoss())
    history = trainer.fit(
        X_train, mnist["y_train"], X_test, mnist["y_test"], 1, 1, batch_size=60, seed=SEED
    )
    accuracy = _accuracy(model, X_test, mnist["y_test"])
    return ExperimentResult(
        chapter=CHAPTER,
        name="MNIST ConvNet, 1 epoch (PyTorch)",
        metric="accuracy",
        book=BOOK["convnet"],
        ours=accuracy,
        seconds=time.perf_counter() - start,
        note=f"test loss {history.val_loss[-1]:.4f}",
        extra={"val_loss": history.val_loss[-1], "train_images": len(X_train), "quick": quick},
    )


def _lstm(out_dir: Path, quick: bool) -> ExperimentResult:
    import torch

    from ..pytorch import LSTMTrainer, NextCharacterModel

    start = time.perf_counter()
    text = load_text("tinyshakespeare")
    if quick:
        text = text[:20_000]
    vocab_size = len(set(text))
    torch.manual_seed(LSTM_SEED)
    model = NextCharacterModel(vocab_size, hidden_size=vocab_size, sequence_length=50)
    optim = torch.optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-5)
    trainer = LSTMTrainer(model, optim, torch.nn.CrossEntropyLoss())
    history = trainer.fit(
        text, epochs=1, batch_size=32, seed=LSTM_SEED, max_batches=20 if quick else None
    )
    losses = np.asarray(history.train_loss)
    window = max(1, len(losses) // 200)
    smoothed = np.convolve(losses, np.ones(window) / window, mode="valid")
    save_curves(
        out_dir / "chapter7_lstm_train_loss.png",
        {f"batch loss, mean of {window}": (range(window, len(losses) + 1), smoothed)},
        f"Next character, LSTM hidden {vocab_size}, sequences of 50, Adam 0.001",
        "batch",
        "cross-entropy per character",
    )
    return ExperimentResult(
        chapter=CHAPTER,
        name="next-character LSTM, hidden = vocab, 1 epoch (PyTorch)",
        metric="val loss",
        book=BOOK["lstm"],
        ours=history.val_loss[-1],
        higher_is_better=False,
        seconds=time.perf_counter() - start,
        note=(
            f"{len(losses)} batches of 32 = every 50-character window of the first 80% of "
            f"tiny Shakespeare ({vocab_size} characters; the book's text had 62); validation "
            "on non-overlapping windows of the last 20%"
            if not quick
            else "quick: 20 batches of a 20,000-character excerpt"
        ),
        extra={"batches": len(losses), "vocab_size": vocab_size, "quick": quick},
    )


def _conv_autoencoder(
    mnist: dict[str, ndarray], code_size: int, out_dir: Path, quick: bool
) -> ExperimentResult:
    import torch

    from ..pytorch import Autoencoder, PyTorchTrainer

    start = time.perf_counter()
    X_train, X_test = _images(mnist["unit_train"]), _images(mnist["unit_test"])
    torch.manual_seed(SEED)
    model = Autoencoder(hidden_dim=code_size)
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = PyTorchTrainer(model, optim, torch.nn.MSELoss())
    history = trainer.fit(X_train, X_train, X_test, X_test, 1, 1, batch_size=60, seed=SEED)
    model.eval()
    with torch.no_grad():
        reconstructions, codes = model(X_test[:2000])
    _plot_reconstructions(
        out_dir / f"chapter7_conv_autoencoder_{code_size}_reconstructions.png",
        mnist["unit_test"][:10],
        reconstructions[:10].numpy().reshape(10, 784),
        f"Convolutional autoencoder (PyTorch), code size {code_size}",
    )
    method = _plot_code_map(
        out_dir / f"chapter7_conv_autoencoder_{code_size}_codes.png",
        codes.numpy(),
        mnist["y_test"][:2000],
        f"Convolutional autoencoder codes ({code_size}-D)",
    )
    key = "autoencoder" if code_size == 28 else "autoencoder_2"
    return ExperimentResult(
        chapter=CHAPTER,
        name=f"conv autoencoder, code size {code_size}, 1 epoch (PyTorch)",
        metric="test MSE",
        book=BOOK[key],
        ours=history.val_loss[-1],
        higher_is_better=False,
        seconds=time.perf_counter() - start,
        note=f"per pixel, inputs in [−1, 1]; code map by {_explain(method)}",
        extra={"code_size": code_size, "quick": quick},
    )


def _numpy_autoencoder(mnist: dict[str, ndarray], out_dir: Path, quick: bool) -> ExperimentResult:
    start = time.perf_counter()
    X_train, X_test = mnist["unit_train"], mnist["unit_test"]
    epochs = 1 if quick else NUMPY_AE_EPOCHS
    net = DenseAutoencoder(
        784, NUMPY_AE["hidden_sizes"], NUMPY_AE["code_size"], weight_init="glorot", seed=SEED
    )
    optim = SGDMomentum(lr=NUMPY_AE["lr"], momentum=0.9)
    history = Trainer(net, optim).fit(
        X_train, X_train, X_test, X_test, epochs, 1, batch_size=60, seed=SEED, early_stopping=False
    )
    reconstructions = net.reconstruct(X_test)
    mse = float(np.mean((reconstructions - X_test) ** 2))
    save_curves(
        out_dir / "chapter7_numpy_autoencoder_val_loss.png",
        {"dense autoencoder (NumPy)": (history.eval_epochs, np.array(history.val_losses) / 784)},
        "Dense autoencoder from scratch: test MSE per pixel",
        "epoch",
        "test MSE per pixel",
    )
    _plot_reconstructions(
        out_dir / "chapter7_numpy_autoencoder_reconstructions.png",
        X_test[:10],
        reconstructions[:10],
        f"Dense autoencoder (NumPy), code size {net.code_size}",
    )
    method = _plot_code_map(
        out_dir / "chapter7_numpy_autoencoder_codes.png",
        net.encode(X_test[:2000]),
        mnist["y_test"][:2000],
        f"Dense autoencoder codes ({net.code_size}-D)",
    )
    return ExperimentResult(
        chapter=CHAPTER,
        name=f"dense autoencoder 784-256-{net.code_size}-256-784, NumPy",
        metric="test MSE",
        book=None,
        ours=mse,
        higher_is_better=False,
        seconds=time.perf_counter() - start,
        note=(
            f"not in the book: Tanh, Glorot, SGDMomentum lr {NUMPY_AE['lr']} momentum 0.9, "
            f"batch 60, {epochs} epoch(s); per pixel, "
            f"inputs in [−1, 1]; code map by {_explain(method)}"
        ),
        extra={"val_loss_per_pixel": list(np.array(history.val_losses) / 784), "quick": quick},
    )


def _plot_reconstructions(path: Path, originals: ndarray, reconstructions: ndarray, title: str):
    """Two rows of digits: [n, 784] originals above their [n, 784] reconstructions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(originals)
    fig, axes = plt.subplots(2, n, figsize=(1.2 * n, 2.8))
    for row, (images, label) in enumerate(
        ((originals, "original"), (reconstructions, "reconstructed"))
    ):
        for i in range(n):
            ax = axes[row, i]
            ax.imshow(images[i].reshape(28, 28), cmap="gray", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _two_d(codes: ndarray) -> tuple[ndarray, str]:
    """[N, K] codes → [N, 2]: t-SNE if scikit-learn is installed, else principal components."""
    if codes.shape[1] <= 2:
        return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1]))), "the code itself"
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        centred = codes - codes.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        return centred @ components[:2].T, "PCA"
    return TSNE(n_components=2, random_state=0).fit_transform(codes), "t-SNE"


def _explain(method: str) -> str:
    return f"{method} (scikit-learn is not installed: no t-SNE)" if method == "PCA" else method


def _plot_code_map(path: Path, codes: ndarray, labels: ndarray, title: str) -> str:
    """Scatter the codes in 2-D, one colour per digit; return how they were projected."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points, method = _two_d(np.asarray(codes, dtype=np.float64))
    fig, ax = plt.subplots(figsize=(6, 5))
    scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=4, vmin=0, vmax=9)
    fig.colorbar(scatter, ax=ax, ticks=range(10), label="digit")
    ax.set(title=f"{title}\nprojected to 2-D by {method}", xticks=[], yticks=[])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return method
