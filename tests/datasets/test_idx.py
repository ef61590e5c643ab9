"""Does the IDX parser read valid files and reject broken ones clearly?"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from dlfs.datasets import IDXFormatError, parse_idx, read_idx


def _idx(array: np.ndarray, magic: int | None = None) -> bytes:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 0x0800 | array.ndim if magic is None else magic
    return np.array([magic, *array.shape], dtype=">u4").tobytes() + array.tobytes()


def test_parse_images_and_labels(rng):
    """Are images [N, 28, 28] and labels [N] read back exactly, without a copy?"""
    images = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], dtype=np.uint8)
    parsed = parse_idx(_idx(images), expected_magic=2051)
    np.testing.assert_array_equal(parsed, images)
    assert parsed.dtype == np.uint8 and not parsed.flags.writeable
    np.testing.assert_array_equal(parse_idx(_idx(labels), expected_magic=2049), labels)


def test_read_gzip_and_plain(tmp_path, rng):
    """Are both .gz and uncompressed files read?"""
    images = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx(images)))
    (tmp_path / "a").write_bytes(_idx(images))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz", 2051), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "a", 2051), images)


def test_wrong_magic_number():
    """Is a labels file given where images are expected rejected, quoting both magics?"""
    with pytest.raises(IDXFormatError, match="magic number 2049, expected 2051"):
        parse_idx(_idx(np.zeros(3)), expected_magic=2051)


def test_not_an_idx_magic():
    """Are bytes that are not IDX at all rejected?"""
    with pytest.raises(IDXFormatError, match="not an IDX magic"):
        parse_idx(b"PK\x03\x04" + bytes(20))


def test_short_body(tmp_path):
    """Is a truncated body reported with the expected and actual lengths?"""
    data = _idx(np.zeros((2, 28, 28)))[:-10]
    (tmp_path / "short.gz").write_bytes(gzip.compress(data))
    with pytest.raises(IDXFormatError, match=r"body of 1558 bytes, expected 1568.*truncated"):
        read_idx(tmp_path / "short.gz", 2051)


def test_trailing_bytes():
    """Is a body longer than its header says rejected too?"""
    with pytest.raises(IDXFormatError, match="trailing bytes"):
        parse_idx(_idx(np.zeros(3)) + b"\x00", expected_magic=2049)


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x01"])
def test_short_header(data):
    """Is a file too short for its header rejected?"""
    with pytest.raises(IDXFormatError, match="too short"):
        parse_idx(data)


def test_bad_gzip(tmp_path):
    """Is a corrupt .gz reported as such, not as a zlib traceback?"""
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(IDXFormatError, match="not a valid gzip"):
        read_idx(tmp_path / "bad.gz")


def test_is_a_value_error():
    """Can callers catch it as a ValueError?"""
    assert issubclass(IDXFormatError, ValueError)
