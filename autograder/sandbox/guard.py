"""The in-place guard: a learner's function may not change the arrays it is given.

Every function installed from the learner's code reports its start and its end (see
:mod:`.instrument`); :class:`Guard` copies the arrays among the arguments at the start and
compares them at the end. An argument the exercise does not let the function change
(``changes_in_place`` in course.toml: the optimizer's ``param``, a node's
``params_dict.*.deriv``) that holds other numbers at the end raises :class:`ChangedInPlace`
there, naming it: the same verdict in every check, whatever the probe does with the array
afterwards. The recorder of a traced run is a guard too (``trace.Recorder``).
"""

from __future__ import annotations

import fnmatch
import importlib
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .instrument import RUNTIME, instrument
from .splice import REFERENCE_PACKAGE, LearnerFunction, install, parse_target

__all__ = [
    "MAX_GUARDED",
    "ChangedInPlace",
    "Guard",
    "install_guarded",
    "is_array",
    "is_tensor",
    "leaves",
    "plain_path",
]

MAX_GUARDED = 2_000_000
"""Arrays larger than this are not copied to be compared (a whole data set)."""
_ITEMS = 16
"""How many entries of a list or dict argument are looked into."""


class ChangedInPlace(ValueError):
    """A function changed an array it was given, which the exercise does not allow."""


def plain_path(path: str) -> str:
    """``params_dict.W_f.deriv`` for ``params_dict['W_f']['deriv']`` (patterns use dots)."""
    return path.replace("['", ".").replace("']", "").replace("[", ".").replace("]", "")


def leaves(name: str, value: Any, depth: int = 2) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of ``value`` and, ``depth`` levels down, its dict and list items."""
    if isinstance(value, dict) and depth > 0:
        for key, item in list(value.items())[:_ITEMS]:
            if _plain_key(key):
                yield from leaves(f"{name}[{key!r}]", item, depth - 1)
    elif isinstance(value, list | tuple) and depth > 0 and not _numbers(value):
        for index, item in enumerate(value[:_ITEMS]):
            yield from leaves(f"{name}[{index}]", item, depth - 1)
    else:
        yield name, value


def _plain_key(key: Any) -> bool:
    if isinstance(key, str | int):
        return True
    return isinstance(key, tuple) and all(isinstance(k, str | int) for k in key)


def _numbers(value: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) for v in value)


def is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "permute")


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or is_tensor(value)


def _copy(value: Any) -> Any:
    if is_tensor(value):
        return value.detach().clone()
    return np.array(value, copy=True)


def _same(before: Any, after: Any) -> bool:
    if is_tensor(after):
        before, after = before.cpu().numpy(), after.detach().cpu().numpy()
    return after.shape == before.shape and bool(np.array_equal(before, after, equal_nan=True))


class Guard:
    """Checks that each call of a guarded function leaves its arguments' arrays unchanged,
    but for those its exercise lets it change.

    Args:
        allowed: per function (its index), the argument paths it may change, with ``*``
            wildcards (``param``, ``params_dict.*.deriv``).
        enforce: raise :class:`ChangedInPlace` (else only remember, in :attr:`changed`).
    """

    def __init__(self, allowed: Mapping[int, Sequence[str]] | None = None, enforce: bool = True):
        self.allowed = {fid: tuple(patterns) for fid, patterns in (allowed or {}).items()}
        self.enforce = enforce
        self.changed: dict[int, set[str]] = defaultdict(set)
        self._given: dict[int, list[list[tuple[str, Any, Any]]]] = defaultdict(list)

    def enter(self, fid: int, frame: Mapping[str, Any]) -> None:
        given = []
        for name, value in list(frame.items()):
            if name == "self":
                continue
            for path, leaf in leaves(name, value):
                if is_array(leaf) and _size(leaf) <= MAX_GUARDED:
                    given.append((path, leaf, _copy(leaf)))
        self._given[fid].append(given)

    def leave(self, fid: int) -> None:
        stack = self._given.get(fid)
        if not stack:
            return
        given = stack.pop()
        changed = [path for path, leaf, copy in given if not _same(copy, leaf)]
        self.changed[fid].update(changed)
        forbidden = [p for p in changed if not self._may_change(fid, p)]
        if forbidden and self.enforce and sys.exc_info()[0] is None:
            raise ChangedInPlace(
                f"your code changed {forbidden[0]} in place (e.g. {forbidden[0]} += … or "
                f"{forbidden[0]}[…] = …): the caller's array is not yours to modify; compute "
                "a new array instead"
            )

    def _may_change(self, fid: int, path: str) -> bool:
        plain = plain_path(path)
        return any(fnmatch.fnmatchcase(plain, p) for p in self.allowed.get(fid, ()))

    def v(self, fid: int, sid: int, value: Any) -> Any:
        return value


def _size(value: Any) -> int:
    return int(value.numel()) if is_tensor(value) else int(value.size)


def install_guarded(
    functions: Sequence[LearnerFunction],
    package: str = REFERENCE_PACKAGE,
    guard: Guard | None = None,
) -> Guard:
    """Install the learner's functions into ``package`` (the reference, or the learner's own
    package), each reporting to one :class:`Guard` (worker only)."""
    guard = guard or Guard({fid: f.changes for fid, f in enumerate(functions)})
    for fid, function in enumerate(functions):
        module_name, _ = parse_target(function.target)
        importlib.import_module(f"{package}.{module_name}").__dict__[RUNTIME] = guard
        install(function, package, transform=_guarding(fid))
    return guard


def _guarding(fid: int) -> Any:
    def transform(node: Any) -> Any:
        try:
            return instrument(node, fid, sites=False)
        except Exception:  # code the guard cannot wrap runs unguarded, never not at all
            return node

    return transform
