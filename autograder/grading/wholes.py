"""Whole numbers where fractions belong, in every function of an exercise.

An array made of whole numbers (``np.zeros(n, dtype=int)``, ``np.zeros_like`` of integer
pixels) or a number cut to a whole one (``int(other)``) loses what is not whole. Where it is in
the departing function, the numbers show it (:mod:`.rewrites`); where it is in a helper the
departing function calls (a padding helper's buffer, read by the convolution), the value
departs only downstream. These are proposed in every function, proven like any edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aligned import Departure
from .numbers import float_buffers, whole_number_casts
from .relations import Proposal, departure_of
from .source import Source

__all__ = ["whole_numbers_anywhere"]


def whole_numbers_anywhere(
    sources: Sequence[Source], departures: Sequence[Departure] = ()
) -> list[Proposal]:
    """Each array of whole numbers and each cut to a whole number, made floats or undone."""
    return [
        Proposal(fid, edit, name, departure_of(departures, fid), edit.span[0])
        for fid, source in enumerate(sources)
        for edit, name, _ in (*float_buffers(source.node), *whole_number_casts(source.node))
    ]
