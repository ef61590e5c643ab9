"""The autograder: checks, the sandboxed runner, the progress store and the CLI.

The names below are imported when first used (PEP 562), so that ``import dlfs.autograder``
— which every ``dlfs-grade`` command does, ``--help`` included — loads neither NumPy nor the
grader until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "grade": ".api",
    "Course": ".course",
    "CourseError": ".course",
    "Exercise": ".course",
    "load_course": ".course",
    "GradCheckResult": ".gradcheck",
    "check_gradient": ".gradcheck",
    "check_layer": ".gradcheck",
    "check_loss": ".gradcheck",
    "check_network": ".gradcheck",
    "check_operation": ".gradcheck",
    "numerical_gradient": ".gradcheck",
    "rel_error": ".gradcheck",
    "next_hint": ".hints",
    "revealed_hints": ".hints",
    "ProgressStore": ".progress",
    "record_attempt": ".progress",
    "summarize": ".progress",
    "CheckResult": ".results",
    "ExerciseResult": ".results",
    "GradeReport": ".results",
    "build_exercises": ".generate.exercises",
    "check_exercises": ".generate.exercises",
    "reset_exercise": ".generate.exercises",
    "find_regions": ".generate.regions",
    "regions_in_tree": ".generate.regions",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """Import the module that holds ``name`` on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
