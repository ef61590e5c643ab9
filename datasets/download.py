"""Fetching files: verified downloads from a list of mirrors, moved into place atomically.

A file is streamed to a temporary file in its destination folder while its SHA-256 is
computed; only a file of the right size and hash is renamed (``os.replace``) to its final
name. A failed, truncated or corrupt transfer deletes the temporary file, so nothing that
looks valid is ever left behind. Mirrors are tried in order: those given by the caller or
by ``DLFS_MIRROR`` first, then the registry's public URLs.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .cache import data_dir, file_status
from .errors import ChecksumError, CorruptFileWarning, DatasetNotAvailableError, DownloadError
from .registry import Dataset, FileSpec, get_dataset

__all__ = [
    "DEFAULT_TIMEOUT",
    "MIN_RATE",
    "FetchResult",
    "download_file",
    "ensure_files",
    "mirror_urls",
]

DEFAULT_TIMEOUT = 30.0
MIN_RATE = 50 * 1024
"""Bytes per second below which a mirror is given up for the next one: a transfer may take
``timeout + size / MIN_RATE`` seconds in all (MNIST's 9.9 MB: 30 s + 3.3 minutes)."""
_CHUNK = 1 << 20
_USER_AGENT = "dlfs-datasets/0.1 (Deep Learning from Scratch course)"


class _TransferError(Exception):
    """One URL failed; the message says how."""


@dataclass(frozen=True)
class FetchResult:
    """What fetching one file did.

    Attributes:
        dataset: the data set's name.
        path: the registry path of the file.
        location: where it is now.
        action: ``"cached"`` (already there and verified), ``"downloaded"`` or
            ``"replaced"`` (a corrupt copy was downloaded again).
        url: where it came from (``None`` when cached).
        size: its size in bytes.
    """

    dataset: str
    path: str
    location: Path
    action: Literal["cached", "downloaded", "replaced"]
    url: str | None
    size: int

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "dataset": self.dataset,
            "path": self.path,
            "location": str(self.location),
            "action": self.action,
            "url": self.url,
            "size": self.size,
        }


def mirror_urls(spec: FileSpec, mirrors: Sequence[str] | None = None) -> list[str]:
    """The URLs to try for a file, in order.

    Args:
        spec: the file.
        mirrors: base URLs laid out like the data directory (``<base>/mnist/t10k-…gz``);
            ``None`` reads them from ``DLFS_MIRROR`` (separated by commas or spaces).
            ``file://`` URLs work too. They are tried before the registry's URLs.
    """
    if mirrors is None:
        mirrors = [m for m in re.split(r"[,\s]+", os.environ.get("DLFS_MIRROR", "")) if m]
    own = [f"{base.rstrip('/')}/{spec.path}" for base in mirrors]
    return own + [url for url in spec.urls if url not in own]


