"""The schema of ``course.toml``: turns the parsed TOML into ``course`` dataclasses.

Every rule broken raises :class:`~dlfs.autograder.course.CourseError` with the line of the
offending table or key, found in the file's text (tomllib reports lines only for syntax).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from .course import (
    BUILTIN_DEFAULTS,
    CHECK_KINDS,
    Chapter,
    CheckSpec,
    Course,
    CourseError,
    Exercise,
    Target,
)

__all__ = ["CourseParser"]

_EXERCISE_KEYS = ("title", "targets", "points", "hints", "checks", "description")
_CHECK_KEYS = ("kind", "probe", "points", "hidden", "name")
_CHAPTER_RE = re.compile(r"chapter([1-9][0-9]*)")
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")


class CourseParser:
    """Turns the parsed TOML into dataclasses, locating errors in the text."""

    def __init__(self, text: str, path: Path | None) -> None:
        self.lines = text.splitlines()
        self.path = path

    # -- locating errors ------------------------------------------------------------------

    def _headers(self, table: str) -> list[int]:
        """Lines (1-based) of ``[table]`` or ``[[table]]`` headers."""
        parts = r"\s*\.\s*".join(re.escape(part) for part in table.split("."))
        header = re.compile(rf"\s*\[\[?\s*{parts}\s*\]\]?\s*(#.*)?$")
        return [i + 1 for i, line in enumerate(self.lines) if header.match(line)]

    def _line(self, table: str, key: str | None = None, index: int = 0) -> int | None:
        """The line of ``key`` in ``table`` (the ``index``-th header of that name), best effort."""
        headers = self._headers(table)
        if not headers:
            parent, _, last = table.rpartition(".")
            if parent:  # e.g. an inline or dotted table: find its key in the parent table
                return self._line(parent, last)
            return None
        start = headers[min(index, len(headers) - 1)]
        if key is None:
            return start
        assign = re.compile(rf"\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if re.match(r"\s*\[", line):
                break
            if assign.match(line):
                return number
        return start

    def error(self, message: str, table: str, key: str | None = None, index: int = 0) -> NoReturn:
        dotted = f"{table}.{key}" if key else table
        raise CourseError(message, self.path, self._line(table, key, index), dotted)

    # -- the schema -----------------------------------------------------------------------

    def course(self, data: dict[str, Any]) -> Course:
        head = data.get("course", {})
        if not isinstance(head, dict):
            self.error("must be a table", "course")
        title = head.get("title", "")
        if not isinstance(title, str) or not title:
            self.error(f"must be a non-empty string, got {title!r}", "course", "title")
        defaults = self.defaults(data.get("defaults", {}))
        chapters = []
        for name, value in data.items():
            if name in ("course", "defaults"):
                continue
            match = _CHAPTER_RE.fullmatch(name)
            if not match or not isinstance(value, dict):
                self.error(
                    "unknown top-level key: expected [course], [defaults] or [chapterN]", name
                )
            chapters.append(self.chapter(name, int(match.group(1)), value, defaults))
        chapters.sort(key=lambda chapter: chapter.number)
        self.check_targets_unique(chapters)
        return Course(title, MappingProxyType(defaults), tuple(chapters), self.path)

    def defaults(self, table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.error("must be a table", "defaults")
        merged = dict(BUILTIN_DEFAULTS)
        for key, value in table.items():
            self.setting("defaults", key, value)
            merged[key] = value
        return merged

    def setting(self, table: str, key: str, value: Any, index: int = 0) -> None:
        """Validate one of the settings every exercise can override."""
        positive = ("timeout", "memory_mb", "gradcheck_tol")
        if key in (*positive, "rtol", "atol"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.error(f"must be a number, got {value!r}", table, key, index)
            if (key in positive and value <= 0) or value < 0:
                sign = "positive" if key in positive else "zero or more"
                self.error(f"must be {sign}, got {value!r}", table, key, index)
            if key == "memory_mb" and not isinstance(value, int):
                self.error(f"must be a whole number of MiB, got {value!r}", table, key, index)

    def chapter(
        self, name: str, number: int, table: dict[str, Any], defaults: dict[str, Any]
    ) -> Chapter:
        fields: dict[str, str] = {}
        exercises = []
        for key, value in table.items():
            if isinstance(value, dict):
                exercises.append(self.exercise(name, key, value, defaults))
            elif isinstance(value, str):
                fields[key] = value
            else:
                self.error(
                    f"a chapter holds string fields and exercise tables, got {value!r}", name, key
                )
        title = fields.get("title", "")
        if not title:
            self.error("every chapter needs a non-empty title", name, "title")
        return Chapter(name, number, title, tuple(exercises), MappingProxyType(fields))

    def exercise(
        self, chapter: str, name: str, table: dict[str, Any], defaults: dict[str, Any]
    ) -> Exercise:
        table_name = f"{chapter}.{name}"
        if not _NAME_RE.fullmatch(name):
            self.error("an exercise name is lower_snake_case", table_name)
        for key in table:
            if key not in _EXERCISE_KEYS and key not in defaults:
                allowed = ", ".join([*_EXERCISE_KEYS, *defaults])
                self.error(f"unknown key (allowed: {allowed})", table_name, key)
        settings = dict(defaults)
        for key in defaults:
            if key in table:
                self.setting(table_name, key, table[key])
                settings[key] = table[key]
        settings = MappingProxyType(settings)

        title = table.get("title")
        if not isinstance(title, str) or not title:
            self.error(f"must be a non-empty string, got {title!r}", table_name, "title")
        description = table.get("description", "")
        if not isinstance(description, str):
            self.error(f"must be a string, got {description!r}", table_name, "description")
        targets = self.targets(table_name, table.get("targets"))
        hints = table.get("hints", [])
        if not isinstance(hints, list) or not all(isinstance(h, str) and h for h in hints):
            self.error(f"must be a list of non-empty strings, got {hints!r}", table_name, "hints")
        checks = self.checks(table_name, table.get("checks"), settings)
        total = sum(check.points for check in checks)
        points = table.get("points", total)
        if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
            self.error(f"must be a positive number, got {points!r}", table_name, "points")
        if abs(points - total) > 1e-9:
            self.error(
                f"is {points!r} but the checks' points add up to {total!r}", table_name, "points"
            )
        return Exercise(
            id=table_name,
            chapter=chapter,
            title=title,
            targets=targets,
            points=points,
            hints=tuple(hints),
            checks=checks,
            settings=settings,
            description=description,
            line=self._line(table_name),
        )

    def targets(self, table_name: str, value: Any) -> tuple[Target, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.error(
                f"must be a non-empty list of 'module:qualname' strings, got {value!r}",
                table_name,
                "targets",
            )
        targets = []
        for text in value:
            try:
                targets.append(Target.parse(text))
            except ValueError as error:
                self.error(str(error), table_name, "targets")
        if len(set(targets)) != len(targets):
            self.error(f"lists a target twice: {value!r}", table_name, "targets")
        return tuple(targets)

    def checks(
        self, table_name: str, value: Any, settings: Mapping[str, Any]
    ) -> tuple[CheckSpec, ...]:
        if not isinstance(value, list) or not value:
            self.error(
                "needs at least one [[…checks]] table (kind, probe, points)", table_name, "checks"
            )
        checks = []
        for index, entry in enumerate(value):
            where = f"{table_name}.checks"
            if not isinstance(entry, dict):
                self.error(f"each check is a table, got {entry!r}", where, index=index)
            kind = entry.get("kind")
            if kind not in CHECK_KINDS:
                self.error(
                    f"must be one of {', '.join(CHECK_KINDS)}, got {kind!r}", where, "kind", index
                )
            probe = entry.get("probe", "")
            if not isinstance(probe, str):
                self.error(f"must be a function name, got {probe!r}", where, "probe", index)
            points = entry.get("points")
            if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
                self.error(f"must be a positive number, got {points!r}", where, "points", index)
            hidden = entry.get("hidden", False)
            if not isinstance(hidden, bool):
                self.error(f"must be true or false, got {hidden!r}", where, "hidden", index)
            name = entry.get("name", probe or kind)
            if not isinstance(name, str) or not name:
                self.error(f"must be a non-empty string, got {name!r}", where, "name", index)
            for key in ("rtol", "atol", "gradcheck_tol", "timeout", "memory_mb"):
                if key in entry:
                    self.setting(where, key, entry[key], index)
            for key in ("tol", "budget"):
                value = entry.get(key, 1)
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    self.error(f"must be a positive number, got {value!r}", where, key, index)
            options = {k: v for k, v in entry.items() if k not in _CHECK_KEYS}
            checks.append(
                CheckSpec(kind, probe, points, hidden, name, MappingProxyType(options), settings)
            )
        return tuple(checks)

    def check_targets_unique(self, chapters: list[Chapter]) -> None:
        owner: dict[Target, str] = {}
        for chapter in chapters:
            for exercise in chapter.exercises:
                for target in exercise.targets:
                    if target in owner:
                        self.error(
                            f"target {str(target)!r} already belongs to {owner[target]!r}",
                            exercise.id,
                            "targets",
                        )
                    owner[target] = exercise.id
