"""Does the preprocessing reproduce what the book does to its data?"""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.datasets import (
    boston_split,
    char_vocabulary,
    global_standardize,
    load_boston,
    one_hot,
    one_hot_chars,
    standard_scale,
    train_test_split,
)


def test_one_hot():
    """Is each row all zeros but a single 1 at the label's column?"""
    encoded = one_hot(np.array([2, 0, 1, 2]), num_classes=4)
    assert encoded.shape == (4, 4) and encoded.dtype == np.float64
    np.testing.assert_array_equal(encoded.argmax(axis=1), [2, 0, 1, 2])
    np.testing.assert_array_equal(encoded.sum(axis=1), 1.0)
    assert one_hot([0, 3]).shape == (2, 4)


@pytest.mark.parametrize(
    ("labels", "num_classes", "match"),
    [([0, 10], 10, "got 10"), ([-1, 0], None, "got -1"), ([0.5], 2, "integers")],
)
def test_one_hot_rejects_bad_labels(labels, num_classes, match):
    """Are labels outside [0, C) or not whole refused, quoting the value?"""
    with pytest.raises(ValueError, match=match):
        one_hot(labels, num_classes)


def test_one_hot_rejects_2d():
    """Is a 2-d label array refused, quoting its shape?"""
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        one_hot(np.zeros((2, 2), dtype=int))


def test_global_standardize(rng):
    """Are both sets scaled by the training set's single mean and std, as float64?"""
    X_train = rng.integers(0, 256, (50, 784), dtype=np.uint8)
    X_test = rng.integers(0, 256, (20, 784), dtype=np.uint8)
    train, test = global_standardize(X_train, X_test)
    assert train.dtype == np.float64 and test.shape == (20, 784)
    assert train.mean() == pytest.approx(0.0, abs=1e-12)
    assert train.std() == pytest.approx(1.0)
    mean, std = X_train.mean(), X_train.std()
    np.testing.assert_allclose(test, (X_test - mean) / std)


def test_global_standardize_rejects_constant():
    with pytest.raises(ValueError, match="constant"):
        global_standardize(np.ones((3, 3)), np.ones((1, 3)))


def test_standard_scale(rng):
    """Does every column get mean 0 and population std 1, and constant columns stay finite?"""
    features = rng.normal(3.0, 2.0, (40, 3))
    features[:, 2] = 7.0
    scaled = standard_scale(features)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0)[:2], 1.0)
    np.testing.assert_array_equal(scaled[:, 2], 0.0)


def test_train_test_split_matches_scikit_learn_rule():
    """Are the test rows the first ceil(0.3 N) of RandomState(seed).permutation(N)?"""
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    _, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    perm = np.random.RandomState(0).permutation(10)
    np.testing.assert_array_equal(y_test, perm[:3])
    np.testing.assert_array_equal(y_train, perm[3:])
    np.testing.assert_array_equal(X_test[:, 0], 2 * perm[:3])


@pytest.mark.parametrize("test_size", [0.0, 1.0, -0.1])
def test_train_test_split_rejects_bad_size(test_size):
    with pytest.raises(ValueError, match=str(test_size)):
        train_test_split(np.zeros((4, 1)), np.zeros(4), test_size=test_size)


def test_boston_split_reproduces_the_book(data_dir):
    """Does the book's closed-form linear regression give its MAE 3.5671 and RMSE 5.0476?"""
    features, target, _ = load_boston(directory=data_dir, download=False)
    X_train, X_test, y_train, y_test = boston_split(features, target)
    assert X_train.shape == (354, 13) and X_test.shape == (152, 13)
    assert y_train.shape == (354, 1) and y_test.shape == (152, 1)
    perm = np.random.RandomState(80718).permutation(506)
    np.testing.assert_array_equal(y_test[:, 0], target[perm[:152]])
    design = np.hstack([X_train, np.ones((354, 1))])
    weights, *_ = np.linalg.lstsq(design, y_train, rcond=None)
    preds = np.hstack([X_test, np.ones((152, 1))]) @ weights
    assert np.abs(preds - y_test).mean() == pytest.approx(3.5671, abs=1e-4)
    assert np.sqrt(((preds - y_test) ** 2).mean()) == pytest.approx(5.0476, abs=1e-4)


def test_char_vocabulary_round_trip():
    """Are characters indexed in sorted order, and does encode/decode round-trip?"""
    vocab = char_vocabulary("hello world")
    assert vocab.chars == (" ", "d", "e", "h", "l", "o", "r", "w")
    assert len(vocab) == vocab.size == 8 and vocab.char_to_idx["h"] == 3
    indices = vocab.encode("hello")
    assert indices.dtype == np.int64 and indices.tolist() == [3, 2, 4, 4, 5]
    assert vocab.decode(indices) == "hello" and vocab.idx_to_char[7] == "w"
    with pytest.raises(ValueError, match="'z'"):
        vocab.encode("hez")
    with pytest.raises(ValueError, match="'!'"):
        vocab.encode("!")  # sorts before every character of the vocabulary
    assert vocab.encode("").shape == (0,)
    with pytest.raises(ValueError, match="'a'"):
        char_vocabulary("").encode("a")


def test_char_vocabulary_of_unicode_text():
    """Are characters beyond ASCII encoded too?"""
    vocab = char_vocabulary("naïve café ☕")
    assert vocab.decode(vocab.encode("café ☕")) == "café ☕"


def test_one_hot_chars():
    """Do [N, T] indices become [N, T, V] one-hot vectors?"""
    indices = np.array([[0, 2, 1], [1, 1, 0]])
    encoded = one_hot_chars(indices, vocab_size=4)
    assert encoded.shape == (2, 3, 4) and encoded.dtype == np.float64
    np.testing.assert_array_equal(encoded.argmax(axis=-1), indices)
    np.testing.assert_array_equal(encoded.sum(axis=-1), 1.0)
    assert one_hot_chars([3], 4).shape == (1, 4)
    with pytest.raises(ValueError, match="got 4"):
        one_hot_chars([4], 4)