def _transfer(url: str, spec: FileSpec, destination: Path, timeout: float, progress: bool | None):
    """Download ``url`` to ``destination`` if, and only if, it is ``spec``'s exact bytes."""
    import urllib.request  # here, not at the top: loaders that find their files skip the cost

    from tqdm.auto import tqdm

    destination.parent.mkdir(parents=True, exist_ok=True)
    _sweep_parts(destination)
    fd, tmp = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.{os.getpid()}.", suffix=".part"
    )
    deadline = time.monotonic() + timeout + spec.size / MIN_RATE
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                announced = response.headers.get("Content-Length")
                if announced is not None and int(announced) != spec.size:
                    raise _TransferError(
                        f"the server offers {announced} bytes, expected {spec.size}"
                    )
                digest = hashlib.sha256()
                received = 0
                with tqdm(
                    total=spec.size,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=spec.name,
                    disable=None if progress is None else not progress,
                ) as bar:
                    while chunk := response.read(_CHUNK):
                        received += len(chunk)
                        if time.monotonic() > deadline:
                            raise _TransferError(
                                f"too slow: {received} of {spec.size} bytes in "
                                f"{timeout + spec.size / MIN_RATE:.0f} s (under "
                                f"{MIN_RATE // 1024} KiB/s)"
                            )
                        if received > spec.size:
                            raise _TransferError(f"more than the expected {spec.size} bytes")
                        digest.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
            if received != spec.size:
                raise _TransferError(f"truncated: {received} of {spec.size} bytes received")
            if digest.hexdigest() != spec.sha256:
                raise ChecksumError(destination, spec.sha256, digest.hexdigest())
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; data files are for everyone to read
        os.replace(tmp, destination)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sweep_parts(destination: Path) -> None:
    """Remove partial downloads of ``destination`` left by processes that are gone (a kill
    during a download leaves its ``.part``; its own handler cannot run)."""
    pattern = re.compile(rf"\.{re.escape(destination.name)}\.(\d+)\..*\.part")
    for path in destination.parent.glob(f".{destination.name}.*.part"):
        found = pattern.fullmatch(path.name)
        if found is None or _alive(int(found.group(1))):
            continue
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def download_file(
    spec: FileSpec,
    destination: str | Path,
    urls: Sequence[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool | None = None,
) -> str:
    """Download one file, trying each URL in turn, and return the URL that worked.

    Args:
        spec: the file's expected size and SHA-256.
        destination: the final path; it is only ever written by an atomic rename of a
            verified file.
        urls: where to try (default :func:`mirror_urls`).
        timeout: seconds to wait for each connection or read; a whole transfer may take
            ``timeout + size / MIN_RATE`` before the next URL is tried.
        progress: show a progress bar on stderr: ``None`` only when stderr is a terminal.

    Raises:
        DownloadError: every URL failed (``.reasons`` says how, one line per URL).
    """
    import http.client
    import urllib.error

    destination = Path(destination)
    reasons = []
    for url in urls if urls is not None else mirror_urls(spec):
        try:
            _transfer(url, spec, destination, timeout, progress)
            return url
        except urllib.error.HTTPError as err:
            reasons.append(f"{url}: HTTP {err.code} {err.reason}")
            err.close()
        except urllib.error.URLError as err:
            reasons.append(f"{url}: {err.reason}")
        except ChecksumError as err:
            reasons.append(f"{url}: wrong SHA-256 {err.actual}, expected {err.expected}")
        except (_TransferError, OSError, http.client.HTTPException, ValueError) as err:
            reasons.append(f"{url}: {type(err).__name__}: {err}")
    raise DownloadError(spec.path, reasons or ["no URL to download from"])


def ensure_files(
    name: str | Dataset,
    files: Sequence[str] | None = None,
    *,
    directory: str | Path | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool | None = None,
) -> list[FetchResult]:
    """Make sure a data set's files are in the data directory and intact.

    Verified files are used as they are; missing ones are downloaded; a file that fails
    its checksum is reported (a :class:`CorruptFileWarning`) and downloaded again.

    Args:
        name: the data set (a registry name or a :class:`Dataset`).
        files: registry paths or file names to ensure (default: all of the data set's).
        directory: the data directory (default :func:`data_dir`).
        download: whether missing files may be downloaded.
        mirrors: base URLs tried first (default ``DLFS_MIRROR``), see :func:`mirror_urls`.
        timeout: seconds to wait for each connection or read.
        progress: show progress bars (``None``: only on a terminal).

    Returns:
        One :class:`FetchResult` per file, in the order asked.

    Raises:
        DatasetNotAvailableError: some files are missing or corrupt and could not be
            downloaded; the message names them, the directory and how to place them by hand.
    """
    dataset = get_dataset(name)
    root = data_dir(directory)
    specs = [dataset.file(f) for f in files] if files is not None else list(dataset.files)
    results: list[FetchResult] = []
    failed: list[FileSpec] = []
    reasons: list[str] = []
    for spec in specs:
        status = file_status(spec, root)
        if status.status == "verified":
            results.append(
                FetchResult(dataset.name, spec.path, status.location, "cached", None, spec.size)
            )
            continue
        if status.status in ("corrupt", "unreadable"):
            what = (
                "cannot be read"
                if status.status == "unreadable"
                else (f"({status.size} bytes) does not match its SHA-256 in the registry")
            )
            warnings.warn(
                f"{status.location} {what}; "
                f"{'downloading it again' if download else 'not using it'}",
                CorruptFileWarning,
                stacklevel=2,
            )
        if not download:
            failed.append(spec)
            reasons.append(f"{spec.path}: not downloaded (download=False)")
            continue
        try:
            url = download_file(
                spec,
                status.location,
                mirror_urls(spec, mirrors),
                timeout=timeout,
                progress=progress,
            )
        except DownloadError as err:
            failed.append(spec)
            reasons.extend(err.reasons)
            continue
        action = "downloaded" if status.status == "missing" else "replaced"
        results.append(
            FetchResult(dataset.name, spec.path, status.location, action, url, spec.size)
        )
    if failed:
        urls = [mirror_urls(spec, mirrors)[0] for spec in failed if mirror_urls(spec, mirrors)]
        raise DatasetNotAvailableError(dataset.name, [s.path for s in failed], root, urls, reasons)
    return results
