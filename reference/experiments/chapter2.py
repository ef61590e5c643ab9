"""Chapter 2: Boston housing — closed-form least squares, linear regression and a network.

The book's data: features standard-scaled, the 354 / 152 split of ``random_state=80718``.
The book's settings: batches of 23; linear regression 1000 steps of lr 0.001, seed 180708;
the 13-sigmoid network 10000 steps of lr 0.001, seed 180807.

The book's gradients are larger than the true gradients of its mean squared error: the linear
regression's by the batch size n (it sums where the loss averages), the network's by n/2 (it
also drops the factor 2). Our gradients are exact, so we take the book's steps with
lr 0.001·n = 0.023 and lr 0.001·n/2 = 0.0115: the same updates on every full batch. The
closed form is ``numpy.linalg.lstsq`` on [X, 1] instead of scikit-learn's LinearRegression
(the same least-squares solution).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import boston_split, load_boston

from .. import linear_regression, two_layer_network
from ..regression_metrics import mae, rmse
from .common import ExperimentResult, save_curves

__all__ = ["run"]

BATCH_SIZE = 23
BOOK_LR = 0.001
LR_SEED = 180708
NN_SEED = 180807
HIDDEN = 13
# The book's figures: (MAE, RMSE).
BOOK = {"closed form": (3.5671, 5.0476), "linear": (3.5644, 5.0497), "network": (2.5951, 3.8851)}
SPREAD_SEEDS = range(10)


def _closed_form(X_train: ndarray, y_train: ndarray, X_test: ndarray) -> ndarray:
    """Least squares with an intercept, solved exactly: the test set's predictions [N, 1]."""
    ones = np.ones((X_train.shape[0], 1))
    coef, *_ = np.linalg.lstsq(np.hstack([X_train, ones]), y_train, rcond=None)
    return np.hstack([X_test, np.ones((X_test.shape[0], 1))]) @ coef


def _smooth(losses: Sequence[float], window: int) -> tuple[list[int], list[float]]:
    """The mean of each run of ``window`` steps, placed at the run's last step."""
    n = len(losses) // window
    means = np.asarray(losses[: n * window]).reshape(n, window).mean(axis=1)
    return [window * (i + 1) for i in range(n)], means.tolist()


def _plot_predictions(path: Path, y_test: ndarray, preds: dict[str, ndarray]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(preds), figsize=(4 * len(preds), 4), sharey=True)
    lo, hi = float(y_test.min()), float(y_test.max())
    for ax, (name, pred) in zip(np.atleast_1d(axes), preds.items(), strict=True):
        ax.scatter(pred.ravel(), y_test.ravel(), s=10, alpha=0.6)
        ax.plot([lo, hi], [lo, hi], color="grey", linewidth=1, label="predicted = actual")
        ax.set(title=name, xlabel="predicted MEDV", xlim=(lo - 5, hi + 5))
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("actual MEDV")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle("Boston housing, test set (152 rows)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _result(
    name: str, key: str, pred: ndarray, y_test: ndarray, seconds: float, note: str, **extra
) -> ExperimentResult:
    book_mae, book_rmse = BOOK[key]
    return ExperimentResult(
        chapter="chapter2",
        name=name,
        metric="RMSE",
        book=book_rmse,
        ours=rmse(pred, y_test),
        higher_is_better=False,
        seconds=seconds,
        note=note,
        extra={"MAE": mae(pred, y_test), "book MAE": book_mae, **extra},
    )


