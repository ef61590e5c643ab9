"""The rules of ``course.toml``: parsed TOML in, resolved ``model`` dataclasses out.

Every rule broken raises :class:`~.model.CourseError` with the file, the line of the offending
table or key (found in the file's text: tomllib reports lines only for syntax) and the dotted
key. Unknown keys, wrong types, unknown metrics, probes that do not exist or lack what their
check kind needs, and targets that no source file defines are all refused here, when the
course loads, never at grading time. Defaults are resolved here, once.

No validation library keeps TOML line numbers in its errors, so the rules are written out.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from ..kinds import KINDS
from ..probes.record import Probe, ProbeError, find_probe
from .assignments import parse_assignments
from .locate import Locator
from .model import (
    BUILTIN_DEFAULTS,
    CHECK_KINDS,
    HINT_POLICIES,
    METRICS,
    Chapter,
    CheckSpec,
    Course,
    CourseError,
    Exercise,
    Target,
)
from .targets import TargetFinder

__all__ = ["CourseParser"]

_EXERCISE_KEYS = (
    "title",
    "targets",
    "points",
    "hints",
    "checks",
    "description",
    "changes_in_place",
)
_COMMON_CHECK_KEYS = ("kind", "probe", "points", "hidden", "name", "params")
_KIND_KEYS: Mapping[str, tuple[str, ...]] = {k.name: k.keys for k in KINDS.values()}
_CHAPTER_RE = re.compile(r"chapter([1-9][0-9]*)")
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")
_POSITIVE = (
    "timeout",
    "memory_mb",
    "gradcheck_tol",
    "tol",
    "budget",
    "chapter_budget",
    "book_budget",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key (allowed here: {', '.join(allowed)}){hint}"


def _titled(checks: list[CheckSpec]) -> tuple[CheckSpec, ...]:
    """The checks with the plain names a learner reads, numbered where two would be alike."""
    counts = Counter(check.plain_name for check in checks)
    seen: Counter[str] = Counter()
    titled = []
    for check in checks:
        title = check.plain_name
        if counts[title] > 1:
            seen[title] += 1
            title = f"{title} ({seen[title]})"
        titled.append(replace(check, title=title))
    return tuple(titled)


class CourseParser:
    """Turns the parsed TOML into dataclasses, locating errors in the text.

    Args:
        text: the file's text (for line numbers).
        path: the file (for messages).
        targets: checks that a target exists (default: in the installed sources).
    """

    def __init__(
        self, text: str, path: Path | None, targets: Callable[[Target], str | None] | None = None
    ) -> None:
        self.locate = Locator(text)
        self.path = path
        self.missing_target = targets or TargetFinder().missing

    def error(self, message: str, table: str, key: str | None = None, index: int = 0) -> NoReturn:
        dotted = f"{table}.{key}" if key else table
        raise CourseError(message, self.path, self.locate.line(table, key, index), dotted)

    # -- the schema -----------------------------------------------------------------------

    def course(self, data: dict[str, Any]) -> Course:
        head = data.get("course", {})
        if not isinstance(head, dict):
            self.error("must be a table", "course")
        keys = ("title", "chapter_budget", "book_budget", "hint_policy")
        for key in head:
            if key not in keys:
                self.error(_suggest(key, keys), "course", key)
        title = head.get("title", "")
        if not isinstance(title, str) or not title:
            self.error(f"must be a non-empty string, got {title!r}", "course", "title")
        budgets: dict[str, Any] = {
            key: float(self.number(head[key], "course", key)) for key in keys[1:3] if key in head
        }
        policy = head.get("hint_policy", "all")
        if policy not in HINT_POLICIES:
            self.error(
                f"must be one of {', '.join(HINT_POLICIES)}, got {policy!r}",
                "course",
                "hint_policy",
            )
        budgets["hint_policy"] = policy
        defaults = self.defaults(data.get("defaults", {}))
        chapters = []
        for name, value in data.items():
            if name in ("course", "defaults", "assignments"):
                continue
            match = _CHAPTER_RE.fullmatch(name)
            if not match or not isinstance(value, dict):
                self.error(
                    "unknown top-level key: expected [course], [defaults], [assignments.NAME] "
                    "or [chapterN]",
                    name,
                )
            chapters.append(self.chapter(name, int(match.group(1)), value, defaults))
        chapters.sort(key=lambda chapter: chapter.number)
        self.check_targets_unique(chapters)
        base = self.path.parent if self.path is not None else None
        assignments = parse_assignments(data.get("assignments", {}), base, self.error)
        course = Course(
            title,
            MappingProxyType(defaults),
            tuple(chapters),
            self.path,
            **budgets,
            assignments=assignments,
        )
        for assignment in assignments:
            try:
                course.select(assignment.target)
            except ValueError as error:
                self.error(str(error), f"assignments.{assignment.name}", "target")
        return course

    def defaults(self, table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            self.error("must be a table", "defaults")
        merged = dict(BUILTIN_DEFAULTS)
        for key, value in table.items():
            if key not in BUILTIN_DEFAULTS:
                self.error(_suggest(key, tuple(BUILTIN_DEFAULTS)), "defaults", key)
            self.number(value, "defaults", key)
            merged[key] = value
        return merged

    def number(self, value: Any, table: str, key: str, index: int = 0) -> float:
        """A setting's number: positive, or zero or more for rtol/atol; MiB are whole."""
        if not _is_number(value):
            self.error(f"must be a number, got {value!r}", table, key, index)
        if (key in _POSITIVE and value <= 0) or value < 0:
            sign = "positive" if key in _POSITIVE else "zero or more"
            self.error(f"must be {sign}, got {value!r}", table, key, index)
        if key == "memory_mb" and not isinstance(value, int):
            self.error(f"must be a whole number of MiB, got {value!r}", table, key, index)
        return value

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
        where = f"{chapter}.{name}"
        if not _NAME_RE.fullmatch(name):
            self.error("an exercise name is lower_snake_case", where)
        allowed = (*_EXERCISE_KEYS, *defaults)
        for key in table:
            if key not in allowed:
                self.error(_suggest(key, allowed), where, key)
        settings = dict(defaults)
        for key in defaults:
            if key in table:
                settings[key] = self.number(table[key], where, key)
        title = self.text(table.get("title"), where, "title")
        description = table.get("description", "")
        if not isinstance(description, str):
            self.error(f"must be a string, got {description!r}", where, "description")
        targets = self.targets(where, table.get("targets"))
        hints = table.get("hints", [])
        if not isinstance(hints, list) or not all(isinstance(h, str) and h for h in hints):
            self.error(f"must be a list of non-empty strings, got {hints!r}", where, "hints")
        changes = table.get("changes_in_place", [])
        if not isinstance(changes, list) or not all(isinstance(c, str) and c for c in changes):
            self.error(
                f"must be a list of argument names, got {changes!r}", where, "changes_in_place"
            )
        checks = self.checks(where, chapter, name, table.get("checks"), settings)
        points = self.points(where, table.get("points"), sum(c.points for c in checks))
        return Exercise(
            id=where,
            chapter=chapter,
            title=title,
            targets=targets,
            points=points,
            hints=tuple(hints),
            checks=checks,
            settings=MappingProxyType(settings),
            description=description,
            line=self.locate.line(where),
            changes_in_place=tuple(changes),
        )

    def text(self, value: Any, table: str, key: str, index: int = 0) -> str:
        if not isinstance(value, str) or not value:
            self.error(f"must be a non-empty string, got {value!r}", table, key, index)
        return value

    def points(self, where: str, value: Any, total: float) -> float:
        if value is None:
            return total
        if not _is_number(value) or value <= 0:
            self.error(f"must be a positive number, got {value!r}", where, "points")
        if abs(value - total) > 1e-9:
            self.error(f"is {value!r} but the checks' points add up to {total!r}", where, "points")
        return value

    def targets(self, where: str, value: Any) -> tuple[Target, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.error(
                f"must be a non-empty list of 'module:qualname' strings, got {value!r}",
                where,
                "targets",
            )
        targets = []
        for text in value:
            try:
                target = Target.parse(text)
            except ValueError as error:
                self.error(str(error), where, "targets")
            problem = self.missing_target(target)
            if problem:
                self.error(problem, where, "targets")
            targets.append(target)
        if len(set(targets)) != len(targets):
            self.error(f"lists a target twice: {value!r}", where, "targets")
        return tuple(targets)

    def checks(
        self, where: str, chapter: str, name: str, value: Any, settings: Mapping[str, Any]
    ) -> tuple[CheckSpec, ...]:
        if not isinstance(value, list) or not value:
            self.error("needs at least one check (kind, points)", where, "checks")
        table = f"{where}.checks"
        checks = [
            self.check(entry, table, index, chapter, name, settings)
            for index, entry in enumerate(value)
        ]
        return _titled(checks)

    def check(
        self,
        entry: Any,
        table: str,
        index: int,
        chapter: str,
        exercise: str,
        settings: Mapping[str, Any],
    ) -> CheckSpec:
        if not isinstance(entry, dict):
            self.error(f"each check is a table, got {entry!r}", table, index=index)
        kind = entry.get("kind")
        if kind not in CHECK_KINDS:
            self.error(
                f"must be one of {', '.join(CHECK_KINDS)}, got {kind!r}", table, "kind", index
            )
        allowed = (*_COMMON_CHECK_KEYS, *_KIND_KEYS[kind])
        for key in entry:
            if key not in allowed:
                message = _suggest(key, allowed) + f" (in a check of kind {kind})"
                self.error(message, table, key, index)
        probe = self.probe(entry.get("probe", exercise), kind, chapter, table, index)
        points = entry.get("points")
        if not _is_number(points) or points <= 0:
            self.error(f"must be a positive number, got {points!r}", table, "points", index)
        hidden = entry.get("hidden", False)
        if not isinstance(hidden, bool):
            self.error(f"must be true or false, got {hidden!r}", table, "hidden", index)
        params = entry.get("params", {})
        if not isinstance(params, dict):
            self.error(
                f"must be a table of the probe's arguments, got {params!r}", table, "params", index
            )
        self.known_parameters(params, find_probe(chapter, probe), table, index)
        return CheckSpec(
            kind=kind,
            probe=probe,
            points=points,
            hidden=hidden,
            name=self.text(entry.get("name", probe), table, "name", index),
            params=MappingProxyType(params),
            line=self.locate.line(table, index=index),
            **self.kind_settings(kind, entry, settings, table, index),
        )

    def known_parameters(
        self, params: dict[str, Any], probe: Probe, table: str, index: int
    ) -> None:
        """Refuse a parameter the probe does not take (a typo would fail every learner)."""
        known = probe.parameters()
        unknown = sorted(set(params) - known) if known is not None else []
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known or ()), n=1)
            self.error(
                f"probe {probe.name!r} takes no parameter {unknown[0]!r}"
                + (f"; did you mean {close[0]!r}?" if close else "")
                + f" (it takes: {', '.join(sorted(known or ())) or 'none'})",
                table,
                "params",
                index,
            )

    def probe(self, value: Any, kind: str, chapter: str, table: str, index: int) -> str:
        if not isinstance(value, str) or not value:
            self.error(f"must be a probe's name, got {value!r}", table, "probe", index)
        try:
            missing = find_probe(chapter, value).missing_for(kind)
        except ProbeError as error:
            self.error(str(error), table, "probe", index)
        if missing:
            self.error(
                f"probe {value!r} has no {' and no '.join(missing)}, which a {kind} check needs",
                table,
                "probe",
                index,
            )
        return value

    def kind_settings(
        self, kind: str, entry: dict[str, Any], settings: Mapping[str, Any], table: str, index: int
    ) -> dict[str, Any]:
        """The check's resolved tolerances, or its metric, threshold and budget."""
        resolved: dict[str, Any] = {}
        for key, default in (("rtol", "rtol"), ("atol", "atol"), ("tol", "gradcheck_tol")):
            resolved[key] = self.number(entry.get(key, settings[default]), table, key, index)
        if "arrays" in entry:
            arrays = entry["arrays"]
            if not isinstance(arrays, list) or not all(isinstance(a, str) for a in arrays):
                self.error(
                    f"must be a list of output names, got {arrays!r}", table, "arrays", index
                )
            resolved["arrays"] = tuple(arrays)
        if "expected" in entry:
            if not isinstance(entry["expected"], dict):
                self.error("must be a table of known answers", table, "expected", index)
            resolved["expected"] = MappingProxyType(entry["expected"])
        if kind == "training":
            resolved.update(self.training(entry, table, index))
        return resolved

    def training(self, entry: dict[str, Any], table: str, index: int) -> dict[str, Any]:
        metric = entry.get("metric", "accuracy")
        if metric not in METRICS:
            close = difflib.get_close_matches(str(metric), list(METRICS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.error(
                f"must be one of {', '.join(METRICS)}, got {metric!r}{hint}", table, "metric", index
            )
        if "threshold" not in entry:
            self.error("a training check needs a threshold", table, index=index)
        threshold = entry["threshold"]
        if not _is_number(threshold):
            self.error(f"must be a number, got {threshold!r}", table, "threshold", index)
        budget = entry.get("budget")
        if budget is not None:
            budget = self.number(budget, table, "budget", index)
        return {"metric": metric, "threshold": float(threshold), "budget": budget}

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
