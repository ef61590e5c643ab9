"""Reading the stored answers: the public checks' expected arrays, without the reference.

Students in a course get a copy of dlfs without ``reference/``. Their public checks
(agreement, gradient and property checks) then compare with arrays stored in this package, one
small ``chapterN.npz`` per chapter, made by the instructor with ``dlfs-grade build``
(:mod:`dlfs.autograder.generate.answers`): the pristine probe's outputs (for gradient checks,
the numerical gradients) and the outputs of the probe's known mistakes (so that diagnoses still
name them). Hidden checks are never stored: they run only where the reference is.

Each check's arrays sit under a key made from everything that decides them (chapter, probe,
parameters, seed, numerical or not), so a check whose probe or parameters changed has no
stored answer rather than a wrong one. The files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy import ndarray

from ..kinds import KINDS

__all__ = [
    "MISTAKES_KEY",
    "STORED_KINDS",
    "TYPES_KEY",
    "AnswerStoreError",
    "answers_dir",
    "check_key",
    "load_expected",
    "load_file",
    "load_mistake_names",
    "load_mistakes",
]

TYPES_KEY = "__types__"
"""The member of each file that records the Python type of every stored value."""
MISTAKES_KEY = "__mistakes__"
"""The member of each file that describes each stored known mistake (``key/mistakeN``)."""
STORED_KINDS = tuple(k.name for k in KINDS.values() if k.stored)
"""The check kinds whose answers are stored."""


class AnswerStoreError(LookupError):
    """No stored answer for a check (the files are missing or older than course.toml)."""


def answers_dir() -> Path:
    """The folder of the ``chapterN.npz`` files (this package's own folder)."""
    return Path(__file__).resolve().parent


def check_key(
    module: str, probe: str, params: Mapping[str, Any], seed: int, numerical: bool = False
) -> str:
    """The key of one check's stored arrays: a digest of everything that decides them."""
    text = json.dumps([module, probe, dict(params), int(seed), bool(numerical)], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=16)
def load_file(path: str) -> tuple[dict[str, ndarray], dict[str, str]]:
    """The arrays of one stored file (cached) and the recorded type of each."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if name != MISTAKES_KEY}
    types = json.loads(arrays.pop(TYPES_KEY, np.zeros(0, np.uint8)).tobytes() or b"{}")
    return arrays, types


@lru_cache(maxsize=16)
def load_mistake_names(path: str) -> dict[str, str]:
    """``key/mistakeN`` -> the description of that stored known mistake, in one file."""
    with np.load(path, allow_pickle=False) as npz:
        if MISTAKES_KEY not in npz.files:
            return {}
        return json.loads(npz[MISTAKES_KEY].tobytes().decode("utf-8") or "{}")


def _chapter_arrays(chapter: str, folder: Path | None) -> tuple[dict[str, ndarray], dict]:
    path = (folder or answers_dir()) / f"{chapter}.npz"
    if not path.is_file():
        raise AnswerStoreError(
            f"no known answers for {chapter} ({path.name} is missing): ask your instructor "
            "for a copy made with `dlfs-grade build-answers`"
        )
    return load_file(str(path))


def _restore(array: ndarray, type_name: str) -> Any:
    """The value as the probe returned it: an array, a NumPy scalar, a float, a list."""
    if type_name == "ndarray":
        return array
    if type_name in ("list", "tuple"):
        return array.tolist()
    if array.ndim == 0 and type_name in ("float", "int", "bool", "complex"):
        return array.item()
    return array[()] if array.ndim == 0 else array


def _under(prefix: str, arrays: Mapping[str, ndarray], types: Mapping[str, str]) -> dict:
    return {
        name[len(prefix) :]: _restore(value, types.get(name, "ndarray"))
        for name, value in arrays.items()
        if name.startswith(prefix) and "/" not in name[len(prefix) :]
    }


def load_expected(
    module: str,
    probe: str,
    params: Mapping[str, Any],
    seed: int,
    numerical: bool = False,
    folder: Path | None = None,
) -> dict[str, Any]:
    """The stored outputs of the pristine probe (or its numerical gradients).

    Raises:
        AnswerStoreError: no answer is stored for exactly this check.
    """
    arrays, types = _chapter_arrays(module, folder)
    key = check_key(module, probe, params, seed, numerical)
    expected = _under(f"{key}/", arrays, types)
    if not expected:
        raise AnswerStoreError(
            f"no known answer stored for {module}.{probe} with these parameters: the stored "
            "answers are older than course.toml (the instructor runs `dlfs-grade build-answers`)"
        )
    return expected


def load_mistakes(
    module: str,
    probe: str,
    params: Mapping[str, Any],
    seed: int,
    numerical: bool = False,
    folder: Path | None = None,
) -> dict[int, tuple[str, dict[str, Any]]]:
    """The stored known mistakes of the probe, by their index in its mistakes: each one's
    description (empty in files stored before descriptions were) and outputs."""
    try:
        arrays, types = _chapter_arrays(module, folder)
    except AnswerStoreError:
        return {}
    names = load_mistake_names(str((folder or answers_dir()) / f"{module}.npz"))
    key = check_key(module, probe, params, seed, numerical)
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for name in arrays:
        match = re.fullmatch(rf"{key}/mistake(\d+)/[^/]+", name)
        if match and int(match.group(1)) not in found:
            index = int(match.group(1))
            outputs = _under(f"{key}/mistake{index}/", arrays, types)
            found[index] = (names.get(f"{key}/mistake{index}", ""), outputs)
    return found
