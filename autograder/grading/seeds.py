"""The seeds of the checks' inputs: stable for a learner, fresh for an official grade.

A learner's runs draw every check's inputs from a seed fixed by the exercise and the check,
so that a failure can be reproduced. An official grade salts them with a seed drawn for the
run and recorded in its report: a submission cannot replay outputs it has seen, and the
grade can be reproduced exactly from the report.
"""

from __future__ import annotations

import secrets
import zlib

__all__ = ["check_seed", "fresh_seed"]


def fresh_seed() -> int:
    """A new seed for an official grading run (31 bits, so that it reads well in a report)."""
    return secrets.randbits(31)


def check_seed(exercise_id: str, index: int, salt: int | None = None) -> int:
    """The seed of a check's inputs: fixed per exercise and check (the learner's runs), or
    mixed with the run's ``salt`` (the official grade)."""
    text = f"{exercise_id}/{index}" if salt is None else f"{exercise_id}/{index}/{salt}"
    return zlib.crc32(text.encode())
