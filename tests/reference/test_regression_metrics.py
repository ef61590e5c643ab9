"""Chapter 2: mean absolute error and root mean squared error."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference.regression_metrics import mae, rmse


def test_known_answers():
    preds = np.array([[1.0], [2.0], [3.0], [4.0]])
    actuals = np.array([[2.0], [2.0], [1.0], [4.0]])
    assert mae(preds, actuals) == pytest.approx(0.75)
    assert rmse(preds, actuals) == pytest.approx(np.sqrt(5.0 / 4.0))


def test_perfect_predictions_score_zero_and_rmse_is_at_least_mae(rng):
    actuals = rng.standard_normal((20, 1))
    assert mae(actuals, actuals) == 0.0 and rmse(actuals, actuals) == 0.0
    preds = actuals + rng.standard_normal((20, 1))
    assert rmse(preds, actuals) >= mae(preds, actuals) > 0
    assert isinstance(mae(preds, actuals), float) and isinstance(rmse(preds, actuals), float)


@pytest.mark.parametrize("metric", [mae, rmse])
def test_a_column_against_a_flat_vector_is_rejected(metric):
    """[N, 1] against [N] would broadcast to [N, N]: is it caught?"""
    with pytest.raises(ValueError, match=r"\(5, 1\) and \(5,\)"):
        metric(np.zeros((5, 1)), np.zeros(5))
