"""Where a target is defined: its function found in a source file, without running it.

Loading the course checks each exercise's targets against the reference where it is
installed, so that a misspelt target is refused with its line in course.toml, not found at
grading time. (Never against the learner's files: a learner's renamed method must cost one
exercise, not the whole course.)
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from ..paths import package_root
from .model import Target

__all__ = ["TargetFinder", "find_definition"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def find_definition(tree: ast.Module, qualname: str) -> FunctionNode | None:
    """The function or method ``qualname`` (``"Class.method"``) at the top of ``tree``; as
    Python does, the last definition of a name wins."""
    body: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef) if last else (ast.ClassDef,)
        matches = [n for n in body if isinstance(n, kinds) and n.name == part]
        if not matches:
            return None
        node = matches[-1]
        if last:
            return node  # type: ignore[return-value]
        body = node.body  # type: ignore[attr-defined]
    return None


_DEFINITION = re.compile(r"^([ \t]*)(?:async[ \t]+def|def|class)[ \t]+(\w+)", re.MULTILINE)


@lru_cache(maxsize=128)
def _defined(path: Path) -> frozenset[str] | None:
    """The qualnames a file defines (``Class.method``), read off its ``def`` and ``class``
    lines and their indentation: a tenth of the time of parsing the file, which every
    command's loading of the course would pay for 25 files. A definition-like line inside a
    string only adds a name (a target is then not refused, and grading finds it missing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    names: set[str] = set()
    stack: list[tuple[int, str]] = []  # (indentation, name) of the enclosing definitions
    for found in _DEFINITION.finditer(text):
        indent = len(found.group(1).expandtabs())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, found.group(2)))
        names.add(".".join(name for _, name in stack))
    return frozenset(names)


class TargetFinder:
    """Says whether a target exists in the installed sources.

    Args:
        root: the folder of the sources (default: the reference's; without the reference,
            targets are not checked).
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else self._installed_root()

    @staticmethod
    def _installed_root() -> Path | None:
        try:
            return package_root("reference")
        except ValueError:
            return None

    def missing(self, target: Target) -> str | None:
        """Why ``target`` is not defined (None: it is, or there is nothing to look in)."""
        if self.root is None:
            return None
        path = self.root / target.relpath
        names = _defined(path)
        if names is None:
            return f"target {target}: {target.relpath} is missing or cannot be read"
        if target.qualname not in names:
            return f"target {target}: {target.relpath} defines no {target.qualname}"
        return None
