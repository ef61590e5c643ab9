"""Training a character-level language model (chapter 6): ``RNNTrainer``.

The trainer turns a text into batches of one-hot sequences, as the book does: each batch is
N windows of T characters starting at consecutive positions p, p + 1, …, p + N − 1, the
targets are the same windows shifted by one character, and the next batch starts N
characters further on (back at the start of the text when it runs out). It never prints:
``train`` returns the history and calls the callbacks it is given.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.datasets import char_vocabulary, one_hot_chars

from .losses import softmax
from .rnn_model import RNNModel
from .rnn_optimizers import RNNOptimizer

__all__ = ["RNNTrainer", "RNNTrainingHistory"]

Callback = Callable[[int, float], None]


@dataclass
class RNNTrainingHistory:
    """What ``RNNTrainer.train`` records.

    Attributes:
        losses: each batch's loss, as the model's loss returns it (summed over the batch's
            characters with the book's ``reduction="sum"``).
        samples: (iteration, generated text) every ``sample_every`` batches.
        chars_per_batch: N·T, to turn a summed loss into a loss per character.
    """

    losses: list[float] = field(default_factory=list)
    samples: list[tuple[int, str]] = field(default_factory=list)
    chars_per_batch: int = 1


def _read_text(text_file_or_text: str | os.PathLike) -> str:
    """A path (``Path``, or a one-line string naming an existing file) is read; a string
    that names no file is the text itself."""
    if isinstance(text_file_or_text, os.PathLike):
        return Path(text_file_or_text).read_text(encoding="utf-8")
    if "\n" not in text_file_or_text and os.path.isfile(text_file_or_text):
        return Path(text_file_or_text).read_text(encoding="utf-8")
    return text_file_or_text


class RNNTrainer:
    """Trains an ``RNNModel`` to predict the next character of a text (the book's).

    Args:
        text_file_or_text: the text, or the path of a UTF-8 file holding it.
        model: its ``vocab_size`` must be the number of distinct characters of the text.
        optim: an ``RNNOptimizer``; the trainer sets its ``model``.
        batch_size: N, the sequences per batch.
        seed: seeds the generator that samples text.
    """

    def __init__(
        self,
        text_file_or_text: str | os.PathLike,
        model: RNNModel,
        optim: RNNOptimizer,
        batch_size: int = 32,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        text = _read_text(text_file_or_text)
        self.vocab = char_vocabulary(text)
        if len(self.vocab) != model.vocab_size:
            raise ValueError(
                f"the text has {len(self.vocab)} distinct characters but the model's "
                f"vocab_size is {model.vocab_size}"
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got batch_size={batch_size!r}")
        if len(text) < model.sequence_length + batch_size + 1:
            raise ValueError(
                f"a text of {len(text)} characters is too short for batches of {batch_size} "
                f"sequences of {model.sequence_length}"
            )
        self.data = self.vocab.encode(text)
        self.model = model
        self.optim = optim
        self.optim.model = model
        self.batch_size = batch_size
        self.sequence_length = model.sequence_length
        self.vocab_size = model.vocab_size
        self.rng = np.random.default_rng(seed)
        self.start_pos = 0

    def _generate_inputs_targets(self, start_pos: int) -> tuple[ndarray, ndarray]:
        """[N, T] character indices of the windows starting at start_pos + i, i < N, and
        [N, T] those of the windows one character later."""
        offsets = np.arange(self.batch_size)[:, None] + np.arange(self.sequence_length)
        indices = start_pos + offsets
        return self.data[indices], self.data[indices + 1]

    def train(
        self,
        num_iterations: int,
        sample_every: int | None = 100,
        sample_length: int = 200,
        callbacks: Sequence[Callback] = (),
    ) -> RNNTrainingHistory:
        """Train on ``num_iterations`` batches, continuing where the last call stopped.

        Args:
            num_iterations: the number of batches (optimizer steps).
            sample_every: generate ``sample_length`` characters every this many batches
                (starting with the first); None or 0: never.
            sample_length: the length of each sample.
            callbacks: each is called after every batch as ``callback(iteration, loss)``.
        Returns:
            The losses and samples of this call.
        """
        if num_iterations < 0:
            raise ValueError(f"num_iterations must be >= 0, got {num_iterations!r}")
        N, T, V = self.batch_size, self.sequence_length, self.vocab_size
        history = RNNTrainingHistory(chars_per_batch=N * T)
        for iteration in range(num_iterations):
            if self.start_pos + T + N + 1 > len(self.data):
                self.start_pos = 0
            inputs, targets = self._generate_inputs_targets(self.start_pos)
            loss = self.model.single_step(one_hot_chars(inputs, V), one_hot_chars(targets, V))
            self.optim.step()
            self.start_pos += N
            history.losses.append(loss)
            if sample_every and iteration % sample_every == 0:
                seed_char = int(self.data[self.start_pos])
                history.samples.append((iteration, self.sample_output(seed_char, sample_length)))
            for callback in callbacks:
                callback(iteration, loss)
        return history

    def sample_output(self, input_char: int | str, sample_length: int) -> str:
        """Generate ``sample_length`` characters, each drawn from the model's softmax.

        A copy of the model (whose layers carry their state from character to character)
        reads ``input_char``, draws the next character with ``self.rng``, reads that one,
        and so on; the model itself is left as it was.

        Args:
            input_char: the first character, or its index in ``self.vocab``.
            sample_length: how many characters to generate.
        Returns:
            The generated text (without ``input_char``).
        """
        if isinstance(input_char, str):
            (index,) = self.vocab.encode(input_char)
        else:
            index = int(input_char)
        if not 0 <= index < self.vocab_size:
            raise ValueError(f"input_char must index the vocabulary, got {input_char!r}")
        sample_model = copy.deepcopy(self.model)
        for layer in sample_model.layers:
            layer.carry_state = True
        indices = []
        for _ in range(sample_length):
            scores = sample_model.forward(one_hot_chars([[index]], self.vocab_size))
            probs = softmax(scores.reshape(1, -1), axis=1).ravel()
            index = int(self.rng.choice(self.vocab_size, p=probs))
            indices.append(index)
        return self.vocab.decode(indices)
