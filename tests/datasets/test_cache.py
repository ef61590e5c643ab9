"""Does the cache resolve its directory and tell verified, missing and corrupt files apart?"""

from __future__ import annotations

import hashlib
from pathlib import Path

import platformdirs
import pytest

from dlfs.datasets import (
    DATASETS,
    Dataset,
    FileSpec,
    data_dir,
    dataset_names,
    dataset_status,
    file_sha256,
    get_dataset,
)


def test_data_dir_env_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DLFS_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    assert data_dir(tmp_path / "x") == tmp_path / "x"


def test_data_dir_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("DLFS_DATA_DIR", raising=False)
    expected = Path(platformdirs.user_cache_dir("dlfs", appauthor=False)) / "datasets"
    assert data_dir() == expected


def _dataset(tmp_path: Path) -> Dataset:
    blobs = {"a/one.bin": b"first file", "two.txt": b"second"}
    files = tuple(
        FileSpec(path, len(blob), hashlib.sha256(blob).hexdigest(), ())
        for path, blob in blobs.items()
    )
    return Dataset("toy", "Toy", files, "MIT", "nobody", "http://127.0.0.1/")


def test_status_verified_missing_corrupt(tmp_path):
    """Are a missing, a wrong and a right file each reported as such?"""
    toy = _dataset(tmp_path)
    assert dataset_status(toy, tmp_path).status == "missing"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.bin").write_bytes(b"first file")
    status = dataset_status(toy, tmp_path)
    assert status.status == "partial" and [f.status for f in status.files] == [
        "verified",
        "missing",
    ]
    (tmp_path / "two.txt").write_bytes(b"SECOND")  # right size, wrong bytes
    status = dataset_status(toy, tmp_path)
    assert status.status == "corrupt" and status.files[1].size == 6
    (tmp_path / "two.txt").write_bytes(b"second")
    assert dataset_status(toy, tmp_path).ok
    assert dataset_status(toy, tmp_path).to_dict()["files"][0]["status"] == "verified"


def test_file_sha256_streams_and_remembers(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 3_000_000)
    expected = hashlib.sha256(b"x" * 3_000_000).hexdigest()
    assert file_sha256(path) == expected == file_sha256(path)
    assert file_sha256(path, use_memo=False) == expected


def test_registry_matches_shared_sums(data_dir):
    """Do the registry's sizes and SHA-256 equal ../shared/datasets/SHA256SUMS and the files?"""
    sums = dict(
        reversed(line.split()) for line in (data_dir / "SHA256SUMS").read_text().splitlines()
    )
    listed = {spec.path: spec for ds in DATASETS.values() for spec in ds.files}
    assert set(listed) == set(sums)
    for path, spec in listed.items():
        assert spec.sha256 == sums[path]
        assert spec.size == (data_dir / path).stat().st_size


def test_registry_metadata():
    """Does every file have at least one https/http URL, MNIST two mirrors, and every data set
    a licence and a citation, Boston its note on B?"""
    assert dataset_names() == ["mnist", "fashion-mnist", "boston", "tinyshakespeare"]
    for ds in DATASETS.values():
        assert ds.license and ds.citation
        for spec in ds.files:
            assert spec.urls and all(u.startswith(("https://", "http://")) for u in spec.urls)
    assert all(len(spec.urls) >= 2 for spec in DATASETS["mnist"].files)
    assert not any("lecun.com" in u for spec in DATASETS["mnist"].files for u in spec.urls)
    assert "race-based" in DATASETS["boston"].note


def test_unknown_dataset_is_quoted():
    with pytest.raises(ValueError, match="'cifar'"):
        get_dataset("cifar")
    assert get_dataset("fashion_mnist").name == "fashion-mnist"


def test_an_edit_whose_size_and_time_were_put_back_is_hashed_again(tmp_path):
    """A long-running process must not trust its memo for a file edited in place whose size
    and modification time were then restored (os.utime): the status-change time moved."""
    import os
    import time

    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * 1000)
    before = path.stat()
    first = file_sha256(path)
    time.sleep(0.01)
    with path.open("r+b") as handle:  # the same size
        handle.write(b"b")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same time
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert file_sha256(path) != first
