"""The course's data sets: MNIST, Fashion-MNIST, Boston housing and tiny Shakespeare.

Loaders return NumPy arrays, downloading and verifying (SHA-256) files on first use into the
data directory (``DLFS_DATA_DIR``, else the user cache directory)::

    from dlfs.datasets import load_mnist, one_hot, global_standardize
    X_train, y_train, X_test, y_test = load_mnist(flatten=True)

The Boston housing data set's feature ``B`` encodes a race-based variable; see
:func:`load_boston` and :data:`BOSTON_B_NOTE`.
"""

from __future__ import annotations

from .cache import DatasetStatus, FileStatus, data_dir, dataset_status, file_sha256
from .download import DEFAULT_TIMEOUT, FetchResult, download_file, ensure_files, mirror_urls
from .errors import (
    ChecksumError,
    CorruptFileWarning,
    DatasetError,
    DatasetNotAvailableError,
    DownloadError,
    IDXFormatError,
)
from .idx import parse_idx, read_idx
from .loaders import load_boston, load_fashion_mnist, load_mnist, load_text
from .manage import FetchReport, fetch_datasets, list_datasets, verify_datasets
from .preprocessing import (
    BOSTON_RANDOM_STATE,
    CharVocabulary,
    boston_split,
    char_vocabulary,
    global_standardize,
    one_hot,
    one_hot_chars,
    standard_scale,
    train_test_split,
)
from .registry import (
    BOSTON_B_NOTE,
    BOSTON_FEATURE_NAMES,
    DATASETS,
    Dataset,
    FileSpec,
    dataset_names,
    get_dataset,
)

__all__ = [
    "BOSTON_B_NOTE",
    "BOSTON_FEATURE_NAMES",
    "BOSTON_RANDOM_STATE",
    "DATASETS",
    "DEFAULT_TIMEOUT",
    "CharVocabulary",
    "ChecksumError",
    "CorruptFileWarning",
    "Dataset",
    "DatasetError",
    "DatasetNotAvailableError",
    "DatasetStatus",
    "DownloadError",
    "FetchReport",
    "FetchResult",
    "FileSpec",
    "FileStatus",
    "IDXFormatError",
    "boston_split",
    "char_vocabulary",
    "data_dir",
    "dataset_names",
    "dataset_status",
    "download_file",
    "ensure_files",
    "fetch_datasets",
    "file_sha256",
    "get_dataset",
    "global_standardize",
    "list_datasets",
    "load_boston",
    "load_fashion_mnist",
    "load_mnist",
    "load_text",
    "mirror_urls",
    "one_hot",
    "one_hot_chars",
    "parse_idx",
    "read_idx",
    "standard_scale",
    "train_test_split",
    "verify_datasets",
]
