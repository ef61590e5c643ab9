"""Helpers for the grading tests: workspaces made from the reference, bodies swapped in."""

from __future__ import annotations

import ast
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

from dlfs.autograder.course import Course, load_course
from dlfs.autograder.generate.regions import Region, regions_in_tree
from dlfs.autograder.paths import reference_root

__all__ = [
    "PROVEN",
    "fast_course",
    "graded_body",
    "mutate_region",
    "reference_workspace",
    "regions_by_target",
    "replace_body",
    "said_of",
    "session_grade",
]

PROVEN = "with that undone, this check passes"
"""What a message says of a name an edit proved."""


def reference_workspace(tmp_path: Path) -> Path:
    """A copy of the reference to edit: every exercise passes until a body is changed."""
    workspace = tmp_path / "workspace"
    shutil.copytree(reference_root(), workspace, ignore=shutil.ignore_patterns("__pycache__"))
    return workspace


def fast_course(tmp_path: Path, timeout: float = 8, memory_mb: int = 768) -> Course:
    """The real course with a short timeout and a small memory limit (hostile tests)."""
    text = load_course().path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^timeout = \d+", f"timeout = {timeout}", text, count=1)
    text = re.sub(r"(?m)^memory_mb = \d+", f"memory_mb = {memory_mb}", text, count=1)
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return load_course(path)


def regions_by_target(root: Path | None = None) -> dict[str, tuple[Path, Region]]:
    """``"module:qualname"`` -> (file, region) for every solution region under ``root``."""
    root = root or reference_root()
    found = {}
    for relpath, regions in regions_in_tree(root).items():
        for region in regions:
            found[str(region.target)] = (root / relpath, region)
    return found


def replace_body(workspace: Path, target: str, body: str) -> None:
    """Put ``body`` (unindented code) in place of ``target``'s solution region."""
    path, region = regions_by_target(workspace)[target]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    new = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", region.indent)
    lines[region.begin - 1 : region.end] = [new]
    path.write_text("".join(lines), encoding="utf-8")


def graded_body(tmp_path: Path, exercise: str, target: str, body: str) -> Any:
    """``exercise``'s result, unrecorded, with ``body`` in place of ``target``'s solution in a
    copy of the reference."""
    from dlfs.autograder.api import grade

    workspace = reference_workspace(tmp_path)
    replace_body(workspace, target, body)
    return grade([exercise], path=workspace, record=False).exercises[0]


def said_of(tmp_path: Path, exercise: str, target: str, body: str) -> str:
    """Every check's message for ``body`` in ``target``, which must lose points."""
    result = graded_body(tmp_path, exercise, target, body)
    assert result.score < result.max_score, "full marks for a mistake"
    return " ".join(check.message for check in result.checks)


def session_grade(target: str, workspace: Path, course: Course | None = None, **options):
    """``grade(target)`` of ``workspace``, unrecorded, in a session of its own made with
    ``options`` (``seed``, ``jobs``, ``use_reference``)."""
    from dlfs.autograder.api import grade
    from dlfs.autograder.grading import GradingSession

    with GradingSession(course, **options) as session:
        return grade(target, path=workspace, record=False, session=session)


class _Mutate(ast.NodeTransformer):
    """Flip a sign: negate what is returned, else swap the first + and −."""

    def __init__(self, negate_returns: bool) -> None:
        self.negate_returns = negate_returns
        self.changed = False

    def visit_Return(self, node: ast.Return) -> ast.Return:
        if self.negate_returns and node.value is not None:
            if isinstance(node.value, ast.Tuple):
                node.value.elts = [_neg(e) for e in node.value.elts]
            else:
                node.value = _neg(node.value)
            self.changed = True
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.BinOp:
        self.generic_visit(node)
        if not self.negate_returns and not self.changed:
            swap = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
            for old, new in swap.items():
                if isinstance(node.op, old):
                    node.op = new()
                    self.changed = True
                    break
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AugAssign:
        self.generic_visit(node)
        if not self.negate_returns and not self.changed:
            swap = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
            for old, new in swap.items():
                if isinstance(node.op, old):
                    node.op = new()
                    self.changed = True
                    break
        return node


def _neg(value: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.USub(), operand=value)


def mutate_region(workspace: Path, target: str) -> str:
    """Make ``target``'s body wrong by a flipped sign; returns the new body."""
    path, region = regions_by_target(workspace)[target]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = textwrap.dedent("".join(lines[region.begin : region.end - 1]))
    for negate in (True, False):
        tree = ast.parse(body)
        mutation = _Mutate(negate)
        mutation.visit(tree)
        if mutation.changed:
            new = ast.unparse(ast.fix_missing_locations(tree))
            replace_body(workspace, target, new)
            return new
    replace_body(workspace, target, "raise ValueError('mutated')")
    return "raise ValueError('mutated')"
