"""The preprocessing the book applies: one-hot labels, standardisation, the Boston split,
character vocabularies and one-hot character sequences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BOSTON_RANDOM_STATE",
    "CharVocabulary",
    "boston_split",
    "char_vocabulary",
    "global_standardize",
    "one_hot",
    "one_hot_chars",
    "standard_scale",
    "train_test_split",
]

BOSTON_RANDOM_STATE = 80718


def _check_indices(values: np.ndarray, size: int | None, what: str) -> tuple[np.ndarray, int]:
    values = np.asarray(values)
    integral = np.issubdtype(values.dtype, np.integer) or np.all(np.mod(values, 1) == 0)
    if values.size and not integral:
        raise ValueError(f"{what} must be integers, got dtype {values.dtype}")
    values = values.astype(np.int64)
    if size is None:
        size = int(values.max()) + 1 if values.size else 0
    if size < 1 and values.size:
        raise ValueError(f"num_classes must be positive, got {size}")
    if values.size and (values.min() < 0 or values.max() >= size):
        bad = values[(values < 0) | (values >= size)][0]
        raise ValueError(f"{what} must lie in [0, {size}), got {bad}")
    return values, size


def one_hot(labels: Sequence[int] | np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels.

    Args:
        labels: [N] integers in ``[0, num_classes)``.
        num_classes: C; default ``labels.max() + 1``.

    Returns:
        [N, C] float64, row i all zeros but a 1 in column ``labels[i]``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional [N], got shape {labels.shape}")
    indices, size = _check_indices(labels, num_classes, "labels")
    encoded = np.zeros((len(indices), size), dtype=np.float64)
    encoded[np.arange(len(indices)), indices] = 1.0
    return encoded


def global_standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The book's MNIST scaling: subtract the training set's global mean, divide by its
    global standard deviation (one scalar each, over every pixel of every image).

    Args:
        X_train: [N, ...] training inputs (e.g. [60000, 784] uint8).
        X_test: [M, ...] test inputs, scaled with the *training* statistics.

    Returns:
        ``(X_train, X_test)`` as float64 arrays of the inputs' shapes; the first has mean 0
        and standard deviation 1.
    """
    X_train = np.array(X_train, dtype=np.float64)  # copies: scaled in place below
    X_test = np.array(X_test, dtype=np.float64)
    mean = X_train.mean()
    std = X_train.std()
    if std == 0:
        raise ValueError("X_train is constant (standard deviation 0); cannot standardise")
    for X in (X_train, X_test):  # (X - mean) / std without two more arrays of X's size
        X -= mean
        X /= std
    return X_train, X_test


def standard_scale(features: np.ndarray) -> np.ndarray:
    """Scale each column to mean 0 and standard deviation 1, as scikit-learn's
    ``StandardScaler().fit_transform`` (population std, ddof=0; constant columns are only
    centred).

    Args:
        features: [N, D].

    Returns:
        [N, D] float64.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"features must be [N, D], got shape {features.shape}")
    std = features.std(axis=0)
    std[std == 0] = 1.0
    return (features - features.mean(axis=0)) / std


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.3, random_state: int = BOSTON_RANDOM_STATE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split rows as scikit-learn's ``train_test_split`` does for a float
    ``test_size`` and an integer seed: ``ceil(test_size · N)`` test rows, the first of
    ``RandomState(random_state).permutation(N)``; the remaining rows train.

    Args:
        X: [N, ...]; y: [N, ...].

    Returns:
        ``(X_train, X_test, y_train, y_test)``.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    n_test = int(np.ceil(test_size * n))
    perm = np.random.RandomState(random_state).permutation(n)
    test, train = perm[:n_test], perm[n_test:]
    return X[train], X[test], y[train], y[test]


def boston_split(
    features: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The book's Boston preparation: :func:`standard_scale` every feature (on all 506 rows,
    as the book does), then a 70/30 split with ``random_state=80718``.

    Args:
        features: [506, 13] from :func:`dlfs.datasets.load_boston`.
        target: [506].

    Returns:
        ``(X_train [354, 13], X_test [152, 13], y_train [354, 1], y_test [152, 1])``, float64.
    """
    scaled = standard_scale(features)
    target = np.asarray(target, dtype=np.float64).reshape(-1, 1)
    return train_test_split(scaled, target, test_size=0.3, random_state=BOSTON_RANDOM_STATE)


@dataclass(frozen=True)
class CharVocabulary:
    """A character vocabulary: V distinct characters, sorted, and their indices.

    Attributes:
        chars: the V characters; index i stands for ``chars[i]``.
        char_to_idx: character → index.
    """

    chars: tuple[str, ...]
    char_to_idx: dict[str, int] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        """V."""
        return len(self.chars)

    @property
    def idx_to_char(self) -> dict[int, str]:
        """Index → character."""
        return dict(enumerate(self.chars))

    def encode(self, text: str) -> np.ndarray:
        """[T] int64 indices of the characters of ``text`` (vectorised: the characters are
        sorted by code point, so a binary search over the code points finds each index)."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        vocab = np.fromiter((ord(c) for c in self.chars), dtype=np.uint32, count=len(self.chars))
        indices = np.searchsorted(vocab, points)
        found = vocab[np.minimum(indices, len(vocab) - 1)] if len(vocab) else points + 1
        unknown = (indices == len(vocab)) | (found != points)
        if unknown.any():
            bad = chr(int(points[unknown.argmax()]))
            raise ValueError(f"character {bad!r} is not in the vocabulary")
        return indices.astype(np.int64)

    def decode(self, indices: Iterable[int]) -> str:
        """The text spelled by [T] indices."""
        return "".join(self.chars[int(i)] for i in indices)


def char_vocabulary(text: str) -> CharVocabulary:
    """The sorted set of characters of ``text`` (the book uses an unordered ``set``; sorting
    makes the indices the same on every run).

    Returns:
        A :class:`CharVocabulary` of V characters (65 for tiny Shakespeare).
    """
    chars = tuple(sorted(set(text)))
    return CharVocabulary(chars, {c: i for i, c in enumerate(chars)})


def one_hot_chars(indices: Sequence[int] | np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot encode character indices of any shape, as the book's RNN trainer feeds them.

    Args:
        indices: [N, T] (or [T], or any shape) integers in ``[0, vocab_size)``.
        vocab_size: V.

    Returns:
        [N, T, V] (the input's shape plus V) float64.
    """
    indices, size = _check_indices(np.asarray(indices), vocab_size, "indices")
    encoded = np.zeros((*indices.shape, size), dtype=np.float64)
    np.put_along_axis(encoded, indices[..., None], 1.0, axis=-1)
    return encoded
