"""The autograder: checks, the sandboxed runner, the progress store and the CLI."""

from .api import grade
from .course import Course, CourseError, Exercise, load_course
from .gradcheck import (
    GradCheckResult,
    check_gradient,
    check_layer,
    check_loss,
    check_network,
    check_operation,
    numerical_gradient,
    rel_error,
)
from .hints import next_hint, revealed_hints
from .progress import ProgressStore, record_attempt, summarize
from .results import CheckResult, ExerciseResult, GradeReport
from .stubs.generate import build_exercises, check_exercises, reset_exercise
from .stubs.regions import find_regions, regions_in_tree

__all__ = [
    "CheckResult",
    "Course",
    "CourseError",
    "Exercise",
    "ExerciseResult",
    "GradCheckResult",
    "GradeReport",
    "ProgressStore",
    "build_exercises",
    "check_exercises",
    "check_gradient",
    "check_layer",
    "check_loss",
    "check_network",
    "check_operation",
    "find_regions",
    "grade",
    "load_course",
    "next_hint",
    "numerical_gradient",
    "record_attempt",
    "regions_in_tree",
    "rel_error",
    "reset_exercise",
    "revealed_hints",
    "summarize",
]
