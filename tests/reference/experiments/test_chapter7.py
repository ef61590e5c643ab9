"""Chapter 7's experiments: a quick smoke run, and the book's full settings (slow)."""

from __future__ import annotations

import math

import pytest

from dlfs.reference.experiments import chapter7

pytestmark = pytest.mark.torch

PLOTS = [
    "chapter7_boston_val_loss.png",
    "chapter7_lstm_train_loss.png",
    "chapter7_conv_autoencoder_28_reconstructions.png",
    "chapter7_conv_autoencoder_28_codes.png",
    "chapter7_numpy_autoencoder_reconstructions.png",
    "chapter7_numpy_autoencoder_codes.png",
]


def _check(results, out_dir) -> None:
    assert [r.book for r in results] == [14.368, 0.9698, 2.331, 0.0693, 0.2426, None]
    assert all(r.chapter == "chapter7" and math.isfinite(r.ours) for r in results)
    for name in PLOTS:
        assert (out_dir / name).stat().st_size > 0, name


def test_quick_run(data_dir, tmp_path):
    """Does a smoke run give one finite row per experiment, the book's figure beside it, and
    the plots?"""
    pytest.importorskip("torch")
    _check(chapter7.run(tmp_path, quick=True), tmp_path)


@pytest.mark.slow
def test_full_run(data_dir, tmp_path):
    """With the book's settings, do we reach the book's figures (or come within 20%)?"""
    pytest.importorskip("torch")
    boston, convnet, lstm, ae28, ae2, dense = chapter7.run(tmp_path)
    _check([boston, convnet, lstm, ae28, ae2, dense], tmp_path)
    assert boston.ours < 1.2 * boston.book
    # Without dropout, as the book's trainer ran after its first evaluation, we match it.
    no_dropout = [boston.extra["no_dropout"], *boston.extra["seed_spread_no_dropout"]]
    assert sum(no_dropout) / len(no_dropout) < 1.1 * boston.book
    assert convnet.ours > 0.96
    assert lstm.ours < 1.1 * lstm.book
    assert ae28.ours < 1.2 * ae28.book
    assert dense.ours < 0.1
