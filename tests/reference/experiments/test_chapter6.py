"""Chapter 6's experiments: a quick smoke run, and the book's full settings (slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlfs.reference.experiments import chapter6
from dlfs.reference.rnn_model import RNNSoftmaxCrossEntropy


def test_book_loss_at_uniform_predictions_is_about_4100():
    """Is the book's summed loss of uniform predictions over 62 characters ≈ 4100 per batch?"""
    loss = RNNSoftmaxCrossEntropy()
    target = np.zeros((32, 25, 62))
    target[..., 0] = 1.0
    loss.forward(np.zeros_like(target), target)
    assert chapter6._book_loss(loss) == pytest.approx(4100, rel=0.01)
    assert loss.forward(np.zeros_like(target), target) / 800 == pytest.approx(np.log(62))


def test_moving_average():
    """Is the moving average the mean of the last `window` values, fewer at the start?"""
    values = np.arange(1.0, 7.0)
    np.testing.assert_allclose(chapter6._moving_average(values, 3), [1, 1.5, 2, 3, 4, 5])


def test_quick_run(data_dir, tmp_path):
    """Does a smoke run give one finite row per model, samples and both plots?"""
    results = chapter6.run(tmp_path, quick=True)
    assert [r.book for r in results] == [None, None, chapter6.BOOK_END, None]
    for r in results:
        assert r.chapter == "chapter6" and not r.higher_is_better
        assert math.isfinite(r.ours) and r.extra["quick"]
        assert r.extra["ce_per_char_start"] == pytest.approx(np.log(r.extra["vocab_size"]), rel=0.1)
        assert len(r.extra["sample"]) == 200
    assert (tmp_path / "chapter6_loss.png").stat().st_size > 0
    assert (tmp_path / "chapter6_book_loss.png").stat().st_size > 0


@pytest.mark.slow
def test_full_run(data_dir, tmp_path):
    """With the book's settings, do the LSTM models learn (well below log V per character)?"""
    results = {r.name: r for r in chapter6.run(tmp_path)}
    lstm = results["LSTM(256 → 128) → LSTM(128 → V)"]
    assert lstm.extra["ce_per_char_end"] < 0.7 * np.log(lstm.extra["vocab_size"])
    assert lstm.ours < lstm.extra["book_loss_start"]
