"""Chapter 3's experiments: a quick smoke run, and the book's full settings (slow)."""

from __future__ import annotations

import math

import pytest

from dlfs.reference.experiments import chapter3


def test_quick_run(data_dir, tmp_path):
    """Does a smoke run give one finite row per model of the book's table, and the plots?"""
    results = chapter3.run(tmp_path, quick=True)
    assert [r.book for r in results] == [25.087, 16.215, 14.655]
    for r in results:
        assert r.chapter == "chapter3" and not r.higher_is_better
        assert math.isfinite(r.ours) and r.extra["rmse"] ** 2 == pytest.approx(r.ours)
    assert (tmp_path / "chapter3_val_loss.png").stat().st_size > 0


@pytest.mark.slow
def test_full_run(data_dir, tmp_path):
    """With the book's settings, is the book's single run within the spread of our seeds, or
    of runs with the book's re-seeded initial weights?"""
    results = chapter3.run(tmp_path)
    for r in results:
        assert r.ours < 30.0
        runs = r.extra["seed_spread"] + r.extra["book_init_seed_spread"]
        assert len(runs) == 20
        assert min(runs) <= r.book <= max(runs)
