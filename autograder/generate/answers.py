"""Making the stored answers from the reference (``dlfs-grade build-answers``).

For every public check whose kind is stored, the pristine probe's outputs (for a gradient
check its central differences) and the outputs of each of the probe's known mistakes, a file
per chapter, written atomically; and, for every check, what it calls on the answer key
(:mod:`..answers.calls`: what a worker keeps in memory).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy import ndarray

from ..answers.calls import CALLS_FILE, CallRecord, CallRecordError, load_calls, write_calls
from ..answers.store import (
    MISTAKES_KEY,
    STORED_KINDS,
    TYPES_KEY,
    AnswerStoreError,
    answers_dir,
    check_key,
    load_file,
    load_mistake_names,
)
from ..course import Course, load_course
from ..grading.expected import ReferenceAnswers, reference_available
from ..grading.plan import PlannedCheck
from ..grading.seeds import check_seed
from ..kinds import KINDS
from .call_trace import record_calls

__all__ = ["BuildReport", "build_answers", "compare_answers"]


@dataclass
class BuildReport:
    """What :func:`build_answers` wrote.

    Attributes:
        files: the ``.npz`` files written, one per chapter.
        checks: how many checks' answers were stored.
        bytes: the files' total size.
        skipped: chapters left out, with why (PyTorch missing for chapter 7).
        calls: the record of what every check calls (:mod:`..answers.calls`).
    """

    files: list[Path] = field(default_factory=list)
    calls: Path | None = None
    checks: int = 0
    bytes: int = 0
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [str(p) for p in self.files],
            "checks": self.checks,
            "bytes": self.bytes,
            "skipped": dict(self.skipped),
            "calls": str(self.calls) if self.calls is not None else None,
        }


def _stored_checks(course: Course, chapters: Iterable[str] | None) -> dict[str, list[PlannedCheck]]:
    """chapter -> every public check whose answers are stored."""
    wanted = set(chapters) if chapters is not None else None
    found: dict[str, list[PlannedCheck]] = {}
    for exercise in course.exercises:
        if wanted is not None and exercise.chapter not in wanted:
            continue
        for index, spec in enumerate(exercise.checks):
            if spec.hidden or spec.kind not in STORED_KINDS:
                continue
            check = PlannedCheck(
                spec, exercise.chapter, check_seed(exercise.id, index), spec.probe_params
            )
            found.setdefault(exercise.chapter, []).append(check)
    return found


class _Arrays:
    """A chapter's stored arrays, the manifest of their Python types and the descriptions of
    the known mistakes whose outputs are stored (a copy without the reference names them)."""

    def __init__(self) -> None:
        self.arrays: dict[str, ndarray] = {}
        self.types: dict[str, str] = {}
        self.mistakes: dict[str, str] = {}

    def put(self, name: str, value: Any) -> None:
        array = np.asarray(value)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise AnswerStoreError(f"{name} is not a numeric array (dtype {array.dtype})")
        self.arrays[name] = array
        self.types[name] = type(value).__name__

    def has(self, key: str) -> bool:
        return any(name.startswith(f"{key}/") for name in self.arrays)

    def with_manifest(self) -> dict[str, ndarray]:
        manifest = json.dumps(self.types, sort_keys=True).encode("utf-8")
        names = json.dumps(self.mistakes, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return {
            **self.arrays,
            TYPES_KEY: np.frombuffer(manifest, dtype=np.uint8),
            MISTAKES_KEY: np.frombuffer(names, dtype=np.uint8),
        }


def _arrays_of(checks: list[PlannedCheck]) -> dict[str, ndarray]:
    """Every stored array of one chapter, plus the types manifest."""
    reference = importlib.import_module("dlfs.reference")
    answers = ReferenceAnswers(stored_first=False)  # computed, never read back
    stored = _Arrays()
    for check in checks:
        numerical = KINDS[check.spec.kind].numerical
        key = check_key(check.module, check.spec.probe, check.params, check.seed, numerical)
        if stored.has(key):
            continue  # an agreement and a property check may share their probe call
        for name, value in answers.expected(check, numerical).items():
            stored.put(f"{key}/{name}", value)
        probe = check.probe
        rng = np.random.default_rng(check.seed)
        for i, description, outputs in probe.wrong_outputs(reference, rng, check.params):
            for name, value in outputs.items():
                stored.put(f"{key}/mistake{i}/{name}", value)
            stored.mistakes[f"{key}/mistake{i}"] = description
    return stored.with_manifest()


def build_answers(
    course: Course | None = None,
    out_dir: Path | str | None = None,
    chapters: Iterable[str] | None = None,
) -> BuildReport:
    """Run every public check's reference side and store the answers, a file per chapter.

    Args:
        course: the course (default: ``load_course()``).
        out_dir: where to write (default: :func:`~..answers.store.answers_dir`).
        chapters: only these chapters (default: every chapter with stored checks).
    Returns:
        What was written. Chapter 7 is skipped, and says so, where PyTorch is missing.
    Raises:
        ValueError: when the reference is not installed.
    """
    if not reference_available():
        raise ValueError(
            "the stored answers are made from the reference: dlfs.reference is missing"
        )
    course = course or load_course()
    out = Path(out_dir) if out_dir is not None else answers_dir()
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    built = []
    for chapter, checks in _stored_checks(course, chapters).items():
        if chapter == "chapter7" and importlib.util.find_spec("torch") is None:
            report.skipped[chapter] = "PyTorch is not installed"
            continue
        built.append(chapter)
        path = out / f"{chapter}.npz"
        tmp = out / f".{chapter}.tmp.npz"
        np.savez_compressed(tmp, **_arrays_of(checks))
        tmp.replace(path)
        load_file.cache_clear()
        load_mistake_names.cache_clear()
        report.files.append(path)
        report.checks += len(checks)
        report.bytes += path.stat().st_size
    partial = chapters is not None or bool(report.skipped)
    earlier = _committed_calls()
    record = record_calls(course, built, earlier)
    report.calls = write_calls(record, out, built if partial else None, earlier)
    return report


def _committed_calls() -> CallRecord | None:
    """The record committed with the package (what a training check calls where its data
    set is not here to trace it), if there is one."""
    try:
        return load_calls()
    except CallRecordError:
        return None


_FLOAT32_CHAPTERS = {"chapter7.npz"}
"""Chapters computed by PyTorch in float32, whose last bits differ between CPUs: they are
compared at float32's precision."""

