"""The course file a students' copy ships: only the hints its policy lets students see.

``course.toml`` holds every exercise's hints, the last of two or more giving the answer away.
The students' copy must not hold what its hint policy withholds — a policy that only stops
``dlfs-grade hint`` from printing a hint would leave it one ``cat course.toml`` away. So
:func:`students_course_text` rewrites each exercise's ``hints = [...]`` array to the hints
:meth:`~dlfs.autograder.course.Course.allowed_hints` allows (all; all but the solution; none),
sets ``[course] hint_policy``, keeps every other byte of the file (comments, layout), and
reads the result back to prove it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from ..course import HINT_POLICIES, Course, CourseError, parse_course
from ..course.locate import Locator

__all__ = ["students_course_text", "withheld_hints"]


def withheld_hints(course: Course, policy: str) -> list[str]:
    """Every hint that ``policy`` keeps out of the students' copy."""
    allowed = _with_policy(course, policy)
    return [
        hint
        for exercise in course.exercises
        for hint in exercise.hints
        if hint not in allowed.allowed_hints(exercise)
    ]


def _with_policy(course: Course, policy: str) -> Course:
    if policy not in HINT_POLICIES:
        raise ValueError(f"hint_policy must be one of {HINT_POLICIES}, got {policy!r}")
    return replace(course, hint_policy=policy)


def students_course_text(text: str, course: Course, policy: str) -> str:
    """``text`` (the course file ``course`` was read from) as the students' copy holds it:
    each exercise's hints cut to what ``policy`` allows, ``hint_policy`` set to it.

    Raises:
        ValueError: an unknown policy, or a file whose hints cannot be rewritten in place
            (the copy is not written rather than written with hints it must not hold).
    """
    allowed = _with_policy(course, policy)
    locate = Locator(text)
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for exercise in course.exercises:
        if not exercise.hints:
            continue
        line = locate.line(exercise.id, "hints")
        start = _offset(lines, line) if line is not None else -1
        found = _HINTS_KEY.match(text, start) if start >= 0 else None
        if found is None:
            raise ValueError(f"cannot find the hints of {exercise.id} in the course file")
        end = _array_end(text, found.end())
        edits.append((found.end() - 1, end, _toml_array(allowed.allowed_hints(exercise))))
    for begin, end, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[end:]
    text = _set_policy(text, policy)
    _verify(text, course, allowed)
    return text


_HINTS_KEY = re.compile(r"[ \t]*hints[ \t]*=[ \t]*\[")


def _offset(lines: list[str], line: int) -> int:
    return sum(len(text) for text in lines[: line - 1])


def _array_end(text: str, index: int) -> int:
    """The index just past the ``]`` closing the array whose ``[`` is before ``index``
    (strings, escapes and comments inside it skipped)."""
    depth = 1
    while index < len(text):
        char = text[index]
        if text.startswith(('"""', "'''"), index):
            close = text.find(text[index : index + 3], index + 3)
            index = close + 3 if close >= 0 else len(text)
            continue
        if char in "\"'":
            index = _string_end(text, index)
            continue
        if char == "#":
            newline = text.find("\n", index)
            index = newline if newline >= 0 else len(text)
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        index += 1
        if depth == 0:
            return index
    raise ValueError("a hints array is not closed in the course file")


def _string_end(text: str, index: int) -> int:
    quote = text[index]
    index += 1
    while index < len(text) and text[index] != quote:
        index += 2 if quote == '"' and text[index] == "\\" else 1
    return index + 1


def _toml_array(hints: tuple[str, ...]) -> str:
    """The hints as a TOML array, one per line (JSON's string escapes are TOML's)."""
    if not hints:
        return "[]"
    items = "".join(f"    {json.dumps(hint, ensure_ascii=False)},\n" for hint in hints)
    return f"[\n{items}]"


def _set_policy(text: str, policy: str) -> str:
    """``hint_policy = "<policy>"`` in the ``[course]`` table."""
    line = f'hint_policy = "{policy}"'
    if re.search(r"(?m)^hint_policy\s*=.*$", text):
        return re.sub(r"(?m)^hint_policy\s*=.*$", line, text, count=1)
    return re.sub(
        r"(?m)^\[course\][ \t]*(#.*)?\n", lambda m: f"{m.group(0)}{line}\n", text, count=1
    )


def _verify(text: str, course: Course, allowed: Course) -> None:
    """The rewritten file reads back as the same course with only the allowed hints."""
    try:
        rewritten = parse_course(text, course.path)
    except CourseError as error:
        raise ValueError(f"the students' course file does not read back: {error}") from None
    for before, after in zip(course.exercises, rewritten.exercises, strict=True):
        same_checks = [replace(c, line=None) for c in after.checks] == [
            replace(c, line=None) for c in before.checks
        ]
        if after.hints != allowed.allowed_hints(before) or not same_checks:
            raise ValueError(f"the students' course file changed {before.id} beyond its hints")
    if rewritten.hint_policy != allowed.hint_policy:
        raise ValueError("the students' course file does not carry its hint policy")