def _seed_spread(train, predict, X_train, y_train, X_test, y_test, **kwargs) -> dict[str, float]:
    """Test RMSE over seeds 0–9: how much of a difference from the book one seed explains."""
    scores = [
        rmse(predict(X_test, train(X_train, y_train, seed=seed, **kwargs)), y_test)
        for seed in SPREAD_SEEDS
    ]
    return {
        "RMSE min over seeds 0-9": min(scores),
        "RMSE median": float(np.median(scores)),
        "RMSE max": max(scores),
    }


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Fit the chapter's three models on Boston housing and plot them.

    Args:
        out_dir: where ``chapter2_predicted_vs_actual.png`` and ``chapter2_train_loss.png`` go.
        quick: 100 and 500 steps instead of 1000 and 10000, no spread over seeds: a smoke
            run, not the book's.
    Returns:
        Three results (closed form, linear regression, network): test RMSE, MAE in ``extra``.
    """
    features, target, _ = load_boston()
    X_train, X_test, y_train, y_test = boston_split(features, target)
    lr_iter, nn_iter = (100, 500) if quick else (1000, 10000)
    lr_kwargs = {"n_iter": lr_iter, "learning_rate": BOOK_LR * BATCH_SIZE, "batch_size": BATCH_SIZE}
    nn_kwargs = {
        "n_iter": nn_iter,
        "learning_rate": BOOK_LR * BATCH_SIZE / 2,
        "hidden_size": HIDDEN,
        "batch_size": BATCH_SIZE,
    }
    results = []

    start = time.perf_counter()
    closed = _closed_form(X_train, y_train, X_test)
    results.append(
        _result(
            "linear regression, closed form (numpy lstsq)",
            "closed form",
            closed,
            y_test,
            time.perf_counter() - start,
            "numpy.linalg.lstsq in place of scikit-learn: the same least-squares fit",
        )
    )

    start = time.perf_counter()
    lr_losses, lr_weights = linear_regression.train(
        X_train, y_train, return_losses=True, seed=LR_SEED, **lr_kwargs
    )
    lr_pred = linear_regression.predict(X_test, lr_weights)
    seconds = time.perf_counter() - start
    spread = (
        {}
        if quick
        else _seed_spread(
            linear_regression.train,
            linear_regression.predict,
            X_train,
            y_train,
            X_test,
            y_test,
            **lr_kwargs,
        )
    )
    results.append(
        _result(
            f"linear regression, from scratch ({lr_iter} steps)",
            "linear",
            lr_pred,
            y_test,
            seconds,
            "exact mean gradient, lr 0.023 = the book's 0.001 × batch 23 (the same steps on "
            "full batches); "
            "constant-lr SGD ends where its noise leaves it: see the spread over seeds",
            **spread,
        )
    )

    start = time.perf_counter()
    nn_losses, nn_weights = two_layer_network.train(
        X_train, y_train, return_losses=True, seed=NN_SEED, **nn_kwargs
    )
    nn_pred = two_layer_network.predict(X_test, nn_weights)
    seconds = time.perf_counter() - start
    spread = (
        {}
        if quick
        else _seed_spread(
            two_layer_network.train,
            two_layer_network.predict,
            X_train,
            y_train,
            X_test,
            y_test,
            **nn_kwargs,
        )
    )
    results.append(
        _result(
            f"13 sigmoid hidden → 1, from scratch ({nn_iter} steps)",
            "network",
            nn_pred,
            y_test,
            seconds,
            "true MSE gradient (the book's lacks 2/N), lr 0.0115 = the book's 0.001 × 23 / 2",
            **spread,
        )
    )

    _plot_predictions(
        out_dir / "chapter2_predicted_vs_actual.png",
        y_test,
        {"closed form": closed, "linear, from scratch": lr_pred, "13 sigmoid → 1": nn_pred},
    )
    window = -(-X_train.shape[0] // BATCH_SIZE)  # the steps in one pass over the data: 16
    save_curves(
        out_dir / "chapter2_train_loss.png",
        {
            "linear regression": _smooth(lr_losses, window),
            "13 sigmoid hidden → 1": _smooth(nn_losses, window),
        },
        title="Boston housing: training loss (mean over each pass of 16 batches)",
        xlabel="step",
        ylabel="MSE",
        logy=True,
    )
    return results
