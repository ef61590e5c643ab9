"""Loaders: the course's four data sets as NumPy arrays (or text).

Each loader makes sure its files are in the data directory and verified (downloading them on
first use, see :func:`dlfs.datasets.ensure_files`), then parses them. Decompressed IDX files
are kept on disk (see :mod:`dlfs.datasets.decoded`) and decoded arrays in memory for the
process, so only the first load ever pays for gunzip; every call returns fresh arrays that the
caller may modify.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .decoded import load_idx_gz
from .download import ensure_files
from .errors import IDXFormatError
from .registry import BOSTON_FEATURE_NAMES, get_dataset

__all__ = ["load_boston", "load_fashion_mnist", "load_mnist", "load_text"]

_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049
_PARTS = (
    ("train-images-idx3-ubyte.gz", _IMAGES_MAGIC),
    ("train-labels-idx1-ubyte.gz", _LABELS_MAGIC),
    ("t10k-images-idx3-ubyte.gz", _IMAGES_MAGIC),
    ("t10k-labels-idx1-ubyte.gz", _LABELS_MAGIC),
)
# (location, size, mtime_ns, sha256) -> decoded read-only array, for the process's lifetime.
_MEMO: dict[tuple[str, int, int, str], np.ndarray] = {}


def _read_cached(path: Path, sha256: str, magic: int) -> np.ndarray:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, sha256)
    if key not in _MEMO:
        array = load_idx_gz(path, sha256, magic)
        if magic == _LABELS_MAGIC:
            array = array.astype(np.int64)
        array.flags.writeable = False
        _MEMO[key] = array
    return _MEMO[key]


def _load_idx_set(
    name: str, flatten: bool, directory: str | Path | None, download: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    dataset = get_dataset(name)
    results = ensure_files(
        dataset,
        [f"{dataset.name}/{file}" for file, _ in _PARTS],
        directory=directory,
        download=download,
    )
    arrays = [
        _read_cached(result.location, dataset.file(result.path).sha256, magic).copy()
        for result, (_, magic) in zip(results, _PARTS, strict=True)
    ]
    x_train, y_train, x_test, y_test = arrays
    for images, labels, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if len(images) != len(labels):
            raise IDXFormatError(f"{name} {split}: {len(images)} images but {len(labels)} labels")
    if flatten:
        x_train = x_train.reshape(len(x_train), -1)
        x_test = x_test.reshape(len(x_test), -1)
    return x_train, y_train, x_test, y_test


def load_mnist(
    flatten: bool = False, *, directory: str | Path | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST handwritten digits: 60,000 training and 10,000 test images.

    Args:
        flatten: return images as [N, 784] rows instead of [N, 28, 28].
        directory: the data directory (default ``DLFS_DATA_DIR`` or the user cache).
        download: fetch missing or corrupt files from the mirrors.

    Returns:
        ``(X_train, y_train, X_test, y_test)``: X_train [60000, 28, 28] (or [60000, 784])
        uint8 pixels 0–255, y_train [60000] int64 digits 0–9, X_test [10000, 28, 28] (or
        [10000, 784]) uint8, y_test [10000] int64.

    Raises:
        DatasetNotAvailableError: files are missing and could not be downloaded.
        IDXFormatError: a file is not valid IDX.
    """
    return _load_idx_set("mnist", flatten, directory, download)


def load_fashion_mnist(
    flatten: bool = False, *, directory: str | Path | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fashion-MNIST: 70,000 28×28 grey images of 10 kinds of clothing, as MNIST.

    Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot.

    Returns:
        ``(X_train, y_train, X_test, y_test)`` with the shapes and dtypes of
        :func:`load_mnist`.
    """
    return _load_idx_set("fashion-mnist", flatten, directory, download)


def load_boston(
    *, directory: str | Path | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Boston housing: 13 features of 506 Boston-area towns and their median home value.

    Warning:
        The feature ``B`` is 1000(Bk − 0.63)², Bk the proportion of Black residents by
        town: a race-based variable. scikit-learn removed this data set in version 1.2 for
        that reason. The course uses it only to reproduce the book's chapters 2–4 results;
        do not use it, or models trained on it, to make decisions about people or places.

    The file has no header; its 14 columns are CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS,
    RAD, TAX, PTRATIO, B, LSTAT, then the target MEDV (median value in $1000s).

    Returns:
        ``(features, target, feature_names)``: features [506, 13] float64, target [506]
        float64 (MEDV), feature_names the 13 column names in order.
    """
    (result,) = ensure_files("boston", directory=directory, download=download)
    table = np.loadtxt(result.location, delimiter=",", dtype=np.float64)
    if table.shape != (506, 14):
        raise ValueError(f"{result.location}: table of shape {table.shape}, expected (506, 14)")
    return table[:, :13].copy(), table[:, 13].copy(), list(BOSTON_FEATURE_NAMES)


def load_text(
    name: str = "tinyshakespeare", *, directory: str | Path | None = None, download: bool = True
) -> str:
    """A text corpus as one string (the only one so far: ``"tinyshakespeare"``, 1,115,394
    characters, 65 distinct)."""
    dataset = get_dataset(name)
    if dataset.name != "tinyshakespeare":
        raise ValueError(f"{name!r} is not a text data set; use 'tinyshakespeare'")
    (result,) = ensure_files(dataset, directory=directory, download=download)
    return result.location.read_text(encoding="utf-8")
