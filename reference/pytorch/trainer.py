"""The book's ``PyTorchTrainer``: shuffled mini-batches, a step per batch, periodic evaluation.

Unlike the book's trainer it returns a history instead of printing, and it puts the model back
in training mode after evaluating: the book's calls ``model.eval()`` at its first evaluation
and never ``model.train()``, so dropout is silently off for every later epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ._require import Tensor, nn, torch

__all__ = ["FitHistory", "PyTorchTrainer", "as_tensor"]


def as_tensor(a: Tensor | np.ndarray) -> Tensor:
    """A tensor of ``a``: floating arrays as float32, integer arrays (class labels) as int64."""
    if isinstance(a, Tensor):
        return a
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.integer):
        return torch.from_numpy(a.astype(np.int64))
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def prediction_of(output: Tensor | tuple[Tensor, ...]) -> Tensor:
    """A model's prediction: its output, or the first element of an output tuple."""
    return output[0] if isinstance(output, tuple) else output


@dataclass
class FitHistory:
    """What ``fit`` did.

    Attributes:
        train_loss: the loss of every training batch, in order.
        eval_epochs: the epochs (counted from 1) after which the test set was evaluated.
        val_loss: the test-set loss at each of those epochs.
        lr: the learning rate used in each epoch.
    """

    train_loss: list[float] = field(default_factory=list)
    eval_epochs: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    @property
    def final_val_loss(self) -> float | None:
        """The last evaluated test-set loss (None if nothing was evaluated)."""
        return self.val_loss[-1] if self.val_loss else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PyTorchTrainer:
    """Trains a model with an optimizer and a criterion (the book's ``PyTorchTrainer``).

    Args:
        model: the ``nn.Module`` to train.
        optim: a ``torch.optim`` optimizer over all of ``model``'s parameters.
        criterion: a loss module averaging over the batch, e.g. ``nn.MSELoss()``.
    """

    def __init__(
        self, model: nn.Module, optim: torch.optim.Optimizer, criterion: nn.Module
    ) -> None:
        self.model = model
        self.optim = optim
        self.loss = criterion
        in_optim = {id(p) for group in optim.param_groups for p in group["params"]}
        missing = [name for name, p in model.named_parameters() if id(p) not in in_optim]
        if missing:
            raise ValueError(f"the optimizer does not update the model's parameters {missing}")

    def fit(
        self,
        X_train: Tensor | np.ndarray,
        y_train: Tensor | np.ndarray,
        X_test: Tensor | np.ndarray,
        y_test: Tensor | np.ndarray,
        epochs: int = 100,
        eval_every: int = 10,
        batch_size: int = 32,
        final_lr_exp: float | None = None,
        seed: int | None = None,
        callback: Callable[[int, float], None] | None = None,
    ) -> FitHistory:
        """Train for ``epochs`` epochs on shuffled batches; evaluate every ``eval_every``.

        The test set is evaluated after every ``eval_every``-th epoch and after the last.

        Args:
            X_train: [N, ...] inputs; NumPy arrays are converted (floats to float32).
            y_train: [N, ...] targets (class indices as integers for cross-entropy).
            X_test: [M, ...] inputs.
            y_test: [M, ...] targets.
            epochs: passes over the training set.
            eval_every: evaluate the test set after every this many epochs.
            batch_size: rows per training batch.
            final_lr_exp: if given, the learning rate decays exponentially, epoch by epoch,
                from the optimizer's to this value at the last epoch.
            seed: if given, seeds the shuffling and torch's global generator (dropout
                draws its masks from it); if None, shuffling draws from the global generator.
            callback: called as ``callback(epoch, val_loss)`` after each evaluation.

        Returns:
            The ``FitHistory``.
        """
        for name, value in (("epochs", epochs), ("eval_every", eval_every)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {name}={value!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")
        if final_lr_exp is not None and final_lr_exp <= 0:
            raise ValueError(f"final_lr_exp must be positive, got final_lr_exp={final_lr_exp!r}")
        X_train, y_train = as_tensor(X_train), as_tensor(y_train)
        X_test, y_test = as_tensor(X_test), as_tensor(y_test)
        if seed is not None:
            torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(
            seed if seed is not None else int(torch.randint(2**62, (1,)).item())
        )
        scheduler = None
        if final_lr_exp is not None and epochs > 1:
            init_lr = self.optim.param_groups[0]["lr"]
            gamma = (final_lr_exp / init_lr) ** (1.0 / (epochs - 1))
            scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optim, gamma=gamma)

        history = FitHistory()
        self.model.train()
        for epoch in range(1, epochs + 1):
            history.lr.append(float(self.optim.param_groups[0]["lr"]))
            for X_batch, y_batch in self._generate_batches(X_train, y_train, batch_size, generator):
                history.train_loss.append(self.train_batch(X_batch, y_batch))
            if epoch % eval_every == 0 or epoch == epochs:
                val_loss = self.evaluate(X_test, y_test)
                history.eval_epochs.append(epoch)
                history.val_loss.append(val_loss)
                if callback is not None:
                    callback(epoch, val_loss)
            if scheduler is not None and epoch < epochs:
                scheduler.step()
        return history

    @staticmethod
    def _generate_batches(
        X: Tensor, y: Tensor, size: int, generator: torch.Generator
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """Yield ``(X_batch, y_batch)`` of ``size`` rows (the last may be shorter), shuffled."""
        order = torch.randperm(X.shape[0], generator=generator)
        for start in range(0, X.shape[0], size):
            rows = order[start : start + size]
            yield X[rows], y[rows]

    def train_batch(self, X_batch: Tensor, y_batch: Tensor) -> float:
        """One optimisation step on one batch; the batch's loss before the step.

        Clear the old gradients, run the model forward, compute the criterion on its
        prediction (``prediction_of``: the output, or the first element of an output tuple),
        back-propagate, step the optimizer.

        Args:
            X_batch: [B, ...] inputs.
            y_batch: [B, ...] targets.

        Returns:
            The batch's loss as a float.
        """
        ### BEGIN SOLUTION
        self.optim.zero_grad()
        output = prediction_of(self.model(X_batch))
        loss = self.loss(output, y_batch)
        loss.backward()
        self.optim.step()
        return float(loss.item())
        ### END SOLUTION

    def evaluate(
        self, X: Tensor | np.ndarray, y: Tensor | np.ndarray, batch_size: int = 1000
    ) -> float:
        """The criterion on ``(X, y)`` in evaluation mode, without gradients.

        Switch the model to evaluation mode (dropout off), compute the criterion of its
        prediction (``prediction_of``: the output, or the first element of an output tuple)
        under ``torch.no_grad()`` in chunks of ``batch_size`` rows (the mean of the chunks' losses
        weighted by their sizes, which equals the loss of the whole set for a criterion that
        averages over the batch), then put the model back in the mode it was in — the book's
        trainer forgets this last step.

        Args:
            X: [M, ...] inputs.
            y: [M, ...] targets.
            batch_size: rows per chunk, to bound memory.

        Returns:
            The loss as a float.
        """
        X, y = as_tensor(X), as_tensor(y)
        ### BEGIN SOLUTION
        was_training = self.model.training
        self.model.eval()
        try:
            total = 0.0
            with torch.no_grad():
                for start in range(0, X.shape[0], batch_size):
                    X_chunk, y_chunk = X[start : start + batch_size], y[start : start + batch_size]
                    output = prediction_of(self.model(X_chunk))
                    total += float(self.loss(output, y_chunk)) * X_chunk.shape[0]
            return total / X.shape[0]
        finally:
            self.model.train(was_training)
        ### END SOLUTION
