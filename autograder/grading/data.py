"""Training inputs, written once per grading run for the workers; the labels stay here."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..probes.record import find_probe
from ..sandbox.scratch import make_scratch

__all__ = ["DataCache"]


class DataCache:
    """Training inputs written once per grading run, and the labels the grader keeps."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._entries: dict[str, tuple[str, dict[str, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        """``(path of the inputs' .npz, labels)`` for a training probe, made on first use."""
        with self._lock:
            return self._get(module, probe, params)

    def _get(self, module: str, probe: str, params: dict[str, Any]) -> tuple[str, dict]:
        key = json.dumps([module, probe, params], sort_keys=True, default=str)
        if key not in self._entries:
            make = find_probe(module, probe).data
            assert make is not None, "the course checks that training probes have data"
            inputs, labels = make(**params)
            if self._dir is None:
                self._dir = make_scratch("data")
                os.chmod(self._dir, 0o755)
            path = self._dir / f"data{len(self._entries)}.npz"
            np.savez(path, **inputs)
            os.chmod(path, 0o644)
            self._entries[key] = (str(path), labels)
        return self._entries[key]

    def close(self) -> None:
        """Delete the files."""
        if self._dir is not None:
            for path in self._dir.iterdir():
                path.unlink(missing_ok=True)
            self._dir.rmdir()
            self._dir = None
        self._entries.clear()
