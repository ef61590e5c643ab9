"""The record of what each check calls on the answer key (``calls.json``).

A worker must hold in memory only what its exercise's checks need: every other function of the
answer key (another exercise's answer, or the graded one under another name) and of the grader
(the gradient checker, the probes' helpers, the data loaders) is replaced, before the learner's
code runs, by a function that refuses (``sandbox.prune``). What the checks need is found by
running them: :func:`dlfs.autograder.generate.call_trace.record_calls` runs every check of the
course — hidden and training ones too — on the pristine reference as the worker runs it, under
a profiler, and keeps

* for each probe, every function of ``dlfs`` it calls (``"dlfs.reference.base:Operation.forward"``);
* for each exercise's target, the functions of ``dlfs`` its reference body calls, directly or
  not (``sandbox.keyforward``: a learner's body may call those, and the key's other functions only
  to compute again what they computed already — not to differentiate them numerically).

The record is ``calls.json`` beside the stored answers, written by ``dlfs-grade build-answers``
(every chapter it builds) and read by the grader (:func:`load_calls`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .store import answers_dir

__all__ = [
    "CALLS_FILE",
    "CallRecord",
    "CallRecordError",
    "load_calls",
    "reference_name",
    "write_calls",
]

CALLS_FILE = "calls.json"
_FORMAT = 1


class CallRecordError(LookupError):
    """What a check calls is not recorded (the record is older than course.toml)."""


def reference_name(target: str) -> str:
    """``"activations:Sigmoid._output"`` (course.toml) as the record names it,
    ``"dlfs.reference.activations:Sigmoid._output"``."""
    return f"dlfs.reference.{target}"


@dataclass
class CallRecord:
    """What the checks call.

    Attributes:
        probes: ``"chapter3:sigmoid_forward"`` → the functions the probe calls.
        inside: a target (``reference_name``) → the functions its reference body calls.
    """

    probes: dict[str, set[str]] = field(default_factory=dict)
    inside: dict[str, set[str]] = field(default_factory=dict)

    def calls_of(self, chapter: str, probe: str) -> set[str]:
        """What probe ``chapter:probe`` calls.

        Raises:
            CallRecordError: the probe is not in the record.
        """
        found = self.probes.get(f"{chapter}:{probe}")
        if found is None:
            raise CallRecordError(
                f"what {chapter}.{probe} calls is not recorded ({CALLS_FILE} is older than "
                "course.toml): run `dlfs-grade build-answers`"
            )
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "probes": {k: sorted(v) for k, v in sorted(self.probes.items())},
            "inside": {k: sorted(v) for k, v in sorted(self.inside.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallRecord:
        if data.get("format") != _FORMAT:
            raise CallRecordError(f"{CALLS_FILE} has format {data.get('format')!r}")
        probes = {str(k): set(map(str, v)) for k, v in dict(data.get("probes", {})).items()}
        inside = {str(k): set(map(str, v)) for k, v in dict(data.get("inside", {})).items()}
        return cls(probes, inside)


def write_calls(
    record: CallRecord,
    folder: Path,
    chapters: Iterable[str] | None,
    earlier: CallRecord | None = None,
) -> Path:
    """Write ``record`` into ``folder/calls.json``; with ``chapters`` (only those traced),
    over the record already there, or else ``earlier`` (the other chapters' probes and
    targets kept)."""
    path = folder / CALLS_FILE
    merged = CallRecord()
    if chapters is not None:
        if path.is_file():
            merged = CallRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        elif earlier is not None:
            merged = CallRecord(dict(earlier.probes), dict(earlier.inside))
        built = set(chapters)
        merged.probes = {k: v for k, v in merged.probes.items() if k.split(":")[0] not in built}
    merged.probes.update(record.probes)
    merged.inside.update(record.inside)
    tmp = folder / f".{CALLS_FILE}.tmp"
    tmp.write_text(json.dumps(merged.to_dict(), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    load_calls.cache_clear()
    return path


@lru_cache(maxsize=4)
def load_calls(folder: str | None = None) -> CallRecord:
    """The record beside the stored answers (cached).

    Raises:
        CallRecordError: there is none, or it cannot be read.
    """
    path = Path(folder or answers_dir()) / CALLS_FILE
    try:
        return CallRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise CallRecordError(
            f"what the checks call is not recorded ({path}: {error}): run "
            "`dlfs-grade build-answers`"
        ) from None
