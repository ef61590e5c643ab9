"""Grading one exercise: the pipeline, its steps, and where expected values come from.

:mod:`.pipeline` reads the learner's code, :mod:`.plan` plans the checks, the sandbox runs
them, :mod:`.judge` (with :mod:`.compare` and :mod:`.diagnose`) judges them against an
:mod:`.expected` source, and the pipeline summarises.
:mod:`.session` is the run around it: one scheduler for a learner's grading and a class's.
"""

from .context import EventHandler, ExerciseContext
from .data import DataCache
from .expected import ExpectedSource, ReferenceAnswers, StoredAnswers, expected_source
from .pipeline import grade_exercise
from .run import RunSettings
from .seeds import check_seed, fresh_seed
from .session import GradingSession

__all__ = [
    "DataCache",
    "EventHandler",
    "ExerciseContext",
    "ExpectedSource",
    "GradingSession",
    "ReferenceAnswers",
    "RunSettings",
    "StoredAnswers",
    "check_seed",
    "expected_source",
    "fresh_seed",
    "grade_exercise",
]
