"""The check kinds: one record each, read by everything that treats kinds differently.

A check's ``kind`` in course.toml decides which keys it may set (the course's schema), what its
probe must declare (the probes' record), how a learner reads its name (the reports), whether
its expected values are stored for copies without the reference (the stored answers), whether
those values are central differences rather than outputs, and which judge decides it (the
grading's judge, keyed by the same names; a test checks that every table agrees with this one).

It lives at the bottom of the autograder's layers, beside ``paths`` and ``results``, because
the probes (below the course) read it as well as the course, the answers and the grading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["KINDS", "CheckKind"]


@dataclass(frozen=True)
class CheckKind:
    """What one kind of check is.

    Attributes:
        name: its ``kind`` in course.toml (``"gradient"``).
        plain_name: what a learner reads (``"gradient check"``).
        keys: the course.toml keys of its own, beyond those every check has.
        needs: what its probe must declare (``numerical``: ``run`` takes ``numerical``).
        stored: whether its expected values are stored for copies without the reference.
        numerical: whether its expected values are the reference's central differences.
        about: what it checks, in a line.
    """

    name: str
    plain_name: str
    keys: tuple[str, ...]
    needs: tuple[str, ...]
    stored: bool
    numerical: bool
    about: str


KINDS: Mapping[str, CheckKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            CheckKind(
                "agreement",
                "agrees with the reference",
                keys=("rtol", "atol"),
                needs=(),
                stored=True,
                numerical=False,
                about="every output agrees with the reference's within rtol/atol",
            ),
            CheckKind(
                "gradient",
                "gradient check",
                keys=("tol", "arrays"),
                needs=("numerical",),
                stored=True,
                numerical=True,
                about="every gradient agrees with central differences, relative error within tol",
            ),
            CheckKind(
                "property",
                "behaves as specified",
                keys=(),
                needs=("judge",),
                stored=True,
                numerical=False,
                about="the probe's judge says which properties hold",
            ),
            CheckKind(
                "fixture",
                "known values",
                keys=("rtol", "atol", "expected"),
                needs=("expected",),
                stored=False,
                numerical=False,
                about="known answers, by hand (the probe's or the check's expected table)",
            ),
            CheckKind(
                "training",
                "trains",
                keys=("metric", "threshold", "budget"),
                needs=("data", "metric"),
                stored=False,
                numerical=False,
                about="the probe's metric on held-out labels against a threshold",
            ),
        )
    }
)
"""Every check kind, by name, in the order course.toml's messages list them."""
