"""Gradescope: an autograder zip for one target, and the run that writes ``results.json``.

The zip (``build_autograder``) holds what Gradescope asks for; Gradescope unpacks it into
``/autograder/source`` and copies ``run_autograder`` to ``/autograder``:

* ``setup.sh`` — run once when Gradescope builds the image: installs the dependencies
  (``source/requirements.txt``, from PyPI) unless they are present, and fetches the data sets
  when the target has training checks;
* ``run_autograder`` — run for each submission: grades ``/autograder/submission`` (its
  ``exercises/`` folder if it holds a clone) with ``dlfs-grade export gradescope-run`` and
  writes ``/autograder/results/results.json``;
* ``dlfs/`` (reference, autograder, datasets), ``course.toml`` and ``requirements.txt``.
  dlfs itself is not pip-installed: the scripts put ``/autograder/source`` on ``PYTHONPATH``.

``/autograder`` can be moved with ``DLFS_GRADESCOPE_ROOT`` (the tests use a temporary folder
laid out the same way). Each check is one Gradescope test: its score, maximum, message and
visibility — ``visible`` for public checks, ``after_published`` for hidden ones.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dlfs.datasets import data_dir, ensure_files, get_dataset

from ..api import grade
from ..course import Course, Exercise, load_course
from ..grading import GradingSession, fresh_seed
from ..paths import package_root
from ..probes.record import find_probe
from ..results import GradeReport
from .batch import find_workspace

__all__ = [
    "ROOT_VARIABLE",
    "build_autograder",
    "committable",
    "requirements",
    "results_json",
    "run_autograder",
    "training_datasets",
]

ROOT_VARIABLE = "DLFS_GRADESCOPE_ROOT"
_PACKAGES = ("reference", "autograder", "datasets")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (dlfs, target {target}).
set -euo pipefail
ROOT="${{{root_var}:-/autograder}}"
PYTHON="${{DLFS_PYTHON:-python3}}"
chmod -R a+rX "$ROOT/source"
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-pip
fi
export PYTHONPATH="$ROOT/source${{PYTHONPATH:+:$PYTHONPATH}}"
DEPENDENCIES="numpy, click, rich, platformdirs, tqdm, matplotlib{torch_import}"
if "$PYTHON" -c "import $DEPENDENCIES" 2>/dev/null; then
    echo "dlfs: the dependencies are installed already"
else
    PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install -r "$ROOT/source/requirements.txt"
fi
{data}
"""

_FETCH = """# The training checks read real data sets: fetch those they need into the image now
# (already there when the zip bundles them: `export gradescope --bundle-data`).
export DLFS_DATA_DIR="${{DLFS_DATA_DIR:-$ROOT/source/data}}"
"$PYTHON" -m dlfs.autograder.cli data fetch {names}"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission, write
# /autograder/results/results.json (dlfs, target {target}).
set -u
ROOT="${{{root_var}:-/autograder}}"
PYTHON="${{DLFS_PYTHON:-python3}}"
export PYTHONPATH="$ROOT/source${{PYTHONPATH:+:$PYTHONPATH}}"
export DLFS_COURSE="$ROOT/source/course.toml"
export DLFS_HOME="${{DLFS_HOME:-$ROOT/dlfs-home}}"
export DLFS_DATA_DIR="${{DLFS_DATA_DIR:-$ROOT/source/data}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m dlfs.autograder.cli export gradescope-run {target} --root "$ROOT"
"""


def results_json(report: GradeReport, course: Course | None = None) -> dict[str, Any]:
    """The report in Gradescope's ``results.json`` format: one test per check.

    Hidden checks are ``after_published``: students see them once the grades are.
    """
    tests: list[dict[str, Any]] = []
    for number, exercise in enumerate(report.exercises, start=1):
        title = _title(course, exercise.id)
        for index, check in enumerate(exercise.checks, start=1):
            if check.skipped:
                continue
            output = check.message or ("passed" if check.passed else exercise.message)
            if check.passed is False and exercise.status in ("not_started", "timeout"):
                output = exercise.message
            if report.workspace:  # the submission's files by their own names
                output = output.replace(report.workspace.rstrip(os.sep) + os.sep, "")
            tests.append(
                {
                    "name": f"{exercise.id}: {check.name}" + (f" ({title})" if title else ""),
                    "number": f"{number}.{index}",
                    "score": check.score,
                    "max_score": check.max_score,
                    "status": "passed" if check.passed else "failed",
                    "output": output,
                    "visibility": "after_published" if check.hidden else "visible",
                }
            )
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 1),
        "output": (
            f"{report.score:g}/{report.max_score:g} points for {report.target}; "
            f"seed {report.seed}, isolation: {report.isolation}"
        ),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _title(course: Course | None, exercise_id: str) -> str:
    if course is None:
        return ""
    try:
        return course.exercise(exercise_id).title
    except ValueError:
        return ""


