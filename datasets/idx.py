"""The IDX format of MNIST and Fashion-MNIST, parsed with NumPy.

An IDX file is a header and a body. The header: a big-endian uint32 magic number
``0x00000800 | (dtype code << 8) | ndim`` — the codes used here are 0x08 (uint8), so 2049 for
a vector of labels and 2051 for a stack of images — then ``ndim`` big-endian uint32 sizes.
The body: ``prod(sizes)`` values, row-major.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import IDXFormatError

__all__ = ["parse_idx", "read_idx"]

# IDX type code -> big-endian dtype.
_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(
    data: bytes, expected_magic: int | None = None, source: str = "IDX data"
) -> np.ndarray:
    """Turn the bytes of an (uncompressed) IDX file into an array.

    Args:
        data: the whole file.
        expected_magic: 2049 for labels, 2051 for images; ``None`` accepts any valid magic.
        source: what to call the data in error messages (a file name).

    Returns:
        A read-only array of shape ``sizes`` (e.g. [N] labels or [N, 28, 28] images) viewing
        ``data`` without a copy (uint8 for MNIST).

    Raises:
        IDXFormatError: a wrong magic number, a short header, or a body whose length is not
            the product of the sizes.
    """
    if len(data) < 4:
        raise IDXFormatError(f"{source}: {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    zeros, code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zeros != 0 or code not in _DTYPES or ndim == 0:
        raise IDXFormatError(f"{source}: magic number {magic} (0x{magic:08x}) is not an IDX magic")
    if expected_magic is not None and magic != expected_magic:
        raise IDXFormatError(f"{source}: magic number {magic}, expected {expected_magic}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(f"{source}: {len(data)} bytes, too short for a {ndim}-d IDX header")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(data) - header
    if body != expected:
        raise IDXFormatError(
            f"{source}: body of {body} bytes, expected {expected} for shape {shape} "
            f"({'truncated' if body < expected else 'trailing bytes'})"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array


def read_idx(path: str | Path, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or not.

    Returns:
        A read-only array, as :func:`parse_idx`.

    Raises:
        IDXFormatError: the file is not valid IDX or not valid gzip.
    """
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise IDXFormatError(f"{path}: not a valid gzip file ({err})") from err
    return parse_idx(raw, expected_magic, source=str(path))
