"""Shared fixtures: seeded generators and the location of the real data sets."""

from __future__ import annotations

import os

# One BLAS thread: the tests multiply small matrices, where several threads on a shared
# machine only thrash (a 5 s test took 30 s). Set before NumPy loads its BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path

import numpy as np
import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(20190501)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The directory holding the real data sets: ``DLFS_DATA_DIR`` or ``../shared/datasets``.

    Tests that need the data skip, saying why, where neither exists.
    """
    env = os.environ.get("DLFS_DATA_DIR")
    path = Path(env) if env else SHARED_DATASETS
    if not (path / "mnist").is_dir():
        pytest.skip(f"the data sets are not in {path}: set DLFS_DATA_DIR")
    os.environ["DLFS_DATA_DIR"] = str(path)
    return path
