"""Training inputs, written once per grading run for the workers; the labels stay here.

A data set that cannot be had (offline, not fetched) is tried once per run: its long
explanation (which files, where, how to place them by hand) is kept in :attr:`DataCache.
notes`, said once under the run's report, and every check that needs it gets one short line.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..probes.record import find_probe
from ..sandbox.scratch import make_scratch, remove_tree

__all__ = ["DataCache", "MissingData"]

_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD


class MissingData(Exception):
    """A training check's data set is not here; the message is one line (the full story is
    in :attr:`DataCache.notes`)."""


def _key(make: Callable[..., Any], params: dict[str, Any]) -> str:
    """What decides a data function's inputs: the function and the parameters it names (a
    check's other parameters, such as its time budget, go to ``**_``), so that the checks
    that train on the same data (both MNIST checks of chapter 4) share one file."""
    named = inspect.signature(make).parameters
    chosen = {k: v for k, v in params.items() if k in named and named[k].kind != _VAR_KEYWORD}
    where = f"{make.__module__}.{make.__qualname__}"
    return json.dumps([where, chosen], sort_keys=True, default=str)


class DataCache:
    """Training inputs written once per grading run, and the labels the grader keeps.

    Attributes:
        notes: the full explanation of each data set that could not be had, once each.
    """

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._entries: dict[str, tuple[str, dict[str, np.ndarray]]] = {}
        self._lock = threading.Lock()
        self._missing: dict[str, str] = {}  # data set (or probe) -> its one-line message
        self.notes: list[str] = []

    def get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        """``(folder of the inputs' ``.npy`` files, labels)`` for a training probe, made on
        first use."""
        with self._lock:
            return self._get(module, probe, params)

    def _get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        found = find_probe(module, probe)
        make = found.data
        assert make is not None, "the course checks that training probes have data"
        key = _key(make, params)
        if key not in self._entries:
            needs = found.datasets or (f"{module}.{probe}",)
            known = next((self._missing[n] for n in needs if n in self._missing), None)
            if known is not None:
                raise MissingData(known)
            try:
                inputs, labels = make(**params)
            except Exception as error:  # offline, not fetched: said once, fully, for the run
                raise MissingData(self._missed(needs, error)) from error
            path = self._folder() / f"data{len(self._entries)}"
            _write_inputs(path, inputs)
            self._entries[key] = (str(path), labels)
        return self._entries[key]

    def folder(self) -> Path:
        """The folder of the run's training inputs (made now if need be): a student's sandbox
        shows it whole to their workers, the inputs written into it later included."""
        with self._lock:
            return self._folder()

    def _folder(self) -> Path:
        if self._dir is None:
            self._dir = make_scratch("data")
            os.chmod(self._dir, 0o755)
        return self._dir

    def _missed(self, needs: tuple[str, ...], error: Exception) -> str:
        text = str(error) or repr(error)
        self.notes.append(text)
        first = text.splitlines()[0].rstrip(":")
        names = " ".join(n for n in needs if "." not in n)
        fetch = f"; `dlfs-grade data fetch {names}` gets it" if names else ""
        line = f"{first}{fetch} (the details are said once, under the report)"
        for name in needs:
            self._missing[name] = line
        return line

    def close(self) -> None:
        """Delete the files."""
        if self._dir is not None:
            remove_tree(self._dir)
            self._dir = None
        self._entries.clear()


def _write_inputs(folder: Path, inputs: dict[str, Any]) -> None:
    """One ``.npy`` file per input in ``folder``, readable by any worker: a worker maps them
    (copy on write) instead of reading them — chapter 4's 87 MB of MNIST were read into each
    of its workers."""
    folder.mkdir()
    for name, value in inputs.items():
        path = folder / f"{name}.npy"
        np.save(path, np.asarray(value), allow_pickle=False)
        os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
