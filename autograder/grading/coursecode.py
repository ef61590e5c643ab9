"""The course's own statements in a learner's function: an edit there is no name.

A target function's body is the course's code around the learner's region (``self.
_prepare_forward(x_seq_in)`` before it, ``self.start_H = self._carry(H_in)`` after it). An edit
of one of those lines that makes a check pass (``H_in`` read there as the learner's ``H``)
proves that the learner's code hands the course's lines another name than they read: the
slip is in the learner's region, never in the course's lines. The course's statements are the
key's statements outside its solution markers; the learner's statements of the same text are
theirs, and proposals that edit them are not tried.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ..sandbox.instrument import span_of
from .ranking import within
from .relations import Proposal
from .source import Source

__all__ = ["in_the_learners_code"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def in_the_learners_code(
    proposals: Sequence[Proposal], mine: Sequence[Source], theirs: Sequence[Source]
) -> list[Proposal]:
    """``proposals`` but those editing a statement that is the course's, not the learner's."""
    course = [_course_spans(m, t) for m, t in zip(mine, theirs, strict=False)]
    kept = []
    for proposal in proposals:
        spans = course[proposal.fid] if proposal.fid < len(course) else []
        edits = [proposal.edit, *proposal.also]
        if not any(within(e.span, s) for e in edits for s in spans):
            kept.append(proposal)
    return kept


def _course_spans(mine: Source, theirs: Source) -> list[tuple[int, int, int, int]]:
    """The spans of the learner's top-level statements that are the course's own."""
    region = _region(theirs)
    if region is None:
        return []
    first, last = region
    outside = {
        ast.unparse(s)
        for s in theirs.node.body
        if not (first <= s.lineno <= last) and not _docstring(s)
    }
    return [span_of(s) for s in mine.node.body if ast.unparse(s) in outside]


def _region(source: Source) -> tuple[int, int] | None:
    """The lines between the key's solution markers in its function (None: none there)."""
    start, end = source.node.lineno, source.node.end_lineno or source.node.lineno
    lines = source.lines[start - 1 : end]
    marks = [i + start for i, line in enumerate(lines) if line.strip() in (BEGIN, END)]
    return (marks[0], marks[-1]) if len(marks) >= 2 else None


def _docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
