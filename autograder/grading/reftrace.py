"""The reference's side of a traced check: the answer key run with its values recorded.

In the grader, never in a worker: the pristine reference's target functions are swapped, for
the one probe call, for copies instrumented the way the learner's are in the worker
(``sandbox.instrument``), and put back. The caller holds the grader's judging lock: the
reference is shared by every check judged in this process.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..sandbox.instrument import RUNTIME, instrument
from ..sandbox.splice import REFERENCE_PACKAGE, parse_target, swapped
from ..sandbox.trace import Recorder
from .plan import PlannedCheck
from .source import Source
from .traces import Trace, trace_from_records

__all__ = ["reference_sources", "trace_reference"]


def reference_sources(targets: Sequence[str]) -> list[Source]:
    """The reference's source of each target (each parsed once per text: the grader explains
    many failing checks of the same few functions)."""
    sources = []
    for target in targets:
        module_name, _ = parse_target(target)
        module = importlib.import_module(f"{REFERENCE_PACKAGE}.{module_name}")
        path = inspect.getsourcefile(module) or ""
        text = Path(path).read_text(encoding="utf-8")
        key = (target, path, text)
        if key not in _PARSED:
            _PARSED[key] = Source(path, text, target)
        sources.append(_PARSED[key])
    return sources


_PARSED: dict[tuple[str, str, str], Source] = {}
"""The reference's sources as parsed, by target, file and text (callers hold the grader's
parsing lock)."""


def trace_reference(check: PlannedCheck, sources: Sequence[Source]) -> Trace | None:
    """The reference's values on ``check``'s probe call (None: the probe failed on the
    reference too, which the check's own verdict says already)."""
    recorder = Recorder(record=True, enforce=False)
    modules = [
        importlib.import_module(f"{REFERENCE_PACKAGE}.{parse_target(s.target)[0]}") for s in sources
    ]
    probe = check.probe
    with contextlib.ExitStack() as stack:
        for module in modules:
            module.__dict__[RUNTIME] = recorder
            stack.callback(module.__dict__.pop, RUNTIME, None)
        for fid, source in enumerate(sources):
            stack.enter_context(swapped(source.target, instrument(source.node, fid), source.path))
        try:
            with np.errstate(all="ignore"):
                probe(
                    importlib.import_module(REFERENCE_PACKAGE),
                    np.random.default_rng(check.seed),
                    **check.params,
                )
        except Exception:
            return None
    return trace_from_records(recorder.records, recorder.truncated)
