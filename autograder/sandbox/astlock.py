"""One lock for the ``ast`` module in the grader's threads.

CPython before 3.11.9 and 3.12.1 counts the ``ast`` module's recursion per interpreter, not
per call (python/cpython#106905): two threads turning source into ``ast`` objects at once may
fail with ``SystemError: AST constructor recursion depth mismatch``. The grader's threads do it
reading the learner's code (``ast.parse``) and reading arrays (NumPy reads every ``.npy``
header with ``ast.literal_eval``): grading a class with ``--jobs 2`` hit it, as a grader error
on a student who had done nothing wrong. Every grader thread that parses code or loads arrays
holds :data:`AST_LOCK` while it does.
"""

from __future__ import annotations

import threading

__all__ = ["AST_LOCK"]

AST_LOCK = threading.RLock()
"""Held while a grader thread parses code or loads arrays (re-entrant: judging loads arrays)."""
