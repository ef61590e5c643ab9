"""Is the on-disk cache of decompressed IDX files used, checked and never trusted blindly?"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from dlfs.datasets import decoded, load_mnist, loaders, registry


@pytest.fixture
def tiny(tiny_mnist, monkeypatch, tmp_path):
    """tiny MNIST in the registry, its own decoded cache, and no in-process memo."""
    monkeypatch.setitem(registry.DATASETS, "mnist", tiny_mnist())
    monkeypatch.setattr(decoded, "decoded_dir", lambda: tmp_path / "decoded")
    monkeypatch.setattr(loaders, "_MEMO", {})
    return tmp_path


def _fresh_process(monkeypatch):
    monkeypatch.setattr(loaders, "_MEMO", {})


def test_entries_are_written_and_reused(tiny, tiny_mnist, monkeypatch):
    """After one load, does a new process read the entries instead of gunzipping?"""
    first = load_mnist(directory=tiny / "data")
    entries = sorted(p.name for p in (tiny / "decoded").iterdir())
    assert len(entries) == 4 and all(name.endswith(".idx") for name in entries)
    _fresh_process(monkeypatch)

    def no_gunzip(data):
        raise AssertionError("the decoded cache was not used")

    monkeypatch.setattr(decoded.gzip, "decompress", no_gunzip)
    second = load_mnist(directory=tiny / "data")
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_damaged_entry_is_dropped_and_rebuilt(tiny, tiny_mnist, monkeypatch):
    """Is an entry whose bytes no longer match its name ignored, deleted and written again?"""
    load_mnist(directory=tiny / "data")
    (entry,) = (tiny / "decoded").glob(f"{registry.DATASETS['mnist'].files[0].sha256}.*")
    raw = bytearray(entry.read_bytes())
    raw[-1] ^= 0xFF
    entry.write_bytes(bytes(raw))
    _fresh_process(monkeypatch)
    X_train, *_ = load_mnist(directory=tiny / "data")
    np.testing.assert_array_equal(X_train, tiny_mnist.arrays["train-images-idx3-ubyte.gz"])
    assert entry.read_bytes() == gzip.decompress(tiny_mnist.blobs["train-images-idx3-ubyte.gz"])


def test_unwritable_cache_is_skipped(tiny, tiny_mnist, monkeypatch):
    """Does loading still work when the cache directory cannot be created?"""
    blocker = tiny / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(decoded, "decoded_dir", lambda: blocker / "decoded")
    X_train, *_ = load_mnist(directory=tiny / "data")
    assert X_train.shape == (5, 28, 28)
    assert not list(tiny.glob("**/*.part"))
