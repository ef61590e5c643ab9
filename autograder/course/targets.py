"""Where a target is defined: its function found in a source file, without running it.

Loading the course checks each exercise's targets against the reference where it is
installed, so that a misspelt target is refused with its line in course.toml, not found at
grading time. (Never against the learner's files: a learner's renamed method must cost one
exercise, not the whole course.)
"""

from __future__ import annotations

import ast
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


@lru_cache(maxsize=128)
def _parsed(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None


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
        tree = _parsed(path)
        if tree is None:
            return f"target {target}: {target.relpath} is missing or does not parse"
        if find_definition(tree, target.qualname) is None:
            return f"target {target}: {target.relpath} defines no {target.qualname}"
        return None
