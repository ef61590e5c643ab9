"""Tests of RNNTrainer: the book's batches, training that learns, history and callbacks,
seeded sampling, and the errors it raises."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference.rnn_layers import GRULayer, LSTMLayer
from dlfs.reference.rnn_model import RNNModel, RNNSoftmaxCrossEntropy
from dlfs.reference.rnn_optimizers import RNNSGD, AdaGrad
from dlfs.reference.rnn_trainer import RNNTrainer

TEXT = "the cat sat on the mat. " * 40  # 11 distinct characters
V = len(set(TEXT))


def _model(seq_len: int = 8, seed: int = 0) -> RNNModel:
    layers = [LSTMLayer(16, V, weight_scale=0.1)]
    return RNNModel(layers, seq_len, V, RNNSoftmaxCrossEntropy(), seed=seed)


def test_batches_are_the_books_overlapping_windows():
    """Is sequence i of a batch the window at start + i, its target one character later?"""
    trainer = RNNTrainer(TEXT, _model(seq_len=5), RNNSGD(), batch_size=3)
    inputs, targets = trainer._generate_inputs_targets(7)
    decode = trainer.vocab.decode
    assert [decode(row) for row in inputs] == [TEXT[7 + i : 12 + i] for i in range(3)]
    assert [decode(row) for row in targets] == [TEXT[8 + i : 13 + i] for i in range(3)]


def test_training_lowers_the_loss():
    """On a repetitive text, does the loss per character fall well below log V?"""
    trainer = RNNTrainer(TEXT, _model(), AdaGrad(lr=0.05), batch_size=8, seed=0)
    history = trainer.train(150, sample_every=None)
    per_char = np.array(history.losses) / history.chars_per_batch
    assert history.chars_per_batch == 8 * 8
    assert per_char[0] == pytest.approx(np.log(V), rel=0.05)
    assert per_char[-10:].mean() < 0.5 * np.log(V)


def test_history_samples_and_callbacks():
    """Are the losses, the samples every sample_every batches and the callbacks recorded?"""
    trainer = RNNTrainer(TEXT, _model(), RNNSGD(), batch_size=4, seed=0)
    calls = []
    history = trainer.train(
        7, sample_every=3, sample_length=12, callbacks=[lambda i, loss: calls.append((i, loss))]
    )
    assert len(history.losses) == 7
    assert [i for i, _ in history.samples] == [0, 3, 6]
    assert all(len(text) == 12 and set(text) <= set(TEXT) for _, text in history.samples)
    assert calls == list(enumerate(history.losses))


def test_training_continues_and_wraps_around_the_text():
    """Does a second train call go on where the first stopped, wrapping at the end?"""
    trainer = RNNTrainer(TEXT, _model(), RNNSGD(), batch_size=32)
    trainer.train(2, sample_every=None)
    assert trainer.start_pos == 64
    trainer.train(40, sample_every=None)  # 42 · 32 characters > the text's 960
    assert 0 < trainer.start_pos <= len(TEXT)


def test_sampling_is_seeded_and_leaves_the_model_alone():
    """Does the same seed give the same sample, without changing the model's state?"""
    texts = []
    for _ in range(2):
        trainer = RNNTrainer(TEXT, _model(), RNNSGD(), batch_size=4, seed=11)
        trainer.train(3, sample_every=None)
        start_H = trainer.model.layers[0].start_H.copy()
        texts.append(trainer.sample_output("t", 30))
        np.testing.assert_array_equal(trainer.model.layers[0].start_H, start_H)
    assert texts[0] == texts[1]
    assert len(texts[0]) == 30 and set(texts[0]) <= set(TEXT)
    index = trainer.vocab.char_to_idx["t"]
    assert len(trainer.sample_output(index, 5)) == 5


def test_trained_model_samples_the_text():
    """After training on a repetitive text, do samples reproduce its words?"""
    model = RNNModel(
        [GRULayer(24, 16, weight_scale=0.1), LSTMLayer(24, V, weight_scale=0.1)],
        8,
        V,
        RNNSoftmaxCrossEntropy(),
        seed=1,
    )
    trainer = RNNTrainer(TEXT, model, AdaGrad(lr=0.05), batch_size=8, seed=3)
    trainer.train(250, sample_every=None)
    assert "the" in trainer.sample_output("t", 60)


def test_reads_a_file(tmp_path):
    """Is a path read as the text (a Path, or a string naming a file)?"""
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    for source in (path, str(path)):
        trainer = RNNTrainer(source, _model(), RNNSGD())
        assert trainer.vocab.decode(trainer.data[:7]) == TEXT[:7]


def test_bad_arguments_raise():
    """Are a vocabulary mismatch, a short text and bad sizes refused, quoting values?"""
    with pytest.raises(ValueError, match="11 distinct characters but the model's vocab_size is 9"):
        RNNTrainer(TEXT, RNNModel([LSTMLayer(4, 9)], 8, 9, RNNSoftmaxCrossEntropy()), RNNSGD())
    with pytest.raises(ValueError, match="batch_size=0"):
        RNNTrainer(TEXT, _model(), RNNSGD(), batch_size=0)
    with pytest.raises(ValueError, match="too short"):
        RNNTrainer(TEXT[:30], _model(seq_len=8), RNNSGD(), batch_size=32)
    trainer = RNNTrainer(TEXT, _model(), RNNSGD())
    with pytest.raises(ValueError, match="num_iterations must be >= 0, got -1"):
        trainer.train(-1)
    with pytest.raises(ValueError, match="input_char must index the vocabulary, got 11"):
        trainer.sample_output(11, 5)
    with pytest.raises(ValueError, match="'z' is not in the vocabulary"):
        trainer.sample_output("z", 5)
