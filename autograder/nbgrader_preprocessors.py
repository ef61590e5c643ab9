"""The nbgrader preprocessors under the name that published ``nbgrader_config.py`` files use.

Courses published before the notebook side moved to :mod:`dlfs.autograder.notebook` import
``ExecuteSafely``, ``RegradeTestCells`` and ``ReportEditedTests`` from here; this module keeps
those configs working. New configs name :mod:`dlfs.autograder.notebook.preprocessors`.
"""

from .notebook.preprocessors import ExecuteSafely, RegradeTestCells, ReportEditedTests

__all__ = ["ExecuteSafely", "RegradeTestCells", "ReportEditedTests"]
