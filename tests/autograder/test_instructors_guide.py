"""The instructors' guide, run as written: every command of docs/instructors.md, in order.

Each ```bash block of the guide runs in a fresh home folder (``~`` is a temporary folder;
each block starts there), with what the guide assumes already in place: a folder of
submissions and one student's work. Placeholders the guide cannot know (a real class) are
stood in for; nothing of the commands is changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlfs.autograder.paths import reference_root

from .grading_helpers import reference_workspace

pytest.importorskip("nbgrader")

GUIDE = reference_root().parent / "docs" / "instructors.md"


def _blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_every_command_of_the_guide_runs_in_order(tmp_path, data_dir):
    home = tmp_path / "home"
    home.mkdir()
    shutil.move(reference_workspace(tmp_path / "a"), home / "submissions" / "alice")
    shutil.copytree(reference_root(), home / "some-student" / "exercises")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env["DLFS_HOME"] = str(tmp_path / "dlfs-home")
    env["DLFS_PYTHON"] = sys.executable
    blocks = _blocks()
    assert len(blocks) >= 6
    try:
        for block in blocks:
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block],
                cwd=home,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, (block, done.stdout[-3000:], done.stderr[-3000:])
            assert "Traceback" not in done.stderr, (block, done.stderr[-3000:])
    finally:
        shutil.rmtree("/tmp/ag", ignore_errors=True)  # the guide's own scratch folder
    assert (tmp_path / "dlfs-students" / "README.md").is_file()
    assert (home / "course" / "grades.csv").is_file()
    assert (home / "grades.csv").read_text(encoding="utf-8").startswith("student,")
    assert (home / "autograder.zip").is_file()