SCALE_TOLERANCE = 1e-7
"""How far a stored value may move, relative to the largest magnitude in its array, between
two builds on different machines (float64 chapters).

The same reference on another CPU or BLAS rounds differently: a sum accumulated in another
order (SIMD width, blocked GEMM) moves the last bits of each value by about 1e-16 times the
*magnitudes summed*, not the result, so a value that cancels to near zero can move by far
more than its own size times ``rtol``. Numerical gradients are worse: central differences
divide a loss's rounding (about 1e-16 · |L|) by 2h = 2e-5, an error of about 1e-11 · |L| in
every entry however small. Seen between two x86-64 machines: 3.6e-9 on entries of a
``chapter5`` array whose largest was about 0.6. Both errors are bounded by the scale of the
array, so the tolerance is too; a real change of the reference or of a probe moves values by
far more than 1e-7 of their array's scale."""


def _tolerances(name: str, rtol: float, atol: float) -> tuple[float, float, float]:
    """``(rtol, atol, scale)``: a value may differ by ``atol + rtol·|b| + scale·max|b|``."""
    if name in _FLOAT32_CHAPTERS:
        return max(rtol, 1e-5), max(atol, 1e-6), 1e-5
    return rtol, atol, SCALE_TOLERANCE


def same_within_scale(a: np.ndarray, b: np.ndarray, rtol: float, atol: float, scale: float) -> bool:
    """Whether ``a`` equals ``b`` up to rounding relative to each value and to ``b``'s scale
    (NaNs equal NaNs; integers and booleans exactly)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b))
    finite = np.isfinite(b)
    magnitude = float(np.max(np.abs(b[finite]))) if finite.any() else 0.0
    return bool(np.allclose(a, b, rtol=rtol, atol=atol + scale * magnitude, equal_nan=True))


def _compare_file(name: str, left: Path, right: Path, rtol: float, atol: float) -> list[str]:
    a, a_types = load_file(str(left))
    b, b_types = load_file(str(right))
    problems = [
        f"{name}: {key} only in {'left' if key in a else 'right'}"
        for key in sorted(set(a) ^ set(b))
    ]
    r, t, scale = _tolerances(name, rtol, atol)
    for key in sorted(set(a) & set(b)):
        if not same_within_scale(a[key], b[key], r, t, scale):
            problems.append(f"{name}: {key} differs")
    if a_types != b_types:
        problems.append(f"{name}: the recorded types differ")
    if load_mistake_names(str(left)) != load_mistake_names(str(right)):
        problems.append(f"{name}: the known mistakes' descriptions differ")
    return problems


def _compare_calls(left: Path, right: Path) -> list[str]:
    """How two records of what the checks call differ (each probe's and target's set)."""
    records = []
    for folder in (left, right):
        path = folder / CALLS_FILE
        if not path.is_file():
            return [f"{CALLS_FILE}: only in {'right' if folder == left else 'left'}"]
        records.append(CallRecord.from_dict(json.loads(path.read_text(encoding="utf-8"))))
    a, b = records
    problems = [
        f"{CALLS_FILE}: probe {k} differs"
        for k in sorted(a.probes.keys() | b.probes.keys())
        if a.probes.get(k) != b.probes.get(k)
    ]
    problems += [
        f"{CALLS_FILE}: target {k} differs"
        for k in sorted(a.inside.keys() | b.inside.keys())
        if a.inside.get(k) != b.inside.get(k)
    ]
    return problems


def compare_answers(
    left: Path | str, right: Path | str, rtol: float = 1e-7, atol: float = 1e-9
) -> list[str]:
    """How two folders of stored answers differ (empty: the same answers, within rounding,
    and the same record of what the checks call)."""
    problems: list[str] = _compare_calls(Path(left), Path(right))
    names = sorted(
        {p.name for p in Path(left).glob("chapter*.npz")}
        | {p.name for p in Path(right).glob("chapter*.npz")}
    )
    for name in names:
        a_path, b_path = Path(left) / name, Path(right) / name
        if not a_path.is_file() or not b_path.is_file():
            problems.append(f"{name}: only in {'right' if not a_path.is_file() else 'left'}")
            continue
        problems += _compare_file(name, a_path, b_path, rtol, atol)
    return problems