def run_autograder(root: Path | str, target: str) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; return its content.

    Never raises for anything in the submission: an empty or unreadable one gets a
    ``results.json`` with score 0 saying why.
    """
    root = Path(root)
    start = time.monotonic()
    course = load_course()
    try:
        workspace = find_workspace(root / "submission")
        with GradingSession(course, use_reference=True, seed=fresh_seed()) as session:
            report = grade(target, path=workspace, record=False, session=session)
        results = results_json(report, course)
    except ValueError as error:
        results = {
            "score": 0.0,
            "execution_time": round(time.monotonic() - start, 1),
            "output": f"this submission could not be graded: {error}",
            "visibility": "visible",
            "tests": [],
        }
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2), encoding="utf-8")
    tmp.replace(out)
    return results


def requirements(torch: bool) -> str:
    """dlfs's runtime dependencies, as its installed metadata lists them."""
    lines = []
    for requirement in importlib.metadata.requires("dlfs") or []:
        if "extra ==" in requirement:
            continue
        lines.append(requirement)
    if torch:  # the CPU build: PyPI's default one carries CUDA, gigabytes the grader never uses
        lines += ["--extra-index-url https://download.pytorch.org/whl/cpu", "torch==2.13.0"]
    return "\n".join(lines) + "\n"


def training_datasets(exercises: Iterable[Exercise]) -> list[str]:
    """The data sets the exercises' training checks read, each once."""
    names: dict[str, None] = {}
    for exercise in exercises:
        for check in exercise.checks:
            if check.kind == "training":
                probe = find_probe(exercise.chapter, check.probe)
                names.update(dict.fromkeys(probe.datasets))
    return list(names)


def _bundle(names: list[str], folder: Path) -> None:
    """Copy the data sets ``names`` (fetched first, verified) into ``folder`` for the zip,
    laid out as a data directory."""
    for name in names:
        ensure_files(name)
        for spec in get_dataset(name).files:
            target = folder / spec.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data_dir() / spec.path, target)


def build_autograder(
    target: str, out: Path | str, course: Course | None = None, bundle_data: bool = False
) -> Path:
    """Write Gradescope's autograder zip for ``target`` (a chapter, ``all`` or an exercise).

    Args:
        target: what each submission is graded on.
        out: the zip to write.
        course: the course (default: ``load_course()``); its file goes into the zip.
        bundle_data: put the data sets the training checks read into the zip (for a
            machine without internet); else ``setup.sh`` fetches them, and only them.
    Returns:
        The zip's path.
    Raises:
        ValueError: for an unknown target, or where the reference is not installed (the
            autograder runs every check, hidden ones too).
    """
    course = course or load_course()
    exercises = course.select(target)
    if course.path is None:
        raise ValueError("the course must come from a file to be exported")
    chapters = {e.chapter for e in exercises}
    needed = training_datasets(exercises)
    with tempfile.TemporaryDirectory(prefix="dlfs-gradescope-") as tmp:
        stage = source = Path(tmp)  # the zip's root is Gradescope's /autograder/source
        for name in _PACKAGES:
            shutil.copytree(package_root(name), source / "dlfs" / name, ignore=_IGNORE)
        shutil.copyfile(course.path, source / "course.toml")
        (source / "requirements.txt").write_text(requirements("chapter7" in chapters))
        names = {"root_var": ROOT_VARIABLE, "target": target}
        torch_import = ", torch" if "chapter7" in chapters else ""
        data = _FETCH.format(names=" ".join(needed)) if needed else ""
        if bundle_data and needed:
            _bundle(needed, source / "data")
        setup = _SETUP.format(torch_import=torch_import, data=data, **names)
        (stage / "setup.sh").write_text(setup)
        (stage / "run_autograder").write_text(_RUN.format(**names))
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    _add(archive, path, path.relative_to(stage).as_posix())
    return out


def committable(path: Path | str) -> Path | None:
    """The git work tree that would commit ``path`` (inside it and not ignored), or None.

    The zip holds the answer key: written into a clone of the course, it is one
    ``git add -A`` from being published.
    """
    path = Path(path).resolve()
    try:
        top = subprocess.run(
            ["git", "-C", str(path.parent), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
        )
        if top.returncode != 0:
            return None
        ignored = subprocess.run(
            ["git", "-C", str(path.parent), "check-ignore", "-q", str(path)], check=False
        )
    except OSError:  # no git here: nothing would commit it
        return None
    return None if ignored.returncode == 0 else Path(top.stdout.strip())


def _add(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2019, 9, 1, 0, 0, 0))
    executable = name in ("setup.sh", "run_autograder")
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, path.read_bytes())
