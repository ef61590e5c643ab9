"""Chapter 6: character-level language models on tiny Shakespeare.

The book's three models — one RNN layer, a GRU layer under an LSTM layer, and two LSTM
layers — trained to predict the next character: sequences of 25, batches of 32 (the book's
overlapping windows), gradient descent with lr 0.01 and gradients clipped to ±2, 2000
batches. The book prints only plots; for the two LSTM layers its loss per batch falls from
about 4100 to about 2460. A fourth row, not in the book, trains the RNN with AdaGrad
(lr 0.01, the same clipping): under SGD the RNN's loss stalls, as the book says; under
AdaGrad it learns. (For the two LSTM layers, SGD does better than AdaGrad, so the book's
rows keep SGD.)

Reading the book's figure: its loss is summed over the batch's 32 · 25 = 800 characters and
adds −Σ (1 − y) log(1 − p) to the cross-entropy. At the start, with uniform predictions over
V characters, that is 800 · (log V + (V − 1) · −log(1 − 1/V)) ≈ 800 · (4.13 + 0.99) ≈ 4100
for V = 62 — so the book's 4100 → 2460 is 5.1 → 3.1 per character in its units, not a
cross-entropy of 5.1 nats (the true cross-entropy starts at log V ≈ 4.1). We report the mean
cross-entropy per character, and the book's summed loss computed on our predictions so that
the numbers compare. Our text has 65 distinct characters, the book's 62.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import char_vocabulary, load_text

from ..rnn_layers import GRULayer, LSTMLayer, RNNLayer
from ..rnn_model import RNNModel, RNNSoftmaxCrossEntropy
from ..rnn_optimizers import RNNSGD, AdaGrad, RNNOptimizer
from ..rnn_trainer import RNNTrainer
from .common import ExperimentResult, save_curves

__all__ = ["run"]

SEED = 20190601
SEQUENCE_LENGTH = 25
BATCH_SIZE = 32
LR = 0.01
ITERATIONS = 2000
QUICK_ITERATIONS = 15
WINDOW = 100  # the book plots the moving average of the last 100 batches' losses
BOOK_END = 2460.0  # two LSTM layers, the book's loss per batch after 2000 batches

# name, layers for a vocabulary of V (hidden sizes scaled by `s`), optimizer, the book's loss
ROWS: list[
    tuple[str, Callable[[int, float], list[RNNLayer]], Callable[[], RNNOptimizer], float | None]
] = [
    ("RNN(256)", lambda V, s: [RNNLayer(int(256 * s), V)], lambda: RNNSGD(lr=LR), None),
    (
        "GRU(256 → 128) → LSTM(128 → V)",
        lambda V, s: [GRULayer(int(256 * s), int(128 * s)), LSTMLayer(int(128 * s), V)],
        lambda: RNNSGD(lr=LR),
        None,
    ),
    (
        "LSTM(256 → 128) → LSTM(128 → V)",
        lambda V, s: [LSTMLayer(int(256 * s), int(128 * s)), LSTMLayer(int(128 * s), V)],
        lambda: RNNSGD(lr=LR),
        BOOK_END,
    ),
    # Not in the book: the RNN that stalls under SGD trains well under AdaGrad.
    ("RNN(256), AdaGrad", lambda V, s: [RNNLayer(int(256 * s), V)], lambda: AdaGrad(lr=LR), None),
]


def _book_loss(loss: RNNSoftmaxCrossEntropy, eps: float = 1e-9) -> float:
    """The book's printed loss of the last batch: −Σ y log p − Σ (1 − y) log(1 − p), summed
    over all characters, p the softmax clipped to [eps, 1 − eps]."""
    p = np.clip(loss.softmax_preds, eps, 1.0 - eps)
    y = loss.target
    return float(-np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def _moving_average(values: ndarray, window: int) -> ndarray:
    """The mean of the last ``window`` values (fewer at the start), as the book plots."""
    sums = np.cumsum(values)
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    shifted = np.concatenate([np.zeros(window), sums])[: len(values)]
    return (sums - shifted) / counts


def _train_one(
    layers: list[RNNLayer], optim: RNNOptimizer, text: str, vocab_size: int, iterations: int
) -> tuple[dict, str]:
    """Train one model; return its per-batch curves and figures, and a final sample."""
    model = RNNModel(
        layers, SEQUENCE_LENGTH, vocab_size, RNNSoftmaxCrossEntropy(reduction="sum"), seed=SEED
    )
    trainer = RNNTrainer(text, model, optim, batch_size=BATCH_SIZE, seed=SEED)
    book_losses: list[float] = []
    history = trainer.train(
        iterations,
        sample_every=max(iterations // 2, 1),
        callbacks=[lambda _i, _loss: book_losses.append(_book_loss(model.loss))],
    )
    sample = trainer.sample_output(text[0], 200)
    per_char = np.array(history.losses) / history.chars_per_batch
    end = min(WINDOW, len(per_char))
    figures = {
        "ce_per_char": per_char,
        "book_loss": np.array(book_losses),
        "ce_per_char_start": float(per_char[0]),
        "ce_per_char_end": float(per_char[-end:].mean()),
        "book_loss_start": float(book_losses[0]),
        "book_loss_end": float(np.mean(book_losses[-end:])),
        "samples": history.samples,
    }
    return figures, sample


def run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]:
    """Train the book's three character models on tiny Shakespeare; plot their losses.

    Args:
        out_dir: where ``chapter6_loss.png`` and ``chapter6_book_loss.png`` go.
        quick: models an eighth of the size, 15 batches of the first 50,000 characters: a
            smoke run of seconds, not the book's.
    Returns:
        One result per model: the book's loss per batch (its formula, on our predictions,
        averaged over the last 100 batches) beside the book's figure; in ``extra`` the mean
        cross-entropy per character at the start and the end, and generated text.
    """
    text = load_text("tinyshakespeare")
    scale, iterations = (0.125, QUICK_ITERATIONS) if quick else (1.0, ITERATIONS)
    if quick:
        text = text[:50_000]
    vocab_size = len(char_vocabulary(text))

    results, ce_curves, book_curves = [], {}, {}
    for name, make_layers, make_optim, book in ROWS:
        start = time.perf_counter()
        optim = make_optim()
        layers = make_layers(vocab_size, scale)
        figures, sample = _train_one(layers, optim, text, vocab_size, iterations)
        seconds = time.perf_counter() - start
        steps = np.arange(1, iterations + 1)
        ce_curves[name] = (steps, _moving_average(figures["ce_per_char"], WINDOW))
        book_curves[name] = (steps, _moving_average(figures["book_loss"], WINDOW))
        excerpt = sample[:60].replace("\n", "⏎")
        results.append(
            ExperimentResult(
                chapter="chapter6",
                name=name,
                metric="loss/batch, book's formula",
                book=book,
                ours=figures["book_loss_end"],
                higher_is_better=False,
                seconds=seconds,
                note=(
                    f"CE per character {figures['ce_per_char_start']:.3f} → "
                    f"{figures['ce_per_char_end']:.3f} (book's loss/batch "
                    f"{figures['book_loss_start']:.0f} → {figures['book_loss_end']:.0f}); "
                    f"sample: {excerpt!r}"
                ),
                extra={
                    "ce_per_char_start": figures["ce_per_char_start"],
                    "ce_per_char_end": figures["ce_per_char_end"],
                    "book_loss_start": figures["book_loss_start"],
                    "book_loss_end": figures["book_loss_end"],
                    "iterations": iterations,
                    "vocab_size": vocab_size,
                    "optimizer": f"{type(optim).__name__}(lr={optim.lr}), clipping ±2",
                    "sample": sample,
                    "samples_during_training": figures["samples"],
                    "quick": quick,
                },
            )
        )
    save_curves(
        out_dir / "chapter6_loss.png",
        ce_curves,
        f"Tiny Shakespeare: cross-entropy per character (mean of the last {WINDOW} batches)",
        "batch",
        "nats per character",
    )
    save_curves(
        out_dir / "chapter6_book_loss.png",
        book_curves,
        "The book's loss per batch (summed, with its (1 − y)·log(1 − p) term)",
        "batch",
        "loss per batch of 32 × 25 characters",
    )
    return results
