"""Chapter 2: column vectors, shuffling and batches."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference.np_utils import generate_batch, permute_data, to_2d_np


def test_to_2d_np_makes_columns_and_rows():
    a = np.arange(4.0)
    assert to_2d_np(a).shape == (4, 1)
    assert to_2d_np(a, type="row").shape == (1, 4)
    np.testing.assert_array_equal(to_2d_np(a).ravel(), a)


def test_to_2d_np_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        to_2d_np(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="type='column'"):
        to_2d_np(np.zeros(3), type="column")


def test_permute_data_keeps_rows_paired_and_is_seeded(rng):
    X = np.arange(20.0).reshape(10, 2)
    y = X[:, :1] * 10
    Xp, yp = permute_data(X, y, rng=3)
    np.testing.assert_array_equal(yp, Xp[:, :1] * 10)
    assert sorted(Xp[:, 0]) == sorted(X[:, 0]) and not np.array_equal(Xp, X)
    Xq, _ = permute_data(X, y, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(Xp, Xq)
    with pytest.raises(ValueError, match="10 and 9"):
        permute_data(X, y[:9])


def test_generate_batch_shortens_the_last_batch():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1)
    Xb, yb = generate_batch(X, y, start=3, batch_size=4)
    np.testing.assert_array_equal(yb, [[3.0], [4.0]])
    assert Xb.shape == (2, 2)
    with pytest.raises(ValueError, match="batch_size=0"):
        generate_batch(X, y, batch_size=0)
    with pytest.raises(ValueError, match="start=5"):
        generate_batch(X, y, start=5)
