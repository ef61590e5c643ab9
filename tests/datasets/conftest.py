"""Fixtures for the data-set tests: tiny IDX files and a local HTTP server on 127.0.0.1.

Nothing here reaches the internet: every URL the download tests use points at the server.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pytest

from dlfs.datasets import Dataset, FileSpec


def idx_bytes(array: np.ndarray) -> bytes:
    """An uncompressed IDX file holding a uint8 array."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + array.tobytes()


@dataclass
class Route:
    """What the server answers for one path.

    mode: "ok"; "truncate" (announce the full length, send half, hang up); "short" (no
    Content-Length, send half); "error" (HTTP ``status`` with a short body).
    """

    body: bytes
    mode: str = "ok"
    status: int = 500


@dataclass
class LocalServer:
    """A loopback HTTP server whose answers the test sets per path."""

    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def serve(self, path: str, body: bytes = b"", mode: str = "ok", status: int = 500) -> None:
        """Answer GET ``path`` (e.g. ``"/good/mnist/x.gz"``) as :class:`Route` says."""
        self.routes[path] = Route(body, mode, status)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(state: LocalServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.mode == "error":
                self.send_error(route.status)
                return
            half = route.body[: len(route.body) // 2]
            self.send_response(200)
            if route.mode != "short":
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.mode == "drip":  # a mirror that answers, slowly: 64 bytes every 0.1 s
                for start in range(0, len(route.body), 64):
                    try:
                        self.wfile.write(route.body[start : start + 64])
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(0.1)
            else:
                self.wfile.write(route.body if route.mode == "ok" else half)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A threaded HTTP server on 127.0.0.1 and an ephemeral port, shut down after the test."""
    state = LocalServer()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session", autouse=True)
def _decoded_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the decoded-IDX cache of these tests out of the user's cache directory."""
    from dlfs.datasets import decoded

    folder = tmp_path_factory.mktemp("decoded")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decoded, "decoded_dir", lambda: folder)
        yield


@pytest.fixture(autouse=True)
def _no_mirror_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their mirrors themselves."""
    monkeypatch.delenv("DLFS_MIRROR", raising=False)


@pytest.fixture
def tiny_mnist(http_server: LocalServer) -> Callable[..., Dataset]:
    """Build an "mnist" registry entry of 5 training and 3 test images served by the server.

    Call it with ``mirrors`` (path prefixes on the server, tried in order; default one).
    The arrays are on the returned dataset's ``arrays`` attribute via ``tiny_mnist.arrays``.
    """
    rng = np.random.default_rng(7)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    blobs = {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}

    def build(mirrors: tuple[str, ...] = ("good",)) -> Dataset:
        files = []
        for name, blob in blobs.items():
            urls = tuple(http_server.url(f"{prefix}/mnist/{name}") for prefix in mirrors)
            files.append(
                FileSpec(f"mnist/{name}", len(blob), hashlib.sha256(blob).hexdigest(), urls)
            )
            for prefix in mirrors:
                http_server.serve(f"/{prefix}/mnist/{name}", blob)
        return Dataset("mnist", "tiny MNIST", tuple(files), "test", "test", "http://127.0.0.1/")

    build.arrays = arrays  # type: ignore[attr-defined]
    build.blobs = blobs  # type: ignore[attr-defined]
    return build
