"""Does ``dlfs-grade data`` parse its arguments, call the API and report honestly?

Network traffic, where any, goes to the loopback server of conftest.py.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from dlfs.autograder.cli import data as data_cli
from dlfs.autograder.cli.main import cli
from dlfs.datasets import registry
from dlfs.datasets.manage import FetchReport


def _run(*args: str):
    return CliRunner().invoke(cli, ["data", *args])


def test_list_table(data_dir):
    """Does `data list` show a table of every data set with its status and Boston's note?"""
    result = _run("list", "--dir", str(data_dir))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Data directory: {data_dir} (--dir)"
    assert lines[1].split() == ["name", "files", "size", "status"]
    for name in ("mnist", "fashion-mnist", "boston", "tinyshakespeare"):
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.split()[-1] == "verified"
    assert ["mnist", "4/4", "11.1", "MiB", "verified"] in [r.split() for r in lines]
    assert "race-based" in result.output


def test_list_json(data_dir):
    result = _run("list", "--json", "--dir", str(data_dir), "boston")
    assert result.exit_code == 0
    (entry,) = json.loads(result.output)
    assert entry["name"] == "boston" and entry["status"] == "verified"
    assert entry["files"][0]["size"] == 177100 and "race-based" in entry["note"]
    assert entry["files"][0]["sha256"].startswith("8594f084")
    assert entry["files"][0]["urls"][0].startswith("https://raw.githubusercontent.com/rasbt/")
    assert "Harrison" in entry["citation"] and entry["license"]


def test_list_missing_files(tmp_path):
    result = _run("list", "--dir", str(tmp_path))
    assert result.exit_code == 0
    assert (
        "missing" in result.output and "mnist/t10k-images-idx3-ubyte.gz is missing" in result.output
    )


def test_unknown_name_is_a_usage_error(tmp_path):
    result = _run("list", "cifar", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "'cifar'" in result.output


def test_verify_ok_and_corrupt(data_dir, tiny_mnist, monkeypatch, tmp_path):
    """Does `data verify` exit 0 on intact files and 1 on a corrupt one, naming it?"""
    assert _run("verify", "--dir", str(data_dir)).exit_code == 0
    monkeypatch.setitem(registry.DATASETS, "mnist", tiny_mnist())
    assert _run("fetch", "mnist", "--dir", str(tmp_path), "--no-progress").exit_code == 0
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"bad")
    result = _run("verify", "mnist", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "mnist/t10k-labels-idx1-ubyte.gz is corrupt (3 bytes" in result.output
    as_json = json.loads(_run("verify", "mnist", "--json", "--dir", str(tmp_path)).output)
    assert as_json[0]["status"] == "corrupt"


def test_verify_missing_only_fails_when_named(tmp_path):
    assert _run("verify", "--dir", str(tmp_path)).exit_code == 0
    assert _run("verify", "boston", "--dir", str(tmp_path)).exit_code == 1


def test_fetch_downloads_and_reports(tiny_mnist, monkeypatch, tmp_path):
    """Does `data fetch mnist --json` download from the (local) mirror and say so?"""
    monkeypatch.setitem(registry.DATASETS, "mnist", tiny_mnist())
    result = _run("fetch", "mnist", "--json", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["ok"] and [f["action"] for f in report["files"]] == ["downloaded"] * 4
    again = _run("fetch", "mnist", "--dir", str(tmp_path))
    assert again.output.strip() == "mnist: ok (cached)"


def test_fetch_failure_exits_1_with_the_reason(tiny_mnist, http_server, monkeypatch, tmp_path):
    dataset = tiny_mnist()
    monkeypatch.setitem(registry.DATASETS, "mnist", dataset)
    http_server.serve("/good/mnist/train-images-idx3-ubyte.gz", b"", mode="error", status=500)
    result = _run("fetch", "mnist", "--dir", str(tmp_path), "--no-progress")
    assert result.exit_code == 1
    assert "mnist: FAILED" in result.output and "HTTP 500" in result.output
    assert "by hand" in result.output


def test_fetch_parses_options(monkeypatch, tmp_path):
    """Are NAME|all, --mirror (repeated) and --timeout passed to the API?"""
    calls = []

    def fake(names, directory, **kwargs):
        calls.append((names, directory, kwargs))
        return [FetchReport("boston", ())]

    monkeypatch.setattr(data_cli, "fetch_datasets", fake)
    result = _run(
        "fetch", "all", "--mirror", "http://a", "--mirror", "http://b", "--timeout", "3",
        "--dir", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names, directory, kwargs = calls[0]
    assert names == ["all"] and directory == str(tmp_path)
    assert kwargs["mirrors"] == ["http://a", "http://b"] and kwargs["timeout"] == 3.0


def test_fetch_needs_a_name():
    assert _run("fetch").exit_code == 2


def test_a_folder_where_a_file_belongs_fails_verify(tiny_mnist, monkeypatch, tmp_path):
    """verify fails (exit 1) on a folder where a file belongs; nothing crashes."""
    from dlfs.datasets import ensure_files, registry

    dataset = tiny_mnist()
    monkeypatch.setitem(registry.DATASETS, "mnist", dataset)
    ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)
    assert _run("verify", "mnist", "--dir", str(tmp_path)).exit_code == 0
    target = tmp_path / dataset.files[0].path
    target.unlink()
    target.mkdir()
    result = _run("verify", "--dir", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is corrupt" in result.output


def test_an_unreadable_file_is_unreadable_not_a_traceback(tiny_mnist, monkeypatch, tmp_path):
    """A file that cannot be read (mode 000 for an ordinary user) is reported, not raised."""
    from dlfs.datasets import cache, ensure_files, registry

    dataset = tiny_mnist()
    monkeypatch.setitem(registry.DATASETS, "mnist", dataset)
    ensure_files(dataset, directory=tmp_path, timeout=5, progress=False)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "file_sha256", refuse)
    result = _run("verify", "mnist", "--dir", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unreadable" in result.output
    listing = _run("list", "mnist", "--dir", str(tmp_path))
    assert listing.exit_code == 0 and "unreadable" in listing.output
