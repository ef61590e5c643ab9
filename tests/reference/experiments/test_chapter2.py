"""Chapter 2's experiments: the book's three Boston housing rows, rerun."""

from __future__ import annotations

import math

import pytest

from dlfs.reference.experiments import chapter2


def _check_outputs(results, out_dir):
    assert [r.chapter for r in results] == ["chapter2"] * 3
    assert all(r.metric == "RMSE" and not r.higher_is_better for r in results)
    assert all(math.isfinite(r.ours) and r.extra["MAE"] <= r.ours for r in results)
    for name in ("chapter2_predicted_vs_actual.png", "chapter2_train_loss.png"):
        assert (out_dir / name).stat().st_size > 0


def test_the_quick_run_gives_three_rows_and_two_plots(data_dir, tmp_path):
    results = chapter2.run(tmp_path, quick=True)
    _check_outputs(results, tmp_path)
    closed = results[0]
    assert closed.ours == pytest.approx(5.0476, abs=1e-4)  # the closed form needs no training


@pytest.mark.slow
def test_the_full_run_reproduces_the_books_figures(data_dir, tmp_path):
    """Does the closed form match scikit-learn's, and does training reach the book's level?"""
    closed, linear, network = chapter2.run(tmp_path)
    _check_outputs([closed, linear, network], tmp_path)
    assert closed.ours == pytest.approx(5.0476, abs=1e-4)
    assert closed.extra["MAE"] == pytest.approx(3.5671, abs=1e-4)
    # One seed of constant-rate SGD lands within a few percent of the least-squares optimum.
    assert linear.ours < 1.05 * closed.ours
    assert linear.extra["RMSE median"] < 1.02 * closed.ours
    assert network.ours < 4.0 and network.extra["RMSE median"] < network.book
