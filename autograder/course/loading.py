"""Finding, reading and validating ``course.toml``.

Where the file is found (the first that applies):

1. the ``path`` given to :func:`load_course`;
2. ``$DLFS_COURSE``;
3. ``course.toml`` beside the package folders — the repository root for a clone installed
   with ``pip install -e .`` (the way learners and instructors install dlfs);
4. ``course.toml`` in the current directory or one of its parents.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .model import COURSE_FILE, Course, CourseError
from .schema import CourseParser
from .targets import TargetFinder

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["course_path", "load_course", "parse_course"]


def course_path() -> Path:
    """Where the course file is: ``$DLFS_COURSE``, the repository root, or the cwd upwards.

    Raises:
        CourseError: if none of them holds a ``course.toml``.
    """
    env = os.environ.get("DLFS_COURSE")
    if env:
        return Path(env)
    beside_packages = Path(__file__).resolve().parents[2] / COURSE_FILE
    if beside_packages.is_file():
        return beside_packages
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder / COURSE_FILE
    raise CourseError(
        f"no {COURSE_FILE} found beside the dlfs packages nor in {here} or its parents; "
        "set DLFS_COURSE to its path"
    )


def load_course(
    path: str | os.PathLike[str] | None = None, reference: Path | None = None
) -> Course:
    """Read and validate the course file.

    Args:
        path: the file; by default see :func:`course_path`.
        reference: the folder whose sources the targets must be in (default: the installed
            reference's; without one, targets are not checked).
    Returns:
        The course, chapters ordered by number, exercises in file order.
    Raises:
        CourseError: the file is missing, is not valid TOML, or breaks the schema; the message
            names the line and the key.
    """
    file = Path(path) if path is not None else course_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(f"cannot read the course file: {error.strerror}", file) from None
    except UnicodeDecodeError as error:
        line = text_line(file.read_bytes(), error.start)
        raise CourseError(f"is not UTF-8 text ({error.reason})", file, line) from None
    return parse_course(text, file, reference)


def parse_course(text: str, path: Path | None = None, reference: Path | None = None) -> Course:
    """Validate the TOML ``text`` of a course file (``path`` is only used in messages;
    ``reference`` as for :func:`load_course`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        if line is None:
            found = re.search(r"line (\d+)", str(error))
            line = int(found.group(1)) if found else None
        raise CourseError(f"invalid TOML: {error}", path, line) from None
    return CourseParser(text, path, TargetFinder(reference).missing).course(data)


def text_line(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1
