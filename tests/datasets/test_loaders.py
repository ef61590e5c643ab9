"""Do the loaders return the real data sets with the documented shapes and types?

These read the verified files in ``DLFS_DATA_DIR`` (``../shared/datasets``) and never
download (``download=False``).
"""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.datasets import (
    BOSTON_FEATURE_NAMES,
    load_boston,
    load_fashion_mnist,
    load_mnist,
    load_text,
)


@pytest.mark.parametrize("loader", [load_mnist, load_fashion_mnist])
def test_idx_datasets(data_dir, loader):
    """Are there 60,000 / 10,000 uint8 28×28 images with int64 labels 0–9?"""
    X_train, y_train, X_test, y_test = loader(directory=data_dir, download=False)
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert X_train.dtype == np.uint8 and X_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for labels in (y_train, y_test):
        assert labels.min() == 0 and labels.max() == 9
        assert set(np.unique(labels)) == set(range(10))
    assert X_train.max() == 255 and X_train.min() == 0


def test_mnist_known_values(data_dir):
    """Are the first labels the well-known 5 0 4 1 9 and 7 2 1 0 4, and the pixel mean right?"""
    X_train, y_train, _, y_test = load_mnist(directory=data_dir, download=False)
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert X_train.mean() == pytest.approx(33.3184, abs=1e-3)
    assert np.bincount(y_train).tolist()[:2] == [5923, 6742]


def test_fashion_known_values(data_dir):
    """Is every Fashion-MNIST class balanced (6,000 train, 1,000 test each)?"""
    _, y_train, _, y_test = load_fashion_mnist(directory=data_dir, download=False)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_flatten(data_dir):
    """Does flatten=True give [N, 784] rows of the same pixels?"""
    X_train, _, X_test, _ = load_mnist(flatten=True, directory=data_dir, download=False)
    images, *_ = load_mnist(directory=data_dir, download=False)
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    np.testing.assert_array_equal(X_train[7], images[7].ravel())


def test_returned_arrays_are_private(data_dir):
    """Can a caller modify what it got without changing the next call's result?"""
    X_train, y_train, _, _ = load_mnist(directory=data_dir, download=False)
    X_train[0] = 0
    y_train[0] = 3
    again, labels, _, _ = load_mnist(directory=data_dir, download=False)
    assert again[0].any() and labels[0] == 5


def test_boston(data_dir):
    """Is Boston [506, 13] float64 with MEDV as target and the classic first row?"""
    features, target, names = load_boston(directory=data_dir, download=False)
    assert features.shape == (506, 13) and features.dtype == np.float64
    assert target.shape == (506,) and target.dtype == np.float64
    assert names == list(BOSTON_FEATURE_NAMES) and names[11] == "B" and len(names) == 13
    first = [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98]
    np.testing.assert_allclose(features[0], first)
    assert target[0] == 24.0
    assert target.min() == 5.0 and target.max() == 50.0


def test_boston_docstring_warns_about_b():
    """Does the loader's documentation say that B is a race-based variable?"""
    assert "race-based" in load_boston.__doc__


def test_tinyshakespeare(data_dir):
    """Is tiny Shakespeare one string of 1,115,394 characters beginning 'First Citizen'?"""
    text = load_text("tinyshakespeare", directory=data_dir, download=False)
    assert isinstance(text, str) and len(text) == 1115394
    assert text.startswith("First Citizen:\n")
    assert len(set(text)) == 65


def test_load_text_rejects_other_names():
    """Is a data set that is not text refused, naming it?"""
    with pytest.raises(ValueError, match="'mnist'"):
        load_text("mnist")
    with pytest.raises(ValueError, match="'nope'"):
        load_text("nope")


def test_default_directory_is_dlfs_data_dir(data_dir):
    """Without a directory argument, do the loaders read DLFS_DATA_DIR?"""
    features, _, _ = load_boston(download=False)
    assert features.shape == (506, 13)
