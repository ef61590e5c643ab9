"""``Trainer`` (chapters 3–4): mini-batch training with evaluation and early stopping."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy import ndarray

from .network import NeuralNetwork
from .optimizers import Optimizer

__all__ = ["Trainer", "TrainingHistory"]


@dataclass
class TrainingHistory:
    """What one ``Trainer.fit`` did.

    Attributes:
        train_losses: the mean batch loss of each epoch trained (with dropout, if any).
        lrs: the learning rate of each epoch trained.
        eval_epochs: the epochs (counted from 1) after which the model was evaluated.
        val_losses: the loss on the validation set at each of those epochs.
        best_epoch: the evaluated epoch with the lowest validation loss (None if none).
        best_loss: that loss (inf if none).
        stopped_early: whether training stopped because the validation loss rose.
        seconds: the wall-clock time of the fit.
    """

    train_losses: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    eval_epochs: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_loss: float = float("inf")
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """The number of epochs trained."""
        return len(self.train_losses)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "epochs": self.epochs}


Callback = Callable[[int, TrainingHistory], None]


class Trainer:
    """Trains ``net`` with ``optim``: shuffled mini-batches, evaluation every few epochs.

    Args:
        net: the network.
        optim: the optimizer; the trainer points it at ``net``.
    """

    def __init__(self, net: NeuralNetwork, optim: Optimizer) -> None:
        self.net = net
        self.optim = optim
        self.optim.net = net
        self.best_loss = float("inf")

    def generate_batches(
        self, X: ndarray, y: ndarray, size: int = 32, order: ndarray | None = None
    ) -> Iterator[tuple[ndarray, ndarray]]:
        """Yield ``(X_batch, y_batch)`` pairs of ``size`` rows in turn; the last may be smaller.

        Args:
            X: [N, D] inputs.
            y: [N, C] targets.
            size: the batch size.
            order: [N] a permutation of the rows to take them in (None: as they are).
        Yields:
            [size, D] and [size, C] arrays.
        """
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows but y has {y.shape[0]}: they must have as many"
            )
        ### BEGIN SOLUTION
        n = X.shape[0]
        for start in range(0, n, size):
            if order is None:
                yield X[start : start + size], y[start : start + size]
            else:
                rows = order[start : start + size]
                yield X[rows], y[rows]
        ### END SOLUTION

    def _train_epoch(
        self, X_train: ndarray, y_train: ndarray, batch_size: int, rng: np.random.Generator
    ) -> float:
        """One epoch: shuffle the rows with ``rng``, then, for every batch, train the network
        on it (``net.train_batch``) and let the optimizer take a step.

        Args:
            X_train: [N, D] inputs.
            y_train: [N, C] targets.
            batch_size: the rows per batch.
            rng: the generator of the shuffle.
        Returns:
            The mean of the batch losses.
        """
        ### BEGIN SOLUTION
        order = rng.permutation(X_train.shape[0])
        losses = []
        for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, order):
            losses.append(self.net.train_batch(X_batch, y_batch))
            self.optim.step()
        return float(np.mean(losses))
        ### END SOLUTION

    def _evaluate(
        self, epoch: int, X_test: ndarray, y_test: ndarray, history: TrainingHistory
    ) -> bool:
        """Record the validation loss after ``epoch``; whether it is the best so far."""
        loss = self.net.loss.forward(self.net.forward(X_test, inference=True), y_test)
        history.eval_epochs.append(epoch)
        history.val_losses.append(loss)
        if loss >= self.best_loss:
            return False
        self.best_loss = loss
        history.best_epoch, history.best_loss = epoch, loss
        return True

    def _end_epoch(
        self, epoch: int, epochs: int, history: TrainingHistory, callbacks: Sequence[Callback]
    ) -> None:
        """After epoch ``epoch`` of ``epochs``: record its learning rate, call the callbacks,
        and decay the learning rate unless training ends here."""
        history.lrs.append(self.optim.lr)
        for callback in callbacks:
            callback(epoch, history)
        if epoch < epochs and not history.stopped_early:
            self.optim._decay_lr()

    def fit(
        self,
        X_train: ndarray,
        y_train: ndarray,
        X_test: ndarray,
        y_test: ndarray,
        epochs: int = 100,
        eval_every: int = 10,
        batch_size: int = 32,
        seed: int = 1,
        restart: bool = True,
        early_stopping: bool = True,
        callbacks: Sequence[Callback] = (),
    ) -> TrainingHistory:
        """Train for ``epochs`` epochs, evaluating on the test set every ``eval_every``.

        Each epoch: ``_train_epoch``, then every ``eval_every``-th epoch ``_evaluate`` (which
        records the validation loss in ``history`` and says whether it is the best so far),
        then ``_end_epoch``. With ``early_stopping``, training stops at the first evaluation
        whose loss is not lower than the best so far (``history.stopped_early``), and the
        network gets back the parameters it had at the best evaluation: copied when that
        evaluation improved, restored in place so that references to them stay valid. The
        book instead restores a copy taken at the start of the failing evaluation's epoch,
        which is not the best model (unless ``eval_every`` is 1).

        Args:
            X_train: [N, D] training inputs; y_train: [N, C] their targets.
            X_test: [M, D] validation inputs; y_test: [M, C] their targets.
            epochs: the most epochs to train.
            eval_every: evaluate after every ``eval_every``-th epoch.
            batch_size: the rows per batch.
            seed: the seed of the shuffles.
            restart: draw the network's initial weights again and reset the optimizer
                (False continues from where the last fit stopped).
            early_stopping: stop when the validation loss rises, keeping the best model.
            callbacks: functions called after every epoch as ``callback(epoch, history)``
                (``epoch`` counted from 1), with the network as that epoch left it: before
                early stopping restores the best model.
        Returns:
            The ``TrainingHistory``.
        """
        _check_fit_args(X_train, y_train, X_test, y_test, epochs, eval_every, batch_size)
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        if restart:
            self.net.restart()
            self.optim.reset()
            self.best_loss = float("inf")
        self.optim.net = self.net
        self.optim.max_epochs = epochs
        self.optim._setup_decay()
        history = TrainingHistory()
        ### BEGIN SOLUTION
        best_params: list[ndarray] | None = None
        for epoch in range(1, epochs + 1):
            history.train_losses.append(self._train_epoch(X_train, y_train, batch_size, rng))
            if epoch % eval_every == 0:
                improved = self._evaluate(epoch, X_test, y_test, history)
                if early_stopping and improved:
                    best_params = [param.copy() for param in self.net.params()]
                history.stopped_early = early_stopping and not improved
            self._end_epoch(epoch, epochs, history, callbacks)
            if history.stopped_early:
                if best_params is not None:
                    for param, best in zip(self.net.params(), best_params, strict=True):
                        np.copyto(param, best)
                break
        ### END SOLUTION

        history.seconds = time.perf_counter() - start
        return history


def _check_fit_args(
    X_train: ndarray,
    y_train: ndarray,
    X_test: ndarray,
    y_test: ndarray,
    epochs: int,
    eval_every: int,
    batch_size: int,
) -> None:
    """Raise ValueError for a count below 1 or inputs and targets of different lengths."""
    for name, value in (("epochs", epochs), ("eval_every", eval_every)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {name}={value!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")
    for X, y, name in ((X_train, y_train, "train"), (X_test, y_test, "test")):
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X_{name} has {X.shape[0]} rows but y_{name} has {y.shape[0]}")
