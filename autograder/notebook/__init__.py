"""The notebook side: checking from a notebook, publishing the chapter notebooks to nbgrader.

:mod:`.checking` is ``check()`` (what a notebook's check cell calls: generated notebooks say
``from dlfs.autograder.notebook import check, hint``), :mod:`.hint` is ``hint()``, :mod:`.display`
how both show themselves, :mod:`.source` turns the cells a kernel ran
into a workspace, :mod:`.publish` makes an nbgrader course (from the chapter notebooks that
:mod:`dlfs.autograder.generate.notebooks` writes) and :mod:`.preprocessors` are the nbgrader
preprocessors its config names.
"""

from .checking import check, format_feedback, grade_cells
from .hint import hint

__all__ = ["check", "format_feedback", "grade_cells", "hint"]
