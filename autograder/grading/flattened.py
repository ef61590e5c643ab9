"""The right numbers in a flat vector: an array's axes lost on the way.

``np.array([f(v) for v in np.ravel(x)])``, ``[… for v in self.input_.flat]``, a
``.flatten()`` to loop over the elements: every value is right and in the key's order, but
the result has one axis where the key's has the input's shape. Where a departing value holds
the numbers of a reference's value with more axes, and an array the call knows has that
shape (two axes or more longer than one: a lost axis of one is a sum without keepdims),
that array's shape is proposed given back (``(…).reshape(x.shape)``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy import ndarray

from ..sandbox.instrument import Edit
from .aligned import Departure, close
from .codeedits import Candidate

__all__ = ["unflattened"]


def unflattened(
    mine: ndarray,
    span,
    code: str,
    departure: Departure,
    known: dict[str, tuple[ndarray, int | None]],
) -> Iterator[Candidate]:
    """``mine`` reshaped like an array of ``known``, where a reference value has its numbers
    in that shape."""
    if mine.ndim != 1 or mine.size < 2:
        return
    shapes = {
        v.array.shape
        for v in [*departure.pool.returned, *departure.pool.values]
        if v.numeric and _axes(v.array) > 1 and v.array.size == mine.size and close(v.array, mine)
    }
    for name, (array, _) in known.items():
        if isinstance(array, ndarray) and array.shape in shapes and np.ndim(array) > 1:
            yield (
                Edit(span, "shaped_as", (name,)),
                f"`{code}` has the right numbers in one flat axis where the shape of `{name}`, "
                f"{array.shape}, belongs: `.reshape({name}.shape)` gives it back (a loop over "
                "the elements, `ravel` or `flatten`, keeps their values, not the axes)",
                True,
            )
            return


def _axes(array: ndarray) -> int:
    """How many axes longer than one ``array`` has (a (1, 4) is a row kept, not a grid)."""
    return sum(size > 1 for size in array.shape)
