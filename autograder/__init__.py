"""The autograder: checks, the sandboxed runner, the progress store and the CLI."""

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

__all__ = [
    "GradCheckResult",
    "check_gradient",
    "check_layer",
    "check_loss",
    "check_network",
    "check_operation",
    "numerical_gradient",
    "rel_error",
]
