"""Does downloading work, and does every failure leave nothing valid-looking behind?

All traffic goes to a local HTTP server on 127.0.0.1 (see conftest.py).
"""

from __future__ import annotations

import hashlib
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest

from dlfs.datasets import (
    CorruptFileWarning,
    DatasetNotAvailableError,
    DownloadError,
    FileSpec,
    download_file,
    ensure_files,
    load_mnist,
    mirror_urls,
    registry,
)

BROKEN = "mnist/train-images-idx3-ubyte.gz"


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _assert_nothing_left(root: Path, path: str = BROKEN) -> None:
    assert not (root / path).exists()
    assert not [p for p in _files(root) if p.endswith(".part")]


def test_download_success_then_cached(tiny_mnist, http_server, tmp_path):
    """Are missing files downloaded, verified and then served from the cache?"""
    dataset = tiny_mnist()
    results = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert [r.action for r in results] == ["downloaded"] * 4
    assert _files(tmp_path) == sorted(spec.path for spec in dataset.files)
    for spec in dataset.files:
        assert hashlib.sha256((tmp_path / spec.path).read_bytes()).hexdigest() == spec.sha256
    served = len(http_server.requests)
    again = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert [r.action for r in again] == ["cached"] * 4
    assert len(http_server.requests) == served


def test_load_mnist_downloads_on_first_use(tiny_mnist, monkeypatch, tmp_path):
    """Does the loader fetch what is missing and return the served arrays?"""
    monkeypatch.setitem(registry.DATASETS, "mnist", tiny_mnist())
    X_train, y_train, X_test, y_test = load_mnist(directory=tmp_path)
    arrays = tiny_mnist.arrays
    np.testing.assert_array_equal(X_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert X_test.shape == (3, 28, 28) and y_train.dtype == np.int64


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ("wrong-bytes", "wrong SHA-256"),
        ("wrong-length", "offers"),
        ("truncate", "IncompleteRead|truncated"),
        ("short", "truncated"),
        ("error-500", "HTTP 500"),
        ("error-404", "HTTP 404"),
    ],
)
def test_failed_transfer_leaves_nothing(tiny_mnist, http_server, tmp_path, route, reason):
    """Does a corrupt, truncated or refused transfer raise and leave no file behind?"""
    dataset = tiny_mnist()
    blob = tiny_mnist.blobs["train-images-idx3-ubyte.gz"]
    key = f"/good/{BROKEN}"
    if route == "wrong-bytes":
        http_server.serve(key, bytes(len(blob)))
    elif route == "wrong-length":
        http_server.serve(key, blob + b"extra")
    elif route.startswith("error"):
        http_server.serve(key, b"", mode="error", status=int(route[-3:]))
    else:
        http_server.serve(key, blob, mode=route)
    with pytest.raises(DatasetNotAvailableError, match=reason) as info:
        ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    _assert_nothing_left(tmp_path)
    err = info.value
    assert err.missing == [BROKEN] and err.dataset == "mnist"
    message = str(err)
    assert "'mnist'" in message and BROKEN in message and str(tmp_path) in message
    assert "by hand" in message
    # The other files were fine and are in place, verified.
    assert len(_files(tmp_path)) == 3


def test_failing_mirror_before_a_working_one(tiny_mnist, http_server, tmp_path):
    """Is the second mirror used when the first one fails?"""
    dataset = tiny_mnist(mirrors=("broken", "good"))
    for name in tiny_mnist.blobs:
        http_server.serve(f"/broken/mnist/{name}", b"", mode="error", status=503)
    results = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert all(r.url.startswith(http_server.url("good/")) for r in results)
    assert http_server.requests[:2] == [f"/broken/{BROKEN}", f"/good/{BROKEN}"]
    assert len(_files(tmp_path)) == 4


def test_every_mirror_failing_names_each(tiny_mnist, http_server, tmp_path):
    """When all mirrors fail, does the error say what each one did?"""
    dataset = tiny_mnist(mirrors=("one", "two"))
    http_server.serve(f"/one/{BROKEN}", b"", mode="error", status=500)
    http_server.serve(f"/two/{BROKEN}", b"", mode="error", status=404)
    with pytest.raises(DatasetNotAvailableError) as info:
        ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert len(info.value.reasons) == 2
    assert "HTTP 500" in info.value.reasons[0] and "HTTP 404" in info.value.reasons[1]
    _assert_nothing_left(tmp_path)


def test_corrupt_cached_file_is_reported_and_fetched_again(tiny_mnist, tmp_path):
    """Is a cached file with a wrong checksum reported, then replaced by a verified one?"""
    dataset = tiny_mnist()
    ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    target = tmp_path / BROKEN
    target.write_bytes(b"garbage")
    with pytest.warns(CorruptFileWarning, match="does not match its SHA-256"):
        results = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert [r.action for r in results] == ["replaced", "cached", "cached", "cached"]
    assert target.read_bytes() == tiny_mnist.blobs["train-images-idx3-ubyte.gz"]


def test_corrupt_file_same_size_is_caught(tiny_mnist, tmp_path):
    """Is a corrupt file of the right size caught by its hash, not just its size?"""
    dataset = tiny_mnist()
    ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    target = tmp_path / BROKEN
    target.write_bytes(bytes(target.stat().st_size))
    with pytest.warns(CorruptFileWarning):
        results = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert results[0].action == "replaced"


