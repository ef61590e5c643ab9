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
CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Chapter 3 (4242),Current Score\r\n"
    "    Points Possible,,,,,26.00,(read only)\r\n"
    '"Smith, Alice",101,S-1,alice,Section 1,,0.00\r\n'
    '"Jones, Bob",102,S-2,bob,Section 2,,0.00\r\n'
)


def _blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_every_command_of_the_guide_runs_in_order(tmp_path, data_dir):
    home = tmp_path / "home"
    home.mkdir()
    shutil.move(reference_workspace(tmp_path / "a"), home / "submissions" / "alice")
    shutil.copytree(reference_root(), home / "some-student" / "exercises")
    (home / "canvas-export.csv").write_bytes(CANVAS_EXPORT.encode("utf-8"))  # the class's
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env["DLFS_HOME"] = str(tmp_path / "dlfs-home")
    env["DLFS_PYTHON"] = sys.executable
    env["EXCHANGE"] = str(tmp_path / "exchange")  # the class's shared exchange, stood in for
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
    assert (home / "report" / "index.html").is_file()
    imported = (home / "canvas-import.csv").read_bytes().decode("utf-8")
    assert imported == CANVAS_EXPORT.replace("Section 1,,", "Section 1,26,", 1)


def _extras() -> dict[str, list[str]]:
    try:  # Python 3.11+
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    pyproject = tomllib.loads((GUIDE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    resolved = {}
    for name, requirements in extras.items():  # dlfs[other] stands for other's requirements
        resolved[name] = [
            r
            for req in requirements
            for r in (extras[req[5:-1]] if req.startswith("dlfs[") else [req])
        ]
    return resolved


def test_the_students_install_for_nbgrader_has_nbgrader():
    """The guide's students run nbgrader's commands: the extra it tells them to install has
    nbgrader, and the exchange is not under the instructor's home."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Publishing with nbgrader")[1].split("## Grading a class")[0]
    student = section.split("Each student")[1]
    extra = re.search(r'pip install -e\s+"\.\[(\w+)\]"', student).group(1)
    assert any(r.startswith("nbgrader") for r in _extras()[extra]), extra
    assert "$HOME/course" not in section and '--Exchange.root="$EXCHANGE"' in section


def test_publish_help_agrees_with_the_guide():
    from click.testing import CliRunner

    from dlfs.autograder.cli import cli

    help_text = " ".join(CliRunner().invoke(cli, ["publish", "--help"]).output.split())
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert "hidden tests)" not in help_text and "no hidden-test block" in help_text
    assert "no hidden-test blocks" in guide
    for said in ('pip install -e ".[nbgrader]"', "--Exchange.root=EXCHANGE", "--exchange"):
        assert said in help_text, said
    assert 'pip install -e ".[nbgrader]"' in guide and "--Exchange.root=" in guide
    for step in ("collect", "autograde", "generate_feedback", "export"):
        assert step in help_text and f"nbgrader {step}" in guide
