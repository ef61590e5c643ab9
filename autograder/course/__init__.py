"""The course: chapters, exercises, checks and hints, read from ``course.toml``.

:mod:`.model` holds the dataclasses, :mod:`.schema` the rules a file must follow (every broken
rule a :class:`CourseError` naming the file, line and key), :mod:`.loading` where the file is
found and how it is read.
"""

from .assignments import Assignment
from .loading import course_path, load_course, parse_course
from .model import (
    BUILTIN_DEFAULTS,
    CHECK_KINDS,
    COURSE_FILE,
    HINT_POLICIES,
    METRICS,
    Chapter,
    CheckSpec,
    Course,
    CourseError,
    Exercise,
    Target,
    UnknownName,
)

__all__ = [
    "BUILTIN_DEFAULTS",
    "CHECK_KINDS",
    "COURSE_FILE",
    "HINT_POLICIES",
    "METRICS",
    "Assignment",
    "Chapter",
    "CheckSpec",
    "Course",
    "CourseError",
    "Exercise",
    "Target",
    "UnknownName",
    "course_path",
    "load_course",
    "parse_course",
]
