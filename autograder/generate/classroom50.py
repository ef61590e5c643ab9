"""Classroom50's autograder folder, written beside a students' copy (``release --classroom50``).

:func:`write_autograder` makes the folder the instructor copies into the ``classroom50``
repository: ``autograder.py`` (which the runner calls once per push and which calls
:func:`~dlfs.autograder.classroom.classroom50.run_classroom50`), the copy's grader (no answer
key: the public checks compare with its stored answers), its ``course.toml`` and
``requirements.txt`` (PyTorch's CPU build only when the target has chapter 7).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..classroom.classroom50 import integer_scale
from ..classroom.gradescope import requirements
from ..course import Course

__all__ = ["write_autograder"]

_TORCH_MODULES = ("torch",)
_MODULES = ("numpy", "click", "rich", "platformdirs", "tqdm", "matplotlib")

_AUTOGRADER = '''#!/usr/bin/env python3
"""Classroom50's autograder for dlfs, {what}: written by `dlfs-grade release --classroom50`.

Classroom50's runner calls it once per submission, in the student's checkout. It installs
what the grader needs with pip (its cache kept: nothing when a self-hosted runner has them
already){torch_note}, grades {target} with one `dlfs-grade` run over the checkout's exercises/
(the public checks, against the answers stored beside this file; the grader used is the one
beside this file, not the student's copy of it) and writes ./result.json
(classroom50/result/v1): one test per exercise, worth its public points x {scale}. Hidden
checks do not run here: grade them with `dlfs-grade batch`. Regenerate it with the course
(`dlfs-grade release --classroom50`) rather than edit it.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = {target!r}
MODULES = {modules!r}
HERE = Path(__file__).resolve().parent


def install() -> None:
    """pip installs requirements.txt unless its modules import already."""
    present = [sys.executable, "-c", "import " + ", ".join(MODULES)]
    if subprocess.run(present, capture_output=True, check=False).returncode == 0:
        return
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt")]
    subprocess.run(pip, check=True, env=dict(os.environ, PIP_BREAK_SYSTEM_PACKAGES="1"))


def main() -> int:
    install()
    checkout = Path.cwd()
    env = dict(os.environ, PYTHONPATH=str(HERE), DLFS_COURSE=str(HERE / "course.toml"))
    env.setdefault("DLFS_HOME", tempfile.mkdtemp(prefix="dlfs-home-"))
    grade = [sys.executable, "-m", "dlfs.autograder.cli", "export", "classroom50-run", TARGET]
    grade += ["--submission", str(checkout), "--out", str(checkout / "result.json")]
    return subprocess.run(grade, cwd=HERE, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
'''

_README = """# The Classroom50 autograder of dlfs: {what}

Copy this folder's contents into your `classroom50` repository, at
`CLASSROOM/autograders/ASSIGNMENT/` (the assignment whose template is the students' copy this
was released with), and commit. Classroom50 then runs `autograder.py` once per submission in
the student's checkout: one `dlfs-grade` run over {target}, writing `result.json` with one
test per exercise. Classroom50 counts whole points, so each exercise is worth its public
points x {scale} ({points:g} dlfs points = {total} Classroom50 points). Hidden checks
({hidden:g} points) are not run there: clone the students' repositories and grade them with
`dlfs-grade batch`.

Try it on a checkout first:
`cd SOME-CHECKOUT && python3 PATH/TO/THIS/autograder.py && cat result.json`.
"""


def write_autograder(folder: Path | str, copy: Path | str, target: str, course: Course) -> Path:
    """Write Classroom50's autograder for ``target`` into ``folder`` (new or empty), with the
    grader of the students' copy ``copy`` (which :func:`~.release.release` wrote).

    Returns:
        The ``autograder.py`` written.
    Raises:
        ValueError: ``folder`` is not empty, or ``target`` is unknown.
    """
    folder, copy = Path(folder), Path(copy)
    exercises = course.select(target)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: the autograder is written to a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "stubs.json")
    for package in ("autograder", "datasets"):
        shutil.copytree(copy / package, folder / "dlfs" / package, ignore=ignore)
    shutil.copyfile(copy / "course.toml", folder / "course.toml")
    torch = any(e.chapter == "chapter7" for e in exercises)
    (folder / "requirements.txt").write_text(requirements(torch), encoding="utf-8")
    scale = integer_scale(exercises)
    public = sum(e.public_points for e in exercises)
    what = "the whole course" if target == "all" else target
    script = folder / "autograder.py"
    script.write_text(
        _AUTOGRADER.format(
            what=what,
            target=target,
            scale=scale,
            modules=_MODULES + (_TORCH_MODULES if torch else ()),
            torch_note=", PyTorch (CPU) for chapter 7" if torch else "",
        ),
        encoding="utf-8",
    )
    script.chmod(0o755)
    (folder / "README.md").write_text(
        _README.format(
            what=what,
            target=target,
            scale=scale,
            points=public,
            total=round(public * scale),
            hidden=sum(e.points for e in exercises) - public,
        ),
        encoding="utf-8",
    )
    return script
