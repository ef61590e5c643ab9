"""The book's next-character model in PyTorch: one LSTM layer, its trainer and its batches.

The text is split 80/20 in order; training batches hold windows of ``sequence_length``
characters starting at consecutive positions (the book's ``generate_batches_next_char``), the
targets being the same windows shifted by one character. The LSTM's initial state is the mean
final state of the previous training batch, carried from batch to batch as in the book.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ._require import Tensor, nn, torch
from .layers import DenseLayer, PyTorchLayer, _dropout
from .models import PyTorchModel, check_input_dim
from .trainer import FitHistory, PyTorchTrainer

__all__ = ["LSTMLayer", "LSTMTrainer", "NextCharacterModel", "char_windows"]


class LSTMLayer(PyTorchLayer):
    """``nn.LSTM`` followed by a ``DenseLayer`` applied at every time step.

    Args:
        sequence_length: T, the time steps of each input (kept for the book's signature).
        input_size: D, the features of each time step (the vocabulary size V for one-hot
            characters).
        hidden_size: H, the LSTM's hidden units.
        output_size: the features of each output time step.
        dropout: the keep probability of the dropout after the dense layer; 1.0 keeps all.
    """

    h_init: Tensor
    c_init: Tensor

    def __init__(
        self,
        sequence_length: int,
        input_size: int,
        hidden_size: int,
        output_size: int,
        dropout: float = 1.0,
    ) -> None:
        super().__init__()
        if min(sequence_length, input_size, hidden_size, output_size) < 1:
            raise ValueError(
                "sizes must be positive, got "
                f"sequence_length={sequence_length!r}, input_size={input_size!r}, "
                f"hidden_size={hidden_size!r}, output_size={output_size!r}"
            )
        self.sequence_length = sequence_length
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = DenseLayer(hidden_size, output_size)
        self.dropout = _dropout(dropout)
        # Buffers, not parameters: saved with the model, never trained.
        self.register_buffer("h_init", torch.zeros(1, hidden_size))
        self.register_buffer("c_init", torch.zeros(1, hidden_size))

    def reset_state(self) -> None:
        """Start the next batch from the zero state."""
        self.h_init = torch.zeros_like(self.h_init)
        self.c_init = torch.zeros_like(self.c_init)

    def forward(self, x: Tensor) -> Tensor:
        """Run the LSTM over the batch from the carried state; map each step's hidden state.

        Every sequence of the batch starts from the same state: ``h_init`` and ``c_init``,
        [1, H], repeated to nn.LSTM's [1, N, H]. In training mode, the new carried state is
        the batch's final state averaged over the batch, detached so that gradients stop at
        the batch boundary; evaluation leaves it alone (the book's updates it in evaluation
        too: the checks accept either).

        Args:
            x: [N, T, D] batch of sequences.

        Returns:
            [N, T, output_size] outputs, one per time step.
        """
        ### BEGIN SOLUTION
        batch_size = x.shape[0]
        h_0 = self.h_init.expand(batch_size, -1).unsqueeze(0).contiguous()
        c_0 = self.c_init.expand(batch_size, -1).unsqueeze(0).contiguous()
        out, (h_n, c_n) = self.lstm(x, (h_0, c_0))
        if self.training:
            self.h_init = h_n[0].mean(dim=0, keepdim=True).detach()
            self.c_init = c_n[0].mean(dim=0, keepdim=True).detach()
        out = self.fc(out)
        if self.dropout is not None:
            out = self.dropout(out)
        return out
        ### END SOLUTION


class NextCharacterModel(PyTorchModel):
    """One ``LSTMLayer`` from one-hot characters to next-character logits.

    Args:
        vocab_size: V.
        hidden_size: H (the book's chapter 7 run: H = V).
        sequence_length: T.
    """

    def __init__(self, vocab_size: int, hidden_size: int = 256, sequence_length: int = 25) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.sequence_length = sequence_length
        self.lstm = LSTMLayer(sequence_length, vocab_size, hidden_size, vocab_size)

    def forward(self, x: Tensor) -> Tensor:
        """[N, T, V] one-hot characters → [N, V, T] logits (the layout ``nn.CrossEntropyLoss``
        expects: classes second)."""
        check_input_dim(x, 3)
        return self.lstm(x).permute(0, 2, 1)


def char_windows(codes: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Windows of ``length + 1`` consecutive character indices, starting every ``stride``.

    Args:
        codes: [L] character indices.
        length: T.
        stride: the distance between the starts of consecutive windows.

    Returns:
        [M, T + 1] indices (a read-only view when ``stride`` is 1): inputs ``[:, :-1]``,
        targets ``[:, 1:]``.
    """
    if len(codes) < length + 1:
        raise ValueError(f"a text of {len(codes)} characters is shorter than length={length}+1")
    return np.lib.stride_tricks.sliding_window_view(codes, length + 1)[::stride]


class LSTMTrainer(PyTorchTrainer):
    """Trains a ``NextCharacterModel`` on a text (the book's ``LSTMTrainer``).

    After ``fit``, ``chars`` is the vocabulary (sorted, so runs are repeatable; the book's
    ``list(set(text))`` changes order between runs) and ``char_to_idx`` its index.
    """

    def __init__(
        self, model: NextCharacterModel, optim: torch.optim.Optimizer, criterion: nn.Module
    ):
        super().__init__(model, optim, criterion)
        self.vocab_size = model.vocab_size
        self.max_len = model.sequence_length
        self.chars: list[str] = []
        self.char_to_idx: dict[str, int] = {}

    def encode(self, text: str) -> np.ndarray:
        """[L] int64 indices of ``text``'s characters in the vocabulary."""
        return np.fromiter((self.char_to_idx[c] for c in text), dtype=np.int64, count=len(text))

    def _one_hot(self, windows: np.ndarray) -> tuple[Tensor, Tensor]:
        """[B, T + 1] windows → ([B, T, V] float32 one-hot inputs, [B, T] int64 targets)."""
        windows = torch.from_numpy(np.ascontiguousarray(windows))
        inputs = nn.functional.one_hot(windows[:, :-1], self.vocab_size).float()
        return inputs, windows[:, 1:].contiguous()

    def fit(  # type: ignore[override]
        self,
        text: str,
        epochs: int = 10,
        eval_every: int = 1,
        batch_size: int = 32,
        seed: int = 121718,
        max_batches: int | None = None,
        test_stride: int | None = None,
        callback: Callable[[int, float], None] | None = None,
    ) -> FitHistory:
        """Train on the first 80% of ``text``; evaluate on the rest.

        Args:
            text: the corpus (the book passes a file name; load it with
                ``dlfs.datasets.load_text``).
            epochs: passes over the training text.
            eval_every: evaluate after every this many epochs (and after the last).
            batch_size: windows per batch.
            seed: seeds torch's global generator, as the book does.
            max_batches: if given, an epoch stops after this many batches (a subset of
                the text: its first ``max_batches · batch_size`` windows).
            test_stride: the distance between test windows; None means
                ``sequence_length`` (non-overlapping windows, so each test character is
                predicted once; the book used every window, which needs gigabytes).
            callback: called as ``callback(epoch, val_loss)`` after each evaluation.

        Returns:
            The ``FitHistory``.
        """
        if epochs < 1 or eval_every < 1 or batch_size < 1:
            raise ValueError(
                f"epochs, eval_every and batch_size must be at least 1, got epochs={epochs!r}, "
                f"eval_every={eval_every!r}, batch_size={batch_size!r}"
            )
        self.chars = sorted(set(text))
        if len(self.chars) != self.vocab_size:
            raise ValueError(
                f"the text has {len(self.chars)} distinct characters but the model's "
                f"vocab_size={self.vocab_size!r}"
            )
        self.char_to_idx = {c: i for i, c in enumerate(self.chars)}
        codes = self.encode(text)
        split = int(0.8 * len(codes))
        train_windows = char_windows(codes[:split], self.max_len)
        X_test, y_test = self._one_hot(
            char_windows(codes[split:], self.max_len, test_stride or self.max_len)
        )
        torch.manual_seed(seed)

        history = FitHistory()
        self.model.train()
        for epoch in range(1, epochs + 1):
            history.lr.append(float(self.optim.param_groups[0]["lr"]))
            for X_batch, y_batch in self._batches(train_windows, batch_size, max_batches):
                history.train_loss.append(self.train_batch(X_batch, y_batch))
            if epoch % eval_every == 0 or epoch == epochs:
                val_loss = self.evaluate(X_test, y_test)
                history.eval_epochs.append(epoch)
                history.val_loss.append(val_loss)
                if callback is not None:
                    callback(epoch, val_loss)
        return history

    def _batches(
        self, windows: np.ndarray, batch_size: int, max_batches: int | None
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """Consecutive batches of ``batch_size`` windows, in the text's order."""
        starts = range(0, len(windows), batch_size)
        if max_batches is not None:
            starts = starts[:max_batches]
        for start in starts:
            yield self._one_hot(windows[start : start + batch_size])
