"""Chapter 5's experiment: a quick smoke run, and the book's full settings (slow)."""

from __future__ import annotations

import pytest

from dlfs.reference.experiments import chapter5


def test_quick_run(data_dir, tmp_path):
    """Does a smoke run train both rows, record the curves and save the plots?"""
    results = chapter5.run(tmp_path, quick=True)
    assert len(results) == 2
    for r in results:
        assert r.chapter == "chapter5" and r.metric == "accuracy"
        assert r.ours > 0.5  # 50 batches of a working convolution learn something
        assert r.extra["epoch_seconds"] > 0 and r.extra["train_images"] == 3000
    assert results[0].book == chapter5.BOOK_ACCURACY
    for name in ("chapter5_filters.png", "chapter5_train_loss.png", "chapter5_results.json"):
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.slow
def test_full_run_beats_the_book(data_dir, tmp_path):
    """With the book's settings and a correct convolution, is the book's 90.31% beaten?"""
    results = chapter5.run(tmp_path)
    assert results[0].reaches_book, results[0]
    assert len(results[0].extra["probe_accuracies"]) == 10