def test_no_download_allowed_says_how_to_place_files(tiny_mnist, http_server, tmp_path):
    """Without downloading, does the error name the files, the directory and the fix?"""
    dataset = tiny_mnist()
    with pytest.raises(DatasetNotAvailableError) as info:
        ensure_files(dataset, directory=tmp_path, download=False)
    message = str(info.value)
    assert all(spec.path in message for spec in dataset.files)
    assert str(tmp_path) in message and "DLFS_DATA_DIR" in message
    assert http_server.requests == []


def test_offline_machine_gets_a_clear_error(tiny_mnist, tmp_path):
    """Does a refused connection (no network) end in the data set's error, not a traceback?"""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = f"http://127.0.0.1:{port}"
    dataset = tiny_mnist()
    files = tuple(FileSpec(s.path, s.size, s.sha256, (f"{dead}/{s.path}",)) for s in dataset.files)
    offline = registry.Dataset("mnist", "t", files, "l", "c", "h")
    with pytest.raises(DatasetNotAvailableError, match="is not available") as info:
        ensure_files(offline, directory=tmp_path, timeout=5, progress=False)
    assert len(info.value.missing) == 4
    assert f"{dead}/{BROKEN}" in str(info.value)
    assert _files(tmp_path) == []


def test_instructor_mirror_is_tried_first(tiny_mnist, http_server, monkeypatch, tmp_path):
    """Does DLFS_MIRROR point downloads at an instructor's copy before the registry's URLs?"""
    dataset = tiny_mnist(mirrors=("registry",))
    for name, blob in tiny_mnist.blobs.items():
        http_server.serve(f"/registry/mnist/{name}", b"", mode="error", status=500)
        http_server.serve(f"/course/mnist/{name}", blob)
    monkeypatch.setenv("DLFS_MIRROR", f"{http_server.base}/course/")
    results = ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert all("/course/" in r.url for r in results)
    assert not any(r.startswith("/registry/") for r in http_server.requests)


def test_mirror_urls_order():
    """Are explicit mirrors tried first, laid out like the data directory?"""
    spec = FileSpec("mnist/a.gz", 1, "0" * 64, ("https://example.org/a.gz",))
    assert mirror_urls(spec, ["file:///srv/data/", "http://h"]) == [
        "file:///srv/data/mnist/a.gz",
        "http://h/mnist/a.gz",
        "https://example.org/a.gz",
    ]
    assert mirror_urls(spec, []) == ["https://example.org/a.gz"]


def test_file_url_mirror(tiny_mnist, tmp_path):
    """Can an instructor's copy on disk (a file:// mirror) be used?"""
    dataset = tiny_mnist(mirrors=())
    source = tmp_path / "usb"
    for name, blob in tiny_mnist.blobs.items():
        (source / "mnist").mkdir(parents=True, exist_ok=True)
        (source / "mnist" / name).write_bytes(blob)
    target = tmp_path / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = ensure_files(dataset, directory=target, mirrors=[source.as_uri()], progress=False)
    assert [r.action for r in results] == ["downloaded"] * 4


def test_interrupted_download_leaves_nothing(tiny_mnist, monkeypatch, tmp_path):
    """Does Ctrl-C in the middle of a transfer remove the partial file?"""
    import tqdm.auto

    class Interrupting:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(tqdm.auto, "tqdm", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        ensure_files(tiny_mnist(), directory=tmp_path, timeout=5, progress=False)
    assert _files(tmp_path) == []


def test_download_file_raises_download_error(tiny_mnist, http_server, tmp_path):
    """Does the one-file API raise DownloadError with one reason per URL?"""
    spec = tiny_mnist().files[0]
    http_server.serve("/gone", b"", mode="error", status=410)
    with pytest.raises(DownloadError, match="HTTP 410") as info:
        download_file(spec, tmp_path / "x.gz", [http_server.url("gone")], progress=False)
    assert info.value.path == spec.path and len(info.value.reasons) == 1
    assert _files(tmp_path) == []
    url = download_file(spec, tmp_path / "x.gz", [spec.urls[0]], progress=False)
    assert url == spec.urls[0] and (tmp_path / "x.gz").stat().st_size == spec.size


def test_a_dripping_mirror_is_given_up_for_the_next(tiny_mnist, http_server, monkeypatch, tmp_path):
    """A mirror that answers but too slowly has an overall deadline, then the next is tried."""
    import time

    from dlfs.datasets import download

    dataset = tiny_mnist(mirrors=("slow", "good"))
    blob = tiny_mnist.blobs["train-images-idx3-ubyte.gz"]
    http_server.serve(f"/slow/{BROKEN}", blob, mode="drip")
    monkeypatch.setattr(download, "MIN_RATE", 10 * len(blob))  # about 0.1 s for this file
    start = time.monotonic()
    results = ensure_files(dataset, directory=tmp_path, timeout=1, progress=False)
    assert time.monotonic() - start < 10
    slow = next(r for r in results if r.path == BROKEN)
    assert slow.url.startswith(http_server.url("/good"))
    _assert_nothing_left(tmp_path, "nothing")


def test_a_partial_download_of_a_dead_process_is_removed(tiny_mnist, http_server, tmp_path):
    dataset = tiny_mnist()
    folder = tmp_path / "mnist"
    folder.mkdir()
    dead = folder / ".train-images-idx3-ubyte.gz.999999999.abcd.part"
    dead.write_bytes(b"half a file")
    ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert not dead.exists()
    assert not [p for p in _files(tmp_path) if p.endswith(".part")]
