"""Grading one exercise: the pipeline, its steps, and where expected values come from.

:mod:`.pipeline` reads the learner's code, :mod:`.plan` plans the checks, the sandbox runs
them, :mod:`.judge` (with :mod:`.compare` and :mod:`.diagnose`) judges them against an
:mod:`.answers` source, and the pipeline summarises.
"""

from .answers import AnswerSource, ReferenceAnswers, StoredAnswers, answer_source
from .data import DataCache
from .pipeline import EventHandler, grade_exercise
from .run import RunSettings
from .seeds import check_seed, fresh_seed

__all__ = [
    "AnswerSource",
    "DataCache",
    "EventHandler",
    "ReferenceAnswers",
    "RunSettings",
    "StoredAnswers",
    "answer_source",
    "check_seed",
    "fresh_seed",
    "grade_exercise",
]
