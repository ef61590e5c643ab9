"""Chapter 4's experiments: a quick smoke run, and the book's full settings (slow)."""

from __future__ import annotations

import pytest

from dlfs.reference.experiments import chapter4


def test_quick_run(data_dir, tmp_path):
    """Does a smoke run give one row per model of the book's table, and the plots?"""
    results = chapter4.run(tmp_path, quick=True)
    assert len(results) == len(chapter4.ROWS) == 12
    for r in results:
        assert r.chapter == "chapter4" and r.metric == "accuracy"
        assert 0.0 <= r.ours <= 1.0
        assert r.extra["mnist_epoch_seconds"] > 0
    assert (tmp_path / "chapter4_val_loss.png").stat().st_size > 0
    assert len((tmp_path / "chapter4_results.jsonl").read_text().splitlines()) == 12


@pytest.mark.slow
def test_full_run_comes_close_to_the_book(data_dir, tmp_path):
    """With the book's settings, is every row within 1.5 points of the book, and within half
    a point once the explained differences (the unrestored model the book measures, its
    dropout convention, another seed) are taken into account?"""
    results = chapter4.run(tmp_path)
    for r in results:
        assert r.ours >= r.book - 0.015, r.name
        explained = max(
            r.ours, r.extra["last_epoch_accuracy"], r.extra.get("variant_accuracy", 0.0)
        )
        assert explained >= r.book - 0.005, r.name
    # the rows the book's bugs held back beat it outright
    assert results[3].ours > results[3].book + 0.1  # ReLU
