"""Expected values computed once per grading run, for every workspace it grades.

A run's check inputs depend on the exercise, the check and the run's seed, never on the
workspace (:mod:`.seeds`): in a class, every student's check draws the same inputs, and the
reference's outputs on them are the same. :class:`RememberedAnswers` keeps each one the first
time it is computed and hands out copies (a judge may change what it is given).
"""

from __future__ import annotations

import copy
import json
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .expected import ExpectedSource
    from .plan import PlannedCheck

__all__ = ["RememberedAnswers"]

_MOST = 4096
"""Checks remembered at most (the whole book's are about 300 per seed)."""


class RememberedAnswers:
    """``source`` with each check's expected values computed once (see the module's
    docstring); everything else is ``source``'s own.

    Args:
        source: where the expected values come from.
    """

    def __init__(self, source: ExpectedSource) -> None:
        self.source = source
        self._kept: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"source": self.source}  # what is kept is computed again where it goes

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["source"])  # type: ignore[misc]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("source", "_kept", "_lock"):  # not set yet
            raise AttributeError(name)
        return getattr(self.source, name)

    def expected(self, check: PlannedCheck, numerical: bool = False) -> dict[str, Any]:
        """The source's expected values of ``check`` (a copy of those kept, after the
        first time)."""
        try:
            key = json.dumps(
                [check.module, check.spec.probe, check.params, check.seed, numerical],
                sort_keys=True,
            )
        except (TypeError, ValueError):  # parameters JSON cannot say: not kept
            return self.source.expected(check, numerical)
        with self._lock:
            kept = self._kept.get(key)
        if kept is None:
            kept = self.source.expected(check, numerical)
            with self._lock:
                if len(self._kept) < _MOST:
                    self._kept[key] = kept
        return {name: _copy(value) for name, value in kept.items()}


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)
